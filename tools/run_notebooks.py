"""Execute course notebooks in place, reproducibly, so committed outputs come from a command.

    python -m tools.run_notebooks                      # every lesson and solution notebook
    python -m tools.run_notebooks notebooks/02_*.ipynb # just some

Each notebook runs top to bottom in a fresh kernel started in its own folder, with a fixed thread
count and hash seed (the notebooks seed their own random generators). Afterwards the outputs are
scanned for absolute paths of this machine, which must never be committed, and the seconds each
notebook took are printed. A notebook whose outputs hold such a path is written (so the cell can be
found) and reported with `MachinePathError`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOBS = ("notebooks/*.ipynb", "solutions/*.ipynb")
THREADS = "2"
# An absolute path such as /home/ann/x or /tmp/abc/ in an output gives away the machine it ran on.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:home|root|tmp|work|Users|private|var/folders)/[\w.-]+/")


class MachinePathError(RuntimeError):
    """A notebook's outputs contain an absolute path of the machine that ran it."""


def kernel_env() -> dict[str, str]:
    """The environment every kernel gets: fixed threads and hashing, a plain inline backend."""
    env = dict(os.environ)
    env.update(
        OMP_NUM_THREADS=THREADS,
        MKL_NUM_THREADS=THREADS,
        PYTHONHASHSEED="0",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def machine_paths(nb) -> list[str]:
    """Lines of the notebook's outputs that contain a machine path."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") + "".join(output.get("traceback", []))
            text += "".join(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
            found += [line.strip() for line in text.splitlines() if MACHINE_PATH.search(line)]
    return found


def execute(path: Path, timeout: int = 600) -> float:
    """Run one notebook in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    start = time.perf_counter()
    saved_env = dict(os.environ)
    os.environ.update(kernel_env())
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    seconds = time.perf_counter() - start
    nbformat.validate(nb)
    nbformat.write(nb, path)
    leaks = machine_paths(nb)
    if leaks:
        raise MachinePathError(f"{path}: outputs contain machine paths, fix the cell that prints them:\n  "
                         + "\n  ".join(leaks[:5]))
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks to run (default: lessons and solutions)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(p for g in DEFAULT_GLOBS for p in ROOT.glob(g))
    total = 0.0
    for path in paths:
        try:
            seconds = execute(path.resolve(), args.timeout)
        except MachinePathError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        total += seconds
        print(f"{seconds:7.1f} s  {path}", flush=True)
    print(f"{total:7.1f} s  total for {len(paths)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
