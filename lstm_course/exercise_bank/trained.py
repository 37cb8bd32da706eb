"""Judging a trained model: rebuild it from plain weights in the grader's process, score it on fresh data.

A learner's model is never run where scores are computed. The collection step (in the learner's
kernel) returns only the model's `state_dict()`, turned into plain nested lists by `spec.to_plain`
(tensors only: no pickle, no objects, a size cap). `TrainedModel` then, in the grader's process:

1. checks the weights' names and shapes against the exercise's spec (`shapes(hyper)`), after
   reading the hyper-parameters off the weights (`hyper(shapes)`) within stated bounds;
2. builds a fresh model with `build(hyper)` and loads the weights into it (strict);
3. evaluates it on held-out data drawn from a generator seeded by the case's seed *and* the
   grader's key, a secret of the grading process that never enters the kernel, so no file on the
   learner's machine holds that data and no seed they can see reproduces it;
4. turns the metric into a fraction of the points: full at or past `full`, half at or past `half`.

Instant feedback in the learner's own notebook uses key 0, so a check prints the same numbers on
every run; the autograder draws a fresh key per grading run (see `grade.score`). Learner code that
loops forever, allocates without bound or searches the disk does so in its sandboxed kernel, never
here. Reuse: an exercise on a new data set gives its own `build`, `shapes`, `hyper`, `data` and
`metric`, and thresholds against the baseline its lesson prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .spec import BadAnswer, as_array

LEARNER_KEY = 0  # the key of instant feedback; the autograder uses a secret one


def evaluation_generator(seed: int, key: int) -> torch.Generator:
    """A generator for held-out data that depends on both the case's seed and the grader's key."""
    mixed = np.random.SeedSequence([int(seed) & (2**63 - 1), int(key) & (2**63 - 1)]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(mixed))


def lstm_hidden_size(shapes: dict[str, tuple], name: str, max_hidden: int) -> dict:
    """{"hidden_size": H} read off `lstm.weight_hh_l0` (4H, H) of a model called `name` (e.g. "an AddingModel");
    BadAnswer if that weight is missing or H is outside 1..max_hidden."""
    shape = shapes.get("lstm.weight_hh_l0", ())
    if len(shape) != 2:
        raise BadAnswer(f"expected {name}'s weights (lstm.weight_hh_l0 of shape (4H, H)), got {sorted(shapes)[:6]}")
    if not 1 <= shape[1] <= max_hidden:
        raise BadAnswer(f"hidden_size must be between 1 and {max_hidden}, got {shape[1]}")
    return {"hidden_size": shape[1]}


@dataclass(frozen=True)
class TrainedModel:
    """How to judge a trained model given as plain weights.

    Args:
        name: what the learner returns, for messages ("an AddingModel").
        hyper: `{weight name: shape}` -> hyper-parameters (e.g. {"hidden_size": 32}); BadAnswer if
            they are out of bounds.
        build: hyper-parameters -> a fresh model of the grader's own class, in float32.
        data: `torch.Generator` -> held-out data (anything `metric` takes).
        metric: `(model, data) -> float`, computed under `torch.no_grad()`.
        full, half: metric thresholds for full and half marks.
        higher_is_better: False for an error (MSE, MAE), True for an accuracy.
        unit: how to print the metric ("MSE", "accuracy").
        advice: said when the model earns nothing.
    """

    name: str
    hyper: Callable[[dict[str, tuple]], dict]
    build: Callable[..., nn.Module]
    data: Callable[[torch.Generator], object]
    metric: Callable[[nn.Module, object], float]
    full: float
    half: float
    higher_is_better: bool
    unit: str
    advice: str = ""

    def model(self, state) -> nn.Module:
        """The grader's own model with the learner's weights; BadAnswer if they do not fit it."""
        if not isinstance(state, dict) or not state:
            raise BadAnswer(f"expected the weights of {self.name} (its state_dict()), got {type(state).__name__}")
        weights = {name: as_array(value) for name, value in state.items()}
        hyper = self.hyper({name: tuple(w.shape) for name, w in weights.items()})
        model = self.build(**hyper)
        expected = {name: tuple(p.shape) for name, p in model.state_dict().items()}
        got = {name: tuple(w.shape) for name, w in weights.items()}
        if got != expected:
            missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
            wrong = sorted(n for n in set(got) & set(expected) if got[n] != expected[n])
            raise BadAnswer(f"the weights do not fit {self.name}: missing {missing[:4]}, unexpected "
                            f"{extra[:4]}, wrong shape {[(n, got[n], expected[n]) for n in wrong[:2]]}")
        if not all(np.all(np.isfinite(w)) for w in weights.values()):
            raise BadAnswer("the weights contain NaN or inf")
        model.load_state_dict({name: torch.from_numpy(w).to(torch.float32) for name, w in weights.items()})
        return model.eval()

    def score(self, state, seed: int, key: int = LEARNER_KEY) -> float:
        """The metric of the learner's weights on held-out data (BadAnswer if they do not fit)."""
        model = self.model(state)
        with torch.no_grad():
            value = float(self.metric(model, self.data(evaluation_generator(seed, key))))
        if math.isfinite(value):
            return value
        return -math.inf if self.higher_is_better else math.inf

    def __call__(self, value, case: dict, key: int = LEARNER_KEY) -> tuple[float, str]:
        """(fraction of the points, message) for the plain weights `value`."""
        try:
            metric = self.score(value, case["seed"], key)
        except BadAnswer as error:
            return 0.0, str(error)
        better = (lambda a, b: a >= b) if self.higher_is_better else (lambda a, b: a <= b)
        shown = f"{self.unit} {metric:.4f} on fresh data"
        if better(metric, self.full):
            return 1.0, f"{shown}, past the target {self.full}."
        if better(metric, self.half):
            return 0.5, f"{shown}: past {self.half} (half marks), short of the target {self.full}."
        return 0.0, f"{shown}, short of {self.half}. {self.advice}".strip()
