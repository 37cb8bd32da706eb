"""Build the learner notebooks in exercises/ from the instructor's solutions/.

    python -m lstm_course.exercises build            # solutions/*.ipynb -> exercises/
    python -m lstm_course.exercises build --out DIR  # somewhere else

Every region between `### BEGIN SOLUTION` and `### END SOLUTION` becomes nbgrader's stub
(`# YOUR CODE HERE` / `raise NotImplementedError()`), outputs are cleared and every cell that is not
an answer is marked read-only. The result is the same bytes on every run.

A learner may have worked in exercises/ itself. Each built notebook records a hash of its cells, so
the build can tell: a notebook whose cells no longer match their hash (or that has no hash) is left
exactly as it is, named, and the build exits with status 1; `--out DIR` writes elsewhere instead.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

from .grade.registry import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$", re.M | re.S)


def stub_source(source: str) -> str:
    """The source with each solution region replaced by the stub, at the region's indentation."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(f"unbalanced solution markers in:\n{source}")
    return REGION.sub(lambda m: "\n".join(m.group(1) + line for line in STUB), source)


def cells_hash(nb) -> str:
    """A hash of what a learner edits: each cell's type and source (outputs and metadata excluded)."""
    cells = [[c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"]]
             for c in nb["cells"]]
    content = json.dumps(cells, ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def check_solution(nb, path: Path) -> None:
    """Refuse a solution notebook whose graded cells disagree with the exercise registry."""
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name}: grade_ids are not unique: {ids}")
    total = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and BEGIN not in cell.source:
            raise ValueError(f"{path.name}: answer cell {meta['grade_id']} has no {BEGIN!r} marker")
        if meta.get("grade"):
            exercise = EXERCISES.get(meta["grade_id"].removeprefix("check_"))
            if exercise is None or exercise.points != meta.get("points"):
                raise ValueError(f"{path.name}: check cell {meta['grade_id']} does not match the registry")
            total += meta["points"]
    if total != 100:
        raise ValueError(f"{path.name}: the graded cells add up to {total} points, expected 100")


def exercise_notebook(solution) -> nbformat.NotebookNode:
    """The learner version of one solution notebook."""
    nb = copy.deepcopy(solution)
    for cell in nb.cells:
        answer = cell.metadata.get("nbgrader", {}).get("solution", False)
        if cell.cell_type == "code":
            cell.source = stub_source(cell.source) if answer else cell.source
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("editable", None)
        cell.metadata.pop("deletable", None)
        if not answer:
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
    nb.metadata.setdefault("lstm_course", {})["cells_sha256"] = cells_hash(nb)
    return nb


def learner_changed(path: Path) -> bool:
    """True if the notebook at `path` is not exactly what a build wrote (a learner worked in it)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        return nb["metadata"]["lstm_course"]["cells_sha256"] != cells_hash(nb)
    except (OSError, ValueError, KeyError, TypeError):
        return True


def build(solutions: Path, out: Path) -> tuple[list[Path], list[Path]]:
    """Write an exercise notebook for each solution; return (written, refused because a learner changed them)."""
    sources = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no solution notebooks NN_*.ipynb in {solutions}")
    out.mkdir(parents=True, exist_ok=True)
    written, refused = [], []
    for source in sources:
        solution = nbformat.read(source, as_version=4)
        check_solution(solution, source)
        text = nbformat.writes(exercise_notebook(solution)) + "\n"
        target = out / source.name
        if target.exists() and target.read_text(encoding="utf-8") != text and learner_changed(target):
            refused.append(target)
            continue
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written, refused


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_course.exercises", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build exercise notebooks from the solutions")
    build_parser.add_argument("--solutions", type=Path, default=ROOT / "solutions", help="instructor notebooks")
    build_parser.add_argument("--out", type=Path, default=ROOT / "exercises", help="where to write")
    args = parser.parse_args(argv)
    written, refused = build(args.solutions, args.out)
    print(f"built {len(written)} exercise notebooks in {args.out.name}/")
    if refused:
        names = "\n  ".join(p.name for p in refused)
        print(f"left unchanged, because they were edited since the last build:\n  {names}\n"
              "save that work elsewhere or build into another folder with --out DIR", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
