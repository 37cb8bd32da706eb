"""One time step of a vanilla RNN, an LSTM and a GRU, written the way the equations read.

Each cell has the same parameter names, shapes, gate order, initialisation and call signature
(`forward(input, hx=None)`) as its `torch.nn` counterpart (`weight_ih (G·H, I)`,
`weight_hh (G·H, H)`, `bias_ih`, `bias_hh`, with G gate blocks stacked in PyTorch's order), so
`ours.load_state_dict(theirs.state_dict())` works in both directions, keyword calls such as
`cell(input=x, hx=(h, c))` work, and every result can be checked against PyTorch.

The maths lives in three plain functions, `rnn_step`, `lstm_step` and `gru_step`, which take the
weights as arguments. The cell modules here and the multi-layer modules in `layers` both call
them, so there is exactly one copy of each equation in the course.

Notation: σ is the logistic sigmoid, ⊙ the element-wise product, W x a matrix-vector product.
Shape letters: B batch, I input size, H hidden size, G gate blocks (1 RNN, 3 GRU, 4 LSTM).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .validation import (
    check_bool,
    check_choice,
    check_dtype,
    check_pair,
    check_positive_int,
    check_shape,
    check_tensor,
    shape_str,
)

NONLINEARITIES = ("tanh", "relu")
"""The activations a vanilla RNN may use, as in `torch.nn.RNN`."""


class LSTMGates(NamedTuple):
    """Everything one LSTM step computes, each of shape (B, H) (or (H,) for unbatched input)."""

    i: torch.Tensor  # input gate
    f: torch.Tensor  # forget gate
    g: torch.Tensor  # candidate values
    o: torch.Tensor  # output gate
    c: torch.Tensor  # new cell state c_t
    h: torch.Tensor  # new hidden state h_t


class GRUGates(NamedTuple):
    """Everything one GRU step computes, each of shape (B, H) (or (H,) for unbatched input)."""

    r: torch.Tensor  # reset gate
    z: torch.Tensor  # update gate
    n: torch.Tensor  # candidate state
    h: torch.Tensor  # new hidden state h_t


def rnn_step(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh"):
    """One step of a vanilla (Elman) RNN:

        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)   (or relu instead of tanh)

    Args:
        x: input x_t, (B, I). h: previous hidden state h_{t-1}, (B, H).
        weight_ih (H, I), weight_hh (H, H), bias_ih (H,), bias_hh (H,): the parameters.
        nonlinearity: "tanh" or "relu".

    Returns:
        h_t, (B, H).
    """
    z = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)  # (B, H) pre-activation
    return torch.tanh(z) if nonlinearity == "tanh" else torch.relu(z)  # (B, H)


def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih=None, bias_hh=None) -> LSTMGates:
    """One step of an LSTM, with every intermediate value returned.

    The cell state c is a conveyor belt: it is only scaled by the forget gate and added to by the
    input gate, so information (and gradient) can travel along it for many steps.

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate
        f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   candidate
        o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    Args:
        x: input x_t, (B, I). h, c: previous states h_{t-1} and c_{t-1}, (B, H) each.
        weight_ih: (4H, I), the blocks W_ii|W_if|W_ig|W_io stacked in PyTorch's order i, f, g, o.
        weight_hh: (4H, H), the blocks W_hi|W_hf|W_hg|W_ho.
        bias_ih, bias_hh: (4H,) each, or None. PyTorch keeps two biases (one per matrix, as cuDNN
            does); only their sum matters.

    Returns:
        LSTMGates(i, f, g, o, c, h), each (B, H).
    """
    z = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)  # (B, 4H) all four pre-activations
    z_i, z_f, z_g, z_o = z.chunk(4, dim=-1)  # 4 x (B, H), blocks in PyTorch's order i|f|g|o
    i = torch.sigmoid(z_i)  # (B, H) input gate: how much of the candidate to write
    f = torch.sigmoid(z_f)  # (B, H) forget gate: how much of c_{t-1} to keep
    g = torch.tanh(z_g)  # (B, H) candidate: what could be written
    o = torch.sigmoid(z_o)  # (B, H) output gate: how much of the memory to reveal
    c = f * c + i * g  # (B, H) new cell state
    h = o * torch.tanh(c)  # (B, H) new hidden state
    return LSTMGates(i, f, g, o, c, h)


def gru_step(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None) -> GRUGates:
    """One step of a GRU (Cho et al., 2014), as PyTorch defines it.

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)               reset gate
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)               update gate
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))    candidate
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    The reset gate multiplies the *recurrent* part of the candidate, bias included, which is why
    the input and hidden projections are kept apart here.

    Args:
        x: input x_t, (B, I). h: previous hidden state h_{t-1}, (B, H).
        weight_ih: (3H, I), blocks W_ir|W_iz|W_in. weight_hh: (3H, H), blocks W_hr|W_hz|W_hn.
        bias_ih, bias_hh: (3H,) each, or None.

    Returns:
        GRUGates(r, z, n, h), each (B, H).
    """
    x_r, x_z, x_n = F.linear(x, weight_ih, bias_ih).chunk(3, dim=-1)  # 3 x (B, H) input projections
    h_r, h_z, h_n = F.linear(h, weight_hh, bias_hh).chunk(3, dim=-1)  # 3 x (B, H) recurrent projections
    r = torch.sigmoid(x_r + h_r)  # (B, H) reset gate: how much of h_{t-1} the candidate sees
    z = torch.sigmoid(x_z + h_z)  # (B, H) update gate: how much of h_{t-1} to keep
    n = torch.tanh(x_n + r * h_n)  # (B, H) candidate state
    h = (1 - z) * n + z * h  # (B, H) new hidden state
    return GRUGates(r, z, n, h)


def init_like_torch(module: nn.Module, hidden_size: int) -> None:
    """U(-1/√H, 1/√H) for every parameter, in registration order, exactly as torch.nn does.

    Drawing in the same order as PyTorch means the same seed gives the same weights as torch.nn.
    """
    bound = 1.0 / math.sqrt(hidden_size)
    for weight in module.parameters():
        nn.init.uniform_(weight, -bound, bound)


class _CellBase(nn.Module):
    """Parameters, initialisation and input checks shared by the three cells."""

    num_chunks = 1  # gate blocks stacked in weight_ih / weight_hh

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.bias = check_bool("bias", bias)
        factory = {"device": device, "dtype": check_dtype("dtype", dtype)}
        gate_size = self.num_chunks * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gate_size, input_size, **factory))  # (G·H, I)
        self.weight_hh = nn.Parameter(torch.empty(gate_size, hidden_size, **factory))  # (G·H, H)
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(gate_size, **factory))  # (G·H,)
            self.bias_hh = nn.Parameter(torch.empty(gate_size, **factory))  # (G·H,)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_like_torch(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s if self.bias else s + ", bias=False"

    def _params(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _check_input(self, x) -> bool:
        """Validate x and say whether it is batched (B, I) rather than a single (I,) vector."""
        check_tensor("input", x, self.weight_ih.dtype)
        if x.dim() not in (1, 2):
            raise ValueError(
                f"input must have shape (B, I) or (I,) with I={self.input_size}, "
                f"got a {x.dim()}-D tensor of shape {shape_str(x.shape)}; "
                "a cell takes one time step: loop over time, or use lstm_course.layers"
            )
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"input must have I={self.input_size} features in its last dimension, "
                f"got shape {shape_str(x.shape)} with {x.shape[-1]}"
            )
        return x.dim() == 2

    def _check_state(self, name, s, x, batched) -> torch.Tensor:
        """A state must be (B, H) for batched input and (H,) for unbatched input."""
        H = self.hidden_size
        if s is None:
            return x.new_zeros((x.shape[0], H) if batched else (H,))
        check_tensor(name, s, self.weight_ih.dtype)
        if batched:
            check_shape(name, s, (x.shape[0], H), "(B, H)")
        else:
            check_shape(name, s, (H,), "(H,) for unbatched input")
        return s


def _batch(*tensors):
    return tuple(t.unsqueeze(0) for t in tensors)


def _unbatch(gates):
    return type(gates)(*(t.squeeze(0) for t in gates))


class RNNCell(_CellBase):
    """A vanilla RNN cell, drop-in equal of `torch.nn.RNNCell`; the equation is in `rnn_step`.

    Args:
        input_size: I. hidden_size: H. bias: use bias_ih and bias_hh.
        nonlinearity: "tanh" (default) or "relu". device, dtype: where and how to allocate the parameters.

    Inputs: input, hx
        input: (B, I), or (I,) for one unbatched sample. hx: h_{t-1}, (B, H) or (H,); zeros when None.

    Outputs: h_t, (B, H) or (H,).
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        self.nonlinearity = check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"

    def forward(self, input, hx=None):
        batched = self._check_input(input)
        h = self._check_state("hx", hx, input, batched)
        x = input
        if not batched:
            x, h = _batch(x, h)
        h = rnn_step(x, h, *self._params(), nonlinearity=self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(_CellBase):
    """A long short-term memory cell (Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al., 2000).

    Drop-in equal of `torch.nn.LSTMCell`; the equations are in `lstm_step`.

    Args:
        input_size: I. hidden_size: H. bias: use bias_ih and bias_hh.
        device, dtype: where and how to allocate the parameters.

    Inputs: input, hx
        input: (B, I), or (I,) for one unbatched sample.
        hx: the pair (h_{t-1}, c_{t-1}), each (B, H) or (H,); zeros when None.

    Outputs: (h_t, c_t), each (B, H) or (H,). `gates` returns every gate as `LSTMGates(i, f, g, o, c, h)`.

    Example:
        >>> cell = LSTMCell(3, 2)
        >>> step = cell.gates(torch.ones(3))
        >>> step.f.shape, step.c.shape
        (torch.Size([2]), torch.Size([2]))
    """

    num_chunks = 4

    def gates(self, input, hx=None) -> LSTMGates:
        """One step, returning the gate activations as well as the new state (for plots and widgets)."""
        batched = self._check_input(input)
        h, c = (None, None) if hx is None else check_pair("hx", hx, "h", "c")
        h = self._check_state("h", h, input, batched)
        c = self._check_state("c", c, input, batched)
        x = input
        if not batched:
            x, h, c = _batch(x, h, c)
        step = lstm_step(x, h, c, *self._params())
        return step if batched else _unbatch(step)

    def forward(self, input, hx=None):
        step = self.gates(input, hx)
        return step.h, step.c


class GRUCell(_CellBase):
    """A gated recurrent unit cell (Cho et al., 2014); drop-in equal of `torch.nn.GRUCell`.

    The equations are in `gru_step`. Arguments, inputs and outputs are those of `RNNCell`
    (without `nonlinearity`); `gates` returns `GRUGates(r, z, n, h)`.
    """

    num_chunks = 3

    def gates(self, input, hx=None) -> GRUGates:
        """One step, returning the gate activations as well as the new state."""
        batched = self._check_input(input)
        h = self._check_state("hx", hx, input, batched)
        x = input
        if not batched:
            x, h = _batch(x, h)
        step = gru_step(x, h, *self._params())
        return step if batched else _unbatch(step)

    def forward(self, input, hx=None):
        return self.gates(input, hx).h
