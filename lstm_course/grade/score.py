"""Score collected answers in the grader's own process.

Everything read here came out of the learner's kernel, so it is treated as hostile: a size limit,
strict JSON (plain numbers, lists, strings, dicts; no pickle, no objects), a schema check, and then
the reference is computed afresh here, on the same cases, and compared number by number.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

from ..exercise_bank.judge import Status, Verdict, judge
from ..exercise_bank.registry import NOTEBOOKS
from ..exercise_bank.spec import MAX_DEPTH, Exercise

MAX_ANSWER_BYTES = 32 << 20
CASE_STATUSES = {Status.OK, Status.ERROR, Status.NOT_ATTEMPTED}  # what the collection step may write
GRADER_KEY = secrets.randbits(62)  # seeds held-out data for trained models; never leaves this process


class Unreadable(ValueError):
    """The answers file is missing, too big or not what the collection step writes."""


def load_answers(folder: Path, exercise_ids) -> dict:
    """{exercise id: results or the Unreadable error} from the files the collection step wrote."""
    answers = {}
    for exercise_id in exercise_ids:
        try:
            answers[exercise_id] = load_answer_file(folder / f"{exercise_id}.json")[exercise_id]
        except Unreadable as error:
            answers[exercise_id] = error
        except KeyError:
            answers[exercise_id] = Unreadable("the collected answers are for another exercise")
    return answers


def load_answer_file(path: Path) -> dict:
    """One answers file as {exercise id: [result, ...]}, or Unreadable.

    The kernel could have replaced the file or its folder by a link to another submission's
    answers, which the grader (outside the sandbox) would follow: links are refused.
    """
    if path.parent.is_symlink() or path.is_symlink():
        raise Unreadable("the collected answers are a link, not a file")
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise Unreadable("no answers were collected")
            raw = f.read(MAX_ANSWER_BYTES + 1)
    except OSError:
        raise Unreadable("no answers were collected") from None
    if len(raw) > MAX_ANSWER_BYTES:
        raise Unreadable("the collected answers are too large")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise Unreadable("the collected answers are not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise Unreadable("the collected answers have the wrong layout")
    return data["answers"]


def _plain(value, depth: int = 0) -> bool:
    """True for numbers and (nested) lists or string-keyed dicts of numbers."""
    if depth > MAX_DEPTH:
        return False
    if type(value) in (int, float):
        return True
    if type(value) is list:
        return all(_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    return False


def valid_result(result) -> bool:
    if type(result) is not dict or type(result.get("status")) is not str or result["status"] not in CASE_STATUSES:
        return False
    if result["status"] == Status.OK:
        return "value" in result and _plain(result["value"])
    return type(result.get("message", "")) is str


def score_exercise(exercise: Exercise, cases: list[dict], results, key: int = GRADER_KEY) -> Verdict:
    """Judge one exercise's collected results; anything malformed earns nothing."""
    if type(results) is not list or not all(valid_result(r) for r in results):
        return Verdict(exercise.id, 0.0, exercise.points, Status.WRONG,
                       f"{exercise.id}: the collected answer is malformed")
    try:
        return judge(exercise, cases, results, key)
    except Exception as error:  # numbers that cannot even be compared (e.g. a ragged dict) earn nothing
        return Verdict(exercise.id, 0.0, exercise.points, Status.WRONG,
                       f"{exercise.id}: the answer could not be compared ({type(error).__name__})")


def score_notebook(notebook: str, cases: dict[str, list[dict]], answers: dict, why: dict,
                   key: int = GRADER_KEY) -> list[Verdict]:
    """A verdict for every exercise of `notebook`; an exercise without answers loses its points for
    `why[exercise id]` (or the reason its answers could not be read). `key` seeds the held-out data of
    trained models: the grader's secret by default, the learner's own key for a progress report."""
    verdicts = []
    for exercise in NOTEBOOKS[notebook]:
        results = answers.get(exercise.id, Unreadable("no answers were collected"))
        if isinstance(results, Unreadable):
            reason = why.get(exercise.id) or str(results)
            verdicts.append(Verdict(exercise.id, 0.0, exercise.points, Status.NOT_COLLECTED,
                                    f"{exercise.id}: {reason}"))
        else:
            verdicts.append(score_exercise(exercise, cases[exercise.id], results, key))
    return verdicts
