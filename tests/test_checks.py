"""Instant feedback: every check accepts the solutions, rejects each known mistake with its hint, says
"not attempted" for an unfilled exercise and cannot be fooled by rigged objects. (That each reference is
right is proven against torch.nn in test_exercise_bank.py, never by checking the reference with itself.)"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import torch

from lstm_course import checks
from lstm_course.checks import ExerciseNotPassed, check
from lstm_course.exercise_bank.registry import EXERCISES, NOTEBOOKS
from lstm_course.exercise_bank.spec import MAX_ELEMENTS, BadAnswer, to_plain

ROOT = Path(__file__).resolve().parent.parent
WRONG = [(e.id, k) for e in EXERCISES.values() for k in range(len(e.wrong))]


def notebook_namespace(folder: str, stem: str) -> dict:
    """Run a notebook's setup cell and answer cells (not its checks) and return the globals they define."""
    nb = nbformat.read(ROOT / folder / f"{stem}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    answers = [c for c in code if c.metadata.get("nbgrader", {}).get("solution")]
    namespace: dict = {}
    threads = torch.get_num_threads()
    try:
        for cell in [code[0], *answers]:
            exec(compile(cell.source, f"{stem}:{cell.get('id')}", "exec"), namespace)
    finally:
        torch.set_num_threads(threads)
    return namespace


@pytest.mark.parametrize("exercise_id,k", WRONG)
def test_known_mistake_fails_with_its_hint(exercise_id, k):
    wrong = EXERCISES[exercise_id].wrong[k]
    with pytest.raises(ExerciseNotPassed, match="expected") as error:
        check(exercise_id, wrong.call)
    assert wrong.hint in str(error.value)


@pytest.mark.parametrize("stem", sorted(NOTEBOOKS))
def test_solutions_pass_every_check(stem, capsys):
    namespace = notebook_namespace("solutions", stem)
    for exercise in NOTEBOOKS[stem]:
        check(exercise.id, namespace[exercise.name])
    assert capsys.readouterr().out.count("✔") == len(NOTEBOOKS[stem])


@pytest.mark.parametrize("stem", sorted(NOTEBOOKS))
def test_unfilled_exercise_fails_every_check_as_not_attempted(stem):
    namespace = notebook_namespace("exercises", stem)
    for exercise in NOTEBOOKS[stem]:
        with pytest.raises(ExerciseNotPassed, match="not attempted") as error:
            check(exercise.id, namespace[exercise.name])
        assert "Traceback" not in str(error.value) and len(str(error.value)) < 300


def test_each_notebook_is_worth_100_points_and_ids_are_unique():
    assert {name: sum(e.points for e in exercises) for name, exercises in NOTEBOOKS.items()} == {
        name: 100 for name in NOTEBOOKS}
    assert len(EXERCISES) == sum(len(exercises) for exercises in NOTEBOOKS.values())


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __array__(self, *args, **kwargs):
        return torch.tanh(torch.zeros(3, 5)).numpy()


class LyingTensor(torch.Tensor):
    def __eq__(self, other):
        return torch.ones_like(other, dtype=torch.bool)


def test_rigged_objects_cannot_pass():
    with pytest.raises(ExerciseNotPassed, match="got AlwaysEqual"):
        check("rnn_step", lambda *args: AlwaysEqual())
    reference = EXERCISES["rnn_step"].reference
    with pytest.raises(ExerciseNotPassed, match="got LyingTensor"):
        check("rnn_step", lambda *args: reference(*args).as_subclass(LyingTensor))


def test_parameters_numpy_arrays_and_named_tuples_are_plain_answers():
    assert to_plain((torch.nn.Parameter(torch.ones(2)), torch.Size([3]), torch.zeros(1).numpy())) == [
        [1.0, 1.0], [3.0], [0.0]]


def test_huge_or_strange_answers_are_refused():
    with pytest.raises(BadAnswer, match="more than"):
        to_plain(torch.zeros(MAX_ELEMENTS + 1))
    with pytest.raises(BadAnswer, match="got str"):
        to_plain("0.5")


def test_a_wrong_shape_says_expected_and_got():
    with pytest.raises(ExerciseNotPassed, match=r"expected shape \(3, 5\), got \(5, 3\)"):
        check("rnn_step", lambda *args: EXERCISES["rnn_step"].reference(*args).T)


def test_an_error_in_the_answer_is_reported_in_one_line():
    def broken(*args):
        raise KeyError("oops")

    with pytest.raises(ExerciseNotPassed, match="your code raised KeyError"):
        check("half_life", broken)


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown exercise 'rnn_stpe'"):
        check("rnn_stpe", None)


def test_checks_stand_aside_while_the_autograder_runs(monkeypatch, capsys):
    monkeypatch.setenv(checks.GRADING_ENV, "1")
    check("rnn_step", None)
    assert "autograder scores this exercise" in capsys.readouterr().out


def test_unfilled_exercise_shows_one_line_per_check_in_jupyter():
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "exercises" / "02_lstm_gates.ipynb", as_version=4)
    nbclient.NotebookClient(nb, allow_errors=True, timeout=120, kernel_name="python3").execute()
    check_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(check_cells) == len(NOTEBOOKS["02_lstm_gates"])
    for cell in check_cells:
        (output,) = cell.outputs
        assert output["ename"] == "ExerciseNotPassed"
        assert len(output["traceback"]) == 1 and "not attempted" in output["traceback"][0]
