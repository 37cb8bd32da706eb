"""Run an answer on test cases, and judge the results against the reference.

`run_case` is the only function here that touches a learner's object; it runs wherever that object
lives (the learner's kernel) and returns plain data. `judge` only ever sees plain data, so it can run
in the grader's own process, where the reference is computed afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import BadAnswer, Exercise, compare, to_plain

NOT_ATTEMPTED = "not attempted yet"


@dataclass(frozen=True)
class Verdict:
    """How one exercise went: points earned out of `points`, a status and a message for the learner."""

    exercise: str
    earned: float
    points: int
    status: str  # "correct", "wrong", "partly correct" or NOT_ATTEMPTED
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"


def run_case(exercise: Exercise, answer, case: dict) -> dict:
    """Call the learner's answer on one case; return {"status", "value" or "message"}, plain data only."""
    try:
        result = exercise.call(answer, case)
    except NotImplementedError:
        return {"status": "not attempted"}
    except Exception as error:  # the learner's code failed: report it, do not stop
        return {"status": "error", "message": f"your code raised {type(error).__name__}: {error}"[:400]}
    try:
        return {"status": "ok", "value": to_plain(result)}
    except BadAnswer as error:
        return {"status": "error", "message": str(error)}
    except Exception as error:  # a rigged object that fails while being read
        return {"status": "error", "message": f"the result could not be read ({type(error).__name__})"}


def judge(exercise: Exercise, cases: list[dict], results: list[dict]) -> Verdict:
    """Compare the plain results of every case with the reference; the first failure explains itself."""
    if any(r.get("status") == "not attempted" for r in results) or not results:
        return Verdict(exercise.id, 0.0, exercise.points, NOT_ATTEMPTED,
                       f"{exercise.id}: {NOT_ATTEMPTED}: replace `raise NotImplementedError()` in `{exercise.name}` "
                       "with your code, run that cell, then this one.")
    if len(results) != len(cases):
        return _wrong(exercise, f"expected results for {len(cases)} cases, got {len(results)}")
    judged = ""
    for k, (case, result) in enumerate(zip(cases, results)):
        where = f"case {k + 1} of {len(cases)} ({case.get('about', '')})"
        if result.get("status") != "ok":
            return _wrong(exercise, f"{where}: {str(result.get('message', 'no result'))[:400]}")
        if exercise.grade is not None:
            fraction, message = exercise.grade(result["value"], case)
            judged = f" {message}"
            if fraction < 1:
                earned = round(exercise.points * fraction, 2)
                status = "partly correct" if fraction > 0 else "wrong"
                return Verdict(exercise.id, earned, exercise.points, status, f"{exercise.id}: {message}")
            continue
        expected = to_plain(exercise.call(exercise.reference, case))
        try:
            problem = compare(expected, result["value"], exercise.atol, exercise.rtol, exercise.parts)
        except BadAnswer as error:
            problem = str(error)
        if problem:
            return _wrong(exercise, f"{where}: {problem}{_hint(exercise, case, result['value'])}")
    return Verdict(exercise.id, float(exercise.points), exercise.points, "correct",
                   f"{exercise.id}: correct on {_cases(len(cases))}.{judged}")


def _cases(n: int) -> str:
    return "the one case" if n == 1 else f"all {n} cases"


def _wrong(exercise: Exercise, message: str) -> Verdict:
    return Verdict(exercise.id, 0.0, exercise.points, "wrong", f"{exercise.id}: {message}")


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
