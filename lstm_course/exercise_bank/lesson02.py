"""Exercises for lesson 02 (LSTM gates): the four gates, the cell update, the memory half-life."""

from __future__ import annotations

import math

import torch

from .lesson01 import randn
from .spec import Exercise, Wrong, tensor

NOTEBOOK = "02_lstm_gates"


# 1. The four gates of one step, PyTorch's block order i|f|g|o.

def lstm_gates(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """Reference: (i, f, g, o), each (B, H)."""
    z_i, z_f, z_g, z_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)  # 4 x (B, H)
    return torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)


def _gate_case(rng, batch, input_size, hidden_size, about, scale=0.5):
    return {
        "about": about,
        "x": randn(rng, batch, input_size),
        "h": randn(rng, batch, hidden_size),
        "weight_ih": randn(rng, 4 * hidden_size, input_size, scale=scale),
        "weight_hh": randn(rng, 4 * hidden_size, hidden_size, scale=scale),
        "bias_ih": randn(rng, 4 * hidden_size, scale=scale),
        "bias_hh": randn(rng, 4 * hidden_size, scale=scale),
    }


def _gate_cases(rng):
    return [_gate_case(rng, 2, 3, 4, "B=2, I=3, H=4"), _gate_case(rng, 1, 1, 1, "B=1, I=1, H=1"),
            _gate_case(rng, 3, 2, 2, "large weights", scale=3.0)]


def _call_gates(answer, case):
    names = ("x", "h", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return tuple(answer(*(tensor(case[n]) for n in names)))


def _swap_if(*args):
    i, f, g, o = lstm_gates(*args)
    return f, i, g, o


def _sigmoid_g(*args):
    i, f, g, o = lstm_gates(*args)
    return i, f, torch.sigmoid(torch.atanh(g)), o


def _ifog(x, h, wi, wh, bi, bh):
    z_i, z_f, z_o, z_g = (x @ wi.T + bi + h @ wh.T + bh).chunk(4, dim=-1)
    return torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)


LSTM_GATES = Exercise(
    id="lstm_gates", notebook=NOTEBOOK, name="lstm_gates", points=35,
    cases=_gate_cases, call=_call_gates, reference=lstm_gates, parts=("i", "f", "g", "o"),
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


CELL_UPDATE = Exercise(
    id="cell_update", notebook=NOTEBOOK, name="cell_update", points=35,
    cases=_update_cases, call=_call_update, reference=cell_update, parts=("c", "h"),
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


HALF_LIFE = Exercise(
    id="half_life", notebook=NOTEBOOK, name="half_life", points=30,
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
