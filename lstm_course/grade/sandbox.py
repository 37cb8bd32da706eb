"""Run one submission in a sandboxed kernel and collect its answers as plain data.

    python -m lstm_course.grade.sandbox JOB_DIR

The grader starts this worker in a new session, one per submission. JOB_DIR holds `job.json`
(timeouts, memory cap, the cases to collect, whether to isolate) and `scratch/submission.ipynb`, a
copy of the learner's file. The worker runs the cells one by one in a kernel under `grade.kernel`'s
limits, inside `grade.isolation`'s sandbox unless the grader was told `--no-sandbox`, then the
grader's collection step, one cell per exercise, each writing `scratch/answers/<exercise id>.json`.
The kernel sees only `scratch/` (its working directory), `ipc/` (its sockets) and `tmp/` (as its
/tmp); the rest of JOB_DIR, where this worker writes, is out of its reach. A cell that runs
past its timeout, kills the kernel or runs out of memory (whose garbage would starve every later
cell), or an answer that hangs when the grader calls it, is recorded and skipped, and the notebook
is run again from the top in a fresh kernel (a few times at most), so one broken answer costs only
its own points. The worker writes `run.json` (what was skipped and why) and `executed.ipynb`
(outputs trimmed) and kills everything it started.
The worker never scores: it only reports what the kernel produced.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from .isolation import Sandbox
from .reaper import become_subreaper, kill_descendants, kill_group

KERNEL_NAME = "lstm-course-sandbox"
ATTEMPTS = 3  # runs of the notebook, each skipping the cells that hung or killed the previous one
WORKER_MEMORY_MB = 3072
MAX_TEXT = 20_000  # characters kept of one output in the feedback notebook
MAX_OUTPUTS = 20  # outputs kept per cell


def write_kernelspec(job: Path, memory_mb: int, sandbox: Sandbox | None) -> KernelSpecManager:
    """A kernelspec that starts `grade.kernel` with this Python and this memory cap, in `sandbox` if given."""
    folder = job / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "lstm_course.grade.kernel", "--memory-mb", str(memory_mb), "-f", "{connection_file}"]
    if sandbox is not None:
        argv = sandbox.wrap(argv, dict(os.environ))
    spec = {"argv": argv, "display_name": "sandbox", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(job / "kernels")], ensure_native_kernel=False)


def collection_source(answers: Path, spec: dict) -> str:
    """The grader's own cell: call every answer on the cases, write plain data."""
    return (
        "from lstm_course.grade.collect import collect as _grader_collect\n"
        f"_grader_collect({str(answers)!r}, {json.dumps(spec)!r}, globals())\n"
    )


def run_once(nb, job: Path, config: dict, skip: dict, deadline: float, failed: dict) -> tuple[str | None, str]:
    """Run the notebook once, then collect each exercise's answers, skipping what is in `skip`.

    Returns (None, "") when done, or (what to skip next time, why): a cell's index, or
    "collect:<exercise id>" when calling that answer hung or killed the kernel. A collection cell
    that ends in an error is noted in `failed`.
    """
    scratch, ipc, tmp = job / "scratch", job / "ipc", job / "tmp"
    overlays = tuple((copy, original) for copy, original in config["overlays"])
    sandbox = Sandbox(scratch, ipc, tmp, overlays) if config["sandbox"] else None
    specs = write_kernelspec(job, config["memory_mb"], sandbox)
    # Unix sockets in ipc/ reach into the sandbox, whose network namespace has no route to ours.
    transport = {"transport": "ipc", "ip": str(ipc / "kernel")} if sandbox else {}
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs,
                            connection_file=str(ipc / "connection.json"), **transport)
    client = NotebookClient(
        nb, km=km, timeout=config["cell_timeout"], allow_errors=True, interrupt_on_timeout=False,
        shutdown_kernel="immediate", startup_timeout=60, record_timing=False,
        resources={"metadata": {"path": str(scratch)}},
    )
    answers = scratch / "answers"
    if answers.is_symlink() or answers.is_file():  # the kernel may have put anything there
        answers.unlink()
    shutil.rmtree(answers, ignore_errors=True)
    answers.mkdir()
    pgid = None
    try:
        with client.setup_kernel():
            pgid = getattr(km.provisioner, "pgid", None) or getattr(km.provisioner, "pid", None)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code" and str(index) not in skip:
                    why = run_cell(client, cell, index, config, deadline)
                    if why:
                        return str(index), why
            for exercise_id, cases in config["spec"].items():
                if f"collect:{exercise_id}" in skip:
                    continue
                source = collection_source(answers / f"{exercise_id}.json", {exercise_id: cases})
                cell = nbformat.v4.new_code_cell(source)
                nb.cells.append(cell)
                try:
                    why = run_cell(client, cell, len(nb.cells) - 1, config, deadline)
                finally:
                    nb.cells.pop()
                if why:
                    return f"collect:{exercise_id}", why
                errors = [o.get("ename", "an error") for o in cell.outputs if o.get("output_type") == "error"]
                if errors:
                    failed[exercise_id] = f"the grader's collection step failed ({str(errors[0])[:80]})"
            return None, ""
    finally:
        if pgid:
            kill_group(pgid)  # the kernel leads its own process group
        kill_descendants()  # and whatever it started in other groups


def run_cell(client: NotebookClient, cell, index: int, config: dict, deadline: float) -> str:
    """Execute one cell; return why it must be skipped next time, or "" if it may stay."""
    left = deadline - time.monotonic()
    if left < 1:
        return "ran past the wall-clock limit of the notebook"
    client.timeout = max(1, int(min(config["cell_timeout"], left)))
    try:
        client.execute_cell(cell, index)
    except CellTimeoutError:
        return f"ran longer than {client.timeout} s"
    except DeadKernelError:
        return "stopped the kernel (exit, crash or memory cap)"
    if any(o.get("ename") == "MemoryError" for o in cell.outputs if o.get("output_type") == "error"):
        return f"ran out of memory (the cap is {config['memory_mb']} MB)"
    return ""


def trim(nb) -> None:
    """Keep the feedback notebook small whatever the learner printed."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = cell.outputs[:MAX_OUTPUTS]
        for output in cell.outputs:
            if "text" in output:
                output["text"] = output["text"][:MAX_TEXT]
            if "traceback" in output:
                output["traceback"] = [line[:MAX_TEXT] for line in output["traceback"][-20:]]
            if "data" in output:
                output["data"] = {k: v for k, v in output["data"].items()
                                  if k in ("text/plain", "image/png") and len(str(v)) < 200_000}


def main(job: Path) -> int:
    become_subreaper()
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_MB << 20, WORKER_MEMORY_MB << 20))
    config = json.loads((job / "job.json").read_text())
    (job / "ipc").mkdir(mode=0o700, exist_ok=True)
    (job / "tmp").mkdir(mode=0o700, exist_ok=True)
    os.chdir(job)
    deadline = time.monotonic() + config["wall_timeout"]
    source = nbformat.read(job / "scratch" / "submission.ipynb", as_version=4)
    skip: dict[str, str] = {}
    failed: dict[str, str] = {}
    nb = source
    for _ in range(ATTEMPTS):
        nb = nbformat.from_dict(json.loads(json.dumps(source)))
        failed.clear()
        bad, why = run_once(nb, job, config, skip, deadline, failed)
        if bad is None:
            break
        skip[bad] = why
        if time.monotonic() > deadline:
            break
    trim(nb)
    (job / "executed.ipynb").write_text(json.dumps(nb))
    (job / "run.json").write_text(json.dumps({"skipped": skip, "failed": failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
