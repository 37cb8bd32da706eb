"""How long the autograder takes for a class: 100 submissions of one exercise notebook, --jobs 2.

    python benchmarks/grade_batch.py [--notebook 01_rnn_vanishing_gradients] [--count 100] [--jobs 2]

The submissions are a fixed mix made from the course's own notebooks: the solution (full marks),
the unfilled exercise (zero) and the solution with its first answer unfilled (partial). The script
grades them with `python -m lstm_course.grade` and prints a table of wall time and scores.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="01_rnn_vanishing_gradients")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "submissions", Path(tmp) / "grades.csv"
        folder.mkdir()
        submissions(folder, args.notebook, args.count)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lstm_course.grade", str(folder), "--out", str(out),
                        "--jobs", str(args.jobs), "--seed", "0"], check=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        with open(out, newline="") as f:
            scores = [float(row["score"]) for row in csv.DictReader(f)]
    print("\n| notebook | submissions | jobs | cores | wall time | per submission | mean score |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {args.notebook} | {len(scores)} | {args.jobs} | {os.cpu_count()} | {seconds:.0f} s "
          f"| {seconds / len(scores):.2f} s | {sum(scores) / len(scores):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
