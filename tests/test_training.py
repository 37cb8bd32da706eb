"""The small training loop: it learns, it is reproducible, it checks its arguments."""

import pytest
import torch
from torch import nn

from lstm_course.training import fit, set_seed


def line_batches(step):
    x = torch.linspace(-1, 1, 16).unsqueeze(1)  # (16, 1)
    return x, 3 * x - 1


def test_fit_returns_one_loss_per_step_and_learns_a_line():
    set_seed(0)
    model = nn.Linear(1, 1)
    history = fit(model, line_batches, nn.functional.mse_loss, steps=300, lr=5e-2, max_norm=None)
    assert len(history) == 300
    assert history[-1] < 1e-3 < history[0], (history[0], history[-1])
    assert not model.training


def test_same_seed_same_history():
    runs = []
    for _ in range(2):
        set_seed(1)
        runs.append(fit(nn.Linear(1, 1), line_batches, nn.functional.mse_loss, steps=5))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("kwargs,error,message", [
    ({"steps": 0}, ValueError, "steps must be at least 1, got 0"),
    ({"steps": 10.0}, TypeError, "steps must be an int, got float"),
    ({"steps": 1, "lr": -1.0}, ValueError, "lr must be >= 0, got -1.0"),
    ({"steps": 1, "max_norm": "1"}, TypeError, "max_norm must be a number >= 0, got str"),
])
def test_fit_rejects_bad_arguments_clearly(kwargs, error, message):
    with pytest.raises(error, match=message):
        fit(nn.Linear(1, 1), line_batches, nn.functional.mse_loss, **kwargs)
