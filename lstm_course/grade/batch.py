"""Grade many submissions in parallel, each in its own worker process and (by default) its own sandbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from ..exercise_bank.registry import NOTEBOOKS
from . import reaper
from .redact import write_redacted
from .report import Result, write_feedback
from .score import GRADER_KEY, load_answers, score_notebook
from .submission import NotANotebook, read


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    timeout: float = 600.0  # wall-clock seconds for the whole notebook
    cell_timeout: float = 120.0  # seconds for one cell
    memory_mb: int = 2048  # address space of the kernel
    threads: int = 1  # BLAS / OpenMP threads of the kernel


def worker_env(limits: Limits) -> dict[str, str]:
    """The environment of the worker and its kernel: no display, few threads, checks switched off."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")}
    threads = str(limits.threads)
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads,
               NUMEXPR_NUM_THREADS=threads, PYTHONHASHSEED="0", LSTM_COURSE_GRADING="1",
               PYDEVD_DISABLE_FILE_VALIDATION="1", JUPYTER_PLATFORM_DIRS="1")
    return env


def draw_cases(seed: int) -> dict[str, dict[str, list[dict]]]:
    """The cases of every exercise, per notebook, drawn once for the whole batch (same for everyone)."""
    return {name: {e.id: e.draw(seed) for e in exercises} for name, exercises in NOTEBOOKS.items()}


class Batch:
    """Runs workers, never more than `jobs` at once, and kills whatever they leave behind.

    With `sandbox` every kernel runs in `isolation.Sandbox`, which the caller has checked works here
    (`isolation.probe`). The command line always asks for it unless told `--no-sandbox`; the learner's
    own progress report, which runs only the learner's notebooks, does not. `key` seeds the data that
    trained models are scored on: the grader's secret, or for a progress report the learner's own key,
    so that no score on held-out data reaches a learner before grading.
    """

    def __init__(self, limits: Limits, seed: int, feedback: Path, sandbox: bool = False, key: int = GRADER_KEY):
        self.limits, self.seed, self.feedback, self.sandbox, self.key = limits, seed, feedback, sandbox, key
        self.overlays: list[tuple[str, str]] = []
        self.cases = draw_cases(seed)
        self.lock = threading.Lock()
        self.running: set[int] = set()
        self.stopping = False
        self.env = worker_env(limits)

    def grade_all(self, paths: list[Path], jobs: int, progress: bool = False) -> list[Result]:
        """Grade `paths`, `jobs` at a time; with `progress`, a tqdm bar on stderr."""
        reaper.become_subreaper()
        work = Path(tempfile.mkdtemp(prefix="lstm-course-grade-"))
        if self.sandbox:
            self.overlays = write_redacted(work / "redacted")
        results = []
        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            futures = [pool.submit(self.grade_one, path, work / f"job{k}") for k, path in enumerate(paths)]
            for future in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="notebook",
                               disable=not progress):
                results.append(future.result())
        except BaseException:  # Ctrl-C or SIGTERM: stop every worker now rather than finish the queue
            with self.lock:
                self.stopping = True
                for pid in self.running:
                    reaper.kill_group(pid)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            reaper.kill_descendants()
            shutil.rmtree(work, ignore_errors=True)
        return results

    def grade_one(self, path: Path, job: Path) -> Result:
        """Grade one submission; whatever goes wrong is reported in its result, never raised."""
        try:
            return self._grade(path, job)
        except Exception as error:  # a failure of the grader itself must not stop the batch either
            return Result(str(path), "", problem=f"not graded: the grader failed ({type(error).__name__}: {error})")

    def _grade(self, path: Path, job: Path) -> Result:
        name = str(path)
        try:
            submission = read(path)
        except NotANotebook as error:
            return self._finish(Result(name, "", problem=f"not graded: {error}"), None)
        (job / "scratch").mkdir(parents=True)
        (job / "scratch" / "submission.ipynb").write_bytes(submission.data)
        config = {"spec": self.cases[submission.notebook], "cell_timeout": self.limits.cell_timeout,
                  "wall_timeout": self.limits.timeout, "memory_mb": self.limits.memory_mb,
                  "sandbox": self.sandbox, "overlays": self.overlays}
        (job / "job.json").write_text(json.dumps(config))
        problem = self._run_worker(job)
        report = _read_small_json(job / "run.json") or {}
        skipped = report.get("skipped") if isinstance(report.get("skipped"), dict) else {}
        skipped = {str(k)[:100]: str(v)[:200] for k, v in skipped.items()}
        cases = self.cases[submission.notebook]
        failed = report.get("failed") if isinstance(report.get("failed"), dict) else {}
        why = {str(k): str(v)[:200] for k, v in failed.items()}
        why |= {k.removeprefix("collect:"): f"calling it {v}" for k, v in skipped.items() if k.startswith("collect:")}
        if problem:
            why = {exercise_id: problem for exercise_id in cases}
        answers = load_answers(job / "scratch" / "answers", cases)
        verdicts = score_notebook(submission.notebook, cases, answers, why, self.key)
        cells = {k: v for k, v in skipped.items() if k.isdigit()}
        result = Result(name, submission.notebook, verdicts, problem, cells)
        return self._finish(result, job / "executed.ipynb")

    def _finish(self, result: Result, executed: Path | None) -> Result:
        write_feedback(result, executed, self.feedback)
        return result

    def _run_worker(self, job: Path) -> str:
        """Run the sandbox worker for one job; kill its whole tree afterwards. Returns a problem or ""."""
        with self.lock, open(job / "worker.log", "wb") as log:
            if self.stopping:
                return "the batch was stopped"
            worker = subprocess.Popen(
                [sys.executable, "-m", "lstm_course.grade.sandbox", str(job)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env, start_new_session=True, cwd=job,
            )
            self.running.add(worker.pid)
        problem = ""
        try:
            worker.wait(timeout=self.limits.timeout + 60)
        except subprocess.TimeoutExpired:
            problem = f"stopped after {self.limits.timeout:g} s"
        finally:
            reaper.kill_group(worker.pid)
            worker.kill()
            worker.wait()
            with self.lock:
                self.running.discard(worker.pid)
                reaper.kill_descendants(keep=frozenset(self.running))
        if not problem and worker.returncode != 0:
            problem = "the grading run failed (the worker stopped; too much output or memory?)"
        return problem


def _read_small_json(path: Path, limit: int = 1 << 20):
    try:
        if path.stat().st_size > limit:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError, RecursionError):
        return None
