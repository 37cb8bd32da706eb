"""Exercises for lesson 01 (vanilla RNN, vanishing gradients): one RNN step, a gradient ratio, clipping."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .cases import load_plain, randn, step_case, step_tensors
from .spec import Exercise, Wrong, tensor

NOTEBOOK = "01_rnn_vanishing_gradients"


# 1. One step of a vanilla RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

def rnn_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """Reference: one tanh RNN step, (B, I), (B, H) -> (B, H)."""
    return torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)  # (B, H)


def _rnn_cases(rng):
    return [
        step_case(rng, 3, 4, 5, "B=3, I=4, H=5"),
        step_case(rng, 1, 2, 3, "a batch of one, h_0 = 0", zero_state=True),
        step_case(rng, 2, 3, 3, "I = H, so a transposed weight still runs"),
        step_case(rng, 4, 3, 2, "large weights: tanh saturates", scale=3.0),
    ]


def _call_rnn_step(answer, case):
    return answer(*step_tensors(case))


def _rnn_step_oracle(case):
    """nn.RNNCell with the case's weights."""
    hidden_size, input_size = len(case["weight_ih"]), len(case["weight_ih"][0])
    cell = load_plain(nn.RNNCell(input_size, hidden_size).double(),
                      {k: case[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    return cell(*step_tensors(case, ("x", "h")))


RNN_STEP = Exercise(
    id="rnn_step", notebook=NOTEBOOK, name="rnn_step", points=30, transcription=True,
    cases=_rnn_cases, call=_call_rnn_step, reference=rnn_step, oracle=_rnn_step_oracle,
    wrong=(
        Wrong(lambda x, h, wi, wh, bi, bh: x @ wi.T + bi + h @ wh.T + bh, "did you forget the tanh?"),
        Wrong(lambda x, h, wi, wh, bi, bh: torch.sigmoid(x @ wi.T + bi + h @ wh.T + bh),
              "a vanilla RNN uses tanh, not sigmoid"),
        Wrong(lambda x, h, wi, wh, bi, bh: torch.tanh(x @ wi.T + bi + h @ wh.T),
              "did you leave out bias_hh? PyTorch adds both biases"),
        Wrong(lambda x, h, wi, wh, bi, bh: torch.tanh(x @ wi.T + bi + h @ wh + bh),
              "multiply h by weight_hh transposed (h @ weight_hh.T), as nn.RNN does"),
    ),
)


# 2. The gradient ratio ||dL/dh_1|| / ||dL/dh_T|| of a tanh RNN (no bias, h_0 = 0, L = sum of h_T).

def gradient_ratio(weight_ih, weight_hh, xs):
    """Reference: run the RNN over xs (T, I) and measure how much of dL/dh_T reaches h_1."""
    h = torch.zeros(weight_hh.shape[0], dtype=xs.dtype)
    states = []
    for x in xs:
        h = torch.tanh(weight_ih @ x + weight_hh @ h)  # (H,)
        h.retain_grad()
        states.append(h)
    states[-1].sum().backward()
    return states[0].grad.norm() / states[-1].grad.norm()


def _ratio_case(rng, steps, input_size, hidden_size, radius, about):
    w = rng.standard_normal((hidden_size, hidden_size))
    w *= radius / np.abs(np.linalg.eigvals(w)).max()
    return {
        "about": about,
        "weight_ih": randn(rng, hidden_size, input_size, scale=0.5),
        "weight_hh": w.tolist(),
        "xs": randn(rng, steps, input_size),
    }


def _ratio_cases(rng):
    return [
        _ratio_case(rng, 10, 3, 6, 0.6, "T=10, spectral radius 0.6: vanishing"),
        _ratio_case(rng, 1, 2, 4, 0.9, "T=1: h_1 is h_T, the ratio is 1"),
        _ratio_case(rng, 6, 2, 5, 3.0, "T=6, spectral radius 3"),
    ]


def _call_ratio(answer, case):
    names = ("weight_ih", "weight_hh", "xs")
    return answer(*(tensor(case[n]).requires_grad_(n != "xs") for n in names))


def _inverse_ratio(wi, wh, xs):
    return 1 / gradient_ratio(wi, wh, xs)


def _ratio_from_h0(wi, wh, xs):
    h0 = torch.zeros(wh.shape[0], dtype=xs.dtype, requires_grad=True)
    h = h0
    for x in xs:
        h = torch.tanh(wi @ x + wh @ h)
    h.retain_grad()
    h.sum().backward()
    return h0.grad.norm() / h.grad.norm()


def _ratio_oracle(case):
    """nn.RNN's states h_1..h_T, then backpropagation written out: dL/dh_{t-1} = W_hhᵀ (dL/dh_t ⊙ (1 - h_t²))."""
    weight_ih, weight_hh, xs = (tensor(case[n]) for n in ("weight_ih", "weight_hh", "xs"))
    rnn = nn.RNN(weight_ih.shape[1], weight_hh.shape[0], bias=False).double()
    rnn.load_state_dict({"weight_ih_l0": weight_ih, "weight_hh_l0": weight_hh})
    with torch.no_grad():
        states, _ = rnn(xs[:, None])  # (T, 1, H)
    states = states[:, 0]  # (T, H)
    grad = torch.ones_like(states[-1])  # dL/dh_T for L = sum of h_T
    last = grad.norm()
    for t in range(len(states) - 1, 0, -1):
        grad = weight_hh.T @ (grad * (1 - states[t] ** 2))  # (H,) dL/dh_{t-1}
    return grad.norm() / last


GRADIENT_RATIO = Exercise(
    id="gradient_ratio", notebook=NOTEBOOK, name="gradient_ratio", points=40,
    cases=_ratio_cases, call=_call_ratio, reference=gradient_ratio, rtol=1e-5, atol=1e-12, oracle=_ratio_oracle,
    wrong=(
        Wrong(_inverse_ratio, "the ratio is upside down: divide ||dL/dh_1|| by ||dL/dh_T||"),
        Wrong(_ratio_from_h0, "measure at h_1, the first state the RNN computes, not at the initial state h_0"),
    ),
)


# 3. Clipping by the global norm of all gradients together.

def clip_by_global_norm(grads, max_norm):
    """Reference: scale every gradient by max_norm / total_norm when total_norm exceeds max_norm."""
    total = torch.sqrt(sum((g**2).sum() for g in grads))
    scale = max_norm / total if total > max_norm else 1.0
    return [g * scale for g in grads]


def _clip_case(rng, scale, max_norm, about):
    return {"about": about, "max_norm": max_norm,
            "grads": [randn(rng, 3, 2, scale=scale), randn(rng, 4, scale=scale), randn(rng, 2, 2, scale=scale)]}


def _clip_cases(rng):
    return [
        _clip_case(rng, 3.0, 1.0, "total norm above max_norm: scale down"),
        _clip_case(rng, 0.01, 1.0, "total norm below max_norm: leave alone"),
        _clip_case(rng, 1.0, 2.5, "one tensor large, the others small"),
    ]


def _call_clip(answer, case):
    return answer([tensor(g) for g in case["grads"]], case["max_norm"])


def _clip_each(grads, max_norm):
    return [g * min(1.0, max_norm / g.norm()) for g in grads]


def _always_scale(grads, max_norm):
    total = torch.sqrt(sum((g**2).sum() for g in grads))
    return [g * max_norm / total for g in grads]


ZEROS = {"about": "all gradients zero: nothing to clip, no division by zero", "max_norm": 1.0,
         "grads": [[[0.0, 0.0]] * 3, [0.0] * 4, [[0.0, 0.0]] * 2]}

def _clip_oracle(case):
    """torch.nn.utils.clip_grad_norm_ on parameters holding the case's gradients."""
    parameters = [nn.Parameter(torch.zeros_like(tensor(g))) for g in case["grads"]]
    for parameter, g in zip(parameters, case["grads"]):
        parameter.grad = tensor(g)
    nn.utils.clip_grad_norm_(parameters, case["max_norm"])
    return [parameter.grad for parameter in parameters]


CLIP = Exercise(
    id="clip_by_global_norm", notebook=NOTEBOOK, name="clip_by_global_norm", points=30,
    cases=_clip_cases, call=_call_clip, reference=clip_by_global_norm, rtol=1e-5, oracle=_clip_oracle,
    parts=("grads[0]", "grads[1]", "grads[2]"), fixed_cases=(ZEROS,),
    wrong=(
        Wrong(_clip_each, "clip by the norm of all gradients together, not each tensor on its own"),
        Wrong(_always_scale, "only scale when the total norm is above max_norm; leave smaller gradients alone"),
    ),
)

EXERCISES = (RNN_STEP, GRADIENT_RATIO, CLIP)
