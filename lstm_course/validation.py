"""Shape and type checks at the boundary, so a learner sees *what* was expected instead of a matmul error.

Messages use the course's shape letters: B batch, T time, I input size, H hidden size,
L layers, D directions.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def shape_str(shape: Sequence[int]) -> str:
    """`(2, 5, 3)` rather than `torch.Size([2, 5, 3])`."""
    dims = tuple(shape)
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def check_positive_int(name: str, value) -> int:
    """A size such as `hidden_size` must be a plain positive integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def check_bool(name: str, value) -> bool:
    """Flags such as `bias` or `batch_first` must be real booleans, not 0/1 or strings."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return value


def check_dropout(value) -> float:
    """Dropout is a probability of dropping, so it lives in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"dropout must be a number in [0, 1), got {type(value).__name__} {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"dropout must be in [0, 1), got {value}")
    return float(value)


def check_tensor(name: str, value, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A floating-point tensor, and of the parameters' dtype when one is given."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
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
