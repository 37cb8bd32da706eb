"""Reproducibility and a small, explicit training loop.

The loop is deliberately plain (Adam, gradient clipping, a loss history) so a learner can read
every line; the lessons show the same steps written out by hand before they call it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .validation import check_number, check_positive_int


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch so a notebook gives the same numbers on every run.

    Returns a `torch.Generator` seeded the same way, for functions that take one explicitly.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def fit(
    model: nn.Module,
    make_batch: Callable[[int], tuple],
    loss_fn: Callable[..., torch.Tensor],
    steps: int,
    lr: float = 3e-3,
    max_norm: float | None = 1.0,
) -> list[float]:
    """Train `model` for `steps` Adam steps and return the loss after each one.

    Args:
        model: any module; `model(inputs)` must give what `loss_fn` expects.
        make_batch: `step -> (inputs, targets)`, called once per step (generate fresh data here).
        loss_fn: `(model(inputs), targets) -> scalar loss`.
        steps: number of optimisation steps.
        lr: Adam's learning rate.
        max_norm: clip the global gradient norm to this (None: no clipping). Clipping is the
            standard cure for exploding gradients (Pascanu et al., 2013).

    Returns:
        The loss history, one float per step.
    """
    steps = check_positive_int("steps", steps)
    lr = check_number("lr", lr, low=0)
    if max_norm is not None:
        max_norm = check_number("max_norm", max_norm, low=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    model.train()
    for step in range(steps):
        inputs, targets = make_batch(step)
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        if max_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        history.append(loss.item())
    model.eval()
    return history


@torch.no_grad()
def accuracy(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor | None = None) -> float:
    """Fraction of positions where argmax(logits, -1) equals `targets`, counting only `mask` if given."""
    correct = logits.argmax(-1) == targets
    if mask is not None:
        correct = correct[mask]
    return correct.float().mean().item()
