"""debug_training_loop: each planted bug has its own probe, and the score counts the bugs fixed.

The exercise's buggy loop (`lesson05.BUGGY_LOOP`) is fixed here one bug at a time, by replacing the
exact lines that make it; every subset of fixes must pass exactly its own probes. End to end, hostile
exercise 05 notebooks (final_states solved, the loop replaced) go through the grader and must earn
exactly the final_states points plus 10 per bug fixed (and the trained model's 10 when all are).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import nbformat
import pytest
import torch
from grading_fixtures.hostile import SOLVED, exercise_with_answers, grade_folder
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstm_course.exercise_bank import lesson05
from lstm_course.exercise_bank.judge import Status, judge, run_case
from lstm_course.exercise_bank.registry import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
STEM = "05_deep_and_bidirectional"
EXERCISE = EXERCISES["debug_training_loop"]
FINAL_POINTS = EXERCISES["final_states_projected"].points
PER_BUG = EXERCISE.points / (len(lesson05.PROBES) + 1)

FIXES = {  # bug: (the buggy line, its fix)
    "state leak": ("output, state = lstm(packed, state)", "output, state = lstm(packed)"),
    "padding": ("forward_final = output[:, -1, :H]  # the forward direction's last step",
                "forward_final = state[0][-2]"),
    "direction": ("backward_final = state[0][-2]  # h_n[-1] is the forward direction, so the backward one is h_n[-2]",
                  "backward_final = state[0][-1]"),
    "zero_grad": ("        loss.backward()\n", "        optimizer.zero_grad()\n        loss.backward()\n"),
    "loss shape": ("logits = head(torch.cat([forward_final, backward_final], dim=1))",
                   "logits = head(torch.cat([forward_final, backward_final], dim=1)).squeeze(-1)"),
}


def fixed_source(bugs) -> str:
    source = lesson05.BUGGY_LOOP
    for bug in bugs:
        buggy, fix = FIXES[bug]
        assert source.count(buggy) == 1, bug
        source = source.replace(buggy, fix)
    return source


def loop(bugs):
    namespace = {"torch": torch, "nn": nn, "pack_padded_sequence": pack_padded_sequence,
                 "pad_packed_sequence": pad_packed_sequence}
    exec(fixed_source(bugs), namespace)
    return namespace["train_classifier"]


SUBSETS = [bugs for k in range(len(FIXES) + 1) for bugs in itertools.combinations(lesson05.PROBES, k)]


@pytest.mark.parametrize("bugs", SUBSETS, ids=lambda bugs: "+".join(bugs) or "none")
def test_every_subset_of_fixes_passes_exactly_its_own_probes(bugs):
    answer = loop(bugs)
    passed = []
    for name in lesson05.PROBES:
        got = lesson05.PROBE_RUNS[name](answer, 5)
        expected = lesson05.PROBE_RUNS[name](lesson05.train_classifier, 5)
        if abs(got - expected) <= 1e-6 + 1e-6 * abs(expected):
            passed.append(name)
    assert passed == list(bugs)


def test_the_zero_grad_probe_reads_0_when_gradients_are_cleared_and_1_when_they_accumulate():
    assert lesson05.PROBE_RUNS["zero_grad"](lesson05.train_classifier, 3) == pytest.approx(0, abs=1e-9)
    assert lesson05.PROBE_RUNS["zero_grad"](loop(()), 3) == pytest.approx(1, abs=1e-9)


def test_probe_values_go_to_points_one_share_per_bug_and_a_crash_costs_one_probe():
    case = EXERCISE.draw(0)[0]
    reference = [lesson05.PROBE_RUNS[n](lesson05.train_classifier, case["seed"]) for n in lesson05.PROBES]
    crashed = [math.nan, *reference[1:]]
    fraction, message = EXERCISE.grade({"probes": crashed, "weights": {}}, case, 0)
    assert fraction == 4 / 6 and "state leak: not fixed" in message and "scored once every bug is fixed" in message
    assert EXERCISE.grade([1.0, 2.0], case, 0)[0] == 0.0


def test_the_reference_earns_every_point_and_the_buggy_loop_none():
    case = EXERCISE.draw(1)[0]
    verdict = judge(EXERCISE, [case], [run_case(EXERCISE, lesson05.train_classifier, case)], key=987654321)
    assert verdict.status is Status.CORRECT and verdict.earned == EXERCISE.points, verdict.message
    verdict = judge(EXERCISE, [case], [run_case(EXERCISE, loop(()), case)])
    assert verdict.earned == 0 and verdict.status is Status.WRONG and "0 of 5 bugs fixed" in verdict.message


# End to end through the grader.

NEVER_RETURNS = '''def train_classifier(lstm, head, batches, lr):
    while True:
        pass'''

ALLOCATES = '''def train_classifier(lstm, head, batches, lr):
    blocks = []
    while True:
        blocks.append(bytearray(50_000_000))'''

ATTACKS = {  # name: (answer source, exact score of the notebook, text the JSON reason must hold, or None)
    "never_returns": (NEVER_RETURNS, FINAL_POINTS, None),
    "allocates_without_bound": (ALLOCATES, FINAL_POINTS, None),
    "buggy_unchanged": (lesson05.BUGGY_LOOP, FINAL_POINTS, "0 of 5 bugs fixed"),
    "fixes_one": (fixed_source(["padding"]), FINAL_POINTS + PER_BUG, "1 of 5 bugs fixed"),
    "fixes_two": (fixed_source(["state leak", "loss shape"]), FINAL_POINTS + 2 * PER_BUG, "2 of 5 bugs fixed"),
    "fixes_three": (fixed_source(["direction", "zero_grad", "loss shape"]), FINAL_POINTS + 3 * PER_BUG,
                    "3 of 5 bugs fixed"),
    "fixes_four": (fixed_source(["state leak", "padding", "direction", "zero_grad"]), FINAL_POINTS + 4 * PER_BUG,
                   "4 of 5 bugs fixed"),
    "fixes_all": (fixed_source(lesson05.PROBES), 100, None),
}


def hostile_notebook(source: str):
    """The exercise notebook with final_states solved and train_classifier replaced by `source`."""
    return exercise_with_answers(STEM, {"answer_final_states_projected": SOLVED, "answer_debug_training_loop": source})


@pytest.fixture(scope="module")
def debug_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    for name, (source, _, _) in ATTACKS.items():
        nbformat.write(hostile_notebook(source), folder / f"{name}_{STEM}.ipynb")
    rows, reports = grade_folder(folder, out, seed=13, cell_timeout=30, timeout=240, limit=1200)
    by_name = {name: f"{name}_{STEM}.ipynb" for name in ATTACKS}
    return {n: rows[f] for n, f in by_name.items()}, {n: reports[f] for n, f in by_name.items()}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_loop_gets_its_exact_score(debug_batch, name):
    rows, reasons = debug_batch
    _, score, reason = ATTACKS[name]
    assert float(rows[name]["score"]) == pytest.approx(score, abs=0.01), reasons[name]
    if reason is not None:
        lost = next(item for item in reasons[name]["lost"] if item["exercise"] == "debug_training_loop")
        assert reason in lost["reason"], lost
