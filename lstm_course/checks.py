"""Instant feedback on the exercises: `check("<exercise id>", your_answer)`.

Each check calls your answer on several inputs, edge cases included, compares the numbers with the
reference in float64 and says what was expected, what came and the likely cause. A wrong or
unfinished answer raises `ExerciseNotPassed` (an AssertionError, so nbgrader counts the cell as
failed), which IPython shows as its one-line message instead of a traceback.

While the autograder runs a submission, checks are skipped: it collects and scores the answers
itself, outside the notebook, so a check cell's output never decides a grade. The exercises, their
cases and hints live in `lstm_course.exercise_bank`; this module is only the learner's view of it.
"""

from __future__ import annotations

import os

from .exercise_bank.judge import Status, judge, run_case
from .exercise_bank.registry import EXERCISES

GRADING_ENV = "LSTM_COURSE_GRADING"
SEED = 0  # the cases a learner sees; the autograder draws its own


class ExerciseNotPassed(AssertionError):
    """An exercise's answer is wrong or not written yet; the message says why."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message alone, which is all the learner needs."""
        return [f"ExerciseNotPassed: {self}"]


def check(exercise_id: str, answer) -> None:
    """Check `answer` for the exercise `exercise_id`; print the verdict, raise if it is not correct."""
    if exercise_id not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise_id!r}; expected one of {sorted(EXERCISES)}")
    if os.environ.get(GRADING_ENV) == "1":
        print(f"{exercise_id}: the autograder scores this exercise after the notebook has run.")
        return
    exercise = EXERCISES[exercise_id]
    cases = exercise.draw(SEED)
    verdict = judge(exercise, cases, [run_case(exercise, answer, case) for case in cases])
    if verdict.correct:
        print(f"✔ {verdict.message} ({exercise.points} points)")
        return
    if verdict.status is Status.NOT_ATTEMPTED:
        raise ExerciseNotPassed(verdict.message) from None
    raise ExerciseNotPassed(f"✘ {verdict.message}") from None
