"""The exercise bank: every reference is proven by an oracle built from torch.nn or the course's tested
cells (so a wrong reference fails here), points are stated once and written everywhere else by
`make exercises`, and the bank imports neither the learner's checks nor the grader."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lstm_course.exercise_bank.judge import Status, Verdict
from lstm_course.exercise_bank.registry import EXERCISES, NOTEBOOKS, points_table, validate
from lstm_course.exercise_bank.spec import POINTS_PER_NOTEBOOK, Exercise, compare, to_plain
from lstm_course.exercises import check_solution, exercise_notebook, stub_source, sync, with_table
from lstm_course.grade.report import Result, feedback_notebook

ROOT = Path(__file__).resolve().parent.parent
ORACLED = sorted(e.id for e in EXERCISES.values() if e.oracle is not None)
WRONG = [(e.id, k) for e in EXERCISES.values() if e.oracle is not None for k in range(len(e.wrong))]


def oracle_disagreement(exercise: Exercise, answer, seed: int) -> str | None:
    """The first case on which `answer` and the exercise's oracle differ, or None."""
    for case in exercise.draw(seed):
        expected = to_plain(exercise.oracle(copy.deepcopy(case)))
        got = to_plain(exercise.call(answer, copy.deepcopy(case)))
        problem = compare(expected, got, exercise.atol, exercise.rtol, exercise.parts)
        if problem:
            return f"{case['about']}: {problem}"
    return None


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("exercise_id", ORACLED)
def test_reference_agrees_with_an_oracle_built_from_torch(exercise_id, seed):
    exercise = EXERCISES[exercise_id]
    assert oracle_disagreement(exercise, exercise.reference, seed) is None


@pytest.mark.parametrize("exercise_id,k", WRONG)
def test_a_known_wrong_reference_would_fail_its_oracle(exercise_id, k):
    exercise = EXERCISES[exercise_id]
    assert oracle_disagreement(exercise, exercise.wrong[k].call, 0) is not None


def test_every_exercise_is_proven_by_an_oracle_or_judged_by_a_grade():
    assert [e.id for e in EXERCISES.values() if e.oracle is None and e.grade is None] == []


def test_the_bank_imports_neither_the_checks_nor_the_grader():
    code = ("import sys, lstm_course.exercise_bank.registry\n"
            "print(sorted(m for m in sys.modules if m.startswith(('lstm_course.grade', 'lstm_course.checks',"
            " 'lstm_course.exercises', 'lstm_course.progress'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_each_notebook_adds_up_to_the_stated_points_and_transcription_is_at_most_a_third():
    for stem, exercises in NOTEBOOKS.items():
        assert sum(e.points for e in exercises) == POINTS_PER_NOTEBOOK, stem
        assert 3 * sum(e.points for e in exercises if e.transcription) <= POINTS_PER_NOTEBOOK, stem


def test_an_inconsistent_bank_is_refused():
    first = next(iter(NOTEBOOKS.values()))[0]
    with pytest.raises(ValueError, match="add up to 99 points, expected 100"):
        validate({"99_x": (_like(first, notebook="99_x", points=99),)})
    with pytest.raises(ValueError, match="transcription is worth 40 points"):
        validate({"99_x": (_like(first, notebook="99_x", points=40, transcription=True),
                           _like(first, id="other", notebook="99_x", points=60, transcription=False))})


def _like(exercise: Exercise, **changes) -> Exercise:
    fields = {**vars(exercise), **changes}
    return Exercise(**fields)


def test_statuses_are_one_vocabulary_of_plain_words():
    assert Status.NOT_ATTEMPTED == "not attempted" and str(Status.PARTLY_CORRECT) == "partly correct"
    assert len({s.value for s in Status}) == len(Status)


# Points stated once: make exercises writes them into the solutions and the README.

def test_readme_table_is_the_one_the_bank_generates():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_table(readme) == readme
    for stem, exercises in NOTEBOOKS.items():
        assert f"| `{stem}` |" in points_table()
        assert all(f"{e.id} {e.points}" in points_table() for e in exercises)


@pytest.mark.parametrize("stem", sorted(NOTEBOOKS))
def test_solution_points_and_headings_match_the_bank(stem):
    nb = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    check_solution(nb, ROOT / "solutions" / f"{stem}.ipynb")
    headings = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for exercise in NOTEBOOKS[stem]:
        assert f"({exercise.points} points)" in headings


def test_sync_writes_the_banks_points_and_the_build_refuses_a_mismatch(tmp_path):
    stem = "01_rnn_vanishing_gradients"
    path = tmp_path / f"{stem}.ipynb"
    nb = nbformat.read(ROOT / "solutions" / path.name, as_version=4)
    exercise = NOTEBOOKS[stem][0]
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == exercise.check_id:
            cell.metadata["nbgrader"]["points"] = 7
        if cell.cell_type == "markdown" and f"({exercise.points} points)" in cell.source:
            cell.source = cell.source.replace(f"({exercise.points} points)", "(7 points)")
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="do not match the exercise bank"):
        check_solution(nbformat.read(path, as_version=4), path)
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- exercise table: generated by make exercises -->\nold\n"
                      "<!-- end of exercise table -->\nrest\n")
    assert sync(tmp_path, readme) == [path, readme]
    fixed = nbformat.read(path, as_version=4)
    check_solution(fixed, path)
    assert f"({exercise.points} points)" in "\n".join(c.source for c in fixed.cells)
    assert readme.read_text() == ("intro\n<!-- exercise table: generated by make exercises -->\n" + points_table()
                                  + "\n<!-- end of exercise table -->\nrest\n")
    assert sync(tmp_path, readme) == []


# Cells are found by nbgrader grade_id, never by their text.

def test_feedback_goes_under_the_cell_with_the_check_grade_id_whatever_its_source(tmp_path):
    exercise = NOTEBOOKS["01_rnn_vanishing_gradients"][0]
    renamed = new_code_cell("# my own words\nverify(rnn_step)")
    renamed.metadata["nbgrader"] = {"grade": True, "grade_id": exercise.check_id, "points": exercise.points}
    impostor = new_code_cell(f'check("{exercise.id}", rnn_step)')  # the text, but not the check cell
    executed = tmp_path / "executed.ipynb"
    nbformat.write(new_notebook(cells=[impostor, renamed]), executed)
    verdict = Verdict(exercise.id, 0.0, exercise.points, Status.WRONG, f"{exercise.id}: wrong")
    nb = feedback_notebook(Result("s.ipynb", "01_rnn_vanishing_gradients", [verdict]), executed)
    sources = [c.source for c in nb.cells]
    assert sources[1].startswith("check(") and sources[2].startswith("# my own words")
    assert sources[3].startswith("**Autograder:** 0 / ") and len(sources) == 4


# No answer leaks into a learner notebook (a solution region in a markdown answer cell).

def _markdown_answer(source: str):
    cell = new_markdown_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": "answer_why", "locked": False, "schema_version": 3,
                                 "solution": True, "task": False}
    return cell


def test_a_solution_region_in_a_markdown_answer_becomes_your_answer_here():
    source = "**Your answer:**\n\n### BEGIN SOLUTION\nBecause f_t scales the gradient.\n### END SOLUTION\n"
    learner = exercise_notebook(new_notebook(cells=[_markdown_answer(source)]))
    assert learner.cells[0].source == "**Your answer:**\n\nYOUR ANSWER HERE\n"
    assert "f_t scales" not in nbformat.writes(learner)


def test_solution_markers_outside_an_answer_cell_are_refused():
    leaky = new_markdown_cell("### BEGIN SOLUTION\nthe answer\n### END SOLUTION")
    with pytest.raises(ValueError, match="not an answer cell holds solution markers"):
        exercise_notebook(new_notebook(cells=[leaky]))


def test_markers_out_of_order_are_refused():
    with pytest.raises(ValueError, match="out of order"):
        stub_source("### END SOLUTION\nleak\n### BEGIN SOLUTION\n")


@pytest.mark.parametrize("stem", sorted(NOTEBOOKS))
def test_every_review_question_has_a_hidden_answer_with_a_why(stem):
    nb = nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", as_version=4)
    (review,) = [c.source for c in nb.cells if c.source.startswith("## Check your understanding")]
    questions = [line for line in review.splitlines() if line[:3] in {f"{n}. " for n in range(1, 10)}]
    answers = review.split("<details><summary>Answer</summary>")[1:]
    assert len(questions) >= 3 and len(answers) == len(questions)
    assert all("*Why:*" in answer.split("</details>")[0] for answer in answers)
