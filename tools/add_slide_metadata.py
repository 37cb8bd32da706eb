"""Mark each cell of a lesson notebook with its slide type, so `make slides` cuts decks from the lessons.

    python -m tools.add_slide_metadata notebooks/[01][0-9]_*.ipynb          # write, in place
    python -m tools.add_slide_metadata --check notebooks/[01][0-9]_*.ipynb  # exit 1 if any would change

The types follow the lesson structure (DESIGN.md), so a deck reads like the lesson in front of a room:

| cell | `slideshow.slide_type` |
| --- | --- |
| the title cell, each `## ` section (numbered sections, "Check your understanding", "Summary", "Next") | slide |
| a `### ` sub-part, and a cell that would overflow the current slide | subslide |
| "**What to notice**" after a code cell | fragment (appears on the next click) |
| the setup cell (imports, seed, versions) and empty cells | skip |
| everything else | - (same slide) |

The types are computed from the cells' content alone, so running the tool again changes nothing,
and only `metadata.slideshow.slide_type` is written: sources and outputs are left exactly as they
are. An instructor who wants a different cut edits the metadata in JupyterLab (Property Inspector)
and does not run the tool on that lesson again.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import nbformat

SLIDE_LINES = 26  # what fits on the deck's 1100x760 slide at 20px type
LINE_CHARS = 90
OUTPUT_LINES_SHOWN = 12  # a longer output scrolls inside its slide rather than pushing the slide over
FIGURE_LINES = 16  # a figure drawn at 80% of the slide width


def is_setup_cell(cell) -> bool:
    """The lesson's one setup cell: imports from lstm_course and the seed."""
    source = cell.source
    return cell.cell_type == "code" and "import" in source and "set_seed(" in source


def height(cell) -> int:
    """Rough lines a cell takes on a slide: wrapped source, then text outputs (capped) and figures."""
    lines = sum(max(1, math.ceil(len(line) / LINE_CHARS)) for line in cell.source.splitlines())
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if any(key.startswith("image/") for key in data):
            lines += FIGURE_LINES
        else:
            text = output.get("text") or data.get("text/plain", "") or "".join(output.get("traceback", []))
            lines += min(OUTPUT_LINES_SHOWN, len(str(text).splitlines()))
    return lines


def slide_types(nb) -> list[str]:
    """One slide type per cell, from the cells' content."""
    types, used, setup_seen = [], 0, False
    for n, cell in enumerate(nb.cells):
        source = cell.source.lstrip()
        cost = height(cell)
        if not source:
            kind = "skip"
        elif n == 0 or (cell.cell_type == "markdown" and source.startswith("## ")):
            kind = "slide"
        elif cell.cell_type == "markdown" and source.startswith("### "):
            kind = "subslide"
        elif not setup_seen and is_setup_cell(cell):
            kind, setup_seen = "skip", True
        elif cell.cell_type == "markdown" and source.startswith(("**What to notice", "What to notice")):
            kind = "fragment"
        elif used + cost > SLIDE_LINES and used > 0:
            kind = "subslide"
        else:
            kind = "-"
        if kind in ("slide", "subslide"):
            used = 0
        if kind != "skip":
            used += cost
        types.append(kind)
    return types


def apply(nb) -> bool:
    """Set each cell's slide type; return whether anything changed."""
    changed = False
    for cell, kind in zip(nb.cells, slide_types(nb)):
        slideshow = cell.metadata.setdefault("slideshow", {})
        if slideshow.get("slide_type") != kind:
            slideshow["slide_type"] = kind
            changed = True
    return changed


def has_slide_metadata(nb) -> bool:
    return any("slide_type" in cell.metadata.get("slideshow", {}) for cell in nb.cells)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        if apply(nb):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
        types = slide_types(nb)
        print(f"{path}: {types.count('slide')} slides, {types.count('subslide')} subslides, "
              f"{types.count('fragment')} fragments, {types.count('skip')} skipped cells"
              + (" (would change)" if args.check and path in stale else " (updated)" if path in stale else ""))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
