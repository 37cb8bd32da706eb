"""Run an answer on test cases, and judge the results against the reference.

`run_case` is the only function here that touches a learner's object; it runs wherever that object
lives (the learner's kernel) and returns plain data. `judge` only ever sees plain data, so it can run
in the grader's own process, where the reference is computed afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .spec import BadAnswer, Exercise, compare, to_plain


class Status(str, Enum):
    """The course's one vocabulary of outcomes, for a single case and for a whole exercise.

    A case's result (written by the collection step as plain JSON) is OK, ERROR or NOT_ATTEMPTED.
    An exercise's verdict is CORRECT, PARTLY_CORRECT, WRONG, NOT_ATTEMPTED (the stub is still there)
    or NOT_COLLECTED (the grader could not get answers out of the notebook at all). The values are
    the words learners read, and a member equals its value, so JSON carries the plain string.
    """

    OK = "ok"
    ERROR = "error"
    CORRECT = "correct"
    PARTLY_CORRECT = "partly correct"
    WRONG = "wrong"
    NOT_ATTEMPTED = "not attempted"
    NOT_COLLECTED = "not collected"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Verdict:
    """How one exercise went: points earned out of `points`, a status and a message for the learner."""

    exercise: str
    earned: float
    points: int
    status: Status
    message: str

    @property
    def correct(self) -> bool:
        return self.status is Status.CORRECT


def run_case(exercise: Exercise, answer, case: dict) -> dict:
    """Call the learner's answer on one case; return {"status", "value" or "message"}, plain data only."""
    try:
        result = exercise.call(answer, case)
    except NotImplementedError:
        return {"status": Status.NOT_ATTEMPTED.value}
    except Exception as error:  # the learner's code failed: report it, do not stop
        return {"status": Status.ERROR.value, "message": f"your code raised {type(error).__name__}: {error}"[:400]}
    try:
        return {"status": Status.OK.value, "value": to_plain(result)}
    except BadAnswer as error:
        return {"status": Status.ERROR.value, "message": str(error)}
    except Exception as error:  # a rigged object that fails while being read
        return {"status": Status.ERROR.value, "message": f"the result could not be read ({type(error).__name__})"}


def judge(exercise: Exercise, cases: list[dict], results: list[dict], key: int = 0) -> Verdict:
    """Compare the plain results of every case with the reference; the first failure explains itself.

    `key` seeds the held-out data of exercises judged by `grade` (a trained model): 0 for instant
    feedback, a secret of the grading process for the autograder.
    """
    if any(r.get("status") == Status.NOT_ATTEMPTED for r in results) or not results:
        return Verdict(exercise.id, 0.0, exercise.points, Status.NOT_ATTEMPTED,
                       f"{exercise.id}: {Status.NOT_ATTEMPTED}: replace `raise NotImplementedError()` in "
                       f"`{exercise.name}` with your code, run that cell, then this one.")
    if len(results) != len(cases):
        return _wrong(exercise, f"expected results for {len(cases)} cases, got {len(results)}")
    judged = ""
    for k, (case, result) in enumerate(zip(cases, results)):
        where = f"case {k + 1} of {len(cases)} ({case.get('about', '')})"
        if result.get("status") != Status.OK:
            return _wrong(exercise, f"{where}: {str(result.get('message', 'no result'))[:400]}")
        if exercise.grade is not None:
            fraction, message = exercise.grade(result["value"], case, key)
            judged = f" {message}"
            if fraction < 1:
                earned = round(exercise.points * fraction, 2)
                status = Status.PARTLY_CORRECT if fraction > 0 else Status.WRONG
                return Verdict(exercise.id, earned, exercise.points, status, f"{exercise.id}: {message}")
            continue
        expected = to_plain(exercise.call(exercise.reference, case))
        try:
            problem = compare(expected, result["value"], exercise.atol, exercise.rtol, exercise.parts)
        except BadAnswer as error:
            problem = str(error)
        if problem:
            return _wrong(exercise, f"{where}: {problem}{_hint(exercise, case, result['value'])}")
    return Verdict(exercise.id, float(exercise.points), exercise.points, Status.CORRECT,
                   f"{exercise.id}: correct on {_cases(len(cases))}.{judged}")


def _cases(n: int) -> str:
    return "the one case" if n == 1 else f"all {n} cases"


def _wrong(exercise: Exercise, message: str) -> Verdict:
    return Verdict(exercise.id, 0.0, exercise.points, Status.WRONG, f"{exercise.id}: {message}")


def _hint(exercise: Exercise, case: dict, got) -> str:
    """The likely cause: the first known mistake whose result equals what came."""
    for wrong in exercise.wrong:
        try:
            expected = to_plain(exercise.call(wrong.call, case))
            if compare(expected, got, exercise.atol, exercise.rtol, exercise.parts) is None:
                return f" — {wrong.hint}"
        except Exception:  # a mistake that does not apply to this case (e.g. a shape error)
            continue
    return ""
