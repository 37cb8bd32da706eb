"""Write what the grader found: grades.csv, a JSON of every lost point, a feedback notebook each."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_notebook

from ..exercise_bank.judge import Verdict
from ..exercise_bank.registry import EXERCISES, NOTEBOOKS

MAX_EXECUTED_BYTES = 64 << 20


@dataclass
class Result:
    """The grade of one submission."""

    submission: str  # the path as given on the command line
    notebook: str  # exercise notebook stem, "" if unknown
    verdicts: list[Verdict] = field(default_factory=list)
    problem: str = ""  # why the submission could not be (fully) run, if it could not
    skipped: dict = field(default_factory=dict)  # cell index -> why it was skipped

    @property
    def score(self) -> float:
        return round(sum(v.earned for v in self.verdicts), 2)

    @property
    def max_score(self) -> int:
        return sum(v.points for v in self.verdicts) if self.verdicts else 100


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def rows(results: list[Result]) -> list[dict]:
    """One plain row per submission, sorted by path: everything the CSV and the JSON say about it."""
    return [{
        "submission": r.submission, "notebook": r.notebook, "score": r.score, "max_score": r.max_score,
        "points": {v.exercise: v.earned for v in r.verdicts},
        "problem": r.problem,
        "skipped_cells": {k: v for k, v in sorted(r.skipped.items(), key=lambda kv: int(kv[0]))},
        "lost": [{"exercise": v.exercise, "points_lost": round(v.points - v.earned, 2), "status": str(v.status),
                  "reason": v.message} for v in r.verdicts if v.earned < v.points],
    } for r in sorted(results, key=lambda r: r.submission)]


def write_csv(rows: list[dict], path: Path) -> None:
    """One row per submission (sorted by path), one column per exercise of the notebooks in the batch."""
    notebooks = sorted({r["notebook"] for r in rows if r["notebook"]})
    columns = [e.id for name in notebooks for e in NOTEBOOKS[name]]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "notebook", "score", "max_score", *columns])
        for r in sorted(rows, key=lambda r: r["submission"]):
            earned = {k: _number(v) for k, v in r["points"].items()}
            writer.writerow([r["submission"], r["notebook"], _number(r["score"]), r["max_score"],
                             *(earned.get(c, "") for c in columns)])


def write_reasons(rows: list[dict], path: Path, seed: int, shard: str | None = None) -> None:
    """Every lost point with its reason, and what stopped a run, as JSON; a shard's part says which it is."""
    head = {"seed": seed} | ({"shard": shard} if shard else {})
    ordered = sorted(rows, key=lambda r: r["submission"])
    path.write_text(json.dumps(head | {"submissions": ordered}, indent=1, ensure_ascii=False) + "\n")


def feedback_name(submission: str) -> str:
    """A file name for a submission's feedback that says which submission it is."""
    stem = re.sub(r"[^\w.-]+", "__", submission.removesuffix(".ipynb")).strip("_.")
    return f"{stem or 'submission'}.feedback.ipynb"


def feedback_notebook(result: Result, executed: Path | None) -> nbformat.NotebookNode:
    """The submission as the grader ran it, with the grade on top and a verdict under each check cell."""
    lines = [f"# Feedback: {result.score:g} / {result.max_score} points", ""]
    if result.problem:
        lines += [f"**Note:** {result.problem}", ""]
    for index, why in sorted(result.skipped.items(), key=lambda kv: int(kv[0])):
        lines += [f"- Cell {int(index) + 1} was skipped: it {why}."]
    lines += ["", "| exercise | points | verdict |", "| --- | --- | --- |"]
    lines += [f"| `{v.exercise}` | {v.earned:g} / {v.points} | {_cell_text(v.message)} |" for v in result.verdicts]
    lines += ["", "These verdicts come from the autograder, which ran your answers on its own inputs after the "
              "notebook; a check cell's own output below does not count."]
    cells = [new_markdown_cell("\n".join(lines))]
    by_check_id = {EXERCISES[v.exercise].check_id: v for v in result.verdicts}
    for cell in _executed_cells(executed):
        cells.append(cell)
        nbgrader = cell.get("metadata", {}).get("nbgrader")
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        verdict = by_check_id.get(grade_id) if isinstance(grade_id, str) else None
        if verdict is not None:
            cells.append(new_markdown_cell(f"**Autograder:** {verdict.earned:g} / {verdict.points} points. "
                                           f"{_cell_text(verdict.message)}"))
    nb = new_notebook(cells=cells, metadata={"lstm_course": {"feedback_for": result.notebook}})
    return nb


def _cell_text(message: str) -> str:
    return message.replace("|", "\\|").replace("\n", " ")


def _executed_cells(executed: Path | None) -> list:
    """The cells of the executed notebook, or none if it is missing, too big or not a notebook."""
    if executed is None or not executed.is_file() or executed.stat().st_size > MAX_EXECUTED_BYTES:
        return []
    try:
        nb = nbformat.reads(executed.read_text(encoding="utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception:  # the learner's outputs made it unreadable: give the verdicts alone
        return []
    for cell in nb.cells:
        cell.metadata.pop("editable", None)
        cell.metadata.pop("deletable", None)
    return nb.cells


def write_feedback(result: Result, executed: Path | None, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / feedback_name(result.submission)
    nbformat.write(feedback_notebook(result, executed), path)
    return path
