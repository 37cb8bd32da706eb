"""The grader's collection step, run inside the learner's kernel after the notebook.

It calls each answer on the grader's cases and writes only plain data (JSON: numbers, lists,
strings) to a file the grader reads. Nothing here decides a score: a learner who patches this
module, numpy or torch can only change the numbers written, and the grader compares those
numbers with the reference it computes itself on the same cases.
"""

from __future__ import annotations

import json

from ..exercise_bank.judge import Status, run_case
from ..exercise_bank.registry import EXERCISES


def collect(path: str, spec: str, namespace: dict) -> None:
    """spec: JSON {exercise id: [case, ...]}; writes {exercise id: [result, ...]} to `path`."""
    answers = {}
    for exercise_id, cases in json.loads(spec).items():
        exercise = EXERCISES[exercise_id]
        if exercise.name not in namespace:
            answers[exercise_id] = [{"status": Status.NOT_ATTEMPTED.value}]
            continue
        answers[exercise_id] = [run_case(exercise, namespace[exercise.name], case) for case in cases]
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"answers": answers}, f)
