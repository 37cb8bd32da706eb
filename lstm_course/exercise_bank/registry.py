"""Every graded exercise of the course, by id, and the exercises of each notebook in order.

Importing the registry checks the bank: unique ids, every notebook worth exactly
POINTS_PER_NOTEBOOK, transcription at most a third of a notebook. A mistake there is a ValueError
at import, so neither a check nor the grader ever runs on an inconsistent bank.
"""

from __future__ import annotations

from . import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09, lesson10
from .spec import POINTS_PER_NOTEBOOK, Exercise

LESSONS = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08, lesson09, lesson10)
TRANSCRIPTION_SHARE = 1 / 3  # the most a notebook may give to pure translation of shown equations

NOTEBOOKS: dict[str, tuple[Exercise, ...]] = {lesson.NOTEBOOK: lesson.EXERCISES for lesson in LESSONS}
EXERCISES: dict[str, Exercise] = {e.id: e for exercises in NOTEBOOKS.values() for e in exercises}


def validate(notebooks: dict[str, tuple[Exercise, ...]]) -> None:
    """ValueError naming the first notebook whose exercises break the bank's rules."""
    ids = [e.id for exercises in notebooks.values() for e in exercises]
    if len(ids) != len(set(ids)):
        raise ValueError(f"exercise ids must be unique, got {sorted(ids)}")
    for stem, exercises in notebooks.items():
        total = sum(e.points for e in exercises)
        if total != POINTS_PER_NOTEBOOK:
            raise ValueError(f"{stem}: exercises add up to {total} points, expected {POINTS_PER_NOTEBOOK}")
        copied = sum(e.points for e in exercises if e.transcription)
        if copied > TRANSCRIPTION_SHARE * POINTS_PER_NOTEBOOK:
            raise ValueError(f"{stem}: transcription is worth {copied} points, expected at most "
                             f"{TRANSCRIPTION_SHARE * POINTS_PER_NOTEBOOK:.0f}")
        if any(e.notebook != stem for e in exercises):
            raise ValueError(f"{stem}: holds an exercise of another notebook")


validate(NOTEBOOKS)


def notebook_for(stem: str) -> str | None:
    """The exercise notebook a name refers to: its exact stem, or the one with the same two-digit number."""
    if stem in NOTEBOOKS:
        return stem
    number = stem[:2]
    matches = [name for name in NOTEBOOKS if number.isdigit() and name.startswith(number + "_")]
    return matches[0] if len(matches) == 1 else None


def points_table() -> str:
    """The README's table of exercises and points, in Markdown (transcription exercises marked)."""
    lines = ["| exercise notebook | exercises (points) |", "| --- | --- |"]
    for stem, exercises in NOTEBOOKS.items():
        items = ", ".join(f"{e.id} {e.points}{' (transcription)' if e.transcription else ''}" for e in exercises)
        lines.append(f"| `{stem}` | {items} |")
    return "\n".join(lines)
