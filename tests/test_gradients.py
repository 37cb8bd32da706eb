"""gradient_flow against independent computations, and the vanishing / exploding behaviour it exists to show."""

import pytest
import torch
from torch import nn

from lstm_course import cells, layers
from lstm_course.fast import FastLSTM
from lstm_course.gradients import (
    GradientFlow,
    gradient_flow,
    layer_cell,
    per_step_factor,
    set_forget_bias,
    set_spectral_radius,
    spectral_radius,
)

D = torch.float64


def manual_rnn_flow(cell, x):
    """||dL/dh_t|| by the chain rule written out: dL/dh_{t-1} = W_hhᵀ (dL/dh_t ⊙ (1 - h_t²)), L = sum(h_{T-1})."""
    T, B, _ = x.shape
    h = torch.zeros(B, cell.hidden_size, dtype=D)
    hs = []
    with torch.no_grad():
        for t in range(T):
            h = torch.tanh(x[t] @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh)
            hs.append(h)
        grad = torch.ones_like(h)  # dL/dh_{T-1}
        norms = [grad.norm()]
        for t in range(T - 1, 0, -1):
            grad = (grad * (1 - hs[t] ** 2)) @ cell.weight_hh  # dL/dh_{t-1}
            norms.append(grad.norm())
    return torch.stack(norms)


def run_from(cell, x, t, state, is_lstm):
    """L = sum(h_{T-1}) when the unrolling restarts at step t+1 from `state` (the state after step t)."""
    with torch.no_grad():
        for s in range(t + 1, x.shape[0]):
            state = cell(x[s], state)
        return (state[0] if is_lstm else state).sum()


def output_gate(cell, x, states, t):
    """o_t of step t, recomputed from x_t and the state before it."""
    previous = states[t - 1] if t > 0 else tuple(torch.zeros_like(s) for s in states[0])
    with torch.no_grad():
        return cells.lstm_step(x[t], *previous, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh).o


def finite_difference_flow(cell, x, which, eps=1e-6):
    """||dL/d(state_t)|| by central differences: perturb one entry of h_t (or c_t) and re-run the rest.

    c_t is a node of the graph like any other, so perturbing it also changes h_t = o_t ⊙ tanh(c_t)
    (the standard BPTT dc_t); o_t is recomputed from the step's inputs with `lstm_step`.
    """
    is_lstm = isinstance(cell, (cells.LSTMCell, nn.LSTMCell))
    T, B, _ = x.shape
    H = cell.hidden_size
    states = []
    with torch.no_grad():
        state = (torch.zeros(B, H, dtype=D), torch.zeros(B, H, dtype=D)) if is_lstm else torch.zeros(B, H, dtype=D)
        for t in range(T):
            state = cell(x[t], state)
            states.append(state)
    norms = []
    for t in reversed(range(T)):
        grad = torch.zeros(B, H, dtype=D)
        for b in range(B):
            for j in range(H):
                losses = []
                for sign in (1, -1):
                    if is_lstm:
                        h, c = (s.clone() for s in states[t])
                        if which == "h":
                            h[b, j] += sign * eps
                        else:
                            c[b, j] += sign * eps
                            h = output_gate(cell, x, states, t) * torch.tanh(c)
                        perturbed = (h, c)
                    else:
                        perturbed = states[t].clone()
                        perturbed[b, j] += sign * eps
                    if t == T - 1:
                        losses.append((perturbed[0] if is_lstm else perturbed).sum())
                    else:
                        losses.append(run_from(cell, x, t, perturbed, is_lstm))
                grad[b, j] = (losses[0] - losses[1]) / (2 * eps)
        norms.append(grad.norm())
    return torch.stack(norms)  # index k = lag k


def test_rnn_flow_equals_the_chain_rule_written_out():
    torch.manual_seed(0)
    cell = nn.RNNCell(3, 6, dtype=D)
    x = torch.randn(12, 2, 3, dtype=D)
    flow = gradient_flow(cell, x)
    assert flow.c is None
    torch.testing.assert_close(flow.h, manual_rnn_flow(cell, x))


@pytest.mark.parametrize("cell_type", [cells.LSTMCell, nn.LSTMCell, cells.GRUCell, nn.GRUCell, cells.RNNCell])
def test_flow_matches_finite_differences(cell_type):
    torch.manual_seed(1)
    cell = cell_type(2, 3, dtype=D)
    x = torch.randn(5, 2, 2, dtype=D)
    flow = gradient_flow(cell, x)
    torch.testing.assert_close(flow.h, finite_difference_flow(cell, x, "h"), rtol=1e-6, atol=1e-9)
    if cell_type in (cells.LSTMCell, nn.LSTMCell):
        torch.testing.assert_close(flow.c, finite_difference_flow(cell, x, "c"), rtol=1e-6, atol=1e-9)
    else:
        assert flow.c is None


def test_our_cell_and_torch_cell_give_the_same_flow():
    torch.manual_seed(2)
    theirs = nn.LSTMCell(3, 5, dtype=D)
    ours = cells.LSTMCell(3, 5, dtype=D)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(15, 4, 3, dtype=D)
    a, b = gradient_flow(ours, x), gradient_flow(theirs, x)
    torch.testing.assert_close(a.h, b.h)
    torch.testing.assert_close(a.c, b.c)


@pytest.mark.parametrize("module_type", [nn.LSTM, layers.LSTM, nn.RNN, layers.GRU])
@pytest.mark.parametrize("batch_first", [False, True])
def test_layer_module_is_measured_through_its_first_layer(module_type, batch_first):
    torch.manual_seed(3)
    module = module_type(3, 4, num_layers=2, batch_first=batch_first, dtype=D)
    x = torch.randn(9, 2, 3, dtype=D)  # (T, B, I)
    flow = gradient_flow(module, x.transpose(0, 1) if batch_first else x)
    expected = gradient_flow(layer_cell(module), x)
    torch.testing.assert_close(flow.h, expected.h)
    assert flow.h.shape == (9,)


class TorchLSTMSubclass(nn.LSTM):
    """A user's subclass of nn.LSTM: it must be measured like its parent."""


@pytest.mark.parametrize("subclass", [FastLSTM, TorchLSTMSubclass])
def test_subclasses_are_measured_like_their_parent(subclass):
    torch.manual_seed(5)
    parent = nn.LSTM(3, 4, num_layers=2, dtype=D)
    child = subclass(3, 4, num_layers=2, dtype=D)
    child.load_state_dict(parent.state_dict())
    x = torch.randn(12, 2, 3, dtype=D)
    flow, expected = gradient_flow(child, x), gradient_flow(parent, x)
    torch.testing.assert_close(flow.h, expected.h)
    torch.testing.assert_close(flow.c, expected.c)
    assert isinstance(layer_cell(child, layer=1), cells.LSTMCell)
    set_forget_bias(child, 2.0)
    torch.testing.assert_close(child.bias_ih_l1[4:8] + child.bias_hh_l1[4:8], torch.full((4,), 2.0, dtype=D))


@pytest.mark.parametrize("module_type", [nn.LSTM, layers.LSTM])
def test_an_lstm_with_projections_has_no_cell_and_says_so(module_type):
    with pytest.raises(ValueError, match="proj_size=2 has no equivalent cell"):
        gradient_flow(module_type(3, 4, proj_size=2), torch.randn(5, 2, 3))


def test_layer_cell_copies_the_requested_layer_and_direction():
    torch.manual_seed(4)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=D)
    cell = layer_cell(lstm, layer=1, reverse=True)
    assert isinstance(cell, cells.LSTMCell) and cell.input_size == 8
    torch.testing.assert_close(cell.weight_hh, lstm.weight_hh_l1_reverse)
    with torch.no_grad():
        cell.weight_hh.zero_()
    assert lstm.weight_hh_l1_reverse.abs().sum() > 0  # a copy, not a view


def test_vanishing_below_radius_one_exploding_above():
    """In the linear regime (zero input and bias, h_0 = 0, so tanh' = 1) dL/dh_t = (W_hhᵀ)^k dL/dh_{T-1}."""
    torch.manual_seed(5)
    T = 40
    x = torch.zeros(T, 1, 2, dtype=D)
    ratios = {}
    for radius in (0.5, 1.5):
        cell = nn.RNNCell(2, 32, dtype=D)
        with torch.no_grad():
            cell.bias_ih.zero_()
            cell.bias_hh.zero_()
        set_spectral_radius(cell, radius)
        ratios[radius] = gradient_flow(cell, x).relative().h
    # ||(Wᵀ)^k g|| / ||g|| behaves like radius^k for large k: 0.5^39 ≈ 2e-12, 1.5^39 ≈ 7e6.
    assert ratios[0.5][-1] < 1e-6, ratios[0.5][-1]
    assert ratios[1.5][-1] > 1e3, ratios[1.5][-1]
    # and the decay/growth is steady: the late part of each curve is monotone
    assert (ratios[0.5][20:].diff() < 0).all()
    assert (ratios[1.5][20:].diff() > 0).all()


def test_tanh_saturation_makes_the_rnn_gradient_smaller_still():
    torch.manual_seed(6)
    cell = set_spectral_radius(nn.RNNCell(2, 32, dtype=D), 0.9)
    quiet = gradient_flow(cell, 0.01 * torch.randn(30, 1, 2, dtype=D)).relative().h
    loud = gradient_flow(cell, 5 * torch.randn(30, 1, 2, dtype=D)).relative().h
    assert loud[-1] < quiet[-1]


def test_forget_bias_keeps_the_c_path_alive():
    torch.manual_seed(7)
    x = torch.randn(30, 2, 4, dtype=D)
    default = nn.LSTMCell(4, 32, dtype=D)
    biased = set_forget_bias(nn.LSTMCell(4, 32, dtype=D), 5.0)
    biased.load_state_dict({**default.state_dict(), "bias_ih": biased.bias_ih, "bias_hh": biased.bias_hh})
    d, b = gradient_flow(default, x).relative(), gradient_flow(biased, x).relative()
    # f ≈ σ(5) ≈ 0.993 instead of ≈ σ(0) = 0.5 per step along the belt: 30 steps apart by orders of magnitude
    assert b.c[-1] > 100 * d.c[-1], (b.c[-1], d.c[-1])


def test_set_forget_bias_sets_only_the_f_block_of_the_sum():
    for module in (nn.LSTM(2, 3, num_layers=2, bidirectional=True), layers.LSTM(2, 3), nn.LSTMCell(2, 3),
                   cells.LSTMCell(2, 3)):
        before = {n: p.detach().clone() for n, p in module.named_parameters()}
        set_forget_bias(module, 2.0)
        for name, p in module.named_parameters():
            if name.startswith("bias_ih"):
                other = name.replace("bias_ih", "bias_hh")
                total = p + dict(module.named_parameters())[other]
                torch.testing.assert_close(total[3:6], torch.full((3,), 2.0))
                torch.testing.assert_close(p[:3], before[name][:3])
                torch.testing.assert_close(p[6:], before[name][6:])
            elif name.startswith("weight"):
                torch.testing.assert_close(p, before[name])


def test_spectral_radius_of_a_known_matrix_and_of_stacked_blocks():
    assert spectral_radius(torch.diag(torch.tensor([0.5, -3.0, 1.0]))) == pytest.approx(3.0)
    rotation = torch.tensor([[0.0, -2.0], [2.0, 0.0]])  # eigenvalues ±2i
    assert spectral_radius(rotation) == pytest.approx(2.0)
    lstm = nn.LSTM(3, 8, num_layers=2)
    set_spectral_radius(lstm, 0.7)
    for w in (lstm.weight_hh_l0, lstm.weight_hh_l1):
        for block in w.split(8):
            assert spectral_radius(block) == pytest.approx(0.7, rel=1e-5)


def test_set_spectral_radius_scales_without_tracking_gradients():
    cell = nn.RNNCell(2, 10)
    direction = cell.weight_hh.detach() / cell.weight_hh.detach().norm()
    set_spectral_radius(cell, 1.2)
    assert cell.weight_hh.requires_grad and cell.weight_hh.grad_fn is None
    torch.testing.assert_close(cell.weight_hh.detach() / cell.weight_hh.detach().norm(), direction)


def test_flow_runs_under_no_grad_and_with_frozen_weights():
    cell = nn.LSTMCell(2, 4).requires_grad_(False)
    with torch.no_grad():
        flow = gradient_flow(cell, torch.randn(6, 3, 2))
    assert isinstance(flow, GradientFlow) and (flow.h > 0).all() and (flow.c > 0).all()


def test_unbatched_input_and_initial_state():
    torch.manual_seed(8)
    cell = nn.LSTMCell(2, 4, dtype=D)
    x = torch.randn(6, 2, dtype=D)
    state = (torch.randn(1, 4, dtype=D), torch.randn(1, 4, dtype=D))
    flow = gradient_flow(cell, x, state)
    torch.testing.assert_close(flow.h, gradient_flow(cell, x.unsqueeze(1), state).h)


def test_clear_errors():
    cell = nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"\(T, B, I\) with T >= 1 and I=3"):
        gradient_flow(cell, torch.randn(5, 2, 2))
    with pytest.raises(TypeError, match="RNNCell, LSTMCell or GRUCell"):
        gradient_flow(nn.Linear(3, 4), torch.randn(5, 2, 3))
    with pytest.raises(ValueError, match=r"h must have shape \(B, H\) = \(2, 4\)"):
        gradient_flow(cell, torch.randn(5, 2, 3), (torch.zeros(3, 4), torch.zeros(2, 4)))
    with pytest.raises(TypeError, match=r"state of an LSTM must be a tuple \(h, c\) of two tensors, got Tensor"):
        gradient_flow(cell, torch.randn(5, 2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="got tuple of length 3"):
        gradient_flow(cell, torch.randn(5, 2, 3), (torch.zeros(2, 4),) * 3)
    with pytest.raises(TypeError, match="LSTM or LSTMCell"):
        set_forget_bias(nn.GRU(2, 3), 1.0)
    with pytest.raises(ValueError, match="bias=False"):
        set_forget_bias(nn.LSTMCell(2, 3, bias=False), 1.0)
    with pytest.raises(ValueError, match="radius must be >= 0, got -1.0"):
        set_spectral_radius(nn.RNNCell(2, 3), -1.0)
    with pytest.raises(TypeError, match="radius must be a number >= 0, got bool True"):
        set_spectral_radius(nn.RNNCell(2, 3), True)
    with pytest.raises(TypeError, match="value must be a number, got str '1'"):
        set_forget_bias(nn.LSTM(2, 3), "1")
    with pytest.raises(TypeError, match="layer must be an int, got float"):
        layer_cell(nn.LSTM(2, 3, num_layers=2), layer=1.0)
    with pytest.raises(ValueError, match=r"\(G·H, H\)"):
        spectral_radius(torch.randn(5, 3))
    with pytest.raises(ValueError, match="eigenvalues are all 0"):
        set_spectral_radius(torch.zeros(3, 3), 1.0)
    with pytest.raises(ValueError, match="bidirectional"):
        layer_cell(nn.LSTM(2, 3), reverse=True)


def test_docstring_examples_are_true():
    import doctest

    from lstm_course import gradients

    result = doctest.testmod(gradients)
    assert result.attempted >= 5 and result.failed == 0, result


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.5])
def test_per_step_factor_of_a_linear_rnn_is_the_spectral_radius(radius):
    cell = nn.RNNCell(4, 16, dtype=D)
    set_spectral_radius(cell, radius)
    with torch.no_grad():
        cell.bias_ih.zero_()
        cell.bias_hh.zero_()
    flow = gradient_flow(cell, torch.zeros(60, 8, 4, dtype=D))  # zero input, no bias: tanh' = 1 everywhere
    assert per_step_factor(flow.h) == pytest.approx(radius, rel=0.15)


def test_per_step_factor_rejects_lags_outside_the_sequence():
    with pytest.raises(ValueError, match="far=50, T=20"):
        per_step_factor(torch.ones(20))
