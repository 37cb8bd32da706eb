"""Trained models are scored safely: plain weights rebuilt into the grader's own model, evaluated on data
drawn from a key the kernel never sees. A hostile suite of exercise 06 submissions gets exact scores.

The suite fills `init_forget_bias` correctly (its points) and `train_adding` with an attack that returns
at once, so no submission trains: each must earn exactly the forget-bias points, and the reason must
say what the grader saw.
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest
import torch
from grading_fixtures.hostile import SOLVED, exercise_with_answers, grade_folder

from lstm_course.exercise_bank.lesson06 import JUDGE, AddingModel
from lstm_course.exercise_bank.registry import EXERCISES
from lstm_course.exercise_bank.spec import to_plain
from lstm_course.exercise_bank.trained import LEARNER_KEY, evaluation_generator
from lstm_course.grade.score import GRADER_KEY

ROOT = Path(__file__).resolve().parent.parent
STEM = "06_long_range_memory"
BIAS_POINTS = EXERCISES["init_forget_bias"].points


def plain_weights(model: torch.nn.Module) -> dict:
    return to_plain(model.state_dict())


# The judge alone, on plain weights.

def test_weights_that_do_not_fit_the_spec_earn_nothing_and_say_why():
    weights = plain_weights(AddingModel(8))
    del weights["head.bias"]
    fraction, message = JUDGE(weights, {"seed": 1})
    assert fraction == 0.0 and "missing ['head.bias']" in message
    weights = plain_weights(AddingModel(8))
    weights["head.weight"] = [[0.0] * 9]
    fraction, message = JUDGE(weights, {"seed": 1})
    assert fraction == 0.0 and "wrong shape [('head.weight', (1, 9), (1, 8))]" in message


@pytest.mark.parametrize("weights,expected", [
    ({"lstm.weight_hh_l0": [[0.0] * 300] * 1200}, "hidden_size must be between 1 and 256, got 300"),
    ([1.0, 2.0], "expected the weights of an AddingModel (its state_dict()), got list"),
    ({}, "expected the weights of an AddingModel"),
])
def test_weights_of_the_wrong_kind_or_size_are_refused(weights, expected):
    fraction, message = JUDGE(weights, {"seed": 1})
    assert fraction == 0.0 and expected in message


def test_nan_weights_earn_nothing():
    weights = plain_weights(AddingModel(4))
    weights["head.bias"] = [math.nan]
    assert JUDGE(weights, {"seed": 1}) == (0.0, "the weights contain NaN or inf")


def test_an_untrained_model_earns_nothing_and_the_message_gives_its_error():
    torch.manual_seed(0)
    fraction, message = JUDGE(plain_weights(AddingModel(16)), {"seed": 3})
    assert fraction == 0.0 and message.startswith("MSE ") and "short of 0.05" in message


def test_held_out_data_depends_on_a_key_the_learner_does_not_have():
    same = [torch.rand(3, generator=evaluation_generator(5, LEARNER_KEY)) for _ in range(2)]
    torch.testing.assert_close(same[0], same[1])
    graded = torch.rand(3, generator=evaluation_generator(5, GRADER_KEY))
    assert GRADER_KEY != LEARNER_KEY and not torch.equal(same[0], graded)


# End to end: hostile notebooks through the grader.

WEIGHTS_DONT_FIT = '''def train_adding(steps, seed):
    return nn.LSTM(2, 8)'''

FORWARD_LOOPS_FOREVER = '''class Endless(AddingModel):
    def forward(self, x):
        while True:
            pass

def train_adding(steps, seed):
    return Endless(16)'''

ALLOCATES = '''def train_adding(steps, seed):
    blocks = []
    while True:
        blocks.append(bytearray(50_000_000))'''

PICKLE_PAYLOAD = '''import os, pickle

class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/lstm_course_pickle_ran",))

class Smuggler(AddingModel):
    def state_dict(self, *args, **kwargs):
        return {"lstm.weight_ih_l0": pickle.dumps(Payload()), "head.bias": Payload()}

def train_adding(steps, seed):
    return Smuggler(16)'''

SEARCHES_DISK = '''import os

def train_adding(steps, seed):
    found = []
    for top in ("/tmp", os.path.expanduser("~"), os.getcwd()):
        for folder, _, files in os.walk(top):
            found += [os.path.join(folder, f) for f in files if "adding" in f.lower() or f.endswith((".npy", ".pt"))]
            if len(found) > 1000:
                break
    print(f"found {len(found)} candidate files")
    return AddingModel(16)'''

ATTACKS = {  # name: (answer source, text the JSON report must contain for train_adding)
    "weights_dont_fit": (WEIGHTS_DONT_FIT, "expected an AddingModel's weights"),
    "forward_loops_forever": (FORWARD_LOOPS_FOREVER, "MSE "),
    "allocates_without_bound": (ALLOCATES, "train_adding"),
    "pickle_payload": (PICKLE_PAYLOAD, "got bytes"),
    "searches_disk_for_test_data": (SEARCHES_DISK, "MSE "),
}


def hostile_notebook(source: str):
    """The exercise notebook with the forget bias solved and train_adding replaced by `source`."""
    # keep the cell's AddingModel, replace the training function
    return exercise_with_answers(STEM, {"answer_init_forget_bias": SOLVED,
                                        "answer_train_adding": lambda cell: cell.split("def train_adding")[0] + source})


@pytest.fixture(scope="module")
def trained_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    for name, (source, _) in ATTACKS.items():
        nbformat.write(hostile_notebook(source), folder / f"{name}_{STEM}.ipynb")
    rows, reports = grade_folder(folder, out, seed=11, cell_timeout=30, timeout=240, limit=900)
    by_name = {name: f"{name}_{STEM}.ipynb" for name in ATTACKS}
    return {n: rows[f] for n, f in by_name.items()}, {n: reports[f] for n, f in by_name.items()}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_trained_model_gets_exactly_the_forget_bias_points(trained_batch, name):
    rows, reasons = trained_batch
    assert float(rows[name]["score"]) == BIAS_POINTS, reasons[name]
    assert float(rows[name]["train_adding"]) == 0, reasons[name]
    lost = next(item for item in reasons[name]["lost"] if item["exercise"] == "train_adding")
    assert ATTACKS[name][1] in lost["reason"], lost


def test_the_pickle_payload_never_ran_in_the_grader(trained_batch):
    assert not Path("/tmp/lstm_course_pickle_ran").exists()
