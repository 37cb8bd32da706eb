"""The course's one vocabulary of argument checks, so a learner sees *what* was expected instead of a matmul error.

Every check raises `TypeError` when the argument is of the wrong kind (a float where an int is
needed, `1` where `True` is, a list where a tensor is) and `ValueError` when it is of the right
kind with a wrong value (a size of 0, a dropout of 1.5, a tuple of three states), and every
message says what was expected and what came. Each check returns the value, so a constructor can
write `self.hidden_size = check_int("hidden_size", hidden_size)`.

Messages use the course's shape letters: B batch, T time, I input size, H hidden size,
P projection size, L layers, D directions.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch

SHORT_REPR = 40
"""Longest repr of a wrong value quoted in a message; longer ones are cut with '...'."""


def shape_str(shape: Sequence[int]) -> str:
    """`(2, 5, 3)` rather than `torch.Size([2, 5, 3])`."""
    dims = tuple(shape)
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def describe(value) -> str:
    """What came, in a few words: `float 4.0`, `tuple of length 3`, `Tensor of shape (2, 4)`."""
    if isinstance(value, torch.Tensor):
        return f"Tensor of shape {shape_str(value.shape)}"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of length {len(value)}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= SHORT_REPR else text[: SHORT_REPR - 3] + '...'}"


def _or_list(choices: Sequence) -> str:
    """`'a', 'b' or 'c'`."""
    names = [repr(choice) for choice in choices]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_type(name: str, value, types, expected: str):
    """`value` must be an instance of `types` (subclasses count); `expected` names them for the message."""
    if not isinstance(value, types):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    return value


def check_choice(name: str, value, choices: Sequence):
    """One of a few allowed values, such as `nonlinearity` in ("tanh", "relu")."""
    kind = type(choices[0])
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {_or_list(choices)}, got {describe(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be {_or_list(choices)}, got {value!r}")
    return value


def check_bool(name: str, value) -> bool:
    """Flags such as `bias` or `batch_first` must be real booleans, not 0/1 or strings."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return value


def check_int(name: str, value, minimum: int | None = None) -> int:
    """A count or a size: a plain int (not a bool, not a float such as 4.0), at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_positive_int(name: str, value) -> int:
    """A size such as `hidden_size`: an int >= 1."""
    return check_int(name, value, minimum=1)


def _interval(low, high, high_open) -> str:
    if low is not None and high is not None:
        return f"in [{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f">= {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def check_number(name: str, value, low: float | None = None, high: float | None = None,
                 high_open: bool = False) -> float:
    """A real number (an int or a float, not a bool) in [low, high], or [low, high) when `high_open`."""
    interval = _interval(low, high, high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number{' ' + interval if interval else ''}, got {describe(value)}")
    too_high = high is not None and (value >= high if high_open else value > high)
    if (low is not None and value < low) or too_high:
        raise ValueError(f"{name} must be {interval}, got {value!r}")
    return float(value)


def check_dropout(value) -> float:
    """Dropout is a probability of dropping, so it lives in [0, 1)."""
    return check_number("dropout", value, low=0, high=1, high_open=True)


def check_dtype(name: str, value) -> torch.dtype | None:
    """A `dtype=` argument: None (PyTorch's default) or a floating-point `torch.dtype`."""
    if value is None:
        return None
    check_type(name, value, torch.dtype, "a torch.dtype such as torch.float64, or None")
    if not value.is_floating_point:
        raise ValueError(f"{name} must be a floating-point dtype such as torch.float32, got {value}")
    return value


def check_generator(value) -> torch.Generator | None:
    """A `torch.Generator` for reproducible draws, or None for PyTorch's global one."""
    if value is not None:
        check_type("generator", value, torch.Generator, "a torch.Generator or None")
    return value


def check_pair(name: str, value, first: str, second: str) -> tuple:
    """An LSTM state: a tuple (or list) of exactly two entries, named `first` and `second` in messages."""
    expected = f"a tuple ({first}, {second}) of two tensors"
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    if len(value) != 2:
        raise ValueError(f"{name} must be {expected}, got {describe(value)}")
    return tuple(value)


def check_tensor(name: str, value, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A floating-point tensor, and of the parameters' dtype when one is given."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {describe(value)}")
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor, got dtype {value.dtype}; convert it with .float()"
        )
    if dtype is not None and value.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {value.dtype} but the parameters are {dtype}; "
            f"convert one of them, e.g. input.to({dtype}) or model.to({value.dtype})"
        )
    return value


def check_shape(name: str, value: torch.Tensor, expected: Sequence[int], letters: str) -> None:
    """Compare a tensor's shape with the expected one and explain the difference in letters."""
    if tuple(value.shape) != tuple(expected):
        raise ValueError(
            f"{name} must have shape {letters} = {shape_str(expected)}, got {shape_str(value.shape)}"
        )
