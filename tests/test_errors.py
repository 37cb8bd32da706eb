"""Bad input gets a ValueError/TypeError that says what was expected and what came, in shape letters."""

import pytest
import torch
from torch.nn.utils.rnn import pack_sequence

from lstm_course import cells, layers

I, H = 3, 4


def lstm_cell():
    return cells.LSTMCell(I, H)


def stacked(**kwargs):
    return layers.LSTM(I, H, num_layers=2, bidirectional=True, **kwargs)  # L*D = 4


CELL_CASES = [
    # (description, call, error type, fragments the message must contain)
    ("list instead of a tensor", lambda c: c([1.0, 2.0, 3.0]), TypeError, ["torch.Tensor", "list"]),
    ("integer input", lambda c: c(torch.ones(2, I, dtype=torch.long)), TypeError, ["floating-point", "int64"]),
    ("float64 input, float32 cell", lambda c: c(torch.ones(2, I, dtype=torch.float64)), TypeError,
     ["float64", "float32"]),
    ("a whole sequence", lambda c: c(torch.ones(5, 2, I)), ValueError, ["(B, I)", "I=3", "(5, 2, 3)"]),
    ("wrong feature size", lambda c: c(torch.ones(2, 7)), ValueError, ["I=3", "(2, 7)"]),
    ("state not a tuple", lambda c: c(torch.ones(2, I), torch.zeros(2, H)), TypeError,
     ["hx must be a tuple (h, c)", "got Tensor of shape (2, 4)"]),
    ("state of three", lambda c: c(torch.ones(2, I), (torch.zeros(2, H),) * 3), ValueError, ["(h, c)", "length 3"]),
    ("wrong hidden size", lambda c: c(torch.ones(2, I), (torch.zeros(2, 5), torch.zeros(2, H))), ValueError,
     ["(B, H)", "(2, 4)", "(2, 5)"]),
    ("batch mismatch", lambda c: c(torch.ones(2, I), (torch.zeros(2, H), torch.zeros(3, H))), ValueError,
     ["c must have shape (B, H)", "(2, 4)", "(3, 4)"]),
    ("batched state for unbatched input", lambda c: c(torch.ones(I), (torch.zeros(1, H), torch.zeros(1, H))),
     ValueError, ["(H,)", "(1, 4)"]),
    ("integer state", lambda c: c(torch.ones(2, I), (torch.zeros(2, H, dtype=torch.long), torch.zeros(2, H))),
     TypeError, ["h must be a floating-point"]),
]


@pytest.mark.parametrize("cell_cls", [cells.RNNCell, cells.GRUCell])
def test_single_state_cells_reject_bad_state_clearly(cell_cls):
    with pytest.raises(ValueError, match=r"hx must have shape \(B, H\) = \(2, 4\), got \(2, 3\)"):
        cell_cls(I, H)(torch.ones(2, I), torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"I=3"):
        cell_cls(I, H)(torch.ones(2, 2))


LAYER_CASES = [
    ("list instead of a tensor", lambda m: m([[1.0]]), TypeError, ["torch.Tensor", "list"]),
    ("integer input", lambda m: m(torch.ones(5, 2, I, dtype=torch.int32)), TypeError, ["floating-point"]),
    ("one step only", lambda m: m(torch.ones(I)), ValueError, ["(T, B, I)", "(T, I)", "1-D", "(3,)"]),
    ("4-D input", lambda m: m(torch.ones(5, 2, 1, I)), ValueError, ["(T, B, I)", "4-D", "(5, 2, 1, 3)"]),
    ("wrong feature size", lambda m: m(torch.ones(5, 2, 8)), ValueError, ["I=3", "(5, 2, 8)"]),
    ("empty sequence", lambda m: m(torch.ones(0, 2, I)), ValueError, ["T >= 1", "(0, 2, 3)"]),
    ("state not a tuple", lambda m: m(torch.ones(5, 2, I), torch.zeros(4, 2, H)), TypeError,
     ["(h_0, c_0)", "got Tensor of shape (4, 2, 4)"]),
    ("state tuple of one", lambda m: m(torch.ones(5, 2, I), (torch.zeros(4, 2, H),)), ValueError,
     ["(h_0, c_0)", "length 1"]),
    ("state for one layer", lambda m: m(torch.ones(5, 2, I), (torch.zeros(2, 2, H), torch.zeros(2, 2, H))),
     ValueError, ["h_0 must have shape (L*D, B, H) = (4, 2, 4)", "got (2, 2, 4)"]),
    ("batch mismatch in c_0", lambda m: m(torch.ones(5, 2, I), (torch.zeros(4, 2, H), torch.zeros(4, 3, H))),
     ValueError, ["c_0 must have shape (L*D, B, H) = (4, 2, 4)", "got (4, 3, 4)"]),
    ("batched state for one sequence", lambda m: m(torch.ones(5, I), (torch.zeros(4, 1, H), torch.zeros(4, 1, H))),
     ValueError, ["(L*D, H)", "(4, 4)", "(4, 1, 4)"]),
    ("float64 state, float32 model",
     lambda m: m(torch.ones(5, 2, I), (torch.zeros(4, 2, H, dtype=torch.float64), torch.zeros(4, 2, H))),
     TypeError, ["h_0", "float64", "float32"]),
    ("packed input of the wrong size", lambda m: m(pack_sequence([torch.ones(3, 6), torch.ones(2, 6)])),
     ValueError, ["PackedSequence", "I=3", "(5, 6)"]),
]


INPUT_CASES = [(lstm_cell, *case) for case in CELL_CASES] + [(stacked, *case) for case in LAYER_CASES]


@pytest.mark.parametrize("make,description,call,error,fragments", INPUT_CASES,
                         ids=[f"{c[0].__name__}: {c[1]}" for c in INPUT_CASES])
def test_lstm_cell_and_layer_reject_bad_input_clearly(make, description, call, error, fragments):
    with pytest.raises(error) as info:
        call(make())
    assert type(info.value) is error
    for fragment in fragments:
        assert fragment in str(info.value), f"{fragment!r} not in {info.value}"


def test_batch_first_layout_is_named_in_the_message():
    with pytest.raises(ValueError, match=r"\(B, T, I\)"):
        stacked(batch_first=True)(torch.ones(2, 5, 9))


@pytest.mark.parametrize("module", [layers.RNN, layers.GRU])
def test_single_state_layers_reject_a_tuple_state(module):
    with pytest.raises(TypeError, match="h_0 must be a torch.Tensor, got tuple"):
        module(I, H)(torch.ones(5, 2, I), (torch.zeros(1, 2, H), torch.zeros(1, 2, H)))


CONSTRUCTOR_CASES = [
    (dict(input_size=0), ValueError, "input_size must be at least 1, got 0"),
    (dict(hidden_size=-2), ValueError, "hidden_size must be at least 1, got -2"),
    (dict(hidden_size=4.0), TypeError, "hidden_size must be an int, got float"),
    (dict(input_size=True), TypeError, "input_size must be an int, got bool"),
    (dict(num_layers=0), ValueError, "num_layers must be at least 1, got 0"),
    (dict(dropout=1.0), ValueError, r"dropout must be in \[0, 1\), got 1.0"),
    (dict(dropout=-0.1), ValueError, r"dropout must be in \[0, 1\), got -0.1"),
    (dict(dropout="0.5"), TypeError, "dropout must be a number"),
    (dict(bidirectional="yes"), TypeError, "bidirectional must be True or False"),
    (dict(batch_first=1), TypeError, "batch_first must be True or False"),
    (dict(bias=None), TypeError, "bias must be True or False"),
    (dict(dtype=torch.long), ValueError, "dtype must be a floating-point dtype such as torch.float32, got torch.int64"),
    (dict(dtype="float64"), TypeError, "dtype must be a torch.dtype such as torch.float64, or None, got str"),
]


@pytest.mark.parametrize("module", [layers.RNN, layers.LSTM, layers.GRU])
@pytest.mark.parametrize("kwargs,error,message", CONSTRUCTOR_CASES)
def test_layers_reject_bad_constructor_arguments(module, kwargs, error, message):
    arguments = {"input_size": I, "hidden_size": H, "num_layers": 2, **kwargs}
    with pytest.raises(error, match=message):
        module(**arguments)


@pytest.mark.parametrize("cell_cls", [cells.RNNCell, cells.LSTMCell, cells.GRUCell])
@pytest.mark.parametrize("kwargs,error,message", [c for c in CONSTRUCTOR_CASES if c[0].keys() & {
    "input_size", "hidden_size", "bias", "dtype"}])
def test_cells_reject_bad_constructor_arguments(cell_cls, kwargs, error, message):
    with pytest.raises(error, match=message):
        cell_cls(**{"input_size": I, "hidden_size": H, **kwargs})


@pytest.mark.parametrize("module", [cells.RNNCell, layers.RNN])
def test_rnn_rejects_unknown_nonlinearity(module):
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        module(I, H, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="nonlinearity must be 'tanh' or 'relu', got builtin_function_or_method"):
        module(I, H, nonlinearity=torch.tanh)


@pytest.mark.parametrize("proj_size,error,message", [
    (H, ValueError, r"proj_size must be smaller than hidden_size = 4 \(P < H\), got 4"),
    (-1, ValueError, "proj_size must be at least 0, got -1"),
    (1.0, TypeError, "proj_size must be an int, got float 1.0"),
    (True, TypeError, "proj_size must be an int, got bool True"),
])
def test_lstm_rejects_bad_proj_size(proj_size, error, message):
    with pytest.raises(error, match=message):
        layers.LSTM(I, H, proj_size=proj_size)


def test_projected_lstm_names_the_projection_size_in_state_errors():
    model = layers.LSTM(I, H, num_layers=2, proj_size=2)
    with pytest.raises(ValueError, match=r"h_0 must have shape \(L\*D, B, P\) = \(2, 2, 2\), got \(2, 2, 4\)"):
        model(torch.ones(5, 2, I), (torch.zeros(2, 2, H), torch.zeros(2, 2, H)))
    with pytest.raises(ValueError, match=r"c_0 must have shape \(L\*D, B, H\) = \(2, 2, 4\), got \(2, 2, 2\)"):
        model(torch.ones(5, 2, I), (torch.zeros(2, 2, 2), torch.zeros(2, 2, 2)))
