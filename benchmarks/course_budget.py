"""The course's own speed budget: execute every lesson and solution notebook fresh and time each one.

    python -m benchmarks.course_budget                           # notebooks/ and solutions/
    python -m benchmarks.course_budget notebooks/11_*.ipynb      # just some

Targets: every notebook within 30 s, the whole course within 180 s, on ONE core
(`taskset -c 0 python -m benchmarks.course_budget`; the first line says how many cores it had). The exit
status is 1 when a notebook fails or a target is missed.

The committed notebooks are never touched. The repository is mirrored into a temporary folder
(the notebook folders copied, everything else linked), and each copy is executed there with
`tools.run_notebooks.execute`: the same kernel settings (threads, hash seed, backend) that
produce the committed outputs, and the same check that no output contains a machine path.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tools import run_notebooks

ROOT = Path(__file__).resolve().parent.parent

PER_NOTEBOOK_S = 30.0
COURSE_S = 180.0
NOTEBOOK_FOLDERS = ("notebooks", "solutions")


def mirror(root: Path, into: Path) -> None:
    """Copy the notebook folders of `root` into `into` and link everything else, so relative paths still work."""
    for entry in root.iterdir():
        if entry.name in (".git", ".venv"):
            continue
        if entry.name in NOTEBOOK_FOLDERS:
            shutil.copytree(entry, into / entry.name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            (into / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())


def run_copy(path: Path, copy_root: Path, timeout: int) -> tuple[float | None, str]:
    """Seconds the copy of `path` took to execute, or None and the reason it failed."""
    copy = copy_root / path.resolve().relative_to(ROOT)
    try:
        return run_notebooks.execute(copy, timeout), ""
    except run_notebooks.MachinePathError as leak:
        return None, str(leak).splitlines()[0]
    except Exception as error:  # a cell raised, or timed out
        return None, f"{type(error).__name__}: {str(error).strip().splitlines()[-1] if str(error).strip() else ''}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks to time (default: lessons and solutions)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell before a notebook fails")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(p for g in run_notebooks.DEFAULT_GLOBS for p in ROOT.glob(g))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()  # taskset counts
    print(f"{cores} CPU core{'s' if cores != 1 else ''} available, {run_notebooks.THREADS} threads per kernel; "
          f"targets: <= {PER_NOTEBOOK_S:.0f} s per notebook, <= {COURSE_S:.0f} s in total\n")
    total, problems = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="course-budget-") as tmp:
        mirror(ROOT, Path(tmp))
        for path in paths:
            seconds, error = run_copy(path, Path(tmp), args.timeout)
            name = path.resolve().relative_to(ROOT)
            if seconds is None:
                problems += 1
                print(f"{'failed':>8}  {name}  {error}", flush=True)
                continue
            total += seconds
            over = seconds > PER_NOTEBOOK_S
            problems += over
            print(f"{seconds:7.1f} s  {name}{'  OVER BUDGET' if over else ''}", flush=True)
    over_total = total > COURSE_S
    print(f"{total:7.1f} s  total for {len(paths)} notebooks{'  OVER BUDGET' if over_total else ''}")
    return 1 if problems or over_total else 0


if __name__ == "__main__":
    sys.exit(main())
