"""Verdict lines: one per claim, printed when true, raising with expected and got when false."""

import numpy as np
import pytest
import torch

from lstm_course.verdict import ClaimFailed, claim, show


def test_a_true_claim_prints_one_line_with_the_value_and_the_claim(capsys):
    returned = claim("gradient norm at lag 50", 2.7e-07, "< 1e-6", 2.7e-07 < 1e-6)
    assert capsys.readouterr().out == "✔ gradient norm at lag 50: 2.7e-07 (claim: < 1e-6)\n"
    assert returned is None  # nothing for a notebook cell to echo after the verdict


def test_a_false_claim_raises_with_expected_and_got_and_prints_nothing(capsys):
    with pytest.raises(ClaimFailed, match=r"✘ accuracy: expected > 0.9, got 0.512"):
        claim("accuracy", 0.5123, "> 0.9", 0.5123 > 0.9)
    assert capsys.readouterr().out == ""


def test_claim_failed_is_an_assertion_error_so_notebook_tests_count_it_as_a_failure():
    assert issubclass(ClaimFailed, AssertionError)
    assert ClaimFailed("✘ x").__class__._render_traceback_(ClaimFailed("✘ x")) == ["ClaimFailed: ✘ x"]


@pytest.mark.parametrize("ok", [torch.tensor(True), np.bool_(True), True])
def test_ok_may_be_a_python_numpy_or_torch_bool(ok, capsys):
    claim("same", 1, "1", ok)
    assert capsys.readouterr().out.startswith("✔ same: 1")


@pytest.mark.parametrize("ok", [1, 0.0, "True", None, torch.tensor([True, False]), torch.tensor(1.0)])
def test_ok_that_is_not_a_bool_is_a_type_error(ok):
    with pytest.raises(TypeError, match="ok must be a bool"):
        claim("x", 1, "1", ok)


def test_name_and_expected_must_be_text():
    with pytest.raises(TypeError, match="must be strings"):
        claim("x", 1, 1, True)


@pytest.mark.parametrize("value, digits, text", [
    (0.123456, 3, "0.123"), (1234567.0, 3, "1.23e+06"), (12345, 3, "12,345"), (True, 3, "True"),
    (torch.tensor(0.5), 2, "0.5"), (np.float64(2.0 / 3), 2, "0.67"), ("LSTM", 3, "LSTM"),
])
def test_values_are_shown_briefly(value, digits, text):
    assert show(value, digits) == text


def test_a_tensor_of_many_elements_is_not_one_value():
    with pytest.raises(ValueError, match=r"expected a tensor with 1 element, got shape \(2,\)"):
        show(torch.zeros(2))
