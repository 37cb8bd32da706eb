"""Multi-layer, optionally bidirectional RNN, LSTM and GRU built from the cells' step functions.

Built up in three small pieces, as PyTorch's own `custom_lstms.py` benchmark does:

1. a *step* (`cells.rnn_step`, `cells.lstm_step`, `cells.gru_step`) computes one time step;
2. `run_over_time` applies a step to every time step of a sequence, forwards or reversed;
3. `_Stack` runs layers one after another, and in each layer one or two directions.

`RNN`, `LSTM` and `GRU` are drop-in equals of their `torch.nn` namesakes: the same constructor
(positional order, `proj_size`, `device`, `dtype`), parameter names (`weight_ih_l0`,
`weight_hr_l0`, `bias_hh_l1_reverse`, ...), shapes, initialisation, `all_weights`,
`flatten_parameters()`, inputs (a tensor or a `PackedSequence`) and outputs, so state dicts load
in both directions and code written for `torch.nn` runs unchanged.

Shape letters: B batch, T time, I input size, H hidden size, P projection size (`proj_size`),
L layers, D directions (1 or 2). PyTorch's documentation writes the same shapes with other
letters: the course's T, B, L are its L (sequence length), N (batch) and `num_layers`; the
course's I, H are its H_in, H_cell, and H_out = P if proj_size > 0, else H.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from .cells import NONLINEARITIES, gru_step, init_like_torch, lstm_step, rnn_step
from .validation import (
    check_bool,
    check_choice,
    check_dropout,
    check_dtype,
    check_int,
    check_pair,
    check_positive_int,
    check_shape,
    check_tensor,
    shape_str,
)

WEIGHT_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
"""Parameter kinds of one layer and direction, in PyTorch's registration order (which fixes the initial draws)."""


class LayerWeights(NamedTuple):
    """The parameters of one layer and direction; a bias or the projection is None when absent.

    weight_ih (G·H, I or D·H_out), weight_hh (G·H, H_out), bias_ih and bias_hh (G·H,),
    weight_hr (P, H) for an LSTM with projections, with G gate blocks (1 RNN, 3 GRU, 4 LSTM).
    """

    weight_ih: torch.Tensor
    weight_hh: torch.Tensor
    bias_ih: torch.Tensor | None
    bias_hh: torch.Tensor | None
    weight_hr: torch.Tensor | None


def run_over_time(step, input, state, lengths=None, reverse=False):
    """Apply `step` at every time step of `input`, carrying the state from one step to the next.

    Args:
        step: a function `(x_t (B, I), state) -> state`, where `state` is a tuple of (B, ·)
            tensors whose first element is the hidden state h_t (the step's output).
        input: (T, B, I).
        state: the initial state, a tuple of (B, ·) tensors.
        lengths: (B,) valid lengths for a padded batch, or None if every sequence has length T.
            A sequence's state is frozen, and its output zero, at its padding steps, so each
            sequence ends (or, reversed, starts) at its own last valid step.
        reverse: read the sequence from t = T-1 down to t = 0.

    Returns:
        output (T, B, H_out): h_t at every step, placed at its own time index even when reversed;
        the final state: a tuple of tensors shaped like `state`.
    """
    T = input.shape[0]
    outputs = [None] * T
    for t in reversed(range(T)) if reverse else range(T):
        new_state = step(input[t], state)
        if lengths is not None:
            valid = (t < lengths).unsqueeze(1)  # (B, 1) True where step t is real, not padding
            new_state = tuple(torch.where(valid, new, old) for new, old in zip(new_state, state))
            outputs[t] = torch.where(valid, new_state[0], torch.zeros_like(new_state[0]))  # (B, H_out)
        else:
            outputs[t] = new_state[0]  # (B, H_out)
        state = new_state
    return torch.stack(outputs), state  # (T, B, H_out), tuple like `state`


def _repack(padded, like: PackedSequence) -> PackedSequence:
    """Pack a padded (T, B, ·) output with the batch sizes and ordering of the input `like`."""
    if like.sorted_indices is not None:
        padded = padded.index_select(1, like.sorted_indices)  # (T, B, ·) longest sequence first
    data = torch.cat([padded[t, :n] for t, n in enumerate(like.batch_sizes.tolist())])  # (sum of lengths, ·)
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


class _Stack(nn.Module):
    """Layers × directions of one recurrent step; subclasses choose the step and the state layout.

    Subclasses give the public constructor (torch's positional order) and call this one with keywords.
    """

    num_chunks = 1  # gate blocks stacked in each weight_ih / weight_hh
    state_names = ("h_0",)  # names of the initial states, for error messages

    def __init__(self, input_size, hidden_size, *, num_layers, bias, batch_first, dropout, bidirectional,
                 proj_size=0, device=None, dtype=None):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.num_layers = check_positive_int("num_layers", num_layers)
        self.bias = check_bool("bias", bias)
        self.batch_first = check_bool("batch_first", batch_first)
        self.dropout = check_dropout(dropout)
        self.bidirectional = check_bool("bidirectional", bidirectional)
        self.proj_size = check_int("proj_size", proj_size, minimum=0)
        if proj_size >= hidden_size:
            raise ValueError(f"proj_size must be smaller than hidden_size = {hidden_size} (P < H), got {proj_size}")
        check_dtype("dtype", dtype)
        if self.dropout > 0 and num_layers == 1:
            warnings.warn(
                f"dropout={dropout} acts between layers, so with num_layers=1 it does nothing; "
                "use num_layers >= 2 or apply nn.Dropout to the output yourself",
                stacklevel=3,
            )
        factory = {"device": device, "dtype": dtype}
        gate_size, H_out = self.num_chunks * hidden_size, self.output_size
        shapes = {"weight_hh": (gate_size, H_out), "bias_ih": (gate_size,), "bias_hh": (gate_size,),
                  "weight_hr": (proj_size, hidden_size)}
        self._all_weights = []  # per layer and direction, the names of its parameters (as torch.nn keeps them)
        for layer in range(num_layers):
            shapes["weight_ih"] = (gate_size, input_size if layer == 0 else H_out * self.num_directions)
            for suffix in ("", "_reverse")[: self.num_directions]:
                names = []
                for kind in self._weight_kinds():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, nn.Parameter(torch.empty(shapes[kind], **factory)))
                    names.append(name)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        """D: 2 for a bidirectional module, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """H_out, the width of h in every layer and direction: P with projections, else H."""
        return self.proj_size or self.hidden_size

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        """The parameters grouped by layer and direction, as in `torch.nn.LSTM.all_weights`."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _weight_kinds(self):
        kinds = WEIGHT_KINDS[:4] if self.bias else WEIGHT_KINDS[:2]
        return kinds + (("weight_hr",) if self.proj_size else ())

    def reset_parameters(self) -> None:
        init_like_torch(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Do nothing: torch.nn's version packs the weights into one buffer for cuDNN on a GPU.

        Here every step reads the parameters as they are, so there is nothing to pack; the method
        exists so that code written for torch.nn (`self.rnn.flatten_parameters()` in `forward`) runs.
        """

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in [("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)]:
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    def _weights(self, layer, direction) -> LayerWeights:
        """The parameters of one layer and direction (direction 1 is the reverse one)."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        return LayerWeights(*(getattr(self, kind + suffix, None) for kind in WEIGHT_KINDS))

    def _step(self, x, state, weights):
        """One time step: (x_t (B, I), state tuple) -> new state tuple, h first."""
        raise NotImplementedError

    def _state_sizes(self):
        """The width of each state in `state_names`."""
        return (self.hidden_size,)

    def _run_direction(self, input, state, lengths, layer, direction):
        """One layer in one direction over the whole sequence: the piece a faster variant swaps.

        (T, B, I) input and a tuple of (B, ·) states -> output (T, B, H_out) and the final state tuple.
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
        """The initial states, each (L*D, B, width): zeros if hx is None, else the user's, checked."""
        LD, B = self.num_layers * self.num_directions, x.shape[1]
        sizes = self._state_sizes()
        if hx is None:
            return tuple(x.new_zeros(LD, B, size) for size in sizes)
        checked = []
        for name, s, size in zip(self.state_names, self._split_hx(hx), sizes):
            letter = "P" if size != self.hidden_size else "H"
            check_tensor(name, s, x.dtype)
            if batched:
                check_shape(name, s, (LD, B, size), f"(L*D, B, {letter})")
                checked.append(s)
            else:
                check_shape(name, s, (LD, size), f"(L*D, {letter}) for a single unbatched sequence")
                checked.append(s.unsqueeze(1))
        return tuple(checked)

    def forward(self, input, hx=None):
        x, lengths, batched = self._check_input(input)
        packed = isinstance(input, PackedSequence)
        states = self._initial_states(hx, x, batched)  # tuple of (L*D, B, ·)
        finals = [[] for _ in self.state_names]
        layer_input = x  # (T, B, I) for the first layer, (T, B, D*H_out) after
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                initial = tuple(s[k] for s in states)  # tuple of (B, ·)
                output, final = self._run_direction(layer_input, initial, lengths, layer, direction)
                outputs.append(output)  # (T, B, H_out)
                for collected, s in zip(finals, final):
                    collected.append(s)  # (B, ·)
            layer_input = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)  # (T, B, D*H_out)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        output = layer_input  # (T, B, D*H_out) of the last layer, forward half first
        final_states = [torch.stack(collected) for collected in finals]  # each (L*D, B, ·)
        if packed:
            output = _repack(output, input)
        elif not batched:
            output = output.squeeze(1)  # (T, D*H_out)
            final_states = [s.squeeze(1) for s in final_states]  # each (L*D, ·)
        elif self.batch_first:
            output = output.transpose(0, 1)  # (B, T, D*H_out)
        return output, self._join_states(final_states)


class RNN(_Stack):
    """A multi-layer Elman RNN, drop-in equal of `torch.nn.RNN`; each step is `cells.rnn_step`.

    Each layer computes h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu), where x_t
    is the input for the first layer and the previous layer's h_t (after dropout) for the others.

    Args:
        input_size (I), hidden_size (H), num_layers (L), nonlinearity ("tanh" or "relu"), bias,
        batch_first, dropout (between layers, in training only), bidirectional (D = 2), device,
        dtype: in torch.nn.RNN's positional order.

    Inputs: input, h_0
        input: (T, B, I), (B, T, I) if batch_first, (T, I) for one unbatched sequence, or a PackedSequence.
        h_0: (L·D, B, H) or (L·D, H) unbatched; zeros when omitted. batch_first never changes it.

    Outputs: output, h_n
        output: (T, B, D·H) (or (B, T, D·H), (T, D·H), a PackedSequence like the input): h_t of the
            last layer at every step, forward half first.
        h_n: (L·D, B, H): the last step of every layer and direction.

    Letters: the course's T, B, L are torch's docs' L, N, num_layers; I, H are its H_in, H_out.

    Raises:
        TypeError / ValueError for arguments of the wrong type / value, naming what was expected.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        self.nonlinearity = check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
        super().__init__(input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first,
                         dropout=dropout, bidirectional=bidirectional, device=device, dtype=dtype)

    def _step(self, x, state, weights):
        h = rnn_step(x, state[0], *weights[:4], nonlinearity=self.nonlinearity)  # (B, H)
        return (h,)


class LSTM(_Stack):
    """A multi-layer LSTM, drop-in equal of `torch.nn.LSTM`; each step is `cells.lstm_step`.

    With proj_size = P > 0 it is an LSTM with projections (Sak, Senior & Beaufays, 2014): each
    step's hidden state is projected to P features, h_t = W_hr (o_t ⊙ tanh(c_t)), and that P-wide
    h_t is what the step feeds back (so weight_hh is (4H, P)), what the next layer reads (D·P
    features) and what `output` and h_n hold; the cell state c keeps H features.

    Args:
        input_size (I), hidden_size (H), num_layers (L), bias, batch_first, dropout (between
        layers, in training only), bidirectional (D = 2), proj_size (P, 0 for none, else < H),
        device, dtype: in torch.nn.LSTM's positional order.

    Inputs: input, (h_0, c_0)
        input: (T, B, I), (B, T, I) if batch_first, (T, I) for one unbatched sequence, or a PackedSequence.
        h_0: (L·D, B, H_out) or (L·D, H_out) unbatched, with H_out = P if proj_size > 0 else H.
        c_0: (L·D, B, H) or (L·D, H) unbatched. Both zeros when omitted; batch_first never changes them.

    Outputs: output, (h_n, c_n)
        output: (T, B, D·H_out) (or (B, T, D·H_out), (T, D·H_out), a PackedSequence like the
            input): h_t of the last layer at every step, forward half first.
        h_n: (L·D, B, H_out), c_n: (L·D, B, H): the last step of every layer and direction,
            ordered layer 0 forward, layer 0 backward, layer 1 forward, ... so that
            `h_n.view(L, D, B, H_out)` separates them.

    Letters: the course's T, B, L are torch's docs' L, N, num_layers; I, H are its H_in, H_cell.

    Raises:
        TypeError / ValueError for arguments of the wrong type / value, naming what was expected.

    Example:
        >>> lstm = LSTM(input_size=3, hidden_size=5, num_layers=2, proj_size=2)
        >>> output, (h_n, c_n) = lstm(torch.randn(7, 4, 3))
        >>> output.shape, h_n.shape, c_n.shape
        (torch.Size([7, 4, 2]), torch.Size([2, 4, 2]), torch.Size([2, 4, 5]))
    """

    num_chunks = 4
    state_names = ("h_0", "c_0")

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__(input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first,
                         dropout=dropout, bidirectional=bidirectional, proj_size=proj_size, device=device,
                         dtype=dtype)

    def _step(self, x, state, weights):
        step = lstm_step(x, state[0], state[1], *weights[:4])
        h = step.h if weights.weight_hr is None else F.linear(step.h, weights.weight_hr)  # (B, H_out)
        return h, step.c

    def _state_sizes(self):
        return self.output_size, self.hidden_size

    def _split_hx(self, hx):
        return check_pair("the initial state of an LSTM", hx, "h_0", "c_0")

    def _join_states(self, states):
        return states[0], states[1]


class GRU(_Stack):
    """A multi-layer GRU, drop-in equal of `torch.nn.GRU`; each step is `cells.gru_step`.

    Args:
        input_size (I), hidden_size (H), num_layers (L), bias, batch_first, dropout (between
        layers, in training only), bidirectional (D = 2), device, dtype: in torch.nn.GRU's
        positional order.

    Inputs and outputs are those of `RNN`: one hidden state h, h_0 and h_n of shape (L·D, B, H).
    """

    num_chunks = 3

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__(input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first,
                         dropout=dropout, bidirectional=bidirectional, device=device, dtype=dtype)

    def _step(self, x, state, weights):
        return (gru_step(x, state[0], *weights[:4]).h,)
