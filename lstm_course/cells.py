"""One time step of a vanilla RNN, an LSTM and a GRU, written the way the equations read.

Each cell has the same parameter names, shapes, gate order and initialisation as its
`torch.nn` counterpart (`weight_ih (G·H, I)`, `weight_hh (G·H, H)`, `bias_ih`, `bias_hh`, with G
gate blocks stacked in PyTorch's order), so `ours.load_state_dict(theirs.state_dict())` works in
both directions and every result can be checked against PyTorch.

The maths lives in three plain functions, `rnn_step`, `lstm_step` and `gru_step`, which take the
weights as arguments. The cell modules here and the multi-layer modules in `layers` both call
them, so there is exactly one copy of each equation in the course.

Shape letters: B batch, I input size, H hidden size.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .validation import check_bool, check_positive_int, check_shape, check_tensor, shape_str


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
    r"""One step of a vanilla (Elman) RNN.

    .. math::
        h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})

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
    r"""One step of an LSTM, with every intermediate value returned.

    The cell state c is a conveyor belt: it is only scaled by the forget gate and added to by the
    input gate, so information (and gradient) can travel along it for many steps.

    .. math::
        \begin{array}{ll}
        i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
        f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\
        g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\
        o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t = o_t \odot \tanh(c_t)
        \end{array}

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
    r"""One step of a GRU (Cho et al., 2014), as PyTorch defines it.

    .. math::
        \begin{array}{ll}
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}
        \end{array}

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
        factory = {"device": device, "dtype": dtype}
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
    r"""A vanilla RNN cell: :math:`h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    Drop-in equal of `torch.nn.RNNCell`.

    Args:
        input_size: I. hidden_size: H. bias: use bias_ih and bias_hh.
        nonlinearity: "tanh" (default) or "relu".

    Shapes:
        x (B, I) or (I,); h (B, H) or (H,), zeros when None; returns h_t of the same layout.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"

    def forward(self, x, h=None):
        batched = self._check_input(x)
        h = self._check_state("h", h, x, batched)
        if not batched:
            x, h = _batch(x, h)
        h = rnn_step(x, h, *self._params(), nonlinearity=self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(_CellBase):
    r"""A long short-term memory cell (Hochreiter & Schmidhuber, 1997, with a forget gate).

    Drop-in equal of `torch.nn.LSTMCell`; the equations are in `lstm_step`.

    Args:
        input_size: I. hidden_size: H. bias: use bias_ih and bias_hh.

    Shapes:
        x (B, I) or (I,); state (h, c), each (B, H) or (H,), zeros when None.
        `forward` returns (h_t, c_t); `gates` returns every gate as `LSTMGates(i, f, g, o, c, h)`.

    Example:
        >>> cell = LSTMCell(3, 2)
        >>> step = cell.gates(torch.ones(3))
        >>> step.f.shape, step.c.shape
        (torch.Size([2]), torch.Size([2]))
    """

    num_chunks = 4

    def gates(self, x, state=None) -> LSTMGates:
        """One step, returning the gate activations as well as the new state (for plots and widgets)."""
        batched = self._check_input(x)
        if state is None:
            state = (None, None)
        elif not isinstance(state, (tuple, list)) or len(state) != 2:
            raise ValueError(
                "state must be a tuple (h, c) of two tensors of shape (B, H), "
                f"got {type(state).__name__}" + (f" of length {len(state)}" if isinstance(state, (tuple, list)) else "")
            )
        h = self._check_state("h", state[0], x, batched)
        c = self._check_state("c", state[1], x, batched)
        if not batched:
            x, h, c = _batch(x, h, c)
        step = lstm_step(x, h, c, *self._params())
        return step if batched else _unbatch(step)

    def forward(self, x, state=None):
        step = self.gates(x, state)
        return step.h, step.c


class GRUCell(_CellBase):
    r"""A gated recurrent unit cell (Cho et al., 2014).

    Drop-in equal of `torch.nn.GRUCell`; the equations are in `gru_step`.

    Shapes:
        x (B, I) or (I,); h (B, H) or (H,), zeros when None. `forward` returns h_t;
        `gates` returns `GRUGates(r, z, n, h)`.
    """

    num_chunks = 3

    def gates(self, x, h=None) -> GRUGates:
        """One step, returning the gate activations as well as the new state."""
        batched = self._check_input(x)
        h = self._check_state("h", h, x, batched)
        if not batched:
            x, h = _batch(x, h)
        step = gru_step(x, h, *self._params())
        return step if batched else _unbatch(step)

    def forward(self, x, h=None):
        return self.gates(x, h).h
