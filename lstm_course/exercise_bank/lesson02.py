"""Exercises for lesson 02 (LSTM gates): the four gates, the cell update, the memory half-life."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..cells import lstm_step
from .cases import randn, step_case, step_tensors
from .spec import Exercise, Wrong, tensor

NOTEBOOK = "02_lstm_gates"


# 1. The four gates of one step, PyTorch's block order i|f|g|o.

def lstm_gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """Reference: (i, f, g, o), each (B, H)."""
    z_i, z_f, z_g, z_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)  # 4 x (B, H)
    return torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)


def _gate_cases(rng):
    return [step_case(rng, 2, 3, 4, "B=2, I=3, H=4", gates=4), step_case(rng, 1, 1, 1, "B=1, I=1, H=1", gates=4),
            step_case(rng, 3, 2, 2, "large weights", gates=4, scale=3.0)]


def _call_gates(answer, case):
    return tuple(answer(*step_tensors(case)))


def _swap_if(*args):
    i, f, g, o = lstm_gates(*args)
    return f, i, g, o


def _sigmoid_g(*args):
    i, f, g, o = lstm_gates(*args)
    return i, f, torch.sigmoid(torch.atanh(g)), o


def _ifog(x, h, wi, wh, bi, bh):
    z_i, z_f, z_o, z_g = (x @ wi.T + bi + h @ wh.T + bh).chunk(4, dim=-1)
    return torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)


def _gates_oracle(case):
    """The course's tested lstm_step (equal to nn.LSTMCell), which returns every gate."""
    x, h, *weights = step_tensors(case)
    step = lstm_step(x, h, torch.zeros_like(h), *weights)
    return step.i, step.f, step.g, step.o


LSTM_GATES = Exercise(
    id="lstm_gates", notebook=NOTEBOOK, name="lstm_gates", points=35,
    cases=_gate_cases, call=_call_gates, reference=lstm_gates, parts=("i", "f", "g", "o"), oracle=_gates_oracle,
    wrong=(
        Wrong(_swap_if, "are i and f swapped? PyTorch stacks the blocks i|f|g|o"),
        Wrong(_sigmoid_g, "the candidate g uses tanh (values in (-1, 1)), not sigmoid"),
        Wrong(_ifog, "the blocks are in the order i|f|g|o, not i|f|o|g"),
    ),
)


# 2. The cell update: c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t).

def cell_update(c, i, f, g, o):
    """Reference: (c_t, h_t), each (B, H)."""
    c_next = f * c + i * g  # (B, H)
    return c_next, o * torch.tanh(c_next)  # (B, H)


def _update_case(rng, batch, hidden_size, about, c_scale=1.0):
    gate = lambda: (1 / (1 + math.e ** -rng.standard_normal((batch, hidden_size)))).tolist()  # noqa: E731
    return {"about": about, "c": randn(rng, batch, hidden_size, scale=c_scale), "i": gate(), "f": gate(),
            "g": rng.uniform(-1, 1, (batch, hidden_size)).tolist(), "o": gate()}


def _update_cases(rng):
    return [_update_case(rng, 2, 3, "B=2, H=3"), _update_case(rng, 1, 1, "B=1, H=1"),
            _update_case(rng, 3, 2, "a large cell state, where tanh matters", c_scale=4.0)]


def _call_update(answer, case):
    return tuple(answer(*(tensor(case[n]) for n in ("c", "i", "f", "g", "o"))))


def _update_oracle(case):
    """nn.LSTMCell whose input x holds the gates' pre-activations (W_ih = identity, W_hh = 0, no bias)."""
    c, i, f, g, o = (tensor(case[n]) for n in ("c", "i", "f", "g", "o"))
    hidden_size = c.shape[1]
    cell = nn.LSTMCell(4 * hidden_size, hidden_size, bias=False).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.eye(4 * hidden_size))
        cell.weight_hh.zero_()
        logit = lambda p: torch.log(p / (1 - p))  # noqa: E731  the inverse of the sigmoid
        x = torch.cat([logit(i), logit(f), torch.atanh(g), logit(o)], dim=1)  # (B, 4H)
        h_next, c_next = cell(x, (torch.zeros_like(c), c))
    return c_next, h_next


CELL_UPDATE = Exercise(
    id="cell_update", notebook=NOTEBOOK, name="cell_update", points=35,
    cases=_update_cases, call=_call_update, reference=cell_update, parts=("c", "h"), oracle=_update_oracle,
    wrong=(
        Wrong(lambda c, i, f, g, o: (f * c + i * g, o * (f * c + i * g)), "did you forget tanh on the cell state?"),
        Wrong(lambda c, i, f, g, o: (i * c + f * g, o * torch.tanh(i * c + f * g)),
              "are i and f swapped? f scales the old cell state, i the candidate"),
        Wrong(lambda c, i, f, g, o: (f * c + i * g, o * torch.tanh(c)), "h_t uses the new cell state c_t, not c_{t-1}"),
        Wrong(lambda c, i, f, g, o: (o * torch.tanh(f * c + i * g), f * c + i * g), "return (c, h) in that order"),
    ),
)


# 3. Memory half-life: with a constant forget gate f (no input), c_n = f^n c_0 halves after n = ln(1/2) / ln(f).

def half_life(f):
    """Reference: steps until the cell state halves, for each forget-gate value in f (N,)."""
    return torch.log(torch.tensor(0.5, dtype=f.dtype)) / torch.log(f)  # (N,)


def _half_life_cases(rng):
    return [{"about": "forget gates between 0.05 and 0.99", "f": rng.uniform(0.05, 0.99, 6).tolist()},
            {"about": "f close to 1: long memory", "f": (1 - rng.uniform(1e-4, 1e-2, 3)).tolist()}]


def _half_life_oracle(case):
    """Decay a cell state step by step (c ← f·c, no input) and find where it crosses 1/2 by bisection."""
    f = np.asarray(case["f"], dtype=np.float64)
    low, high = np.zeros_like(f), np.ones_like(f)
    while np.any(f ** high > 0.5):  # grow the bracket until the state has halved
        high = np.where(f ** high > 0.5, 2 * high, high)
    for _ in range(200):
        middle = (low + high) / 2
        halved = f ** middle <= 0.5
        low, high = np.where(halved, low, middle), np.where(halved, middle, high)
    return (low + high) / 2


HALF_LIFE = Exercise(
    id="half_life", notebook=NOTEBOOK, name="half_life", points=30, oracle=_half_life_oracle,
    cases=_half_life_cases, call=lambda answer, case: answer(tensor(case["f"])), reference=half_life, rtol=1e-6,
    fixed_cases=({"about": "f = 0.5 halves in exactly one step", "f": [0.5]},),
    wrong=(
        Wrong(lambda f: 1 / (1 - f), "1 / (1 - f) is the time constant, not the half-life: solve f^n = 1/2 for n"),
        Wrong(lambda f: torch.log(f) / torch.log(torch.tensor(0.5, dtype=f.dtype)), "the fraction is upside down: "
              "n = ln(1/2) / ln(f)"),
        Wrong(lambda f: -half_life(f), "the sign is off: ln(1/2) and ln(f) are both negative, so n > 0"),
    ),
)

EXERCISES = (LSTM_GATES, CELL_UPDATE, HALF_LIFE)
