"""Exercises for lesson 02 (LSTM gates): set a cell's gates through its biases to keep, write, add to, hide or
erase its memory; fix the planted bugs of an LSTM's forward loop; the memory half-life."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..cells import LSTMCell
from .cases import load_plain, lstm_case, randn, step_tensors
from .spec import Exercise, Wrong, tensor, to_plain

NOTEBOOK = "02_lstm_gates"


# 1. Program the memory: only the biases are free. W_hh = 0 and W_ih reads x into the candidate block alone
#    (g_t = tanh(x_t + b_g)), so each unit's three gates are constants σ(b_i), σ(b_f), σ(b_o), one per unit.

MODES = ("keep", "write", "add", "hide", "erase")
SHUT = 20.0  # σ(-20) ≈ 2.1e-9: within the checks' 1e-6 of a closed gate, σ(20) of an open one


def gate_biases(modes):
    """Reference: one mode per unit (H,) -> bias (4H,) in PyTorch's blocks i|f|g|o, the candidate's left at 0."""
    gates = {"keep": (0, 1, 1), "write": (1, 0, 1), "add": (1, 1, 1), "hide": (0, 1, 0), "erase": (0, 0, 0)}  # i, f, o
    i, f, o = (torch.tensor([SHUT if gates[m][k] else -SHUT for m in modes], dtype=torch.float64)
               for k in range(3))  # 3 x (H,)
    return torch.cat([i, f, torch.zeros_like(i), o])  # (4H,)


def _modes_case(rng, modes, batch, about):
    hidden_size = len(modes)
    return {"about": about, "modes": list(modes), "x": randn(rng, batch, hidden_size),
            "h": randn(rng, batch, hidden_size), "c": randn(rng, batch, hidden_size, scale=1.5)}


def _modes_cases(rng):
    return [_modes_case(rng, [MODES[k] for k in rng.permutation(5)], 3, "H=5, one unit per mode"),
            _modes_case(rng, [MODES[k] for k in rng.integers(0, 5, 3)], 2, "H=3, modes drawn at random"),
            _modes_case(rng, [MODES[int(rng.integers(5))]], 4, "H=1, a single unit")]


def programmed_cell(bias, hidden_size: int) -> LSTMCell:
    """The course's LSTMCell (I = H) with W_hh = 0, W_ih = identity on the candidate block only, bias_hh = 0,
    and bias_ih = `bias` (4H,); ValueError if the bias has another shape."""
    bias = tensor(to_plain(bias))
    if tuple(bias.shape) != (4 * hidden_size,):
        raise ValueError(f"expected a bias of shape (4H,) = ({4 * hidden_size},), got {tuple(bias.shape)}")
    weight_ih = torch.zeros(4 * hidden_size, hidden_size, dtype=torch.float64)
    weight_ih[2 * hidden_size:3 * hidden_size] = torch.eye(hidden_size, dtype=torch.float64)  # g_t = tanh(x_t + b_g)
    cell = LSTMCell(hidden_size, hidden_size, dtype=torch.float64)
    cell.load_state_dict({"weight_ih": weight_ih, "weight_hh": torch.zeros(4 * hidden_size, hidden_size,
                          dtype=torch.float64), "bias_ih": bias, "bias_hh": torch.zeros_like(bias)})
    return cell


def _call_modes(answer, case):
    """One step of the cell the answer's bias programs: (c_t, h_t)."""
    cell = programmed_cell(answer(list(case["modes"])), len(case["modes"]))
    with torch.no_grad():
        h_next, c_next = cell(tensor(case["x"]), (tensor(case["h"]), tensor(case["c"])))
    return c_next, h_next


def _modes_oracle(case):
    """What each mode means, written as the memory's behaviour (no gates): keep c, write g, add g, hide h, erase."""
    x, c = np.asarray(case["x"]), np.asarray(case["c"])
    g = np.tanh(x)  # (B, H) what the candidate block offers
    c_next = np.empty_like(c)
    for unit, mode in enumerate(case["modes"]):
        c_next[:, unit] = {"keep": c[:, unit], "write": g[:, unit], "add": c[:, unit] + g[:, unit],
                           "hide": c[:, unit], "erase": 0.0 * c[:, unit]}[mode]
    shown = np.array([mode not in ("hide", "erase") for mode in case["modes"]], dtype=np.float64)
    return c_next, shown * np.tanh(c_next)


def _biases_with(mistake):
    """A wrong answer: the reference's bias with one mistake made, `mistake(modes, i, f, g, o) -> bias (4H,)`."""
    def answer(modes):
        i, f, g, o = gate_biases(modes).clone().view(4, len(modes))  # 4 x (H,)
        return mistake(modes, i, f, g, o)
    return answer


def _mode_as(mode, gate, value):
    """The mistake of setting one gate of every unit in `mode` to `value` (the other gates as they should be)."""
    def mistake(modes, i, f, g, o):
        gates = {"i": i, "f": f, "o": o}
        for unit, m in enumerate(modes):
            if m == mode:
                gates[gate][unit] = value
        return torch.cat([i, f, g, o])
    return mistake


GATE_BIASES = Exercise(
    id="gate_biases", notebook=NOTEBOOK, name="gate_biases", points=40, oracle=_modes_oracle,
    cases=_modes_cases, call=_call_modes, reference=gate_biases, parts=("c", "h"),
    fixed_cases=({"about": "H=5, the modes in order keep, write, add, hide, erase", "modes": list(MODES),
                  "x": [[0.5, -1.0, 2.0, 0.3, -0.7]], "h": [[0.1, 0.2, 0.3, 0.4, 0.5]],
                  "c": [[1.0, -2.0, 0.5, 3.0, -1.5]]},),
    wrong=(
        Wrong(_biases_with(lambda modes, i, f, g, o: torch.cat([f, i, g, o])),
              "are i and f swapped? PyTorch stacks the bias blocks i|f|g|o"),
        Wrong(_biases_with(lambda modes, i, f, g, o: torch.stack([i, f, g, o], dim=1).flatten()),
              "each gate is one block of H entries: unit j's input gate is bias[j], its forget gate bias[H + j], "
              "its candidate bias[2H + j], its output gate bias[3H + j]"),
        Wrong(_biases_with(lambda modes, i, f, g, o: torch.cat([i, f, g, o]) * (5 / SHUT)),
              "the gates are not saturated: σ(5) ≈ 0.9933 lets 0.7% through; a gate within 1e-6 of 0 or 1 needs "
              "|bias| > ln(10⁶) ≈ 13.8"),
        Wrong(_biases_with(lambda modes, i, f, g, o: torch.cat([i, f, g + SHUT, o])),
              "leave the candidate's bias at 0: g_t = tanh(x_t + b_g) is what the input gate writes"),
        Wrong(_biases_with(_mode_as("hide", "f", -SHUT)),
              "hide keeps the memory: close the output gate only and keep f = 1"),
        Wrong(_biases_with(_mode_as("erase", "f", SHUT)),
              "erase empties the cell state itself: close the forget gate too (o = 0 only hides it)"),
        Wrong(_biases_with(_mode_as("write", "f", SHUT)),
              "write replaces the memory: open the input gate and close the forget gate, or the old value stays"),
        Wrong(_biases_with(_mode_as("keep", "o", -SHUT)),
              "keep still shows the memory: h_t = tanh(c_t) needs the output gate open"),
    ),
)


# 2. Find the bugs: an LSTM's forward loop over a sequence with three planted mistakes.

def lstm_forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """Reference: x (T, B, I), h and c (B, H) -> (output (T, B, H), (h_n (B, H), c_n (B, H)))."""
    outputs = []
    for x_t in x:  # (B, I)
        z_i, z_f, z_g, z_o = (x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)  # 4 x (B, H)
        i, f, g, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)  # (B, H)
        c = f * c + i * g  # (B, H)
        h = o * torch.tanh(c)  # (B, H)
        outputs.append(h)
    return torch.stack(outputs), (h, c)


BUGGY_FORWARD = '''def lstm_forward(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """x (T, B, I), h and c (B, H) -> (output (T, B, H), (h_n (B, H), c_n (B, H)))."""
    outputs = []
    for x_t in x:  # (B, I)
        z_i, z_f, z_g, z_o = (x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.tanh(z_o)
        outputs.append(h)
        c = f * h + i * g
        h = o * torch.tanh(c)
    return torch.stack(outputs), (h, c)
'''


def _forward_with(*, o_tanh=False, f_on_h=False, append_before=False, carry_c=True):
    """The loop with some of the planted bugs (or a wrong fix) left in: at least one, so it is never right."""
    if not (o_tanh or f_on_h or append_before or not carry_c):
        raise ValueError("a wrong answer needs at least one mistake")

    def answer(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
        outputs, c_first = [], c
        for x_t in x:
            z_i, z_f, z_g, z_o = (x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)
            i, f, g = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g)
            o = torch.tanh(z_o) if o_tanh else torch.sigmoid(z_o)
            if append_before:
                outputs.append(h)
            c_next = f * (h if f_on_h else (c if carry_c else c_first)) + i * g
            c = c_next
            h = o * torch.tanh(c_next)
            if not append_before:
                outputs.append(h)
        return torch.stack(outputs), (h, c)
    return answer


def _forward_cases(rng):
    cases = []
    for steps, batch, input_size, hidden_size, about, scale in ((4, 2, 3, 4, "T=4, B=2, I=3, H=4", 0.5),
                                                                (1, 1, 1, 1, "T=1, B=1, I=1, H=1", 0.5),
                                                                (6, 3, 2, 2, "T=6, large weights", 2.0)):
        case = lstm_case(rng, batch, input_size, hidden_size, about, scale=scale)
        case["x"] = randn(rng, steps, batch, input_size)
        cases.append(case)
    return cases


def _call_forward(answer, case):
    output, (h_n, c_n) = answer(*step_tensors(case, ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    return output, h_n, c_n


def _forward_oracle(case):
    """A one-layer nn.LSTM with the case's weights and initial state."""
    hidden_size, input_size = len(case["weight_hh"][0]), len(case["weight_ih"][0])
    lstm = load_plain(nn.LSTM(input_size, hidden_size).double(),
                      {f"{k}_l0": case[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    x, h, c = step_tensors(case, ("x", "h", "c"))
    with torch.no_grad():
        output, (h_n, c_n) = lstm(x, (h[None], c[None]))
    return output, h_n[0], c_n[0]


FIX_FORWARD = Exercise(
    id="fix_lstm_forward", notebook=NOTEBOOK, name="lstm_forward", points=30, oracle=_forward_oracle,
    cases=_forward_cases, call=_call_forward, reference=lstm_forward, parts=("output", "h_n", "c_n"),
    atol=1e-8, rtol=1e-8,
    wrong=(
        Wrong(_forward_with(o_tanh=True, f_on_h=True, append_before=True),
              "this is the loop as given: all three bugs are still there"),
        Wrong(_forward_with(o_tanh=True), "o is a gate: σ(z_o) in (0, 1); tanh lets it go negative and flip h"),
        Wrong(_forward_with(f_on_h=True), "the forget gate scales the old cell state c_{t-1}, not h_{t-1}"),
        Wrong(_forward_with(append_before=True), "output[t] is the hidden state after step t: append the new h, "
              "not the one the step started from"),
        Wrong(_forward_with(carry_c=False), "carry the cell state: each step's c_{t-1} is the previous step's c_t, "
              "not the initial c"),
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

EXERCISES = (GATE_BIASES, FIX_FORWARD, HALF_LIFE)
