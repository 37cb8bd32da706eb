"""The exercises work in nbgrader unchanged: its generate_assignment makes our learner version, its
autograde gives the solution full marks.

nbgrader is the `nbgrader` extra, installed by `make test` only (learners never need it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook  # the `nbgrader` extra; `make test` installs it

ROOT = Path(__file__).resolve().parent.parent
STEM = "03_building_an_lstm_cell"
BOOKKEEPING = {"checksum", "cell_type"}  # what nbgrader adds to a graded cell's metadata for itself


def nbgrader(course: Path, *args: str) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """An nbgrader course folder with solutions/03 as its source, released and submitted as is."""
    course = tmp_path_factory.mktemp("nbgrader_course")
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "lstm_course"\n')
    (course / "source" / "ex03").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{STEM}.ipynb", course / "source" / "ex03")
    nbgrader(course, "db", "assignment", "add", "ex03")
    nbgrader(course, "db", "student", "add", "learner")
    nbgrader(course, "generate_assignment", "ex03", "--force")
    (course / "submitted" / "learner" / "ex03").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{STEM}.ipynb", course / "submitted" / "learner" / "ex03")
    nbgrader(course, "autograde", "ex03", "--force")
    return course


def test_generate_assignment_equals_our_exercise_cell_for_cell(course):
    theirs = nbformat.read(course / "release" / "ex03" / f"{STEM}.ipynb", as_version=4)
    ours = nbformat.read(ROOT / "exercises" / f"{STEM}.ipynb", as_version=4)
    assert len(theirs.cells) == len(ours.cells)
    for k, (a, b) in enumerate(zip(theirs.cells, ours.cells)):
        assert (a.cell_type, a.source, a.get("outputs")) == (b.cell_type, b.source, b.get("outputs")), f"cell {k}"
        grading = {key: v for key, v in a.metadata.get("nbgrader", {}).items() if key not in BOOKKEEPING}
        assert grading == b.metadata.get("nbgrader", {}), f"cell {k}"


def test_autograde_gives_the_solution_full_marks(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("ex03", "learner")
        assert (submission.score, submission.max_score) == (100, 100)
