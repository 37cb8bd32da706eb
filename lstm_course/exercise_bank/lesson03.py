"""Exercises for lesson 03 (building an LSTM cell): a cell forward in PyTorch's layout, a layout conversion,
and the cell's backward step derived by hand (checked against autograd in float64)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..cells import lstm_step
from .cases import load_plain, lstm_case, randn, step_tensors
from .spec import Exercise, Wrong, tensor, to_plain

NOTEBOOK = "03_building_an_lstm_cell"
# With its defaults `_backward` is a correct `lstm_step_backward`: the grader keeps it out of the sandbox too.
GRADER_SECRET = ("_backward",)


# 1. One LSTM step in PyTorch's layout: weight_ih (4H, I), weight_hh (4H, H), blocks i|f|g|o.

def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """Reference: (h_t, c_t), each (B, H)."""
    z_i, z_f, z_g, z_o = (x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh).chunk(4, dim=-1)  # 4 x (B, H)
    c_next = torch.sigmoid(z_f) * c + torch.sigmoid(z_i) * torch.tanh(z_g)  # (B, H)
    return torch.sigmoid(z_o) * torch.tanh(c_next), c_next


def _cell_cases(rng):
    return [lstm_case(rng, 2, 3, 4, "B=2, I=3, H=4"), lstm_case(rng, 1, 2, 1, "B=1, H=1"),
            lstm_case(rng, 3, 2, 2, "large weights and cell state", scale=2.0, c_scale=4.0)]


def _call_cell(answer, case):
    return tuple(answer(*step_tensors(case, ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh"))))


def _swap_if(x, h, c, wi, wh, bi, bh):
    swap = lambda w: torch.cat([w.chunk(4)[k] for k in (1, 0, 2, 3)])  # noqa: E731
    return lstm_cell(x, h, c, swap(wi), swap(wh), swap(bi), swap(bh))


def _no_tanh(x, h, c, wi, wh, bi, bh):
    z_i, z_f, z_g, z_o = (x @ wi.T + bi + h @ wh.T + bh).chunk(4, dim=-1)
    c_next = torch.sigmoid(z_f) * c + torch.sigmoid(z_i) * torch.tanh(z_g)
    return torch.sigmoid(z_o) * c_next, c_next


def _ifog(x, h, c, wi, wh, bi, bh):
    swap = lambda w: torch.cat([w.chunk(4)[k] for k in (0, 1, 3, 2)])  # noqa: E731
    return lstm_cell(x, h, c, swap(wi), swap(wh), swap(bi), swap(bh))


def _cell_oracle(case):
    """nn.LSTMCell with the case's weights."""
    hidden_size, input_size = len(case["weight_hh"][0]), len(case["weight_ih"][0])
    cell = load_plain(nn.LSTMCell(input_size, hidden_size).double(),
                      {k: case[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    return cell(*step_tensors(case, ("x",)), tuple(step_tensors(case, ("h", "c"))))


LSTM_CELL = Exercise(
    id="lstm_cell", notebook=NOTEBOOK, name="lstm_cell", points=30, oracle=_cell_oracle, transcription=True,
    cases=_cell_cases, call=_call_cell, reference=lstm_cell, parts=("h", "c"),
    wrong=(
        Wrong(_swap_if, "are i and f swapped? PyTorch stacks the blocks i|f|g|o"),
        Wrong(_no_tanh, "did you forget tanh on the cell state? h_t = o * tanh(c_t)"),
        Wrong(_ifog, "the blocks are in the order i|f|g|o, not i|f|o|g"),
        Wrong(lambda *args: lstm_cell(*args)[::-1], "return (h, c) in that order, as nn.LSTMCell does"),
    ),
)


# 2. From the cat(h, x) layout with blocks f|i|g|o and one bias, to PyTorch's layout.

def from_cat_layout(weight, bias, input_size):
    """Reference: weight (4H, H + I) acting on cat(h, x), blocks f|i|g|o; bias (4H,) ->
    (weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,)) in PyTorch's i|f|g|o."""
    hidden_size = weight.shape[0] // 4
    f, i, g, o = weight.chunk(4)  # 4 x (H, H + I)
    b_f, b_i, b_g, b_o = bias.chunk(4)  # 4 x (H,)
    w = torch.cat([i, f, g, o])  # (4H, H + I)
    return w[:, hidden_size:], w[:, :hidden_size], torch.cat([b_i, b_f, b_g, b_o]), torch.zeros_like(bias)


def _layout_cases(rng):
    cases = []
    for hidden_size, input_size, about in ((3, 2, "H=3, I=2"), (1, 1, "H=1, I=1"), (2, 2, "I = H")):
        cases.append({"about": about, "input_size": input_size,
                      "weight": randn(rng, 4 * hidden_size, hidden_size + input_size),
                      "bias": randn(rng, 4 * hidden_size)})
    return cases


def _call_layout(answer, case):
    """The two biases may split the total any way: only their sum is compared."""
    weight_ih, weight_hh, bias_ih, bias_hh = answer(tensor(case["weight"]), tensor(case["bias"]), case["input_size"])
    total = np.asarray(to_plain(bias_ih)) + np.asarray(to_plain(bias_hh))
    return weight_ih, weight_hh, total


def _no_reorder(weight, bias, input_size):
    hidden_size = weight.shape[0] // 4
    return weight[:, hidden_size:], weight[:, :hidden_size], bias, torch.zeros_like(bias)


def _columns_swapped(weight, bias, input_size):
    w_ih, w_hh, b_ih, b_hh = from_cat_layout(weight, bias, input_size)
    w = torch.cat([w_hh, w_ih], dim=1)
    return w[:, :input_size], w[:, input_size:], b_ih, b_hh


def _layout_oracle(case):
    """Differentiate the cat(h, x) cell's pre-activations, reordered to i|f|g|o, with respect to x and h:
    the Jacobians are PyTorch's weight_ih and weight_hh, the value at x = h = 0 the total bias."""
    weight, bias, input_size = tensor(case["weight"]), tensor(case["bias"]), case["input_size"]
    hidden_size = weight.shape[0] // 4

    def pre_activations(x, h):  # (I,), (H,) -> (4H,) in PyTorch's block order
        f, i, g, o = (weight @ torch.cat([h, x]) + bias).chunk(4)  # the source stacks f|i|g|o
        return torch.cat([i, f, g, o])

    x0, h0 = torch.zeros(input_size, dtype=weight.dtype), torch.zeros(hidden_size, dtype=weight.dtype)
    weight_ih, weight_hh = torch.autograd.functional.jacobian(pre_activations, (x0, h0))
    return weight_ih, weight_hh, pre_activations(x0, h0)


LAYOUT = Exercise(
    id="from_cat_layout", notebook=NOTEBOOK, name="from_cat_layout", points=30, oracle=_layout_oracle,
    cases=_layout_cases, call=_call_layout, reference=from_cat_layout,
    parts=("weight_ih", "weight_hh", "bias_ih + bias_hh"),
    wrong=(
        Wrong(_no_reorder, "are i and f swapped? The source stacks f|i|g|o; PyTorch wants i|f|g|o"),
        Wrong(_columns_swapped, "cat(h, x) puts the H columns of h first, then the I columns of x"),
    ),
)

# 3. One LSTM step backward: from dL/dh_t and dL/dc_t to every input's and parameter's gradient.

BACKWARD_PARTS = ("dx", "dh_prev", "dc_prev", "dW_ih", "dW_hh", "db")
CACHE = ("x", "h", "c", "weight_ih", "weight_hh", "i", "f", "g", "o", "c_next")


def lstm_step_backward(dh, dc, cache):
    """Reference: dh = dL/dh_t, dc = dL/dc_t (B, H); cache of the forward step ->
    (dx (B, I), dh_prev (B, H), dc_prev (B, H), dW_ih (4H, I), dW_hh (4H, H), db (4H,))."""
    return _backward(dh, dc, cache)


def _backward(dh, dc, cache, *, tanh_prime=True, df_state="c", direct_dc=True, order=(0, 1, 2, 3)):
    """The backward step, with switches that make each classic mistake (the defaults are right)."""
    i, f, g, o, c_next = (cache[k] for k in ("i", "f", "g", "o", "c_next"))
    tanh_c = torch.tanh(c_next)  # (B, H)
    d_o = dh * tanh_c  # (B, H) through h_t = o ⊙ tanh(c_t)
    through_h = dh * o * (1 - tanh_c**2) if tanh_prime else dh * o  # (B, H) tanh'(c_t) = 1 - tanh²(c_t)
    dc_t = dc + through_h if direct_dc else through_h  # (B, H) both paths into c_t
    d_f = dc_t * cache[df_state]  # (B, H) c_t = f ⊙ c_{t-1} + i ⊙ g
    d_i, d_g = dc_t * g, dc_t * i  # (B, H)
    blocks = [d_i * i * (1 - i), d_f * f * (1 - f), d_g * (1 - g**2), d_o * o * (1 - o)]  # σ' = σ(1-σ), tanh' = 1-tanh²
    dz = torch.cat([blocks[k] for k in order], dim=1)  # (B, 4H) pre-activations, blocks i|f|g|o
    return (dz @ cache["weight_ih"], dz @ cache["weight_hh"], dc_t * f,
            dz.T @ cache["x"], dz.T @ cache["h"], dz.sum(0))


def _backward_case(rng, batch, input_size, hidden_size, about, scale=0.5, c_scale=1.0):
    """A forward step's cache, computed by the course's tested lstm_step, and upstream gradients."""
    case = lstm_case(rng, batch, input_size, hidden_size, about, scale=scale, c_scale=c_scale)
    step = lstm_step(*step_tensors(case, ("x", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    case.update({k: getattr(step, k).tolist() for k in ("i", "f", "g", "o")}, c_next=step.c.tolist(),
                dh=randn(rng, batch, hidden_size), dc=randn(rng, batch, hidden_size))
    return case


def _backward_cases(rng):
    return [_backward_case(rng, 2, 3, 4, "B=2, I=3, H=4"), _backward_case(rng, 1, 1, 1, "B=1, I=1, H=1"),
            _backward_case(rng, 3, 5, 2, "B=3, I=5, H=2"),
            _backward_case(rng, 4, 2, 3, "large weights and cell state: gates saturate", scale=2.0, c_scale=3.0)]


def _call_backward(answer, case):
    cache = {k: tensor(case[k]) for k in CACHE}
    return tuple(answer(tensor(case["dh"]), tensor(case["dc"]), cache))


def _backward_oracle(case):
    """Autograd through nn.LSTMCell in float64: L = Σ dh ⊙ h_t + Σ dc ⊙ c_t has exactly those upstream gradients."""
    hidden_size, input_size = len(case["weight_hh"][0]), len(case["weight_ih"][0])
    cell = load_plain(nn.LSTMCell(input_size, hidden_size).double(),
                      {k: case[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    x, h, c = (tensor(case[k]).requires_grad_() for k in ("x", "h", "c"))
    h_next, c_next = cell(x, (h, c))
    ((h_next * tensor(case["dh"])).sum() + (c_next * tensor(case["dc"])).sum()).backward()
    return x.grad, h.grad, c.grad, cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad


BACKWARD = Exercise(
    id="lstm_step_backward", notebook=NOTEBOOK, name="lstm_step_backward", points=40, oracle=_backward_oracle,
    cases=_backward_cases, call=_call_backward, reference=lstm_step_backward, parts=BACKWARD_PARTS,
    atol=1e-8, rtol=1e-8,
    wrong=(
        Wrong(lambda dh, dc, cache: _backward(dh, dc, cache, tanh_prime=False),
              "tanh'(c_t) is missing from the h path: dL/dc_t gets dh ⊙ o ⊙ (1 - tanh²(c_t)), not dh ⊙ o"),
        Wrong(lambda dh, dc, cache: _backward(dh, dc, cache, df_state="c_next"),
              "df uses c_t where c_{t-1} belongs: c_t = f ⊙ c_{t-1} + i ⊙ g, so dL/df = dL/dc_t ⊙ c_{t-1}"),
        Wrong(lambda dh, dc, cache: _backward(dh, dc, cache, direct_dc=False),
              "the direct dc path is forgotten: dL/dc_t is the dc that comes in plus what comes through h_t"),
        Wrong(lambda dh, dc, cache: _backward(dh, dc, cache, order=(1, 0, 2, 3)),
              "the gate blocks are swapped: PyTorch stacks the pre-activations' gradients as i|f|g|o"),
        Wrong(lambda dh, dc, cache: _backward(dh, dc, cache, order=(0, 1, 3, 2)),
              "the gate blocks are swapped: the order is i|f|g|o, not i|f|o|g"),
    ),
)

EXERCISES = (LSTM_CELL, LAYOUT, BACKWARD)
