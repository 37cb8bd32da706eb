"""Exercises for lesson 06 (long-range memory): initialise the forget bias, train on the adding problem.

The trained model is judged, not compared (`trained.TrainedModel`): the grader loads the returned
weights into its own `AddingModel` and measures the error on fresh sequences drawn from its own
secret key, so a reported loss counts for nothing and a model that memorised its training data, or
found the test data, gains nothing.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..gradients import set_forget_bias
from ..tasks import adding_problem
from .cases import randn
from .spec import Exercise, Wrong, tensor, to_plain
from .trained import TrainedModel, lstm_hidden_size

NOTEBOOK = "06_long_range_memory"
SEQ_LEN = 20  # T of the adding problem in this exercise
STEPS = 600  # the step budget
TARGET_MSE = 0.01  # full marks at or below this; predicting the constant 1 gives 1/6
HALF_MSE = 0.05  # half marks at or below this
MAX_HIDDEN = 256


class AddingModel(nn.Module):
    """An LSTM reading (value, marker) pairs and a linear head on its last hidden state."""

    def __init__(self, hidden_size: int = 32):
        super().__init__()
        self.lstm = nn.LSTM(2, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        output, _ = self.lstm(x)  # (B, T, H)
        return self.head(output[:, -1]).squeeze(-1)  # (B,)


# 1. Forget-gate bias: b_ih + b_hh = value in the forget block of every layer and direction.

def init_forget_bias(lstm, value):
    """Reference: set the forget block (rows H:2H) of bias_ih to value and of bias_hh to 0, everywhere."""
    set_forget_bias(lstm, value)


def _bias_names(config):
    _, _, L, bidirectional = config
    return [f"l{k}{suffix}" for k in range(L) for suffix in ("", "_reverse")[: 2 if bidirectional else 1]]


def _bias_case(rng, config, value, about):
    I, H, L, bidirectional = config
    weights = {}
    for name in _bias_names(config):
        layer_input = I if name.startswith("l0") else H * (2 if bidirectional else 1)
        weights[f"weight_ih_{name}"] = randn(rng, 4 * H, layer_input)
        weights[f"weight_hh_{name}"] = randn(rng, 4 * H, H)
        weights[f"bias_ih_{name}"] = randn(rng, 4 * H)
        weights[f"bias_hh_{name}"] = randn(rng, 4 * H)
    return {"about": about, "config": list(config), "value": value, "weights": weights}


def _bias_cases(rng):
    return [_bias_case(rng, (2, 3, 1, False), 1.0, "one layer, value 1"),
            _bias_case(rng, (3, 2, 2, True), 2.0, "two bidirectional layers, value 2"),
            _bias_case(rng, (1, 1, 3, False), -0.5, "three layers, H=1, value -0.5")]


def _call_bias(answer, case):
    """The biases' sums, b_ih + b_hh, for every layer and direction after the learner's initialisation."""
    I, H, L, bidirectional = case["config"]
    lstm = nn.LSTM(I, H, L, bidirectional=bidirectional).double()
    lstm.load_state_dict({k: tensor(v) for k, v in case["weights"].items()})
    answer(lstm, case["value"])
    sums = []
    for name in _bias_names(case["config"]):
        b_ih, b_hh = (np.asarray(to_plain(getattr(lstm, f"bias_{kind}_{name}"))) for kind in ("ih", "hh"))
        sums.append(b_ih + b_hh)
    return np.stack(sums)  # (L*D, 4H)


def _only_ih(lstm, value):
    H = lstm.hidden_size
    with torch.no_grad():
        for name, parameter in lstm.named_parameters():
            if name.startswith("bias_ih"):
                parameter[H:2 * H] = value


def _first_layer(lstm, value):
    H = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[H:2 * H] = value
        lstm.bias_hh_l0[H:2 * H] = 0.0


def _input_block(lstm, value):
    H = lstm.hidden_size
    with torch.no_grad():
        for name, parameter in lstm.named_parameters():
            if name.startswith("bias_ih"):
                parameter[:H] = value
            elif name.startswith("bias_hh"):
                parameter[:H] = 0.0


def _bias_oracle(case):
    """What the definition asks, read off the case's own weights: every b_ih + b_hh as it was, except the
    forget block (rows H:2H, in torch.nn.LSTM's order i|f|g|o) set to the value."""
    _, H, _, _ = case["config"]
    sums = []
    for name in _bias_names(case["config"]):
        total = np.add(case["weights"][f"bias_ih_{name}"], case["weights"][f"bias_hh_{name}"])  # (4H,)
        total[H:2 * H] = case["value"]
        sums.append(total)
    return np.stack(sums)  # (L*D, 4H)


FORGET_BIAS = Exercise(
    id="init_forget_bias", notebook=NOTEBOOK, name="init_forget_bias", points=30, oracle=_bias_oracle,
    cases=_bias_cases, call=_call_bias, reference=init_forget_bias,
    wrong=(
        Wrong(_only_ih, "bias_hh is added to bias_ih: set its forget block to 0 so that the sum equals value"),
        Wrong(_first_layer, "every layer and direction has its own biases (bias_ih_l1, bias_ih_l0_reverse, ...)"),
        Wrong(_input_block, "the forget gate is the second block, rows H:2H (PyTorch's order is i|f|g|o)"),
    ),
)


# 2. Train on the adding problem within the step budget.

def train_adding(steps, seed):
    """Reference: Adam on fresh batches, forget bias 1, clipping; returns the trained AddingModel."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = AddingModel(32)
    init_forget_bias(model.lstm, 1.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        x, y = adding_problem(64, SEQ_LEN, generator)  # (B, T, 2), (B,)
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    return model


def _call_train(answer, case):
    model = answer(case["steps"], case["seed"])
    if not isinstance(model, nn.Module):
        raise TypeError(f"train_adding must return the trained AddingModel, got {type(model).__name__}")
    return model.state_dict()


def _hyper(shapes: dict[str, tuple]) -> dict:
    return lstm_hidden_size(shapes, "an AddingModel", MAX_HIDDEN)


def _mse(model, data) -> float:
    x, y = data
    return float(((model(x) - y) ** 2).mean())


JUDGE = TrainedModel(
    name="an AddingModel", hyper=_hyper, build=AddingModel, metric=_mse, unit="MSE",
    data=lambda generator: adding_problem(2000, SEQ_LEN, generator),  # (B, T, 2), (B,)
    full=TARGET_MSE, half=HALF_MSE, higher_is_better=False,
    advice="Predicting 1 gives 0.167: did you initialise the forget bias, clip gradients and train for the "
           "whole budget?",
)


TRAIN_ADDING = Exercise(
    id="train_adding", notebook=NOTEBOOK, name="train_adding", points=70,
    cases=lambda rng: [{"about": f"{STEPS} steps, T={SEQ_LEN}", "steps": STEPS, "seed": int(rng.integers(2**20))}],
    call=_call_train, reference=train_adding, grade=JUDGE,
)

EXERCISES = (FORGET_BIAS, TRAIN_ADDING)
