"""Guard: PyTorch's own LSTM parameter layout is the one the course teaches.

If a PyTorch release changes names, shapes or the i|f|g|o block order, these tests fail and the
lessons must be revised. They rebuild each gate from nn.LSTMCell's weights by hand, using only
the documented equations, rather than using lstm_course.
"""

import torch
from torch import nn

I, H = 3, 4


def test_lstm_parameter_names_and_shapes():
    lstm = nn.LSTM(I, H, num_layers=2, bidirectional=True)
    shapes = {name: tuple(p.shape) for name, p in lstm.named_parameters()}
    expected = {}
    for layer, layer_input in [(0, I), (1, 2 * H)]:
        for suffix in ("", "_reverse"):
            expected |= {
                f"weight_ih_l{layer}{suffix}": (4 * H, layer_input),
                f"weight_hh_l{layer}{suffix}": (4 * H, H),
                f"bias_ih_l{layer}{suffix}": (4 * H,),
                f"bias_hh_l{layer}{suffix}": (4 * H,),
            }
    assert shapes == expected
    assert list(shapes) == list(expected), "parameter order changed"


def test_lstm_cell_gate_blocks_are_i_f_g_o():
    torch.manual_seed(0)
    cell = nn.LSTMCell(I, H).double()
    x, h, c = (torch.randn(2, n, dtype=torch.float64) for n in (I, H, H))
    W_ii, W_if, W_ig, W_io = cell.weight_ih.split(H)
    W_hi, W_hf, W_hg, W_ho = cell.weight_hh.split(H)
    b = cell.bias_ih + cell.bias_hh
    b_i, b_f, b_g, b_o = b.split(H)
    i = torch.sigmoid(x @ W_ii.T + h @ W_hi.T + b_i)
    f = torch.sigmoid(x @ W_if.T + h @ W_hf.T + b_f)
    g = torch.tanh(x @ W_ig.T + h @ W_hg.T + b_g)
    o = torch.sigmoid(x @ W_io.T + h @ W_ho.T + b_o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    h_torch, c_torch = cell(x, (h, c))
    torch.testing.assert_close(c_torch, c_new, rtol=0, atol=1e-12)
    torch.testing.assert_close(h_torch, h_new, rtol=0, atol=1e-12)


def test_lstm_layer_weights_are_the_cell_weights():
    torch.manual_seed(0)
    lstm = nn.LSTM(I, H).double()
    cell = nn.LSTMCell(I, H).double()
    cell.load_state_dict({k[: -len("_l0")]: v for k, v in lstm.state_dict().items()})
    x = torch.randn(5, 2, I, dtype=torch.float64)
    state = None
    for t in range(5):
        state = cell(x[t], state)
    _, (h_n, c_n) = lstm(x)
    torch.testing.assert_close(h_n[0], state[0], rtol=0, atol=1e-12)
    torch.testing.assert_close(c_n[0], state[1], rtol=0, atol=1e-12)


def test_default_initialisation_is_uniform_in_plus_minus_one_over_sqrt_h():
    torch.manual_seed(0)
    lstm = nn.LSTM(I, 64)
    bound = 64**-0.5
    for p in lstm.parameters():
        assert p.abs().max() <= bound
        assert p.abs().max() > 0.9 * bound  # spread over the whole interval, not a smaller one


def test_lstm_with_projections_layout_is_the_one_lesson_04_teaches():
    P = 2
    lstm = nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P)
    shapes = {name: tuple(p.shape) for name, p in lstm.named_parameters() if name.endswith("l1_reverse")}
    assert shapes == {"weight_ih_l1_reverse": (4 * H, 2 * P), "weight_hh_l1_reverse": (4 * H, P),
                      "bias_ih_l1_reverse": (4 * H,), "bias_hh_l1_reverse": (4 * H,),
                      "weight_hr_l1_reverse": (P, H)}
    output, (h_n, c_n) = lstm(torch.randn(5, 2, I))
    assert (output.shape, h_n.shape, c_n.shape) == ((5, 2, 2 * P), (4, 2, P), (4, 2, H))
