r"""Measuring gradient flow: how large dL/dh_t (and dL/dc_t) is, as a function of the lag T - 1 - t.

Backpropagation through time multiplies one Jacobian per step. For a vanilla RNN,

    ∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh,

so after k steps the gradient has been multiplied by k such matrices. With tanh' = 1 the product
is W_hh^k, whose norm behaves like ρ(W_hh)^k for large k (Gelfand's formula; a non-normal W_hh can
first grow even when ρ < 1): it vanishes when the spectral radius ρ is below 1 and explodes above.
Since 0 < tanh' ≤ 1, the norm of the product is at most ∏ max_j tanh'(a_{s,j}) · ‖W_hh‖^k, so a
largest singular value ‖W_hh‖ < 1 is sufficient for vanishing and ‖W_hh‖ > 1 necessary for
exploding (Pascanu, Mikolov & Bengio, 2013); tanh' lowers this bound, not necessarily the product
itself. We *measure* the gradient instead of asserting it:
`gradient_flow` unrolls a cell with autograd, puts a loss on the last step only, and returns the
norm of the gradient at every earlier step.

An LSTM has two paths back in time.

* The **h path**, dL/dh_t: the hidden state feeds the next step through the gates and W_hh, so it
  is multiplied by matrices much like the RNN's. An *untrained, default-initialised* LSTM
  (forget gate ≈ σ(0) = 0.5) barely beats a vanilla RNN on this path: both fall by a factor of
  about 0.5-0.6 per step. A forget-gate bias of 1 or more (see `set_forget_bias`) or training is
  what makes the difference visible on the h path.
* The **c path**, dL/dc_t: the cell state is only scaled by the forget gate and added to,

      ∂c_t/∂c_{t-1} = diag(f_t)   (along the conveyor belt itself),

  so no weight matrix and no tanh' sit on this path. With f_t near 1 the gradient survives for
  many steps; this is the LSTM's answer to vanishing gradients. (dL/dc_t as measured here is the
  full derivative: it also includes the routes that leave the belt through h.)

Shape letters: B batch, T time, I input size, H hidden size, G gate blocks (1 RNN, 3 GRU, 4 LSTM).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from . import cells, layers
from .validation import (
    check_bool,
    check_int,
    check_number,
    check_pair,
    check_shape,
    check_tensor,
    check_type,
    shape_str,
)

_LSTM_CELLS = (cells.LSTMCell, nn.LSTMCell)
_CELLS = (cells.RNNCell, nn.RNNCell, *_LSTM_CELLS, cells.GRUCell, nn.GRUCell)
_CELLS_EXPECTED = "an RNNCell, LSTMCell or GRUCell (ours or torch.nn's) or an RNN, LSTM or GRU module"
# Checked with isinstance, so subclasses (FastLSTM, a user's nn.LSTM subclass) work like their parent.
_LAYER_CELLS = (
    ((layers.RNN, nn.RNN), cells.RNNCell),
    ((layers.LSTM, nn.LSTM), cells.LSTMCell),
    ((layers.GRU, nn.GRU), cells.GRUCell),
)
_LSTMS = (*_LSTM_CELLS, layers.LSTM, nn.LSTM)
FORGET_BLOCK = 1
"""Index of the forget gate's block among an LSTM's four gate blocks, in PyTorch's order i|f|g|o."""


def _cell_type(module) -> type | None:
    """The course's cell class that can hold one layer of `module`, or None if it is not a layer module."""
    return next((cell for kinds, cell in _LAYER_CELLS if isinstance(module, kinds)), None)


class GradientFlow(NamedTuple):
    """Gradient norms indexed by lag: index 0 is the last step (where the loss is), index k is k steps earlier.

    h: (T,) ||dL/dh_{T-1-k}|| for k = 0 .. T-1 (Frobenius norm over the batch and hidden units).
    c: (T,) ||dL/dc_{T-1-k}|| for an LSTM, None for an RNN or a GRU.
    """

    h: torch.Tensor
    c: torch.Tensor | None

    def relative(self) -> GradientFlow:
        """Each norm divided by its value at lag 0, so curves of different models start at 1."""
        return GradientFlow(self.h / self.h[0], None if self.c is None else self.c / self.c[0])


def per_step_factor(norms: torch.Tensor, near: int = 10, far: int = 50) -> float:
    """The geometric-mean factor by which a gradient norm shrinks (< 1) or grows (> 1) per step of lag.

    Measured between lags `near` and `far`, away from the loss, where the first steps' transients
    have died out: (norms[far] / norms[near]) ** (1 / (far - near)). For a linear RNN this is the
    spectral radius of W_hh; for an LSTM's c path it tracks the typical forget gate.

    Args:
        norms: (T,) gradient norms by lag, e.g. `gradient_flow(...).h`, with T > far.
    """
    near, far = check_int("near", near, minimum=0), check_int("far", far, minimum=1)
    if not near < far < len(norms):
        raise ValueError(f"need 0 <= near < far < T, got near={near}, far={far}, T={len(norms)}")
    return (norms[far] / norms[near]).item() ** (1 / (far - near))


def _sum_loss(h_last: torch.Tensor) -> torch.Tensor:
    return h_last.sum()


def layer_cell(module: nn.Module, layer: int = 0, reverse: bool = False) -> nn.Module:
    """A cell holding a copy of one layer and direction of an RNN/LSTM/GRU (ours or torch.nn's).

    The copy lets `gradient_flow` measure a multi-layer model one layer at a time; its weights are
    detached copies, so nothing done to the cell touches the model.
    """
    cell_type = _cell_type(module)
    if cell_type is None:
        raise TypeError(f"module must be an RNN, LSTM or GRU module (ours or torch.nn's), got {type(module).__name__}")
    if getattr(module, "proj_size", 0):
        raise ValueError(
            f"an LSTM with proj_size={module.proj_size} has no equivalent cell (LSTMCell has no projection W_hr); "
            "measure a model built with proj_size=0"
        )
    if check_int("layer", layer, minimum=0) >= module.num_layers:
        raise ValueError(f"layer must be in 0 .. L-1 = {module.num_layers - 1}, got {layer}")
    if check_bool("reverse", reverse) and not module.bidirectional:
        raise ValueError("reverse=True needs a bidirectional module (D = 2), this one has D = 1")
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    weight_ih = getattr(module, "weight_ih" + suffix)
    kwargs = {"nonlinearity": module.nonlinearity} if cell_type is cells.RNNCell else {}
    cell = cell_type(weight_ih.shape[1], module.hidden_size, bias=module.bias,
                     dtype=weight_ih.dtype, device=weight_ih.device, **kwargs)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if getattr(cell, name) is not None:
                getattr(cell, name).copy_(getattr(module, name + suffix))
    return cell


def gradient_flow(
    model: nn.Module,
    input: torch.Tensor,
    state=None,
    loss_fn: Callable[[torch.Tensor], torch.Tensor] = _sum_loss,
) -> GradientFlow:
    r"""Unroll `model` over `input` with autograd and return ||dL/dh_t|| (and ||dL/dc_t||) by lag.

    The loss L = loss_fn(h_{T-1}) depends on the last step only (default: the sum of h_{T-1}), so
    the gradient at lag k = T-1-t is exactly what reaches step t after k steps of backpropagation.
    Nothing is averaged or fitted: each value is an autograd gradient's norm.

    Args:
        model: an `RNNCell`, `LSTMCell` or `GRUCell` (ours or torch.nn's), or an `RNN`, `LSTM` or
            `GRU` module (ours or torch.nn's), of which the first layer's forward direction is
            measured (see `layer_cell` for other layers).
        input: (T, B, I), or (T, I) for one sequence; (B, T, I) for a module with batch_first=True.
        state: initial state, zeros when None: h (B, H) for an RNN or GRU cell, (h, c) for an LSTM.
        loss_fn: (B, H) -> scalar, applied to the last hidden state.

    Returns:
        GradientFlow(h (T,), c (T,) or None), index 0 = the last step, index k = lag k.

    Example:
        >>> cell = torch.nn.RNNCell(3, 8)
        >>> flow = gradient_flow(cell, torch.randn(20, 4, 3))
        >>> flow.h.shape, flow.c
        (torch.Size([20]), None)
    """
    if _cell_type(model) is not None:
        if model.batch_first and isinstance(input, torch.Tensor) and input.dim() == 3:
            input = input.transpose(0, 1)  # (T, B, I)
        model = layer_cell(model)
    check_type("model", model, _CELLS, _CELLS_EXPECTED)
    dtype = model.weight_ih.dtype
    check_tensor("input", input, dtype)
    if input.dim() == 2:
        input = input.unsqueeze(1)  # (T, 1, I)
    if input.dim() != 3 or input.shape[-1] != model.input_size or input.shape[0] < 1:
        raise ValueError(
            f"input must have shape (T, B, I) with T >= 1 and I={model.input_size}, got {shape_str(input.shape)}"
        )
    T, B = input.shape[:2]
    is_lstm = isinstance(model, _LSTM_CELLS)
    h, c = _initial_state(model, state, B, input, is_lstm)
    hs, cs = [], []
    with torch.enable_grad():
        # Each h_t must be a node of the graph even when the weights are frozen.
        h = h.detach().clone().requires_grad_(True)
        if is_lstm:
            c = c.detach().clone().requires_grad_(True)
        for t in range(T):
            if is_lstm:
                h, c = model(input[t], (h, c))  # (B, H) each
                cs.append(c)
            else:
                h = model(input[t], h)  # (B, H)
            hs.append(h)
        loss = loss_fn(h)
        grads = torch.autograd.grad(loss, hs + cs, allow_unused=True)
    norms = torch.stack([_norm(g, x) for g, x in zip(grads, hs + cs)]).detach()  # (T,) or (2T,)
    h_norms = norms[:T].flip(0)  # (T,) index k = lag k
    c_norms = norms[T:].flip(0) if is_lstm else None
    return GradientFlow(h_norms, c_norms)


def _norm(grad, like):
    """||grad||, where autograd's None (the loss does not depend on that state at all) counts as 0."""
    return like.new_zeros(()) if grad is None else grad.norm()


def _initial_state(model, state, B, input, is_lstm):
    H = model.hidden_size
    zeros = input.new_zeros(B, H)
    if state is None:
        return zeros, (zeros if is_lstm else None)
    if is_lstm:
        h, c = check_pair("state of an LSTM", state, "h", "c")
    else:
        h, c = state, None
    for name, s in (("h", h), ("c", c)):
        if s is not None:
            check_tensor(name, s, input.dtype)
            check_shape(name, s, (B, H), "(B, H)")
    return h, c


def _recurrent_weights(target) -> list[torch.Tensor]:
    """The recurrent weights of a tensor, a cell (`weight_hh`) or a layer module (every `weight_hh_l*`)."""
    if isinstance(target, torch.Tensor):
        return [target]
    if isinstance(target, nn.Module):
        if isinstance(getattr(target, "weight_hh", None), torch.Tensor):
            return [target.weight_hh]
        found = [p for name, p in target.named_parameters() if name.split(".")[-1].startswith("weight_hh_l")]
        if found:
            return found
    raise TypeError(
        "expected a recurrent weight tensor (H, H) or (G·H, H), or a cell or RNN/LSTM/GRU module, "
        f"got {type(target).__name__}"
    )


def _square_blocks(weight: torch.Tensor) -> list[torch.Tensor]:
    """A (G·H, H) stacked gate matrix as its G square (H, H) blocks."""
    if weight.dim() != 2 or weight.shape[0] % weight.shape[1] != 0:
        raise ValueError(
            f"a recurrent weight must be square (H, H) or stacked gate blocks (G·H, H), got {shape_str(weight.shape)}"
        )
    return list(weight.split(weight.shape[1], dim=0))


def _radius(block: torch.Tensor) -> float:
    return torch.linalg.eigvals(block.detach().to(torch.float64)).abs().max().item()


def spectral_radius(target) -> float:
    """The largest |eigenvalue| of a recurrent weight.

    `target` is a square (H, H) weight, a stacked (G·H, H) gate matrix (each gate's (H, H) block
    counts separately), a cell (its `weight_hh`) or an RNN/LSTM/GRU module (every `weight_hh_l*`);
    the result is the largest radius found.

    Example:
        >>> spectral_radius(2 * torch.eye(3))
        2.0
    """
    return max(_radius(block) for w in _recurrent_weights(target) for block in _square_blocks(w))


def set_spectral_radius(target, radius: float):
    """Scale a recurrent weight in place so its spectral radius is `radius`; return `target`.

    Every square block is scaled on its own (an LSTM's four gate blocks each get `radius`), under
    `torch.no_grad()` so it is safe on parameters. Scaling leaves the eigenvectors alone: only
    how fast repeated multiplication shrinks or grows changes, which is what BPTT does.

    Example:
        >>> cell = torch.nn.RNNCell(2, 16)
        >>> round(spectral_radius(set_spectral_radius(cell, 0.9)), 6)
        0.9
    """
    radius = check_number("radius", radius, low=0)
    with torch.no_grad():
        for weight in _recurrent_weights(target):
            for block in _square_blocks(weight):
                current = _radius(block)
                if current == 0:
                    raise ValueError("cannot scale a recurrent weight block whose eigenvalues are all 0")
                block.mul_(radius / current)  # a view: scales the weight itself
    return target


def set_forget_bias(target, value: float):
    """Set the forget gate's bias of an LSTM or LSTMCell (ours or torch.nn's) to `value`; return `target`.

    PyTorch keeps two biases, b_ih and b_hh, and only their sum reaches the gate, so the f block
    (second of i|f|g|o) of every `bias_ih*` is set to `value` and that of every `bias_hh*` to 0.
    A bias of 1 to 3 makes f ≈ σ(1) ≈ 0.73 to σ(3) ≈ 0.95 at the start of training, so the cell
    state, and its gradient, survive many steps (Gers et al., 2000; Jozefowicz et al., 2015).

    Example:
        >>> lstm = set_forget_bias(torch.nn.LSTM(2, 4), 1.0)
        >>> (lstm.bias_ih_l0[4:8] + lstm.bias_hh_l0[4:8]).tolist()
        [1.0, 1.0, 1.0, 1.0]
    """
    check_type("target", target, _LSTMS, "an LSTM or LSTMCell (ours or torch.nn's)")
    if not target.bias:
        raise ValueError("this LSTM was built with bias=False, so it has no forget-gate bias to set")
    value = check_number("value", value)
    H = target.hidden_size
    f_rows = slice(FORGET_BLOCK * H, (FORGET_BLOCK + 1) * H)
    with torch.no_grad():
        for name, p in target.named_parameters():
            if name.startswith("bias_ih"):
                p[f_rows] = value
            elif name.startswith("bias_hh"):
                p[f_rows] = 0.0
    return target
