"""Join the outputs of `--shard K/N` runs into what one run over the whole class writes.

    python -m lstm_course.grade.merge grades_1.csv grades_2.csv ... --out grades.csv

Each shard wrote a CSV and a JSON next to it; the JSON holds every row in full, so the merge reads
the JSONs (given directly or found next to the CSVs), checks that they are the N parts of one
batch (the same seed, every K from 1 to N once, no submission twice) and writes grades.csv and
grades.json with the report's own writers. The result equals a single run's byte for byte when
the shards were given the same submissions paths; only the shards' `"shard"` field is dropped.
Feedback notebooks need no merging: each shard writes its own, one file per submission.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .report import write_csv, write_reasons
from .shard import parse


class NotShards(ValueError):
    """The files given are not the complete parts of one batch; the message says what is wrong."""


def merge(parts: list[dict]) -> tuple[int, list[dict]]:
    """(seed, rows) of the whole batch from the shards' JSON documents."""
    if not parts:
        raise NotShards("no shard outputs given")
    seeds = {p.get("seed") for p in parts}
    if len(seeds) != 1:
        raise NotShards(f"the shards were graded with different seeds {sorted(map(str, seeds))}; "
                        "give every shard the same --seed")
    shards = [parse(p["shard"]) if "shard" in p else (1, 1) for p in parts]
    total = {n for _, n in shards}
    if len(total) != 1 or sorted(k for k, _ in shards) != list(range(1, total.pop() + 1)):
        raise NotShards(f"expected shards 1/N ... N/N once each, got {sorted(f'{k}/{n}' for k, n in shards)}")
    rows = [row for p in parts for row in p["submissions"]]
    names = [row["submission"] for row in rows]
    if len(names) != len(set(names)):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise NotShards(f"submissions graded in more than one shard: {twice[:5]}")
    return seeds.pop(), sorted(rows, key=lambda r: r["submission"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_course.grade.merge", description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="+", type=Path, help="the shards' CSVs (or the JSONs next to them)")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write (a .json goes next to it)")
    args = parser.parse_args(argv)
    try:
        parts = [json.loads(p.with_suffix(".json").read_text(encoding="utf-8")) for p in args.parts]
        seed, rows = merge(parts)
    except (OSError, ValueError, KeyError, TypeError) as error:
        parser.error(f"cannot merge: {error}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.out)
    write_reasons(rows, args.out.with_suffix(".json"), seed)
    print(f"merged {len(args.parts)} shards, {len(rows)} submissions -> {args.out}, "
          f"{args.out.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
