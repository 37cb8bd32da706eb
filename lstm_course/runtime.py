"""How the course runs its tiny models: on one CPU thread, and built under a seed of their own.

Widgets and the models they show are a few thousand parameters. For tensors this small, waking a
thread pool costs more than the work, and on a busy laptop the pool's threads can wait on each other
for far longer than the work takes; and a model built for a widget must not move the random numbers
a learner's notebook draws next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TypeVar

import torch

Built = TypeVar("Built")


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the body with `torch.set_num_threads(1)`, restoring the previous thread count afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def seeded(seed: int, make: Callable[[], Built]) -> Built:
    """Call `make()` (a model constructor) under `torch.manual_seed(seed)` without touching the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()
