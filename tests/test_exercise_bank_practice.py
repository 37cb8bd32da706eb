"""The exercises of the practice lessons (07-10): what each judge accepts and refuses, where the data the
grader scores on comes from, and that the learner's side of the bank never exposes it.

The reference of greedy_decode is proven against Seq2Seq.greedy_decode by test_exercise_bank.py (its
oracle); the sampler's distribution is proven against charlm.next_char_probs here; the trained-model
references must earn full marks on the grader's data, which this file measures.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from lstm_course.charlm import next_char_probs
from lstm_course.co2 import load_co2
from lstm_course.exercise_bank import lesson07, lesson08, lesson09
from lstm_course.exercise_bank.judge import Status, judge, run_case
from lstm_course.exercise_bank.spec import tensor, to_plain
from lstm_course.exercise_bank.trained import LEARNER_KEY
from lstm_course.grade.redact import grader_only_data
from lstm_course.language_id import WordClassifier
from lstm_course.languages import LANGUAGES, load_words

GRADER = 12345  # any key but the learner's selects the grader's data


def verdict(exercise, answer, seed=0, key=LEARNER_KEY):
    cases = exercise.draw(seed)
    return judge(exercise, cases, [run_case(exercise, answer, copy.deepcopy(case)) for case in cases], key)


# --- sample_with_temperature ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampler_reference_returns_the_lessons_distribution_and_each_mistake_does_not(seed):
    generator = torch.Generator().manual_seed(0)
    for case in lesson09.SAMPLE.draw(seed):
        logits = tensor(case["logits"])
        expected = next_char_probs(logits, case["temperature"], case["top_k"])
        _, probs = lesson09.sample_with_temperature(logits.clone(), case["temperature"], case["top_k"], generator)
        torch.testing.assert_close(probs, expected, rtol=0, atol=1e-12)
    for wrong in lesson09.SAMPLE.wrong[:3]:  # the three that return a wrong distribution
        assert any(not np.allclose(lesson09._probs_of(wrong.call, case),
                                   next_char_probs(tensor(case["logits"]), case["temperature"], case["top_k"]))
                   for case in lesson09.SAMPLE.draw(seed))


def test_a_correct_sampler_stays_well_inside_the_statistical_threshold():
    """Simulated checks of a sampler that draws from exactly the right distribution: how far its
    frequencies over DRAWS draws stray, in total variation, on the check's cases and the grader's."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for seed in range(4):
        for case in lesson09.SAMPLE.draw(seed):
            p = next_char_probs(tensor(case["logits"]), case["temperature"], case["top_k"]).numpy()
            counts = rng.multinomial(lesson09.DRAWS, p, size=20_000)  # 20,000 simulated checks
            worst = max(worst, float((0.5 * np.abs(counts / lesson09.DRAWS - p).sum(1)).max()))
    assert worst < 0.7 * lesson09.MAX_TV, worst


def test_a_sampler_that_always_takes_the_argmax_gets_half_marks_for_its_distribution():
    def argmax_sampler(logits, temperature, top_k, generator):
        probs = next_char_probs(logits, temperature, top_k)
        return int(probs.argmax()), probs

    result = verdict(lesson09.SAMPLE, argmax_sampler)
    assert result.status is Status.PARTLY_CORRECT and result.earned == 50
    assert "the draws do not follow it" in result.message


def test_a_sampler_that_ignores_its_generator_gets_half_marks_and_the_global_state_is_restored():
    before = torch.get_rng_state()
    result = verdict(lesson09.SAMPLE, lesson09.SAMPLE.wrong[3].call)
    assert result.earned == 50 and lesson09.IGNORES_GENERATOR in result.message
    assert torch.equal(torch.get_rng_state(), before)


def test_a_sampler_returning_something_else_is_wrong_with_a_reason():
    result = verdict(lesson09.SAMPLE, lambda logits, temperature, top_k, generator: 3)
    assert result.status is Status.WRONG and "expected (id, probs), got int" in result.message


# --- forecast_co2 -----------------------------------------------------------------------------------------------


def test_the_grader_hides_both_data_files_the_practice_exercises_score_on():
    views = grader_only_data()
    assert views[lesson08.DATA_FILE] is lesson08._learner_view and views[lesson07.DATA_FILE] is lesson07._learner_view


def test_co2_sandbox_copy_has_no_month_the_grader_scores(tmp_path):
    from lstm_course.grade.redact import DATA

    full = (DATA / lesson08.DATA_FILE).read_text(encoding="utf-8")
    view = tmp_path / "view.csv"
    view.write_text(lesson08._learner_view(full), encoding="utf-8")
    seen = load_co2(view)
    assert int(seen.year.max()) == lesson08.CUTOFF_YEAR - 1 and int(seen.month[-1]) == 12
    torch.testing.assert_close(seen.average_ppm, lesson08.months_before(lesson08.CUTOFF_YEAR), rtol=0, atol=0)
    series, months, what = lesson08.scored_months(GRADER)
    co2 = load_co2()
    assert int(co2.year[months].min()) == lesson08.CUTOFF_YEAR and len(months) == len(co2) - len(seen)
    assert what == f"the {len(months)} months of {lesson08.CUTOFF_YEAR}-{int(co2.year[-1])}"


def test_co2_check_scores_the_validation_years_the_function_was_given():
    _, months, what = lesson08.scored_months(LEARNER_KEY)
    co2 = load_co2()
    assert set(co2.year[months].tolist()) == set(range(lesson08.VALIDATION_FROM, lesson08.CUTOFF_YEAR))
    assert int(months.max()) < len(lesson08.months_before(lesson08.CUTOFF_YEAR))


def test_co2_naive_forecasts_are_what_their_definitions_give():
    co2 = load_co2()
    y = co2.average_ppm.float().numpy()
    series, months, _ = lesson08.scored_months(GRADER)
    t = months.numpy()
    naive = lesson08.naive_mae(series, months)
    assert naive["persistence"] == pytest.approx(np.mean(np.abs(y[t] - y[t - 1])), rel=1e-5)
    assert naive["seasonal naive"] == pytest.approx(np.mean(np.abs(y[t] - y[t - 12])), rel=1e-5)
    assert naive["persistence"] < naive["seasonal naive"]  # one month ahead, persistence is the one to beat


@pytest.fixture(scope="module")
def co2_reference():
    return lesson08.train_forecaster(lesson08.months_before(lesson08.CUTOFF_YEAR), seed=3)


def test_co2_reference_earns_full_marks_on_months_it_never_had(co2_reference):
    fraction, message = lesson08._grade(to_plain(co2_reference.state_dict()), {}, GRADER)
    assert fraction == 1.0, message
    assert f"months of {lesson08.CUTOFF_YEAR}-" in message


def test_co2_the_same_weights_reading_levels_earn_nothing(co2_reference):
    levels = copy.deepcopy(co2_reference)
    levels.changes.fill_(0.0)
    fraction, message = lesson08._grade(to_plain(levels.state_dict()), {}, GRADER)
    assert fraction == 0.0 and "did you read the changes" in message


def test_co2_forecast_matches_a_hand_computed_persistence():
    """A forecaster whose head outputs 0 and whose shift is 0 is persistence: its MAE must equal persistence's."""
    model = lesson08.CO2Forecaster(4)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    series, months, _ = lesson08.scored_months(GRADER)
    assert lesson08.forecast_mae(model, series, months) == pytest.approx(
        lesson08.naive_mae(series, months)["persistence"], rel=1e-6)
    fraction, message = lesson08._grade(to_plain(model.state_dict()), {}, GRADER)
    assert fraction == 0.0 and "expected at most" in message


@pytest.mark.parametrize("change,expected", [
    (lambda w: w.pop("scale"), "missing ['scale']"),
    (lambda w: w.update({"lstm.weight_hh_l0": [[0.0] * 100] * 400}), "hidden_size must be between 1 and 64, got 100"),
    (lambda w: w.update({"shift": math.nan}), "the weights contain NaN or inf"),
])
def test_co2_weights_that_do_not_fit_or_are_not_finite_earn_nothing(change, expected):
    weights = to_plain(lesson08.CO2Forecaster(8).state_dict())
    change(weights)
    fraction, message = lesson08._grade(weights, {}, GRADER)
    assert fraction == 0.0 and expected in message


# --- language_classifier ----------------------------------------------------------------------------------------


def test_held_out_words_are_about_one_in_ten_of_every_language_and_never_in_practice():
    words = load_words()
    held = [lesson07.held_out(w) for w in words.words]
    practice = lesson07.practice_words()
    assert 0.08 < np.mean(held) < 0.12
    counts = np.bincount(words.labels[torch.tensor(held)].numpy(), minlength=len(LANGUAGES))
    assert counts.min() > 250  # every language has held-out words to score
    assert not set(practice.words) & {w for w, h in zip(words.words, held) if h}
    assert len(practice) + sum(held) == len(words)


def test_word_file_copy_in_the_sandbox_holds_exactly_the_practice_words():
    from lstm_course.grade.redact import DATA

    full = (DATA / lesson07.DATA_FILE).read_text(encoding="utf-8")
    header, *rows = lesson07._learner_view(full).splitlines()
    assert header == full.splitlines()[0]
    assert [row.split("\t", 1)[0] for row in rows] == list(lesson07.practice_words().words)


def test_language_check_scores_validation_words_and_grader_the_held_out_ones():
    validation, what = lesson07.scored_words(LEARNER_KEY)
    assert validation.words == lesson07.practice_split()[1].words and "validation" in what
    held, what = lesson07.scored_words(GRADER)
    assert all(lesson07.held_out(w) for w in held.words) and what == f"the {len(held)} held-out words"
    train, validation = lesson07.practice_split()
    assert not set(train.words) & set(validation.words)
    assert len(train) + len(validation) == len(lesson07.practice_words())


def test_language_reference_earns_full_marks_on_the_held_out_words():
    train, validation = lesson07.practice_split()
    model = lesson07.train_language_classifier(train, validation, seed=4)
    fraction, message = lesson07._grade(to_plain(model.state_dict()), {}, GRADER)
    assert fraction == 1.0, message
    assert "held-out words" in message and "character-bigram baseline" in message


def test_an_untrained_classifier_earns_nothing():
    torch.manual_seed(0)
    model = WordClassifier(len(lesson07.practice_vocabulary()), len(LANGUAGES))
    fraction, message = lesson07._grade(to_plain(model.state_dict()), {}, GRADER)
    assert fraction == 0.0 and "expected more than the baseline" in message


@pytest.mark.parametrize("weights,expected", [
    (lambda: to_plain(WordClassifier(10, len(LANGUAGES)).state_dict()),
     "the embedding must have one row per id of practice_vocabulary()"),
    (lambda: to_plain(WordClassifier(len(lesson07.practice_vocabulary()), 3).state_dict()), "wrong shape"),
    (lambda: to_plain(torch.nn.LSTM(4, 4).state_dict()), "expected a WordClassifier's weights"),
])
def test_classifier_weights_that_do_not_fit_earn_nothing(weights, expected):
    fraction, message = lesson07._grade(weights(), {}, GRADER)
    assert fraction == 0.0 and expected in message


def test_a_one_direction_classifier_is_rebuilt_as_one():
    model = WordClassifier(len(lesson07.practice_vocabulary()), len(LANGUAGES), bidirectional=False)
    rebuilt = lesson07.JUDGE.model(to_plain(model.state_dict()))
    assert rebuilt.bidirectional is False and rebuilt.packed is True
