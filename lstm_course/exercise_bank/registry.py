"""Every graded exercise of the course, by id, and the exercises of each notebook in order."""

from __future__ import annotations

from . import lesson01, lesson02, lesson03, lesson04, lesson05, lesson06
from .spec import Exercise

_LESSONS = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06)

EXERCISES: dict[str, Exercise] = {e.id: e for lesson in _LESSONS for e in lesson.EXERCISES}
NOTEBOOKS: dict[str, tuple[Exercise, ...]] = {lesson.NOTEBOOK: lesson.EXERCISES for lesson in _LESSONS}


def notebook_for(stem: str) -> str | None:
    """The exercise notebook a name refers to: its exact stem, or the one with the same two-digit number."""
    if stem in NOTEBOOKS:
        return stem
    number = stem[:2]
    matches = [name for name in NOTEBOOKS if number.isdigit() and name.startswith(number + "_")]
    return matches[0] if len(matches) == 1 else None
