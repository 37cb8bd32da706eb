"""How long the autograder takes for a class: 100 submissions of one exercise notebook, --jobs 2,
with the sandbox (bubblewrap) and without it (--no-sandbox).

    python benchmarks/grade_batch.py [--notebook 01_rnn_vanishing_gradients] [--count 100] [--jobs 2]
        [--sandbox both|on|off]

The submissions are a fixed mix made from the course's own notebooks: the solution (full marks),
the unfilled exercise (zero) and the solution with its first answer unfilled (partial). The script
grades them with `python -m lstm_course.grade` and prints a table of wall time and scores, and the
load average before each run (other work on the machine inflates the times).
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def submissions(folder: Path, notebook: str, count: int) -> None:
    """Write `count` submissions: solution, unfilled and first-answer-unfilled, in turn."""
    solution = nbformat.read(ROOT / "solutions" / f"{notebook}.ipynb", as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / f"{notebook}.ipynb", as_version=4)
    partial = copy.deepcopy(solution)
    first = next(k for k, c in enumerate(solution.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    partial.cells[first] = copy.deepcopy(exercise.cells[first])
    kinds = (solution, exercise, partial)
    for k in range(count):
        nbformat.write(kinds[k % 3], folder / f"learner{k:03d}_{notebook}.ipynb")


def grade(folder: Path, out: Path, jobs: int, sandbox: bool) -> tuple[float, list[float]]:
    """Wall seconds of one grading run and the scores it gave."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lstm_course.grade", str(folder), "--out", str(out), "--jobs", str(jobs),
                    "--seed", "0", *([] if sandbox else ["--no-sandbox"])], check=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    with open(out, newline="") as f:
        return seconds, [float(row["score"]) for row in csv.DictReader(f)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="01_rnn_vanishing_gradients")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sandbox", choices=("both", "on", "off"), default="both")
    args = parser.parse_args()
    modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.sandbox]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        submissions(folder, args.notebook, args.count)
        for sandbox in modes:
            load = os.getloadavg()[0]
            seconds, scores = grade(folder, Path(tmp) / f"grades_{sandbox}.csv", args.jobs, sandbox)
            rows.append((sandbox, load, seconds, scores))
    print("\n| notebook | sandbox | submissions | jobs | cores | load before | wall time | per submission "
          "| mean score |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for sandbox, load, seconds, scores in rows:
        print(f"| {args.notebook} | {'on' if sandbox else 'off'} | {len(scores)} | {args.jobs} | {os.cpu_count()} "
              f"| {load:.1f} | {seconds:.0f} s | {seconds / len(scores):.2f} s | {sum(scores) / len(scores):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
