"""lstm_course.layers against torch.nn in float64: outputs, final states and every gradient.

The grid is layers 1-3 x one/two directions x batch_first x with/without initial states x
padded/packed input, for RNN, GRU, LSTM and LSTM with projections (proj_size = P < H).
"""

import itertools

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstm_course import layers

I, H, P, T, B = 3, 4, 2, 5, 3
LENGTHS = torch.tensor([3, 5, 2])  # unsorted on purpose: enforce_sorted=False must round-trip
KINDS = {"RNN": (layers.RNN, nn.RNN), "GRU": (layers.GRU, nn.GRU), "LSTM": (layers.LSTM, nn.LSTM),
         "LSTM-proj": (layers.LSTM, nn.LSTM)}
EXTRA = {"LSTM-proj": {"proj_size": P}}  # constructor arguments of a kind beyond the grid's
GRID = list(itertools.product(KINDS, [1, 2, 3], [False, True], [False, True], [False, True], ["padded", "packed"]))
TOL = {"rtol": 0, "atol": 1e-10}
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")


def make_pair(kind, **kwargs):
    ours_cls, torch_cls = KINDS[kind]
    kwargs = {**EXTRA.get(kind, {}), **kwargs}
    theirs = torch_cls(I, H, **kwargs).double()
    ours = ours_cls(I, H, **kwargs).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def initial_state(kind, num_states_dim, generator):
    h_width = P if kind == "LSTM-proj" else H
    h0 = torch.randn((num_states_dim, B, h_width), dtype=torch.float64, generator=generator)
    if kind.startswith("LSTM"):
        return h0, torch.randn((num_states_dim, B, H), dtype=torch.float64, generator=generator)
    return h0


def requires_grad(hx):
    if hx is None:
        return None
    if isinstance(hx, tuple):
        return tuple(s.clone().requires_grad_() for s in hx)
    return hx.clone().requires_grad_()


def as_tensors(result):
    """Flatten `output, h_n` or `output, (h_n, c_n)` into plain tensors (unpacking packed output)."""
    output, state = result
    if isinstance(output, nn.utils.rnn.PackedSequence):
        output = pad_packed_sequence(output)[0]
    states = state if isinstance(state, tuple) else (state,)
    return (output, *states)


def run(model, x, hx, packed, batch_first):
    """Run `model`; return its flattened results and the gradient of a fixed loss w.r.t. the input."""
    x = x.clone().requires_grad_()
    model_input = x
    if packed:
        model_input = pack_padded_sequence(x, LENGTHS, batch_first=batch_first, enforce_sorted=False)
    results = as_tensors(model(model_input, hx))
    weights = torch.linspace(-1, 1, sum(r.numel() for r in results), dtype=torch.float64)
    loss = torch.dot(torch.cat([r.reshape(-1) for r in results]), weights)
    model.zero_grad()
    loss.backward()
    return results, x.grad


def compare_with_torch(kind, num_layers, bidirectional, batch_first, with_state, layout):
    """Every value and gradient of ours and torch.nn's on one grid point: {what: (ours, theirs)}."""
    generator = torch.Generator().manual_seed(0)
    ours, theirs = make_pair(kind, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    shape = (B, T, I) if batch_first else (T, B, I)
    x = torch.randn(shape, dtype=torch.float64, generator=generator)
    hx = initial_state(kind, num_layers * (2 if bidirectional else 1), generator) if with_state else None
    hx_ours, hx_theirs = requires_grad(hx), requires_grad(hx)

    ours_results, ours_x_grad = run(ours, x, hx_ours, layout == "packed", batch_first)
    theirs_results, theirs_x_grad = run(theirs, x, hx_theirs, layout == "packed", batch_first)

    pairs = {f"result {k}": pair for k, pair in enumerate(zip(ours_results, theirs_results, strict=True))}
    pairs["gradient of the input"] = (ours_x_grad, theirs_x_grad)
    if with_state:
        states = zip(*(s if isinstance(s, tuple) else (s,) for s in (hx_ours, hx_theirs)), strict=True)
        for k, (got, expected) in enumerate(states):
            pairs[f"gradient of initial state {k}"] = (got.grad, expected.grad)
    theirs_params = dict(theirs.named_parameters())
    assert list(theirs_params) == [name for name, _ in ours.named_parameters()]
    for name, param in ours.named_parameters():
        pairs[f"gradient of {name}"] = (param.grad, theirs_params[name].grad)
    return pairs


@pytest.mark.parametrize("kind,num_layers,bidirectional,batch_first,with_state,layout", GRID)
def test_matches_torch_outputs_states_and_gradients(kind, num_layers, bidirectional, batch_first, with_state, layout):
    pairs = compare_with_torch(kind, num_layers, bidirectional, batch_first, with_state, layout)
    for what, (got, expected) in pairs.items():
        torch.testing.assert_close(got, expected, **TOL, msg=lambda m, what=what: f"{what}: {m}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_unbatched_sequence_matches_torch(kind, bidirectional):
    ours, theirs = make_pair(kind, num_layers=2, bidirectional=bidirectional, batch_first=True)
    x = torch.randn(T, I, dtype=torch.float64)
    for got, expected in zip(as_tensors(ours(x)), as_tensors(theirs(x)), strict=True):
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, **TOL)


@pytest.mark.parametrize("kind", KINDS)
def test_state_dicts_load_both_ways_and_have_torch_keys(kind):
    ours_cls, torch_cls = KINDS[kind]
    kwargs = {"num_layers": 2, "bidirectional": True, **EXTRA.get(kind, {})}
    ours, theirs = ours_cls(I, H, **kwargs), torch_cls(I, H, **kwargs)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict())
    for name, param in ours.named_parameters():
        assert torch.equal(param, getattr(theirs, name))
    fresh = ours_cls(I, H, **kwargs)
    fresh.load_state_dict(theirs.state_dict())
    for name, param in fresh.named_parameters():
        assert torch.equal(param, getattr(theirs, name))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bias", [True, False])
def test_same_seed_gives_the_same_initial_weights_as_torch(kind, bias):
    ours_cls, torch_cls = KINDS[kind]
    kwargs = {"num_layers": 2, "bias": bias, "bidirectional": True, **EXTRA.get(kind, {})}
    torch.manual_seed(123)
    ours = ours_cls(I, H, **kwargs)
    torch.manual_seed(123)
    theirs = torch_cls(I, H, **kwargs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert torch.equal(p, q), name


@pytest.mark.parametrize("kind", KINDS)
def test_without_bias_matches_torch(kind):
    ours, theirs = make_pair(kind, num_layers=2, bias=False)
    x = torch.randn(T, B, I, dtype=torch.float64)
    assert not any("bias" in name for name, _ in ours.named_parameters())
    for got, expected in zip(as_tensors(ours(x)), as_tensors(theirs(x)), strict=True):
        torch.testing.assert_close(got, expected, **TOL)


def test_relu_rnn_matches_torch():
    ours, theirs = make_pair("RNN", num_layers=2, nonlinearity="relu")
    x = torch.randn(T, B, I, dtype=torch.float64)
    for got, expected in zip(as_tensors(ours(x)), as_tensors(theirs(x)), strict=True):
        torch.testing.assert_close(got, expected, **TOL)


def test_dropout_acts_between_layers_in_training_only():
    ours, theirs = make_pair("LSTM", num_layers=2, dropout=0.5)
    x = torch.randn(T, B, I, dtype=torch.float64)
    ours.eval()
    theirs.eval()
    for got, expected in zip(as_tensors(ours(x)), as_tensors(theirs(x)), strict=True):
        torch.testing.assert_close(got, expected, **TOL)
    ours.train()
    torch.manual_seed(0)
    dropped = ours(x)[0]
    assert not torch.allclose(dropped, theirs(x)[0]), "dropout=0.5 in training mode changed nothing"
    # The first layer reads the input before any dropout, so its final state must not change.
    single = make_pair("LSTM", num_layers=1)[0]
    single.load_state_dict({k: v for k, v in ours.state_dict().items() if k.endswith("l0")})
    torch.testing.assert_close(ours(x)[1][0][0], single(x)[1][0][0], **TOL)


def test_single_layer_dropout_warns_and_changes_nothing():
    with pytest.warns(UserWarning, match="num_layers") as caught:
        ours, theirs = make_pair("GRU", num_layers=1, dropout=0.3)
    assert any("lstm_course" not in str(w.filename) and "does nothing" in str(w.message) for w in caught)
    ours.train()
    x = torch.randn(T, B, I, dtype=torch.float64)
    torch.testing.assert_close(ours(x)[0], theirs(x)[0], **TOL)


def test_packed_output_keeps_the_input_packing():
    ours, theirs = make_pair("LSTM", bidirectional=True)
    x = torch.randn(T, B, I, dtype=torch.float64)
    packed = pack_padded_sequence(x, LENGTHS, enforce_sorted=False)
    ours_out, theirs_out = ours(packed)[0], theirs(packed)[0]
    assert torch.equal(ours_out.batch_sizes, theirs_out.batch_sizes)
    assert torch.equal(ours_out.sorted_indices, theirs_out.sorted_indices)
    torch.testing.assert_close(ours_out.data, theirs_out.data, **TOL)


def test_bidirectional_backward_final_state_is_output_at_time_zero():
    model = layers.LSTM(I, H, bidirectional=True).double()
    output, (h_n, _) = model(torch.randn(T, B, I, dtype=torch.float64))
    torch.testing.assert_close(h_n[0], output[-1, :, :H], **TOL)
    torch.testing.assert_close(h_n[1], output[0, :, H:], **TOL)


def test_float32_module_matches_torch_closely():
    torch.manual_seed(0)
    theirs = nn.LSTM(I, H, num_layers=2, bidirectional=True)
    ours = layers.LSTM(I, H, num_layers=2, bidirectional=True)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(T, B, I)
    for got, expected in zip(as_tensors(ours(x)), as_tensors(theirs(x)), strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


def test_repr_reads_like_torch():
    assert repr(layers.LSTM(3, 5, num_layers=2, bidirectional=True)) == repr(
        nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    )


def test_repr_with_projections_reads_like_torch():
    kwargs = {"num_layers": 2, "proj_size": P, "batch_first": True, "dropout": 0.25}
    assert repr(layers.LSTM(I, H, **kwargs)) == repr(nn.LSTM(I, H, **kwargs))


def test_the_porting_example_of_a_projected_bidirectional_lstm_gives_torch_shapes():
    ours = layers.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True, proj_size=2)
    theirs = nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True, proj_size=2)
    x = torch.randn(4, 7, 3)
    got, expected = ours(x), theirs(x)
    assert got[0].shape == expected[0].shape == (4, 7, 2 * 2)  # (B, T, D·P)
    assert got[1][0].shape == expected[1][0].shape == (2 * 2, 4, 2)  # h_n (L·D, B, P)
    assert got[1][1].shape == expected[1][1].shape == (2 * 2, 4, 5)  # c_n (L·D, B, H)


# torch.nn's positional order. nn.RNN and nn.GRU pass a positional device on as proj_size, so
# there device and dtype go by keyword, as their documentation's examples do.
POSITIONAL = {
    "RNN": ((I, H, 2, "relu", False, True, 0.25, True), {"device": "cpu", "dtype": torch.float64}),
    "GRU": ((I, H, 2, False, True, 0.25, True), {"device": "cpu", "dtype": torch.float64}),
    "LSTM": ((I, H, 2, False, True, 0.25, True, P, "cpu", torch.float64), {}),
}


@pytest.mark.parametrize("kind", POSITIONAL)
def test_positional_arguments_land_where_torch_puts_them(kind):
    ours_cls, torch_cls = KINDS[kind]
    args, kwargs = POSITIONAL[kind]
    ours, theirs = ours_cls(*args, **kwargs), torch_cls(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [(n, p.shape, p.dtype, p.device) for n, p in ours.named_parameters()] == [
        (n, p.shape, p.dtype, p.device) for n, p in theirs.named_parameters()
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_all_weights_groups_parameters_by_layer_and_direction_like_torch(kind):
    ours, theirs = make_pair(kind, num_layers=2, bidirectional=True)
    shapes = [[tuple(w.shape) for w in group] for group in theirs.all_weights]
    assert [[tuple(w.shape) for w in group] for group in ours.all_weights] == shapes
    assert all(w is getattr(ours, n) for group, names in zip(ours.all_weights, ours._all_weights) for w, n in
               zip(group, names, strict=True))


@pytest.mark.parametrize("kind", KINDS)
def test_flatten_parameters_in_forward_runs_and_changes_nothing(kind):
    class Model(nn.Module):  # the common idiom in code written for torch.nn
        def __init__(self, rnn):
            super().__init__()
            self.rnn = rnn

        def forward(self, x):
            self.rnn.flatten_parameters()
            return self.rnn(x)

    ours, theirs = make_pair(kind, num_layers=2)
    x = torch.randn(T, B, I, dtype=torch.float64)
    before = as_tensors(ours(x))
    for got, expected, unchanged in zip(as_tensors(Model(ours)(x)), as_tensors(theirs(x)), before, strict=True):
        torch.testing.assert_close(got, expected, **TOL)
        assert torch.equal(got, unchanged)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_projected_lstm_unbatched_input_matches_torch(bidirectional):
    ours, theirs = make_pair("LSTM-proj", num_layers=2, bidirectional=bidirectional)
    x = torch.randn(T, I, dtype=torch.float64)
    D = 2 if bidirectional else 1
    hx = (torch.randn(2 * D, P, dtype=torch.float64), torch.randn(2 * D, H, dtype=torch.float64))
    for got, expected in zip(as_tensors(ours(x, hx)), as_tensors(theirs(x, hx)), strict=True):
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, **TOL)


def test_projected_layer_weights_have_torch_shapes():
    model = layers.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P)
    assert model.weight_hh_l0.shape == (4 * H, P)
    assert model.weight_hr_l1_reverse.shape == (P, H)
    assert model.weight_ih_l1.shape == (4 * H, 2 * P)  # the next layer reads D·P features
