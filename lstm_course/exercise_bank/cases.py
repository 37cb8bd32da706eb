"""Test-case builders shared by the lesson modules.

A case is plain data (nested lists of floats, numbers, strings) so that it can be written as JSON
into the learner's kernel and read back by the grader unchanged. These helpers draw the usual
inputs of a recurrent step from a NumPy generator; `tensor` turns them back into float64 tensors.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .spec import tensor

STEP_ARGS = ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh")  # a step's arguments, in torch's order


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> list:
    """Plain nested lists of normal numbers with standard deviation `scale`."""
    return (rng.standard_normal(shape) * scale).tolist()


def step_case(rng: np.random.Generator, batch: int, input_size: int, hidden_size: int, about: str, *,
              gates: int = 1, scale: float = 0.5, zero_state: bool = False) -> dict:
    """Inputs of one recurrent step: x (B, I), h (B, H), weights (G·H, I) and (G·H, H), biases (G·H,).

    `gates` is G: 1 for a vanilla RNN, 4 for an LSTM (blocks i|f|g|o as in torch.nn.LSTM).
    """
    rows = gates * hidden_size
    return {
        "about": about,
        "x": randn(rng, batch, input_size),
        "h": [[0.0] * hidden_size for _ in range(batch)] if zero_state else randn(rng, batch, hidden_size),
        "weight_ih": randn(rng, rows, input_size, scale=scale),
        "weight_hh": randn(rng, rows, hidden_size, scale=scale),
        "bias_ih": randn(rng, rows, scale=scale),
        "bias_hh": randn(rng, rows, scale=scale),
    }


def lstm_case(rng: np.random.Generator, batch: int, input_size: int, hidden_size: int, about: str, *,
              scale: float = 0.5, c_scale: float = 1.0) -> dict:
    """An LSTM step's inputs: `step_case` with four gate blocks, plus a cell state c (B, H)."""
    case = step_case(rng, batch, input_size, hidden_size, about, gates=4, scale=scale)
    case["c"] = randn(rng, batch, hidden_size, scale=c_scale)
    return case


def step_tensors(case: dict, names=STEP_ARGS) -> list[torch.Tensor]:
    """The named entries of a case as float64 tensors, in the order given."""
    return [tensor(case[name]) for name in names]


def lstm_weights(rng: np.random.Generator, input_size: int, hidden_size: int, scale: float = 0.4,
                 suffix: str = "_l0") -> dict:
    """One nn.LSTM layer's state dict as plain lists (keys weight_ih_l0, ..., bias_hh_l0)."""
    return {f"weight_ih{suffix}": randn(rng, 4 * hidden_size, input_size, scale=scale),
            f"weight_hh{suffix}": randn(rng, 4 * hidden_size, hidden_size, scale=scale),
            f"bias_ih{suffix}": randn(rng, 4 * hidden_size, scale=scale),
            f"bias_hh{suffix}": randn(rng, 4 * hidden_size, scale=scale)}


def load_plain(module: nn.Module, state: dict) -> nn.Module:
    """Load a plain-list state dict into `module` (float64); the module is returned for chaining."""
    module.load_state_dict({name: tensor(value) for name, value in state.items()})
    return module
