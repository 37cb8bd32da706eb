"""lstm_course.fast against torch.nn.LSTM in float64: outputs, final states and every gradient.

The hand-written backward pass is checked twice: against finite differences (gradcheck) and
against the gradients autograd computes through torch.nn.LSTM.
"""

import itertools

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from lstm_course import layers
from lstm_course.fast import FastLSTM, LSTMLayerFunction

I, H, T, B = 3, 4, 5, 3
GRID = list(itertools.product([1, 2, 3], [False, True], [False, True], [False, True]))
TOL = {"rtol": 0, "atol": 1e-10}


def make_pair(**kwargs):
    theirs = nn.LSTM(I, H, **kwargs).double()
    ours = FastLSTM(I, H, **kwargs).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def run(model, x, hx, lengths=None):
    """Outputs, final states and the gradients of a loss that weighs every element differently."""
    x = x.clone().requires_grad_()
    hx = None if hx is None else tuple(s.clone().requires_grad_() for s in hx)
    model_input = x if lengths is None else pack_padded_sequence(x, lengths, enforce_sorted=False)
    output, (h_n, c_n) = model(model_input, hx)
    if isinstance(output, nn.utils.rnn.PackedSequence):
        output = pad_packed_sequence(output)[0]
    results = (output, h_n, c_n)
    weights = torch.linspace(-1, 1, sum(r.numel() for r in results), dtype=torch.float64)
    loss = torch.dot(torch.cat([r.reshape(-1) for r in results]), weights)
    inputs = [x, *(hx or ()), *model.parameters()]
    return results, torch.autograd.grad(loss, inputs)


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,with_state", GRID)
def test_matches_torch_outputs_states_and_gradients(num_layers, bidirectional, batch_first, with_state):
    generator = torch.Generator().manual_seed(0)
    ours, theirs = make_pair(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    x = torch.randn((B, T, I) if batch_first else (T, B, I), dtype=torch.float64, generator=generator)
    LD = num_layers * (2 if bidirectional else 1)
    hx = tuple(torch.randn(LD, B, H, dtype=torch.float64, generator=generator) for _ in "hc") if with_state else None

    ours_results, ours_grads = run(ours, x, hx)
    theirs_results, theirs_grads = run(theirs, x, hx)

    for name, a, b in zip(["output", "h_n", "c_n"], ours_results, theirs_results):
        torch.testing.assert_close(a, b, **TOL, msg=lambda m, name=name: f"{name}: {m}")
    names = ["input", *(["h_0", "c_0"] if with_state else []), *(n for n, _ in theirs.named_parameters())]
    assert len(names) == len(ours_grads) == len(theirs_grads)
    for name, a, b in zip(names, ours_grads, theirs_grads):
        torch.testing.assert_close(a, b, **TOL, msg=lambda m, name=name: f"gradient of {name}: {m}")


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_hand_written_backward_passes_gradcheck(reverse, bias):
    generator = torch.Generator().manual_seed(1)

    def rand(*shape):
        return torch.randn(shape, dtype=torch.float64, generator=generator).requires_grad_()

    args = [rand(T, B, I), rand(B, H), rand(B, H), rand(4 * H, I), rand(4 * H, H)]
    args += [rand(4 * H), rand(4 * H)] if bias else [None, None]
    assert torch.autograd.gradcheck(lambda *a: LSTMLayerFunction.apply(*a, reverse), args)


def test_tensor_input_runs_the_hand_written_backward_not_autograd_per_step():
    output, (h_n, _) = FastLSTM(I, H)(torch.randn(T, B, I))
    assert type(output.grad_fn).__name__ == "LSTMLayerFunctionBackward"


def test_bias_false_and_unbatched_input_match_torch():
    ours, theirs = make_pair(num_layers=2, bias=False, bidirectional=True)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = torch.randn(T, I, dtype=torch.float64)  # a single sequence (T, I)
    hx = tuple(torch.randn(4, H, dtype=torch.float64) for _ in "hc")  # (L*D, H)
    ours_results, ours_grads = run(ours, x, hx)
    theirs_results, theirs_grads = run(theirs, x, hx)
    assert ours_results[0].shape == (T, 2 * H) and ours_results[1].shape == (4, H)
    for a, b in zip(ours_results + ours_grads, theirs_results + theirs_grads):
        torch.testing.assert_close(a, b, **TOL)


def test_packed_sequence_matches_torch():
    ours, theirs = make_pair(num_layers=2, bidirectional=True)
    x = torch.randn(T, B, I, dtype=torch.float64)
    hx = tuple(torch.randn(4, B, H, dtype=torch.float64) for _ in "hc")
    lengths = torch.tensor([3, 5, 2])  # unsorted on purpose
    ours_results, ours_grads = run(ours, x, hx, lengths)
    theirs_results, theirs_grads = run(theirs, x, hx, lengths)
    for a, b in zip(ours_results + ours_grads, theirs_results + theirs_grads):
        torch.testing.assert_close(a, b, **TOL)


def test_state_dicts_load_both_ways_with_torch():
    theirs = nn.LSTM(I, H, num_layers=2, bidirectional=True)
    ours = FastLSTM(I, H, num_layers=2, bidirectional=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict())


def test_dropout_between_layers_matches_the_readable_lstm_under_the_same_seed():
    ours = FastLSTM(I, H, num_layers=3, dropout=0.5).double()
    readable = layers.LSTM(I, H, num_layers=3, dropout=0.5).double()
    readable.load_state_dict(ours.state_dict())
    x = torch.randn(T, B, I, dtype=torch.float64)
    torch.manual_seed(3)
    ours_output, _ = ours(x)
    torch.manual_seed(3)
    readable_output, _ = readable(x)
    torch.testing.assert_close(ours_output, readable_output, **TOL)
    ours.eval()
    torch.testing.assert_close(ours(x)[0], ours(x)[0], rtol=0, atol=0)  # no dropout in eval mode


def test_float32_matches_torch_closely():
    theirs = nn.LSTM(8, 16, num_layers=2)
    ours = FastLSTM(8, 16, num_layers=2)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(50, 4, 8)
    torch.testing.assert_close(ours(x)[0], theirs(x)[0], rtol=1e-4, atol=1e-5)


def test_bad_input_gets_the_layers_clear_errors():
    lstm = FastLSTM(I, H)
    with pytest.raises(ValueError, match=r"I=3 features"):
        lstm(torch.randn(T, B, I + 1))
    with pytest.raises(ValueError, match=r"\(L\*D, B, H\)"):
        lstm(torch.randn(T, B, I), (torch.zeros(1, B + 1, H), torch.zeros(1, B + 1, H)))
    with pytest.raises(TypeError, match="dtype"):
        lstm(torch.randn(T, B, I, dtype=torch.float64))


def test_single_time_step_matches_torch():
    ours, theirs = make_pair(num_layers=2, bidirectional=True)
    x = torch.randn(1, B, I, dtype=torch.float64)  # T = 1: the backward loop has one step and no neighbour
    ours_results, ours_grads = run(ours, x, None)
    theirs_results, theirs_grads = run(theirs, x, None)
    for a, b in zip(ours_results + ours_grads, theirs_results + theirs_grads):
        torch.testing.assert_close(a, b, **TOL)


@pytest.mark.parametrize("args,kwargs", [((I, H), {"proj_size": 2}), ((I, H, 1, True, False, 0.0, False, 2), {})])
def test_proj_size_is_refused_with_a_pointer_to_the_lstm_that_has_it(args, kwargs):
    with pytest.raises(ValueError, match=r"FastLSTM does not support proj_size > 0 \(got proj_size=2\).*layers.LSTM"):
        FastLSTM(*args, **kwargs)


def test_positional_arguments_follow_torch_order():
    ours = FastLSTM(I, H, 2, False, True, 0.0, True, 0, "cpu", torch.float64)
    theirs = nn.LSTM(I, H, 2, False, True, 0.0, True, 0, "cpu", torch.float64)
    assert repr(ours).replace("FastLSTM", "LSTM") == repr(theirs)
    assert [(n, p.shape, p.dtype) for n, p in ours.named_parameters()] == [
        (n, p.shape, p.dtype) for n, p in theirs.named_parameters()]
