"""Multi-layer, optionally bidirectional RNN, LSTM and GRU built from the cells' step functions.

Built up in three small pieces, as PyTorch's own `custom_lstms.py` benchmark does:

1. a *step* (`cells.rnn_step`, `cells.lstm_step`, `cells.gru_step`) computes one time step;
2. `run_over_time` applies a step to every time step of a sequence, forwards or reversed;
3. `_Stack` runs layers one after another, and in each layer one or two directions.

`RNN`, `LSTM` and `GRU` are drop-in equals of their `torch.nn` namesakes: the same constructor
arguments, parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...), shapes, initialisation,
inputs (a tensor or a `PackedSequence`) and outputs, so state dicts load in both directions.

Shape letters: B batch, T time, I input size, H hidden size, L layers, D directions (1 or 2).
"""

from __future__ import annotations

import warnings
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from .cells import gru_step, init_like_torch, lstm_step, rnn_step
from .validation import (
    check_bool,
    check_dropout,
    check_positive_int,
    check_shape,
    check_tensor,
    shape_str,
)


def run_over_time(step, input, state, lengths=None, reverse=False):
    """Apply `step` at every time step of `input`, carrying the state from one step to the next.

    Args:
        step: a function `(x_t (B, I), state) -> state`, where `state` is a tuple of (B, H)
            tensors whose first element is the hidden state h_t (the step's output).
        input: (T, B, I).
        state: the initial state, a tuple of (B, H) tensors.
        lengths: (B,) valid lengths for a padded batch, or None if every sequence has length T.
            A sequence's state is frozen, and its output zero, at its padding steps, so each
            sequence ends (or, reversed, starts) at its own last valid step.
        reverse: read the sequence from t = T-1 down to t = 0.

    Returns:
        output (T, B, H): h_t at every step, placed at its own time index even when reversed;
        the final state: a tuple of (B, H) tensors.
    """
    T = input.shape[0]
    outputs = [None] * T
    for t in reversed(range(T)) if reverse else range(T):
        new_state = step(input[t], state)
        if lengths is not None:
            valid = (t < lengths).unsqueeze(1)  # (B, 1) True where step t is real, not padding
            new_state = tuple(torch.where(valid, new, old) for new, old in zip(new_state, state))
            outputs[t] = torch.where(valid, new_state[0], torch.zeros_like(new_state[0]))  # (B, H)
        else:
            outputs[t] = new_state[0]  # (B, H)
        state = new_state
    return torch.stack(outputs), state  # (T, B, H), tuple of (B, H)


def _repack(padded, like: PackedSequence) -> PackedSequence:
    """Pack a padded (T, B, H) output with the batch sizes and ordering of the input `like`."""
    if like.sorted_indices is not None:
        padded = padded.index_select(1, like.sorted_indices)  # (T, B, H) longest sequence first
    data = torch.cat([padded[t, :n] for t, n in enumerate(like.batch_sizes.tolist())])  # (sum of lengths, H)
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


class _Stack(nn.Module):
    """Layers x directions of one recurrent step; subclasses choose the step and the state layout."""

    num_chunks = 1  # gate blocks stacked in each weight_ih / weight_hh
    state_names = ("h_0",)  # names of the initial states, for error messages

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.num_layers = check_positive_int("num_layers", num_layers)
        self.bias = check_bool("bias", bias)
        self.batch_first = check_bool("batch_first", batch_first)
        self.dropout = check_dropout(dropout)
        self.bidirectional = check_bool("bidirectional", bidirectional)
        if self.dropout > 0 and num_layers == 1:
            warnings.warn(
                f"dropout={dropout} acts between layers, so with num_layers=1 it does nothing; "
                "use num_layers >= 2 or apply nn.Dropout to the output yourself",
                stacklevel=2,
            )
        num_directions = 2 if bidirectional else 1
        factory = {"device": device, "dtype": dtype}
        gate_size = self.num_chunks * hidden_size
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * num_directions
            for suffix in ("", "_reverse")[:num_directions]:
                names = self._weight_names(layer, suffix)
                shapes = [(gate_size, layer_input_size), (gate_size, hidden_size), (gate_size,), (gate_size,)]
                for name, shape in zip(names, shapes if bias else shapes[:2]):
                    setattr(self, name, nn.Parameter(torch.empty(shape, **factory)))
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @staticmethod
    def _weight_names(layer, suffix):
        return [f"{kind}_l{layer}{suffix}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    def reset_parameters(self) -> None:
        init_like_torch(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in [("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)]:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    def _weights(self, layer, direction):
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction; biases None if bias=False."""
        names = self._weight_names(layer, "_reverse" if direction else "")
        return tuple(getattr(self, name, None) for name in names)

    def _step(self, x, state, weights):
        """One time step: (x_t (B, I), state tuple) -> new state tuple, h first."""
        raise NotImplementedError

    def _run_direction(self, input, state, lengths, layer, direction):
        """One layer in one direction over the whole sequence: the piece a faster variant swaps.

        (T, B, I) input and a tuple of (B, H) states -> output (T, B, H) and the final state tuple.
        """
        step = partial(self._step, weights=self._weights(layer, direction))
        return run_over_time(step, input, state, lengths, reverse=direction == 1)

    def _split_hx(self, hx):
        """The user's initial state as a tuple of tensors, one per entry of `state_names`."""
        return (hx,)

    def _join_states(self, states):
        """The final states in the form the user gets them back."""
        return states[0]

    def _check_input(self, input):
        """Validate `input`; return it as (T, B, I), its lengths or None, and whether it is batched."""
        I = self.input_size
        dtype = next(self.parameters()).dtype
        if isinstance(input, PackedSequence):
            check_tensor("input.data", input.data, dtype)
            if input.data.dim() != 2 or input.data.shape[1] != I:
                raise ValueError(
                    f"a PackedSequence input must hold data of shape (sum of lengths, I) with I={I}, "
                    f"got {shape_str(input.data.shape)}"
                )
            padded, lengths = pad_packed_sequence(input)  # (T, B, I) in the original batch order
            return padded, lengths.to(padded.device), True
        check_tensor("input", input, dtype)
        layout = "(B, T, I)" if self.batch_first else "(T, B, I)"
        if input.dim() not in (2, 3):
            raise ValueError(
                f"input must have shape {layout} with I={I}, or (T, I) for a single sequence, "
                f"got a {input.dim()}-D tensor of shape {shape_str(input.shape)}"
            )
        if input.shape[-1] != I:
            raise ValueError(
                f"input must have I={I} features in its last dimension ({layout}), "
                f"got shape {shape_str(input.shape)} with {input.shape[-1]}"
            )
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1)  # (T, B, I) or (T, 1, I)
        if batched and self.batch_first:
            x = x.transpose(0, 1)  # (T, B, I)
        if x.shape[0] == 0:
            raise ValueError(f"input must hold at least one time step (T >= 1), got shape {shape_str(input.shape)}")
        return x, None, batched

    def _initial_states(self, hx, x, batched):
        """The initial states, each (L*D, B, H): zeros if hx is None, else the user's, checked."""
        LD, B, H = self.num_layers * self.num_directions, x.shape[1], self.hidden_size
        if hx is None:
            return tuple(x.new_zeros(LD, B, H) for _ in self.state_names)
        states = self._split_hx(hx)
        checked = []
        for name, s in zip(self.state_names, states):
            check_tensor(name, s, x.dtype)
            if batched:
                check_shape(name, s, (LD, B, H), "(L*D, B, H)")
                checked.append(s)
            else:
                check_shape(name, s, (LD, H), "(L*D, H) for a single unbatched sequence")
                checked.append(s.unsqueeze(1))
        return tuple(checked)

    def forward(self, input, hx=None):
        x, lengths, batched = self._check_input(input)
        packed = isinstance(input, PackedSequence)
        states = self._initial_states(hx, x, batched)  # tuple of (L*D, B, H)
        finals = [[] for _ in self.state_names]
        layer_input = x  # (T, B, I) for the first layer, (T, B, D*H) after
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                initial = tuple(s[k] for s in states)  # tuple of (B, H)
                output, final = self._run_direction(layer_input, initial, lengths, layer, direction)
                outputs.append(output)  # (T, B, H)
                for collected, s in zip(finals, final):
                    collected.append(s)  # (B, H)
            layer_input = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)  # (T, B, D*H), forward first
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        output = layer_input  # (T, B, D*H) of the last layer
        final_states = [torch.stack(collected) for collected in finals]  # each (L*D, B, H)
        if packed:
            output = _repack(output, input)
        elif not batched:
            output = output.squeeze(1)  # (T, D*H)
            final_states = [s.squeeze(1) for s in final_states]  # each (L*D, H)
        elif self.batch_first:
            output = output.transpose(0, 1)  # (B, T, D*H)
        return output, self._join_states(final_states)


class RNN(_Stack):
    r"""A multi-layer Elman RNN, drop-in equal of `torch.nn.RNN`.

    Each layer computes :math:`h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`
    (or relu), where x_t is the input for the first layer and the previous layer's h_t after.

    Args:
        input_size (I), hidden_size (H), num_layers (L), nonlinearity ("tanh" or "relu"), bias,
        batch_first, dropout (between layers, in training only), bidirectional (D = 2).

    Shapes:
        input: (T, B, I), (B, T, I) if batch_first, (T, I) unbatched, or a PackedSequence.
        h_0: (L*D, B, H), zeros when omitted.
        Returns output (T, B, D*H) (or (B, T, D*H), (T, D*H), PackedSequence) and h_n (L*D, B, H).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)

    def _step(self, x, state, weights):
        h = rnn_step(x, state[0], *weights, nonlinearity=self.nonlinearity)  # (B, H)
        return (h,)


class LSTM(_Stack):
    r"""A multi-layer LSTM, drop-in equal of `torch.nn.LSTM`; each step is `cells.lstm_step`.

    Args:
        input_size (I), hidden_size (H), num_layers (L), bias, batch_first,
        dropout (between layers, in training only), bidirectional (D = 2).

    Shapes:
        input: (T, B, I), (B, T, I) if batch_first, (T, I) unbatched, or a PackedSequence.
        (h_0, c_0): each (L*D, B, H), zeros when omitted. batch_first never changes them.
        Returns output (T, B, D*H): h_t of the last layer at every step, forward half first;
        and (h_n, c_n), each (L*D, B, H): the last step of every layer and direction, ordered
        layer 0 forward, layer 0 backward, layer 1 forward, ... so `h_n.view(L, D, B, H)` works.

    Example:
        >>> lstm = LSTM(input_size=3, hidden_size=5, num_layers=2)
        >>> output, (h_n, c_n) = lstm(torch.randn(7, 4, 3))
        >>> output.shape, h_n.shape
        (torch.Size([7, 4, 5]), torch.Size([2, 4, 5]))
    """

    num_chunks = 4
    state_names = ("h_0", "c_0")

    def _step(self, x, state, weights):
        step = lstm_step(x, state[0], state[1], *weights)
        return step.h, step.c

    def _split_hx(self, hx):
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            got = type(hx).__name__ + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else "")
            raise ValueError(f"the initial state of an LSTM must be a tuple (h_0, c_0) of two tensors, got {got}")
        return tuple(hx)

    def _join_states(self, states):
        return states[0], states[1]


class GRU(_Stack):
    r"""A multi-layer GRU, drop-in equal of `torch.nn.GRU`; each step is `cells.gru_step`.

    Arguments and shapes are those of `RNN`: one hidden state h of shape (L*D, B, H).
    """

    num_chunks = 3

    def _step(self, x, state, weights):
        return (gru_step(x, state[0], *weights).h,)
