"""Estimate each lesson's self-study minutes from its words and its code, so the course map's times say how.

    python -m tools.study_minutes                          # every lesson: words, code lines, cells, minutes
    python -m tools.study_minutes notebooks/02_*.ipynb     # some lessons

The estimate, rounded up to a multiple of 5 minutes:

    minutes = words / 120  +  code lines / 8  +  1 per code cell

- words: the Markdown cells' words (equations and tables count by their space-separated pieces); 120 words
  a minute is a slow reading pace, for technical text with equations, well below the 200-250 of plain prose;
- code lines: non-blank lines of the code cells; 8 lines a minute to read and understand them;
- one minute per code cell to predict its output, run it and compare, as each lesson asks.

These rates are assumptions, not measurements of learners; the formula makes the times comparable across
lessons and easy to revisit. Widgets, quizzes and exercises add to it (the exercises have their own time).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
WORDS_PER_MINUTE = 120
CODE_LINES_PER_MINUTE = 8
MINUTES_PER_CODE_CELL = 1


def measure(path: Path) -> dict:
    """Words, code lines and code cells of one notebook, and the minutes the formula gives."""
    notebook = nbformat.read(path, as_version=4)
    words = sum(len(cell.source.split()) for cell in notebook.cells if cell.cell_type == "markdown")
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    code_lines = sum(1 for cell in code_cells for line in cell.source.splitlines() if line.strip())
    raw = words / WORDS_PER_MINUTE + code_lines / CODE_LINES_PER_MINUTE + MINUTES_PER_CODE_CELL * len(code_cells)
    return {"lesson": path.stem, "words": words, "code_lines": code_lines, "code_cells": len(code_cells),
            "minutes": 5 * math.ceil(raw / 5)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="lesson notebooks (default: notebooks/NN_*.ipynb)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    print(f"{'lesson':34s} {'words':>6s} {'code lines':>10s} {'code cells':>10s} {'minutes':>8s}")
    for path in paths:
        row = measure(path)
        print(f"{row['lesson']:34s} {row['words']:6d} {row['code_lines']:10d} {row['code_cells']:10d} "
              f"{row['minutes']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
