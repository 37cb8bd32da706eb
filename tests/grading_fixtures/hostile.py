"""Hostile and broken submissions of exercise 01, each with the exact score it must get.

Every submission starts from the solution or the exercise notebook and changes a few cells, so the
suite follows the course when the notebooks change. The points of exercise 01 come from the
exercise bank, so the expected scores follow it too.
"""

from __future__ import annotations

import copy
import csv
import json
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from lstm_course.exercise_bank.registry import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2]
STEM = "01_rnn_vanishing_gradients"
POINTS = {e.id: e.points for e in NOTEBOOKS[STEM]}
PARTLY = 100 - POINTS["gradient_ratio"]  # every answer right but the gradient ratio
NO_STEP = 100 - POINTS["rnn_step"]  # every answer right but the RNN step
CLIP_ONLY = POINTS["clip_by_global_norm"]  # the RNN step and the ratio wrong
NO_CLIP = 100 - POINTS["clip_by_global_norm"]

# A wrong gradient ratio (upside down) and a wrong RNN step (no tanh): the known mistakes.
WRONG_RATIO = '''def gradient_ratio(weight_ih, weight_hh, xs):
    h = torch.zeros(weight_hh.shape[0], dtype=xs.dtype)
    states = []
    for x in xs:
        h = torch.tanh(weight_ih @ x + weight_hh @ h)
        h.retain_grad()
        states.append(h)
    states[-1].sum().backward()
    return states[-1].grad.norm() / states[0].grad.norm()'''
WRONG_STEP = '''def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh'''


@dataclass
class Case:
    name: str
    nb: object  # a notebook, or raw bytes for files that are not notebooks
    score: float
    reason: str  # a piece of text the JSON report must contain for this submission


def load(kind: str):
    return nbformat.read(ROOT / kind / f"{STEM}.ipynb", as_version=4)


def answer_index(nb, exercise_id: str) -> int:
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    return ids.index(f"answer_{exercise_id}")


def with_answer(nb, exercise_id: str, source: str):
    nb = copy.deepcopy(nb)
    nb.cells[answer_index(nb, exercise_id)].source = source
    return nb


def insert_after(nb, exercise_id: str, source: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(answer_index(nb, exercise_id) + 1, new_code_cell(source))
    return nb


def append(nb, source: str):
    nb = copy.deepcopy(nb)
    nb.cells.append(new_code_cell(source))
    return nb


def partly(nb=None):
    """rnn_step and clipping right, the gradient ratio upside down: PARTLY points."""
    return with_answer(nb or load("solutions"), "gradient_ratio", WRONG_RATIO)


def cases(token: str) -> list[Case]:
    """The hostile suite. `token` marks processes a submission starts, so a test can look for them."""
    solution, exercise = load("solutions"), load("exercises")
    no_checks = copy.deepcopy(partly())
    no_checks.cells = [c for c in no_checks.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    edited_checks = copy.deepcopy(exercise)
    for cell in edited_checks.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = 'print("✔ correct on all cases (100 points)")'
    wrong_step = with_answer(solution, "rnn_step", WRONG_STEP)
    spawn = (f"import subprocess, sys\n"
             f"sleep = [sys.executable, '-c', 'import time; time.sleep(300)', '{token}']\n"
             f"subprocess.Popen(sleep, start_new_session=True)\n"
             f"subprocess.Popen([sys.executable, '-c', 'import os, time; os.fork() or time.sleep(300)', '{token}'])")
    return [
        Case("solution", solution, 100, ""),
        Case("unfilled", exercise, 0, "not attempted"),
        Case("partly_correct", partly(), PARTLY, "the ratio is upside down"),
        Case("check_cells_deleted", no_checks, PARTLY, "gradient_ratio"),
        Case("check_cells_edited", edited_checks, 0, "not attempted"),
        Case("check_redefined", insert_after(wrong_step, "rnn_step", "def check(*args, **kwargs):\n"
                                             "    print('✔ correct (100 points)')"), NO_STEP,
             "did you forget the tanh?"),
        Case("patched_lstm_course", insert_after(wrong_step, "rnn_step", PATCH_COURSE), 0, "expected shape"),
        Case("patched_numpy_torch", insert_after(wrong_step, "rnn_step", PATCH_NUMERICS), NO_STEP, "rnn_step"),
        Case("rigged_objects", with_answer(partly(), "rnn_step", RIGGED), CLIP_ONLY, "got Rigged"),
        Case("tensor_subclass", with_answer(partly(), "rnn_step", SUBCLASS), CLIP_ONLY, "got Liar"),
        Case("hidden_tracebacks", insert_after(wrong_step, "rnn_step", HIDE_TRACEBACKS), NO_STEP, "rnn_step"),
        Case("input_transformer", append(wrong_step, FORGE_TRANSFORMER), 0, "collection step failed (SystemExit)"),
        Case("os_exit", insert_after(partly(), "rnn_step", "import os\nos._exit(0)"), PARTLY, "stopped the kernel"),
        Case("sigint_ignored_loop", insert_after(partly(), "rnn_step", ENDLESS), PARTLY, "ran longer than"),
        Case("children_left_running", insert_after(partly(), "gradient_ratio", spawn), PARTLY, "gradient_ratio"),
        Case("memory_bomb", insert_after(partly(), "rnn_step", "blocks = []\nwhile True:\n"
                                         "    blocks.append(bytearray(50_000_000))"), PARTLY, "ran out of memory"),
        Case("answer_hangs_when_called", with_answer(solution, "clip_by_global_norm", HANGS), NO_CLIP,
             "calling it ran longer than"),
        Case("not_json", b"\x00\x01 this is not a notebook", 0, "not a valid notebook"),
        Case("json_not_notebook", b'{"cells": "nope"}', 0, "not a valid notebook"),
    ]


PATCH_COURSE = '''import json
import lstm_course.checks, lstm_course.exercise_bank.judge, lstm_course.exercise_bank.spec, lstm_course.grade.collect
lstm_course.exercise_bank.spec.compare = lambda *args, **kwargs: None
lstm_course.exercise_bank.judge.judge = lambda *args, **kwargs: None
def collect(path, spec, namespace):
    answers = {k: [{"status": "ok", "value": 0.0} for _ in cases] for k, cases in json.loads(spec).items()}
    json.dump({"answers": answers}, open(path, "w"))
lstm_course.grade.collect.collect = collect'''

PATCH_NUMERICS = '''import numpy as np
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
torch.allclose = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
torch.Tensor.__eq__ = lambda self, other: True
np.ndarray.tolist = lambda self: 0.0'''

RIGGED = '''class Rigged:
    def __eq__(self, other):
        return True
    def __array__(self, *args, **kwargs):
        raise TypeError
def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return Rigged()'''

SUBCLASS = '''class Liar(torch.Tensor):
    def __eq__(self, other):
        return torch.ones_like(other, dtype=torch.bool)
def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.zeros(x.shape[0], weight_hh.shape[0]).as_subclass(Liar)'''

HIDE_TRACEBACKS = '''import sys
ip = get_ipython()
ip.showtraceback = lambda *args, **kwargs: None
ip.showsyntaxerror = lambda *args, **kwargs: None
sys.excepthook = lambda *args: None'''

FORGE_TRANSFORMER = '''def forge(lines):
    if any("_grader_collect" in line for line in lines):
        return ["raise SystemExit('the grader is not welcome here')\\n"]
    return lines
get_ipython().input_transformers_cleanup.append(forge)'''

HANGS = '''def clip_by_global_norm(grads, max_norm):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass'''

ENDLESS = '''import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    pass'''


def write(folder: Path, case: Case) -> Path:
    """Write one submission as the file a learner would hand in."""
    path = folder / f"{case.name}_{STEM}.ipynb"
    if isinstance(case.nb, bytes):
        path.write_bytes(case.nb)
    else:
        nbformat.write(case.nb, path)
    return path


def batch(folder: Path, count: int, seed: int = 0) -> list[tuple[Path, float]]:
    """`count` submissions mixing correct, partly correct and unfilled ones, with their scores."""
    rng = random.Random(seed)
    kinds = [("correct", load("solutions"), 100), ("partly", partly(), PARTLY), ("unfilled", load("exercises"), 0)]
    made = []
    for k in range(count):
        name, nb, score = kinds[rng.randrange(3)] if k >= 3 else kinds[k]
        path = folder / f"learner{k:03d}_{STEM}.ipynb"
        nbformat.write(nb, path)
        made.append((path, score))
    return made


SOLVED = object()  # in `exercise_with_answers`: take the solution's own answer cell


def exercise_with_answers(stem: str, answers: dict[str, str | Callable[[str], str] | object]):
    """The exercise notebook `stem` with answer cells filled in, by grade id: a new source, `SOLVED` (the
    solution's cell), or a function of the exercise cell's source (to keep part of it)."""
    solution = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    solved = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    nb = copy.deepcopy(nbformat.read(ROOT / "exercises" / f"{stem}.ipynb", as_version=4))
    found = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            answer = answers[grade_id]
            cell.source = solved[grade_id] if answer is SOLVED else answer(cell.source) if callable(answer) else answer
            found.add(grade_id)
    if found != set(answers):
        raise ValueError(f"{stem}: expected answer cells {sorted(answers)}, found {sorted(found)}")
    return nb


def grade_folder(folder: Path, out: Path, seed: int, cell_timeout: int, timeout: int, limit: int):
    """Grade `folder` with the command line an instructor uses (sandboxed, --jobs 2); return the CSV rows and
    the JSON reports, each by submission file name."""
    command = [sys.executable, "-m", "lstm_course.grade", str(folder), "--out", str(out), "--jobs", "2",
               "--seed", str(seed), "--cell-timeout", str(cell_timeout), "--timeout", str(timeout),
               "--memory-mb", "1536"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=limit, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out, newline="") as f:
        rows = {Path(row["submission"]).name: row for row in csv.DictReader(f)}
    reports = {Path(r["submission"]).name: r for r in json.loads(out.with_suffix(".json").read_text())["submissions"]}
    return rows, reports
