"""What the grader keeps out of the sandbox: references, oracles and helpers that compute a right answer."""

from pathlib import Path

import pytest

from lstm_course.exercise_bank import lesson03
from lstm_course.grade.redact import MESSAGE, redacted, secret_functions


def test_a_helper_that_computes_the_right_backward_by_default_is_redacted_with_the_reference():
    names = secret_functions()[Path(lesson03.__file__).resolve()]
    assert {"lstm_step_backward", "_backward"} <= names
    namespace = {"__name__": "lesson03_as_the_sandbox_sees_it", "__package__": "lstm_course.exercise_bank"}
    exec(compile(redacted(Path(lesson03.__file__).read_text(), names), "lesson03.py", "exec"), namespace)
    for name in ("lstm_step_backward", "_backward"):
        with pytest.raises(PermissionError, match=MESSAGE):
            namespace[name](None, None, None)
