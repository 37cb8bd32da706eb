"""Reproducibility and a small, explicit training loop."""

from __future__ import annotations

import random

import numpy as np
import torch


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch so a notebook gives the same numbers on every run.

    Returns a `torch.Generator` seeded the same way, for functions that take one explicitly.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
