"""Which of your exercises pass their checks? One table for all your exercise notebooks.

    python -m lstm_course.progress            # your notebooks in exercises/
    python -m lstm_course.progress DIR        # or in another folder

or, in a notebook:

    from lstm_course.progress import progress
    progress()

Save your notebooks first: what counts is what is on disk. Each notebook is run from the top on a
copy, in its own kernel, by the course's autograder (`lstm_course.grade`) with the same test cases
as the check cells, so a row says what the check under that exercise would say after "Run All".
Your files are only read, never written, and nothing is saved anywhere.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .exercise_bank.judge import Status

MARKS = {Status.CORRECT: "✔", Status.PARTLY_CORRECT: "◐", Status.WRONG: "✘"}  # anything else: "·"


@dataclass
class NotebookProgress:
    """One exercise notebook: each exercise's status and message, or why it could not be run at all."""

    file: str
    exercises: list[dict] = field(default_factory=list)  # {"id", "status", "earned", "points", "message"}
    problem: str = ""

    @property
    def passed(self) -> int:
        return sum(e["status"] == Status.CORRECT for e in self.exercises)


@dataclass
class Progress:
    """The learner's progress over a folder; prints as a text table and shows as an HTML table in JupyterLab."""

    folder: str
    notebooks: list[NotebookProgress]

    @property
    def passed(self) -> int:
        return sum(nb.passed for nb in self.notebooks)

    @property
    def total(self) -> int:
        return sum(len(nb.exercises) for nb in self.notebooks)

    def summary(self) -> str:
        if not self.notebooks:
            return f"No exercise notebooks (NN_name.ipynb) in {self.folder}."
        count = len(self.notebooks)
        return f"{self.passed} of {self.total} exercises pass in {count} notebook{'s' if count != 1 else ''}."

    def __str__(self) -> str:
        lines = []
        for nb in self.notebooks:
            lines.append(f"{nb.file}: {nb.passed} of {len(nb.exercises)} exercises pass"
                         + (f" ({nb.problem})" if nb.problem else ""))
            for e in nb.exercises:
                lines.append(f"  {MARKS.get(e['status'], '·')} {e['id']:24s} {e['message']}")
        return "\n".join([*lines, self.summary()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        rows = []
        for nb in self.notebooks:
            note = f" <em>({html.escape(nb.problem)})</em>" if nb.problem else ""
            rows.append(f'<tr><th colspan="3" style="text-align:left">{html.escape(nb.file)}: '
                        f"{nb.passed} of {len(nb.exercises)} pass{note}</th></tr>")
            rows += [f"<tr><td>{MARKS.get(e['status'], '·')}</td><td><code>{html.escape(e['id'])}</code></td>"
                     f'<td style="text-align:left">{html.escape(e["message"])}</td></tr>' for e in nb.exercises]
        return f"<table>{''.join(rows)}</table><p>{html.escape(self.summary())}</p>"


def default_folder() -> Path:
    """exercises/ next to where you are (the course folder, or one of its subfolders)."""
    for candidate in (Path.cwd() / "exercises", Path.cwd().parent / "exercises",
                      Path(__file__).resolve().parent.parent / "exercises"):
        if candidate.is_dir():
            return candidate
    return Path.cwd() / "exercises"


def exercise_notebooks(folder: Path) -> list[Path]:
    """The notebooks in `folder` that belong to a graded exercise (by their NN_ prefix or metadata)."""
    from .exercise_bank.registry import notebook_for

    return [path for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")) if notebook_for(path.name[:3])]


def check_folder(folder: Path, jobs: int, timeout: float) -> Progress:
    """Run every exercise notebook of `folder` through the autograder, on copies, with the check cells' cases.

    The autograder takes care of everything a half-finished notebook can do (hang, crash the kernel,
    print without end) and runs it in a sandbox process, so this is safe to call on any folder.
    """
    from .checks import SEED
    from .exercise_bank.trained import LEARNER_KEY
    from .grade.batch import Batch, Limits

    paths = exercise_notebooks(folder)
    with tempfile.TemporaryDirectory(prefix="lstm-course-progress-") as scratch:
        # The learner's key: trained models are scored on validation data, as by the check cells, never
        # on the grader's held-out words or months.
        batch = Batch(Limits(timeout=timeout), SEED, Path(scratch) / "feedback", key=LEARNER_KEY)
        results = batch.grade_all(paths, jobs) if paths else []
    notebooks = []
    for result in sorted(results, key=lambda r: r.submission):
        exercises = [{"id": v.exercise, "status": v.status.value, "earned": v.earned, "points": v.points,
                      "message": v.message.removeprefix(f"{v.exercise}: ")} for v in result.verdicts]
        notebooks.append(NotebookProgress(Path(result.submission).name, exercises, result.problem))
    return Progress(str(folder), notebooks)


def progress(folder: str | os.PathLike | None = None, jobs: int = 2, timeout: float = 600) -> Progress:
    """Your progress on the exercises in `folder` (default: the course's exercises/).

    Runs in a separate process, so the grading never touches this notebook's kernel.
    """
    folder = Path(folder) if folder is not None else default_folder()
    command = [sys.executable, "-m", "lstm_course.progress", str(folder), "--json", "--jobs", str(jobs),
               "--timeout", str(timeout)]
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"checking {folder} failed:\n{done.stderr.strip()}")
    data = json.loads(done.stdout)
    return Progress(data["folder"], [NotebookProgress(**nb) for nb in data["notebooks"]])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_course.progress", description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="folder of your exercise notebooks (default: exercises/)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks checked at once (default: 2)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per notebook (default: 600)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    folder = args.folder or default_folder()
    if not folder.is_dir():
        parser.error(f"no such folder: {folder}")
    if not args.json:
        print(f"Checking the exercise notebooks in {folder} (saved versions, run on copies)...", flush=True)
    result = check_folder(folder, max(1, args.jobs), args.timeout)
    if args.json:
        print(json.dumps({"folder": result.folder, "notebooks": [vars(nb) for nb in result.notebooks]}))
    else:
        print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
