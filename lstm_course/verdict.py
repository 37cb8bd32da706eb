"""One readable verdict per claim: `claim("name", value, "expected", ok)`.

A lesson that says "the gradient at lag 50 is below 1e-6" shows the number and checks it in one line:

    >>> claim("gradient norm at lag 50", 2.7e-07, "< 1e-6", 2.7e-07 < 1e-6)
    ✔ gradient norm at lag 50: 2.7e-07 (claim: < 1e-6)

When the claim is false the cell stops with `ClaimFailed`, whose message gives the expected and the got,
so a lesson whose text no longer matches its numbers fails loudly when it is run (and in the notebook tests).
Pure regression checks (shapes of internals, exact equalities a reader does not need) belong in tests/.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

__all__ = ["ClaimFailed", "claim", "show"]


class ClaimFailed(AssertionError):
    """A claim a lesson makes does not hold for the numbers it computed; the message says expected and got."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the verdict line, which names expected and got."""
        return [f"ClaimFailed: {self}"]


def show(value, digits: int = 3) -> str:
    """`value` as a verdict shows it: floats to `digits` significant digits, one-element tensors as numbers."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError("a verdict shows one number; "
                             f"expected a tensor with 1 element, got shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        return f"{value:.{digits}g}"
    return str(value)


def _truth(ok) -> bool:
    """`ok` as a Python bool; only booleans count (a number or a string is a mistake, not a truth value)."""
    if isinstance(ok, torch.Tensor):
        if ok.dtype != torch.bool or ok.numel() != 1:
            raise TypeError(f"ok must be a bool; got a tensor of dtype {ok.dtype} and shape {tuple(ok.shape)}")
        return bool(ok.item())
    if isinstance(ok, (bool, np.bool_)):
        return bool(ok)
    raise TypeError(f"ok must be a bool (the outcome of the comparison); got {type(ok).__name__}: {ok!r}")


def claim(name: str, value, expected: str, ok, digits: int = 3) -> None:
    """Print `✔ name: value (claim: expected)` when `ok`; raise `ClaimFailed` with expected and got when not.

    Args:
        name: what is measured, in words ("accuracy of the forward direction").
        value: the measured number (int, float, one-element tensor) or a short text.
        expected: the claim about it, as a reader would write it ("> 0.9", "about 1/6", "True").
        ok: the outcome of the comparison the lesson makes (bool, numpy bool or a one-element bool tensor).
        digits: significant digits a float is shown with; keep few where the last digit varies with the
            number of threads.

    Returns:
        None, so a verdict at the end of a cell adds no echo of the value.

    Raises:
        TypeError: `name` or `expected` is not a string, or `ok` is not a bool.
        ClaimFailed: `ok` is false.
    """
    if not isinstance(name, str) or not isinstance(expected, str):
        raise TypeError(f"name and expected must be strings; got {type(name).__name__} and {type(expected).__name__}")
    shown = show(value, digits)
    if not _truth(ok):
        raise ClaimFailed(f"✘ {name}: expected {expected}, got {shown}")
    print(f"✔ {name}: {shown} (claim: {expected})")
