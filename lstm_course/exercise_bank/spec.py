"""What an exercise is, and how an answer becomes plain numbers that can be compared.

An `Exercise` names the object a learner defines (`name`), how to call it on one test case
(`call`), the reference object that `call` is also applied to, and known wrong versions with the
likely cause each one reveals. The same `call` runs in three places: in the learner's kernel
(instant feedback, and the autograder's collection step) and in the grader's own process (the
reference). Whatever comes back is turned by `to_plain` into nested lists of floats, so the
comparison never touches a learner's object: an answer whose `__eq__` always says True, or a
tensor subclass that lies, is compared by its numbers alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

MAX_ELEMENTS = 200_000  # numbers one answer may hold; more is refused rather than read
MAX_DEPTH = 8
POINTS_PER_NOTEBOOK = 100  # what the exercises of one notebook add up to


class BadAnswer(ValueError):
    """An answer that cannot be turned into plain numbers (wrong type, too big, ragged)."""


@dataclass(frozen=True)
class Wrong:
    """A known mistake: a function that makes it, and the hint to give when an answer matches it."""

    call: Callable
    hint: str


@dataclass(frozen=True)
class Exercise:
    """One graded exercise.

    Args:
        id: unique name, also the CSV column and the check cell's `grade_id` suffix.
        notebook: the exercise notebook's stem, e.g. "03_building_an_lstm_cell".
        name: the global the learner defines (a function, or a trained module).
        points: what the exercise is worth, stated here only; a notebook's exercises add up to
            POINTS_PER_NOTEBOOK. The solutions' nbgrader metadata and the README table are
            written from it (`make exercises`).
        cases: `rng -> list of cases`; a case is a dict of plain inputs (lists, numbers) plus "about",
            a few words that say what the case tests. The grader draws fresh cases from its own seed.
        call: `(answer, case) -> result`, run wherever the answer lives.
        reference: the correct answer (same kind of object as the learner's).
        wrong: known mistakes, tried in order to explain a wrong result.
        fixed_cases: edge cases added to every draw.
        atol, rtol: tolerance of the comparison in float64.
        parts: names of the results when `call` returns several (e.g. ("h", "c")).
        grade: optional `(got_plain, case) -> (fraction, message)` for answers that are judged rather
            than compared (a trained model evaluated on fresh data; see `trained.TrainedModel`).
        transcription: True for an exercise that translates equations the lesson shows into code;
            such exercises are worth at most a third of their notebook.
        oracle: `case -> result`, the expected result computed another way (from torch.nn or the
            course's tested cells and layers, never from `reference`). The bank's tests compare it
            with the reference on every case, so a wrong reference fails a test. Exercises judged
            by `grade` need none: their reference must earn full marks instead.
    """

    id: str
    notebook: str
    name: str
    points: int
    cases: Callable[[np.random.Generator], list[dict]]
    call: Callable
    reference: Callable
    wrong: tuple[Wrong, ...] = ()
    atol: float = 1e-6
    rtol: float = 1e-6
    parts: tuple[str, ...] = ()
    grade: Callable | None = None
    fixed_cases: tuple[dict, ...] = field(default=())

    transcription: bool = False
    oracle: Callable[[dict], object] | None = None

    @property
    def answer_id(self) -> str:
        """The nbgrader `grade_id` of the cell where the learner writes the answer."""
        return f"answer_{self.id}"

    @property
    def check_id(self) -> str:
        """The nbgrader `grade_id` of the check cell that carries the points."""
        return f"check_{self.id}"

    def draw(self, seed: int) -> list[dict]:
        """The cases for one check or one grading batch: random ones, then the fixed edge cases."""
        return self.cases(np.random.default_rng(seed)) + [dict(c) for c in self.fixed_cases]


def tensor(value) -> torch.Tensor:
    """A float64 tensor from plain data (a case's inputs are stored as lists)."""
    return torch.tensor(value, dtype=torch.float64)


def to_plain(value, _depth: int = 0, _count: list | None = None):
    """Turn a result into nested lists of floats (or a dict of them), refusing anything odd.

    Accepted: torch.Tensor and nn.Parameter (exactly those types, not subclasses), numpy arrays and
    scalars, Python numbers, tuples/lists (named tuples and torch.Size included) and dicts with
    string keys (a state dict). Anything else raises BadAnswer naming the type that came.
    """
    count = [0] if _count is None else _count
    if _depth > MAX_DEPTH:
        raise BadAnswer("the answer is nested too deeply")
    kind = type(value)
    if kind is torch.Tensor or kind is nn.Parameter:
        _add(count, value.numel())
        return value.detach().to("cpu", torch.float64).tolist()
    if kind is np.ndarray:
        _add(count, value.size)
        return np.asarray(value, dtype=np.float64).tolist()
    if kind in (bool, int, float) or isinstance(value, (np.floating, np.integer, np.bool_)):
        _add(count, 1)
        return float(value)
    if isinstance(value, (tuple, list)):
        items = list(value)
        _add(count, len(items))
        return [to_plain(item, _depth + 1, count) for item in items]
    if isinstance(value, dict):
        _add(count, len(value))
        return {str(k): to_plain(v, _depth + 1, count) for k, v in value.items()}
    raise BadAnswer(f"expected a tensor, an array, a number or a tuple of them, got {kind.__name__}")


def _add(count: list, n: int) -> None:
    count[0] += n
    if count[0] > MAX_ELEMENTS:
        raise BadAnswer(f"the answer holds more than {MAX_ELEMENTS} numbers")


def as_array(plain) -> np.ndarray:
    """Plain nested lists of numbers -> float64 array; BadAnswer if ragged or not numbers."""
    try:
        return np.array(plain, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as error:
        raise BadAnswer(f"not a rectangular array of numbers ({type(error).__name__})") from None


def compare(expected, got, atol: float, rtol: float, parts: tuple[str, ...] = ()) -> str | None:
    """None if `got` matches `expected` (both plain); otherwise what differs, with numbers.

    With `parts` (e.g. ("h", "c")) both must be sequences of that many arrays, compared one by one
    so the message names the part that is wrong.
    """
    if not parts:
        return _compare_array(as_array(expected), got, atol, rtol, "result")
    if not isinstance(got, list) or len(got) != len(parts):
        count = len(got) if isinstance(got, list) else 1
        return f"expected {len(parts)} results ({', '.join(parts)}), got {count}"
    for name, e, g in zip(parts, expected, got):
        problem = _compare_array(as_array(e), g, atol, rtol, name)
        if problem:
            return problem
    return None


def _compare_array(e: np.ndarray, got, atol: float, rtol: float, label: str) -> str | None:
    try:
        g = as_array(got)
    except BadAnswer as error:
        return f"{label}: {error}"
    if e.shape != g.shape:
        return f"{label}: expected shape {tuple(e.shape)}, got {tuple(g.shape)}"
    if not np.all(np.isfinite(g)):
        return f"{label}: contains NaN or inf"
    diff = np.abs(e - g)
    bad = diff > atol + rtol * np.abs(e)
    if not bad.any():
        return None
    where = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    at = f"[{', '.join(str(int(i)) for i in where)}]" if where else ""
    return (f"{label}{at}: expected {_num(e[where])}, got {_num(g[where])} "
            f"(max abs difference {_num(diff[where])}, wrong in {int(bad.sum())} of {bad.size} entries)")


def _num(x) -> str:
    x = float(x)
    return f"{x:.4g}" if math.isfinite(x) else str(x)
