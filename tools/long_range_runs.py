"""Lesson 06's models trained with larger budgets than the lesson can afford, cached for the lesson to read.

    python -m tools.long_range_runs            # writes notebooks/data/06_long_runs.json (a few minutes, one core)

Lesson 06 trains each model for 300 steps to stay under 30 seconds; its text says what longer training
gives, and this script is where those numbers come from. It repeats the lesson's two models
(`Regressor` for the adding problem, `PetClassifier` for recall at a distance) with the same sizes,
data, seeds, optimiser and test sets, and varies only the number of steps (and the seed). One run is
the lesson's own 300-step LSTM at T = 40, so the lesson can check that the cache was made with its setup.

Output: JSON with the torch version, the number of threads, the seconds taken, and per run its settings
and results (the adding problem: test MSE every 100 steps; recall: test accuracy at the end).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from torch import nn

from lstm_course.gradients import set_forget_bias
from lstm_course.tasks import RECALL_PETS, RECALL_VOCAB, adding_problem, recall_task
from lstm_course.training import accuracy, fit, set_seed

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "notebooks" / "data" / "06_long_runs.json"
SIZES = {"RNN": 64, "LSTM": 32, "GRU": 37}  # lesson 06: about the same number of recurrent parameters
EVERY = 100  # steps between two test measurements on the adding problem

# (model, T, seed, steps, forget bias): the adding problem
ADDING_RUNS = [
    ("LSTM", 40, 0, 300, None),  # the lesson's own run: the cache must reproduce it
    ("LSTM", 40, 0, 1000, None), ("LSTM", 40, 1, 1000, None),
    ("LSTM", 50, 0, 2000, None), ("LSTM", 100, 0, 4000, None),
    ("RNN", 10, 0, 1000, None), ("RNN", 20, 0, 1000, None), ("RNN", 30, 0, 1000, None),
]
# (forget bias, gap, seed, steps): recall at a distance with the LSTM
RECALL_RUNS = [(0.0, 20, 0, 1000), (0.0, 20, 1, 1000), (1.0, 20, 0, 1000), (1.0, 20, 1, 1000),
               (2.0, 40, 0, 1000), (2.0, 40, 1, 1000)]


class Regressor(nn.Module):
    """Lesson 06's adding-problem model: an RNN, LSTM or GRU read by a linear layer at the last step."""

    def __init__(self, kind: str, hidden_size: int):
        super().__init__()
        self.rnn = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[kind](2, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):  # (B, T, 2)
        output, _ = self.rnn(x)  # (B, T, H)
        return self.head(output[:, -1]).squeeze(-1)  # (B,)


class PetClassifier(nn.Module):
    """Lesson 06's recall model: embedding, RNN or LSTM, linear layer at the last step."""

    def __init__(self, kind: str, hidden_size: int, forget_bias: float | None = None):
        super().__init__()
        self.embed = nn.Embedding(len(RECALL_VOCAB), 16)
        self.rnn = {"RNN": nn.RNN, "LSTM": nn.LSTM}[kind](16, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, len(RECALL_PETS))
        if forget_bias is not None:
            set_forget_bias(self.rnn, forget_bias)

    def forward(self, tokens):  # (B, T) word ids
        output, _ = self.rnn(self.embed(tokens))  # (B, T, H)
        return self.head(output[:, -1])  # (B, 6)


def adding_run(kind: str, T: int, seed: int, steps: int, forget_bias: float | None) -> dict:
    """Train as lesson 06's `train_adding` does, measuring the test MSE every `EVERY` steps."""
    generator = set_seed(seed)
    model = Regressor(kind, SIZES[kind])
    if forget_bias is not None:
        set_forget_bias(model.rnn, forget_bias)
    x_test, y_test = adding_problem(1000, T, torch.Generator().manual_seed(1234))
    curve = {}

    def test_mse():
        with torch.no_grad():
            return nn.functional.mse_loss(model(x_test), y_test).item()

    def make_batch(step):
        if step % EVERY == 0 and step > 0:
            curve[step] = test_mse()  # after `step` updates; the data stream is not touched
        return adding_problem(64, T, generator)

    fit(model, make_batch, nn.functional.mse_loss, steps, lr=1e-2)
    curve[steps] = test_mse()
    return {"model": kind, "T": T, "seed": seed, "steps": steps, "forget_bias": forget_bias,
            "test_mse": curve[steps], "test_mse_by_step": curve}


def recall_run(forget_bias: float, gap: int, seed: int, steps: int) -> dict:
    """Train as lesson 06's `train_recall` does (LSTM, H = 32) and measure accuracy on 1,000 sentences."""
    generator = set_seed(seed)
    model = PetClassifier("LSTM", 32, forget_bias)
    fit(model, lambda step: recall_task(64, gap, generator), nn.functional.cross_entropy, steps, lr=1e-2)
    test = recall_task(1000, gap, torch.Generator().manual_seed(99))
    with torch.no_grad():
        acc = accuracy(model(test.tokens), test.target)
    return {"model": "LSTM", "gap": gap, "seed": seed, "steps": steps, "forget_bias": forget_bias, "accuracy": acc}


def main() -> None:
    torch.set_num_threads(1)  # as in the lesson, so its own run is reproduced
    start = time.process_time()
    adding = []
    for run in ADDING_RUNS:
        adding.append(adding_run(*run))
        print(f"adding {run}: test MSE {adding[-1]['test_mse']:.4f}", flush=True)
    recall = []
    for run in RECALL_RUNS:
        recall.append(recall_run(*run))
        print(f"recall {run}: accuracy {recall[-1]['accuracy']:.3f}", flush=True)
    result = {"made_by": "python -m tools.long_range_runs", "torch": torch.__version__, "threads": 1,
              "cpu_seconds": round(time.process_time() - start), "adding": adding, "recall": recall}
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({result['cpu_seconds']} CPU seconds)")


if __name__ == "__main__":
    main()
