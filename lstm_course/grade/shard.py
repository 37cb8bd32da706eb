"""Split a class over machines: `--shard K/N` grades a fixed part of the submissions.

The part depends only on the list of submissions and on K and N: the paths are sorted and every
N-th one, starting with the K-th, belongs to shard K (K = 1 ... N). Any scheduler can run the N
parts, each with the same `--seed`, and `python -m lstm_course.grade.merge` joins their outputs
into exactly what one run over the whole folder writes.
"""

from __future__ import annotations

import re
from pathlib import Path

PATTERN = re.compile(r"(\d+)/(\d+)")


def parse(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 1 <= K <= N; ValueError saying what was expected otherwise."""
    match = PATTERN.fullmatch(text.strip())
    if not match:
        raise ValueError(f"--shard must look like K/N (e.g. 2/8), got {text!r}")
    k, n = int(match.group(1)), int(match.group(2))
    if not 1 <= k <= n:
        raise ValueError(f"--shard K/N needs 1 <= K <= N, got {k}/{n}")
    return k, n


def part(paths: list[Path], k: int, n: int) -> list[Path]:
    """The submissions of shard k of n: every n-th of the sorted paths, starting with the k-th."""
    return sorted(paths, key=str)[k - 1::n]
