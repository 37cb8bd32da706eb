"""A fast LSTM: the module of `layers.LSTM` with the work of each layer reorganised for speed.

`layers.LSTM` runs `cells.lstm_step` once per time step, and autograd records every small op of
every step. That reads like the equations, and it is slow: per step it makes two matrix
multiplies, four gate activations, the cell update and a dozen autograd nodes, and at the sizes
people use on a CPU (B = 32, H = 128) each op costs more in Python and dispatch than in arithmetic.
`FastLSTM` keeps everything else of `layers.LSTM` (constructor, parameter names, checks, outputs)
and swaps only how one layer runs in one direction:

1. **Hoisting.** x_t W_ihᵀ does not depend on h, so it is computed for all T steps in one large
   matrix multiply (T·B, I) x (I, 4H) before the loop, with both biases folded in.
2. **Fused gates.** Per step there is one recurrent multiply h_{t-1} W_hhᵀ of shape (B, H) x (H, 4H),
   added in place into the hoisted buffer, then one sigmoid over all four gate blocks.
   tanh(z) = 2σ(2z) - 1, and the g rows of the weights are doubled once per call, so the
   candidate g needs no separate tanh; tanh(c_t) is computed the same way, so one in-place kernel
   (sigmoid) serves every activation. Whether that beats a separate tanh depends on the CPU.
3. **Preallocated outputs.** Each step writes h_t, c_t and the gates into buffers allocated once,
   so the loop allocates nothing.
4. **A hand-derived backward pass through time** (`LSTMLayerFunction`): instead of autograd
   walking ~15 recorded nodes per step, the backward loop makes one recurrent multiply and four
   element-wise ops per step, and the weight gradients are three large multiplies after it.

The recurrence h_t = f(h_{t-1}, x_t) itself stays sequential: step t needs h_{t-1}. What is left is
what oneDNN (CPU) and cuDNN (GPU) do in compiled code inside `torch.nn.LSTM`: the same hoisting
and fusing, with the element-wise gate math fused into a single kernel per step and no Python.

Shape letters: B batch, T time, I input size, H hidden size, L layers, D directions (1 or 2).
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from .layers import LSTM

G_BLOCK = 2
"""Index of the candidate block g among the four gate blocks, in PyTorch's order i|f|g|o."""


def _double_g_rows(tensor, H):
    """A copy of a (4H, ...) weight or bias with the candidate block g (rows 2H..3H) doubled."""
    scaled = tensor.clone()
    scaled[G_BLOCK * H : (G_BLOCK + 1) * H] *= 2
    return scaled


class LSTMLayerFunction(torch.autograd.Function):
    """One LSTM layer in one direction over a whole sequence, with a hand-written backward pass.

    Forward, for t = 0 .. T-1 (or T-1 .. 0 when `reverse`), with
    z_t = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh split in blocks i|f|g|o:

        i, f, o = σ(z_i), σ(z_f), σ(z_o)     g = tanh(z_g)
        c_t = f ⊙ c_{t-1} + i ⊙ g            h_t = o ⊙ tanh(c_t)

    Backward through time, from the last step processed to the first, with δh_t = ∂L/∂h_t
    (from the output at t plus from step t+1) and δc_t likewise:

        δc_t += δh_t ⊙ o ⊙ (1 - tanh²(c_t))
        δz_i = δc_t ⊙ g ⊙ i(1 - i)           δz_f = δc_t ⊙ c_{t-1} ⊙ f(1 - f)
        δz_g = δc_t ⊙ i ⊙ (1 - g²)           δz_o = δh_t ⊙ tanh(c_t) ⊙ o(1 - o)
        δc_{t-1} = δc_t ⊙ f                  δh_{t-1} = δz_t W_hh + ∂L/∂output_{t-1}

    Every factor that does not involve δ (the products of activations and their derivatives) is
    computed for all steps at once before the loop. After it, the weight gradients are sums over
    time, i.e. single large multiplies: ∂L/∂W_ih = Σ_t δz_tᵀ x_t, ∂L/∂W_hh = Σ_t δz_tᵀ h_{t-1},
    ∂L/∂b = Σ_t δz_t, and ∂L/∂x_t = δz_t W_ih.

    Args (to `apply`):
        input (T, B, I), h_0 (B, H), c_0 (B, H), weight_ih (4H, I), weight_hh (4H, H),
        bias_ih (4H,) or None, bias_hh (4H,) or None, reverse (bool).

    Returns:
        output (T, B, H) (h_t at its own time index, also when reversed), h_n (B, H), c_n (B, H).
    """

    @staticmethod
    def forward(ctx, input, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse):
        T, B, I = input.shape
        H = weight_hh.shape[1]
        # Doubling the g rows makes one sigmoid give σ(2 z_g), and g = tanh(z_g) = 2σ(2 z_g) - 1.
        w_ih, w_hh = _double_g_rows(weight_ih, H), _double_g_rows(weight_hh, H)
        x_flat = input.reshape(T * B, I)
        if bias_ih is None:
            gates = torch.mm(x_flat, w_ih.t())  # (T·B, 4H) all input projections at once
        else:
            gates = torch.addmm(_double_g_rows(bias_ih + bias_hh, H), x_flat, w_ih.t())  # (T·B, 4H)
        gates = gates.view(T, B, 4 * H)  # becomes the activations i|f|σ(2z_g)|o, step by step
        output = input.new_empty(T, B, H)  # h_t
        cells = input.new_empty(T, B, H)  # c_t
        tanh_cells = input.new_empty(T, B, H)  # tanh(c_t), kept for the backward pass
        w_hh_t = w_hh.t()  # (H, 4H)
        h, c = h_0, c_0
        gate_steps, h_steps, c_steps, tanh_steps = (x.unbind(0) for x in (gates, output, cells, tanh_cells))
        for t in range(T - 1, -1, -1) if reverse else range(T):
            z = gate_steps[t].addmm_(h, w_hh_t)  # (B, 4H) pre-activations z_i|z_f|2z_g|z_o
            z.sigmoid_()  # (B, 4H) i|f|s|o with s = σ(2z_g), so g = tanh(z_g) = 2s - 1
            i, f, s, o = z.chunk(4, dim=1)  # 4 x (B, H) views
            c = torch.mul(f, c, out=c_steps[t]).addcmul_(i, s, value=2).sub_(i)  # (B, H) c_t = f c_{t-1} + i g
            tanh_c = torch.mul(c, 2, out=tanh_steps[t]).sigmoid_().mul_(2).sub_(1)  # (B, H) tanh(c_t) = 2σ(2c_t) - 1
            h = torch.mul(o, tanh_c, out=h_steps[t])  # (B, H) h_t = o tanh(c_t)
        ctx.reverse = reverse
        ctx.has_bias = bias_ih is not None
        ctx.save_for_backward(input, h_0, c_0, weight_ih, weight_hh, gates, output, cells, tanh_cells)
        return output, h.clone(), c.clone()  # copies: h_n and c_n must not be views of the buffers

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output, grad_h_n, grad_c_n):
        input, h_0, c_0, weight_ih, weight_hh, gates, output, cells, tanh_cells = ctx.saved_tensors
        T, B, I = input.shape
        H = weight_hh.shape[1]
        i, f, s, o = gates.chunk(4, dim=2)  # 4 x (T, B, H), s = σ(2z_g)
        g = 2 * s - 1  # (T, B, H) the candidate, tanh(z_g)
        # The states that entered each step: step t read c_{t-1} (c_{t+1} when reversed).
        if ctx.reverse:
            c_prev = torch.cat([cells[1:], c_0.unsqueeze(0)])  # (T, B, H)
        else:
            c_prev = torch.cat([c_0.unsqueeze(0), cells[:-1]])  # (T, B, H)
        # Everything that does not depend on the incoming gradient, for all steps at once.
        dsigmoid = torch.addcmul(gates, gates, gates, value=-1).view(T, B, 4, H)  # s(1 - s) for i, f, o
        dc_dh = torch.addcmul(o, o * tanh_cells, tanh_cells, value=-1)  # (T, B, H) o (1 - tanh²c_t)
        factors = torch.empty_like(gates).view(T, B, 4, H)  # δz = factor ⊙ (δc, δc, δc, δh)
        torch.mul(g, dsigmoid[:, :, 0], out=factors[:, :, 0])  # g i(1 - i)
        torch.mul(c_prev, dsigmoid[:, :, 1], out=factors[:, :, 1])  # c_{t-1} f(1 - f)
        torch.addcmul(i, i * g, g, value=-1, out=factors[:, :, 2])  # i (1 - g²)
        torch.mul(tanh_cells, dsigmoid[:, :, 3], out=factors[:, :, 3])  # tanh(c_t) o(1 - o)
        grad_gates = torch.empty_like(factors)  # (T, B, 4, H) δz_t
        factor_steps, grad_gate_steps, dc_dh_steps, f_steps = (
            x.unbind(0) for x in (factors, grad_gates, dc_dh, f)
        )
        grad_output_steps = grad_output.unbind(0)
        steps = list(range(T)) if ctx.reverse else list(range(T - 1, -1, -1))  # the forward's order, backwards
        dh = grad_output_steps[steps[0]] + grad_h_n  # (B, H) δh at the last step processed
        dc = grad_c_n  # (B, H)
        for t, t_next in zip(steps, steps[1:] + [None]):
            dc = torch.addcmul(dc, dh, dc_dh_steps[t])  # (B, H) δc_t
            dz = grad_gate_steps[t]  # (B, 4, H)
            torch.mul(factor_steps[t][:, :3], dc.unsqueeze(1), out=dz[:, :3])  # δz_i, δz_f, δz_g
            torch.mul(factor_steps[t][:, 3], dh, out=dz[:, 3])  # δz_o
            dc = dc * f_steps[t]  # (B, H) δc of the state that entered step t
            if t_next is None:
                dh = torch.mm(dz.view(B, 4 * H), weight_hh)  # (B, H) δh_0
            else:
                dh = torch.addmm(grad_output_steps[t_next], dz.view(B, 4 * H), weight_hh)  # (B, H)
        grad_flat = grad_gates.view(T * B, 4 * H)  # (T·B, 4H)
        grad_input = torch.mm(grad_flat, weight_ih).view(T, B, I) if ctx.needs_input_grad[0] else None
        grad_weight_ih = torch.mm(grad_flat.t(), input.reshape(T * B, I))  # (4H, I)
        # Σ_t δz_tᵀ h_{t-1}: every step read the output of its neighbour step, except the first one, which read h_0.
        first, rest = (T - 1, slice(0, T - 1)) if ctx.reverse else (0, slice(1, T))
        neighbour = slice(1, T) if ctx.reverse else slice(0, T - 1)
        grad_weight_hh = torch.addmm(grad_gates[first].view(B, 4 * H).t() @ h_0,
                                     grad_gates[rest].reshape(-1, 4 * H).t(),
                                     output[neighbour].reshape(-1, H))  # (4H, H)
        grad_bias = grad_flat.sum(0) if ctx.has_bias else None  # (4H,) the same for both biases
        return grad_input, dh, dc, grad_weight_ih, grad_weight_hh, grad_bias, grad_bias, None


def lstm_layer(input, h_0, c_0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, reverse=False):
    """One layer in one direction: `LSTMLayerFunction.apply` with keyword defaults.

    Shapes: input (T, B, I), h_0 and c_0 (B, H) -> output (T, B, H), h_n (B, H), c_n (B, H).
    """
    return LSTMLayerFunction.apply(input, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse)


class FastLSTM(LSTM):
    """`layers.LSTM` with each layer and direction run by `LSTMLayerFunction`: same results, faster.

    Everything but the per-layer computation is inherited: constructor, parameter names and
    initialisation (so `load_state_dict(torch.nn.LSTM(...).state_dict())` works), input checks,
    batch_first and unbatched inputs, initial states, dropout between layers, bidirectional
    outputs and the `(output, (h_n, c_n))` it returns.

    A `PackedSequence` input runs the readable per-step path of `layers.LSTM` (correct and
    differentiable, not faster): sequences that end at different steps break the "one multiply
    for the whole batch at every step" pattern this class is built on.

    `proj_size` is refused with a `ValueError`: the hand-derived backward pass has no projection
    W_hr, so an LSTM with projections must use `layers.LSTM` or `torch.nn.LSTM`.

    Example:
        >>> lstm = FastLSTM(input_size=3, hidden_size=5, num_layers=2, bidirectional=True)
        >>> output, (h_n, c_n) = lstm(torch.randn(7, 4, 3))
        >>> output.shape, h_n.shape
        (torch.Size([7, 4, 10]), torch.Size([4, 4, 5]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
                         device, dtype)
        if self.proj_size:
            raise ValueError(
                f"FastLSTM does not support proj_size > 0 (got proj_size={self.proj_size}): its hand-derived "
                "backward pass has no projection; use lstm_course.layers.LSTM or torch.nn.LSTM for an LSTM "
                "with projections"
            )

    def _run_direction(self, input, state, lengths, layer, direction):
        if lengths is not None:  # a packed batch: sequences end at different steps
            return super()._run_direction(input, state, lengths, layer, direction)
        weights = self._weights(layer, direction)
        output, h, c = lstm_layer(input, *state, *weights[:4], reverse=direction == 1)
        return output, (h, c)  # (T, B, H), ((B, H), (B, H))
