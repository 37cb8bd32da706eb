"""The practice exercises (07-10) through the autograder, sandboxed: hostile submissions with exact scores.

Each exercise notebook of the practice lessons is worth 100 points in one exercise, so every score is
100, 50 or 0. The trained-model exercises (07, 08) get weights that do not fit the spec, NaN weights,
a pickle payload in place of the weights, a model whose forward loops forever (never run: the grader
rebuilds its own class) and a submission that searches the disk for the data the grader scores on
(the sandbox shows copies of the data files without it, so it finds none and says so in its score's
reason, or raises and names what it found). The function exercises (09, 10) get the known mistakes,
a call of the bank's own (redacted) reference and an answer that hangs when called.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from grading_fixtures.hostile import exercise_with_answers, grade_folder

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE, CO2, SAMPLER, DECODER = ("07_language_identification", "08_forecasting_co2", "09_char_model_python",
                                   "10_encoder_decoder_dates")
ANSWER = {LANGUAGE: "language_classifier", CO2: "forecast_co2", SAMPLER: "sample_with_temperature",
          DECODER: "greedy_decode"}

# --- trained models: language_classifier (07) and forecast_co2 (08) ---------------------------------------------

LANGUAGE_UNFIT = '''def train_language_classifier(train, validation, seed):
    return nn.LSTM(16, 32)'''

LANGUAGE_NAN = '''def train_language_classifier(train, validation, seed):
    model = WordClassifier(len(practice_vocabulary()), len(LANGUAGES))
    with torch.no_grad():
        model.head.bias[0] = float("nan")
    return model'''

PICKLE = '''import os, pickle

class Payload:
    def __reduce__(self):
        return (os.system, ("echo ran > /tmp/lstm_course_practice_pickle_ran",))

class Smuggler(nn.Module):
    def state_dict(self, *args, **kwargs):
        return {"head.bias": pickle.dumps(Payload()), "payload": Payload()}

'''

SEARCH = '''import os, sys
import lstm_course

def _files(pattern):
    tops = [sys.prefix, os.path.dirname(lstm_course.__file__), os.path.expanduser("~"), os.getcwd(), "/tmp"]
    for top in tops:
        for folder, _, names in os.walk(top):
            for name in names:
                if name.endswith(pattern):
                    yield os.path.join(folder, name)

'''

LANGUAGE_SEARCH = SEARCH + '''def train_language_classifier(train, validation, seed):
    from lstm_course.exercise_bank.lesson07 import held_out
    found = set()
    for path in _files("language_words.tsv"):  # the word file, not its licence
        with open(path, encoding="utf-8", errors="replace") as f:
            found |= {line.split("\\t", 1)[0] for line in f if "\\t" in line and held_out(line.split("\\t", 1)[0])}
    if found:
        raise RuntimeError(f"found {len(found)} held-out words")
    model = WordClassifier(len(practice_vocabulary()), len(LANGUAGES))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
    return model'''

CO2_UNFIT = '''def train_forecaster(months, seed):
    return nn.Linear(24, 1)'''

CO2_NAN = '''def train_forecaster(months, seed):
    model = CO2Forecaster(8)
    model.scale.fill_(float("nan"))
    return model'''

ZERO_FORECASTER = '''
def _zero_forecaster(cls=CO2Forecaster):
    model = cls(8)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
    model.changes.fill_(0.0)  # reads levels, shift 0, scale 1, outputs 0 ppm
    return model
'''

CO2_ENDLESS = ZERO_FORECASTER + '''
class Endless(CO2Forecaster):
    def forward(self, past):
        while True:
            pass

def train_forecaster(months, seed):
    return _zero_forecaster(Endless)'''

CO2_SEARCH = SEARCH + ZERO_FORECASTER + '''
def train_forecaster(months, seed):
    later = 0
    for path in _files(".csv"):  # any CO2 table: a header that names ppm
        with open(path, encoding="utf-8", errors="replace") as f:
            if "ppm" in f.readline():
                later += sum(line[:4].isdigit() and int(line[:4]) >= 2016 for line in f)
    if later:
        raise RuntimeError(f"found {later} months from 2016 on")
    return _zero_forecaster()'''

# --- functions: sample_with_temperature (09) and greedy_decode (10) -----------------------------------------------

SAMPLER_GLOBAL = '''def sample_with_temperature(logits, temperature, top_k, generator):
    if top_k is not None:
        logits = logits.masked_fill(logits < logits.topk(top_k).values[-1], -math.inf)
    probs = torch.softmax(logits / temperature, -1) if temperature else torch.eye(len(logits))[logits.argmax()].double()
    return int(torch.multinomial(probs, 1)), probs'''

SAMPLER_MULTIPLIED = '''def sample_with_temperature(logits, temperature, top_k, generator):
    if top_k is not None:
        logits = logits.masked_fill(logits < logits.topk(top_k).values[-1], -math.inf)
    probs = torch.softmax(logits * temperature, -1)
    return int(torch.multinomial(probs, 1, generator=generator)), probs'''

SAMPLER_REFERENCE = '''from lstm_course.exercise_bank.lesson09 import sample_with_temperature'''

SAMPLER_HANGS = '''def sample_with_temperature(logits, temperature, top_k, generator):
    while True:
        pass'''

DECODER_TEACHER_FORCING = '''def greedy_decode(parts, batch):
    state = parts.encode(batch.source, batch.lengths)
    output, _ = parts.decoder(parts.embed(batch.target[:, :-1]), state)
    return parts.head(output).argmax(-1)'''

DECODER_REFERENCE = '''from lstm_course.exercise_bank.lesson10 import greedy_decode'''

DECODER_RIGGED = '''class Rigged:
    def __eq__(self, other):
        return True

def greedy_decode(parts, batch):
    return Rigged()'''

# name: (notebook, answer source or None for the solution, score, text the reason must contain)
SUBMISSIONS = {
    "language_solution": (LANGUAGE, None, 100, "held-out words"),
    "language_weights_dont_fit": (LANGUAGE, LANGUAGE_UNFIT, 0, "expected a WordClassifier's weights"),
    "language_nan_weights": (LANGUAGE, LANGUAGE_NAN, 0, "the weights contain NaN or inf"),
    "language_pickle_payload": (LANGUAGE, PICKLE + "def train_language_classifier(train, validation, seed):\n"
                                "    return Smuggler()", 0, "got bytes"),
    "language_searches_disk": (LANGUAGE, LANGUAGE_SEARCH, 0, "accuracy 0.1"),
    "co2_solution": (CO2, None, 100, "months of 2016-"),
    "co2_weights_dont_fit": (CO2, CO2_UNFIT, 0, "expected a CO2Forecaster's weights"),
    "co2_nan_weights": (CO2, CO2_NAN, 0, "the weights contain NaN or inf"),
    "co2_pickle_payload": (CO2, PICKLE + "def train_forecaster(months, seed):\n    return Smuggler()", 0, "got bytes"),
    "co2_forward_loops_forever": (CO2, CO2_ENDLESS, 0, "expected at most"),
    "co2_searches_disk": (CO2, CO2_SEARCH, 0, "expected at most"),
    "sampler_solution": (SAMPLER, None, 100, ""),
    "sampler_ignores_generator": (SAMPLER, SAMPLER_GLOBAL, 50, "same ids from the same seed"),
    "sampler_multiplied": (SAMPLER, SAMPLER_MULTIPLIED, 0, "the logits were multiplied by T"),
    "sampler_hands_in_the_reference": (SAMPLER, SAMPLER_REFERENCE, 0, "PermissionError"),
    "sampler_hangs_when_called": (SAMPLER, SAMPLER_HANGS, 0, "ran longer than"),
    "decoder_solution": (DECODER, None, 100, ""),
    "decoder_teacher_forcing": (DECODER, DECODER_TEACHER_FORCING, 0, "teacher forcing is for training"),
    "decoder_hands_in_the_reference": (DECODER, DECODER_REFERENCE, 0, "PermissionError"),
    "decoder_rigged_object": (DECODER, DECODER_RIGGED, 0, "got Rigged"),
}


def submission(stem: str, source: str | None):
    """The solution notebook, or the exercise notebook with its one answer cell replaced by `source`."""
    if source is None:
        return nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    return exercise_with_answers(stem, {f"answer_{ANSWER[stem]}": source})


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    for name, (stem, source, _, _) in SUBMISSIONS.items():
        nbformat.write(submission(stem, source), folder / f"{name}_{stem}.ipynb")
    rows, reports = grade_folder(folder, out, seed=5, cell_timeout=60, timeout=300, limit=1800)
    by_name = {name: f"{name}_{stem}.ipynb" for name, (stem, _, _, _) in SUBMISSIONS.items()}
    return {n: rows[f] for n, f in by_name.items()}, {n: reports[f] for n, f in by_name.items()}


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_each_practice_submission_gets_exactly_its_score(graded, name):
    rows, reasons = graded
    stem, _, score, reason = SUBMISSIONS[name]
    assert float(rows[name]["score"]) == score, reasons[name]
    assert float(rows[name][ANSWER[stem]]) == score, reasons[name]
    if score < 100:
        (lost,) = [item for item in reasons[name]["lost"] if item["exercise"] == ANSWER[stem]]
        assert reason in lost["reason"], lost


def test_no_search_found_the_grader_data(graded):
    _, reasons = graded
    for name in ("language_searches_disk", "co2_searches_disk"):
        assert "found" not in json.dumps(reasons[name]), reasons[name]


def test_the_pickle_payloads_never_ran_in_the_grader(graded):
    assert not Path("/tmp/lstm_course_practice_pickle_ran").exists()
