"""Keep the exercise bank's answers out of the sandbox: copies of its modules without them.

The learner's kernel needs the bank (the setup cell imports `lstm_course.checks`; the collection
step calls each answer the way the bank says), but not the bank's reference answers nor the oracles
that compute the same results another way. For every module that defines one, the grader writes a
copy in which the body of each of those functions is replaced by a `PermissionError`, and the
sandbox shows that copy in place of the module (`isolation.Sandbox`) and hides the module's
compiled bytecode. Everything else in the module, its cases, its known mistakes and the code its
references call (the course's own cells and layers, which learners may use), stays as it is.

So a submission that imports a reference and hands it in as its answer gets an error on every case
and no points for it; one that reads the bank's files reads the copies. A helper that gives the right
answer when called with its defaults (a backward pass whose known mistakes are switched off by
default) is named in its module's `GRADER_SECRET` and redacted the same way.

Data that a lesson's trained model is scored on can be kept out the same way: a lesson module's
`GRADER_ONLY` maps a file of the package's `data/` folder to what the sandbox shows in its place
(e.g. the CO2 series without the months the grader scores), so the kernel never reads them.
"""

from __future__ import annotations

import ast
import sys
import types
from collections.abc import Callable
from pathlib import Path

from ..exercise_bank.registry import EXERCISES, LESSONS

DATA = Path(__file__).resolve().parents[1] / "data"
MESSAGE = "the exercise bank's answers are not available while grading"


def secret_functions() -> dict[Path, set[str]]:
    """{module file: names of the top-level reference and oracle functions it defines, and of the helpers
    its `GRADER_SECRET` names}."""
    found: dict[Path, set[str]] = {}
    for exercise in EXERCISES.values():
        for function in (exercise.reference, getattr(exercise, "oracle", None)):
            if function is None:
                continue
            if not isinstance(function, types.FunctionType) or function.__qualname__ != function.__name__:
                raise TypeError(f"exercise {exercise.id}: its reference and oracle must be top-level functions "
                                f"so the grader can keep them out of the sandbox, got {function!r}")
            path = Path(sys.modules[function.__module__].__file__).resolve()
            found.setdefault(path, set()).add(function.__name__)
    for lesson in LESSONS:  # helpers that compute a right answer too, such as a backward pass with every term
        for name in getattr(lesson, "GRADER_SECRET", ()):
            found.setdefault(Path(lesson.__file__).resolve(), set()).add(name)
    return found


def redacted(source: str, names: set[str]) -> str:
    """`source` with the bodies (docstrings included) of the top-level functions `names` replaced."""
    lines = source.splitlines(keepends=True)
    functions = [node for node in ast.parse(source).body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names]
    missing = names - {f.name for f in functions}
    if missing:
        raise ValueError(f"expected top-level functions {sorted(missing)} in the module, found none by that name")
    for function in sorted(functions, key=lambda f: f.lineno, reverse=True):
        first, last = function.body[0].lineno - 1, function.end_lineno
        indent = " " * function.body[0].col_offset
        lines[first:last] = [f"{indent}raise PermissionError({MESSAGE!r})\n"]
    return "".join(lines)


def write_redacted(folder: Path) -> list[tuple[str, str]]:
    """Write the redacted copies into `folder`; return [(copy, original)] for `isolation.Sandbox`."""
    folder.mkdir(parents=True, exist_ok=True)
    overlays = []
    for k, (path, names) in enumerate(sorted(secret_functions().items())):
        copy = folder / f"{k:02d}_{path.name}"
        copy.write_text(redacted(path.read_text(encoding="utf-8"), names), encoding="utf-8")
        overlays.append((str(copy), str(path)))
    for k, (name, view) in enumerate(sorted(grader_only_data().items())):
        copy = folder / f"data{k:02d}_{name}"
        copy.write_text(view((DATA / name).read_text(encoding="utf-8")), encoding="utf-8")
        overlays.append((str(copy), str(DATA / name)))
    return overlays


def grader_only_data() -> dict[str, Callable[[str], str]]:
    """{file name in the package's data/: function from its text to what the sandbox shows instead}."""
    views: dict[str, Callable[[str], str]] = {}
    for lesson in LESSONS:
        views |= getattr(lesson, "GRADER_ONLY", {})
    return views
