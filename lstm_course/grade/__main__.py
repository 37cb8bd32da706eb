"""The autograder: score a folder of exercise submissions, robustly and fairly.

    python -m lstm_course.grade SUBMISSION.ipynb [...] --out grades.csv [--jobs N] [--timeout SECONDS]
        [--shard K/N --seed S] [--no-sandbox]

Folders are searched for *.ipynb. Writes grades.csv (one row per submission, one column per exercise),
grades.json next to it (the reason for every lost point) and a feedback notebook per submission in
grades_feedback/ (or --feedback DIR). Submissions are only read, never written. Every kernel runs in
a sandbox (bubblewrap) that sees nothing but its own scratch folder and has no network; where none
can be had the grader refuses unless given --no-sandbox. `--shard K/N` grades part K of N
(`grade.shard`); `python -m lstm_course.grade.merge` joins the parts.

The threat model is in the package docstring: `help(lstm_course.grade)`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
from pathlib import Path

from . import isolation, shard
from .batch import Batch, Limits
from .report import rows, write_csv, write_reasons


def submissions(paths: list[Path]) -> list[Path]:
    """The files to grade: each file given, and every *.ipynb under each folder given (except
    Jupyter's checkpoints and the grader's own feedback notebooks)."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in p.parts and not p.name.endswith(".feedback.ipynb"))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_course.grade", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="submitted notebooks or folders of them")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write (a .json goes next to it)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    parser.add_argument("--timeout", type=float, default=600, help="wall-clock seconds per submission")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds per cell")
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory cap of each kernel")
    parser.add_argument("--seed", type=int, default=None, help="seed of the test inputs (default: random)")
    parser.add_argument("--feedback", type=Path, default=None, help="folder for feedback notebooks")
    parser.add_argument("--shard", default=None, metavar="K/N", help="grade only part K of N (needs --seed)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run kernels without the file-system and network sandbox (see the risk it prints)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.timeout <= 0 or args.cell_timeout <= 0 or args.memory_mb < 256:
        parser.error("--jobs must be >= 1, the timeouts > 0 and --memory-mb >= 256")
    paths = submissions(args.paths)
    if not paths:
        parser.error("no submissions found")
    if args.shard is not None:
        if args.seed is None:
            parser.error("--shard needs --seed, the same for every shard, so the parts can be merged")
        try:
            k, n = shard.parse(args.shard)
        except ValueError as error:
            parser.error(str(error))
        paths = shard.part(paths, k, n)
    out_paths = {args.out.resolve(), args.out.with_suffix(".json").resolve()}
    if out_paths & {p.resolve() for p in paths}:
        parser.error("--out would overwrite a submission")
    if args.no_sandbox:
        print(f"warning: grading with --no-sandbox: {isolation.NO_SANDBOX_RISK}.", file=sys.stderr)
    else:
        why = isolation.probe()
        if why:
            parser.error(f"no sandbox can be had here: {why}.\nGrading without one is possible with --no-sandbox, "
                         f"but {isolation.NO_SANDBOX_RISK}. Do that only in a throwaway container or machine.")
    seed = secrets.randbelow(2**31) if args.seed is None else args.seed
    feedback = args.feedback or args.out.with_name(args.out.stem + "_feedback")
    limits = Limits(args.timeout, args.cell_timeout, args.memory_mb)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # clean up as on Ctrl-C
    batch = Batch(limits, seed, feedback, sandbox=not args.no_sandbox)
    results = batch.grade_all(paths, args.jobs, progress=sys.stderr.isatty())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table = rows(results)
    write_csv(table, args.out)
    write_reasons(table, args.out.with_suffix(".json"), seed, args.shard and f"{k}/{n}")
    total = sum(r.score for r in results)
    mean = f"mean {total / len(results):.1f} points" if results else "none in this shard"
    print(f"graded {len(results)} submissions ({mean}) -> {args.out}, "
          f"{args.out.with_suffix('.json').name}, {feedback.name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
