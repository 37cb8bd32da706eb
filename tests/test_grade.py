"""The autograder end to end: hostile submissions get exactly what their answers earn, nothing hangs,
nothing is left running, submissions are never modified, and parallel runs give the same CSV.

These tests start real kernels, so they run a whole batch once per module and check many things on it.
"""

from __future__ import annotations

import atexit
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import hostile

ROOT = Path(__file__).resolve().parent.parent
TOKEN = f"lstm-course-leftover-{os.getpid()}"
# This module's graders work under their own temporary folder, so the checks for leftover kernels see only
# this module's, not those of other grading tests running at the same time in another pytest worker.
GRADER_TMP = tempfile.mkdtemp(prefix="lstm-course-test-grade-")
atexit.register(shutil.rmtree, GRADER_TMP, True)
GRADER_ENV = {**os.environ, "TMPDIR": GRADER_TMP}


def grade(paths, out: Path, jobs: int, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "lstm_course.grade", *map(str, paths), "--out", str(out), "--jobs", str(jobs),
               "--seed", "7", "--cell-timeout", "15", "--timeout", "150", "--memory-mb", "1536", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT, env=GRADER_ENV)


def read_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {Path(row["submission"]).name: row for row in csv.DictReader(f)}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    cases = hostile.cases(TOKEN)
    paths = {case.name: hostile.write(folder, case) for case in cases}
    before = {name: digest(path) for name, path in paths.items()}
    started = time.monotonic()
    run = grade([folder], out, 2)
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stderr[-3000:]
    reasons = {Path(r["submission"]).name: r for r in json.loads(out.with_suffix(".json").read_text())["submissions"]}
    return dict(cases=cases, paths=paths, before=before, out=out, rows=read_csv(out), reasons=reasons, seconds=seconds)


@pytest.mark.parametrize("name", [case.name for case in hostile.cases("x")])
def test_hostile_submission_gets_exactly_what_its_answers_earn(hostile_batch, name):
    case = next(c for c in hostile_batch["cases"] if c.name == name)
    file_name = hostile_batch["paths"][name].name
    row, reason = hostile_batch["rows"][file_name], hostile_batch["reasons"][file_name]
    assert float(row["score"]) == case.score, (row, reason)
    assert case.reason in json.dumps(reason, ensure_ascii=False), reason


def test_grading_never_modifies_a_submission(hostile_batch):
    after = {name: digest(path) for name, path in hostile_batch["paths"].items()}
    assert after == hostile_batch["before"]


def _processes_matching(text: str, within: str = "") -> list[str]:
    """Processes whose command line holds `text` (and `within`, e.g. this module's temporary folder)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline and within in cmdline:
                found.append(f"{entry}: {cmdline}")
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_process_is_left_behind(hostile_batch):
    assert _processes_matching(TOKEN) == []
    assert _processes_matching("lstm_course.grade.kernel", GRADER_TMP) == []
    assert _processes_matching("lstm_course.grade.sandbox", GRADER_TMP) == []


def test_report_has_one_column_per_exercise_and_a_feedback_notebook_each(hostile_batch):
    out = hostile_batch["out"]
    with open(out, newline="") as f:
        header = next(csv.reader(f))
    assert header == ["submission", "notebook", "score", "max_score", "rnn_step", "gradient_ratio",
                      "clip_by_global_norm"]
    feedback = sorted((out.parent / "grades_feedback").glob("*.feedback.ipynb"))
    assert len(feedback) == len(hostile_batch["paths"])
    partly = next(p for p in feedback if "partly_correct" in p.name)
    nb = nbformat.read(partly, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].source.startswith(f"# Feedback: {hostile.PARTLY} / 100 points")
    assert any("the ratio is upside down" in c.source for c in nb.cells[1:] if c.cell_type == "markdown")


def test_jobs_2_gives_the_same_csv_as_jobs_1_in_any_order(tmp_path):
    made = hostile.batch(tmp_path, 3)
    paths = [path for path, _ in made]
    one, two = tmp_path / "one" / "grades.csv", tmp_path / "two" / "grades.csv"
    assert grade(paths, one, 1).returncode == 0
    assert grade(paths[::-1], two, 2).returncode == 0
    assert one.read_text() == two.read_text()
    rows = read_csv(one)
    assert {name: float(row["score"]) for name, row in rows.items()} == {p.name: s for p, s in made}


def test_output_that_would_overwrite_a_submission_is_refused(tmp_path):
    path = hostile.write(tmp_path, hostile.Case("solution", hostile.load("solutions"), 100, ""))
    before = digest(path)
    run = grade([path], path, 1)
    assert run.returncode != 0 and "overwrite a submission" in run.stderr
    assert digest(path) == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_stopping_the_grader_stops_its_workers_at_once(tmp_path):
    paths = [path for path, _ in hostile.batch(tmp_path, 3)]
    command = [sys.executable, "-m", "lstm_course.grade", *map(str, paths), "--out", str(tmp_path / "g.csv"),
               "--jobs", "1"]
    grader = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=GRADER_ENV)
    deadline = time.monotonic() + 60
    while not _processes_matching("lstm_course.grade.kernel", GRADER_TMP) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_matching("lstm_course.grade.kernel", GRADER_TMP), "no kernel started within 60 s"
    grader.terminate()
    assert grader.wait(timeout=30) != 0
    time.sleep(0.5)
    assert _processes_matching("lstm_course.grade.kernel", GRADER_TMP) == []
    assert _processes_matching("lstm_course.grade.sandbox", GRADER_TMP) == []
