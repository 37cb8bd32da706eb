"""The file-system and network sandbox around a submission's kernel: bubblewrap on Linux.

Resource limits (`grade.kernel`) stop a submission from hanging or starving the batch; this module
stops it from touching anything but its own scratch folder. The kernel is started by `bwrap`
(bubblewrap, https://github.com/containers/bubblewrap) in new user, mount, PID, network, IPC and UTS
namespaces, with a root file system built from scratch and read-only:

- visible, read-only: the system's libraries (/usr and the /lib, /bin links), the Python that runs
  the grader (its base installation and its virtual environment), the `lstm_course` package, a few
  files of /etc the dynamic loader and Python read, the CPU topology under /sys;
- visible, writable: the job's scratch folder (the kernel's working directory and $HOME, where the
  collection step writes the answers), the folder of the kernel's IPC sockets, and a /tmp of its
  own (a fresh folder of the job on disk, not a tmpfs, whose pages would escape the memory cap);
- a minimal /dev, a /proc that shows only the sandbox's own processes;
- not there at all: the submissions folder and every other submission, the grader's outputs, the
  instructor's home and files, the repository around the package (solutions, tests, history), and
  the exercise bank's reference modules, which are covered by empty read-only files;
- no network: the network namespace has only its own loopback, so no connection leaves it.

The kernel talks to the grader's worker over Unix sockets in the IPC folder (ZeroMQ's `ipc`
transport), which cross the mount namespace because both sides see the same socket files.
`--die-with-parent` and the PID namespace make sure nothing started inside outlives the sandbox.
Without user namespaces (or without bwrap, or on macOS and Windows) no sandbox can be had: `probe`
says why, and the grader refuses to grade unless told `--no-sandbox`.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the installed lstm_course
SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "passwd", "group")
CPU_INFO = "/sys/devices/system/cpu"  # torch reads the CPU topology at import
PASSED_ENV = ("MPLBACKEND", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "PYTHONHASHSEED", "LSTM_COURSE_GRADING", "PYDEVD_DISABLE_FILE_VALIDATION", "JUPYTER_PLATFORM_DIRS")
NO_SANDBOX_RISK = (
    "without the sandbox a submission's code runs with the grading user's rights: it can read the other "
    "submissions and the reference solutions, write into the installed course (changing how later "
    "submissions are graded), into the grades and anywhere that user may write, and use the network"
)


def bwrap() -> str | None:
    """The bubblewrap executable, or None."""
    return shutil.which("bwrap")


def readonly_paths() -> list[Path]:
    """The folders the kernel's Python needs: its installation, its environment and the course package."""
    candidates = [Path(sys.base_prefix), Path(sys.prefix), PACKAGE, *map(Path, site.getsitepackages())]
    paths: list[Path] = []
    for path in sorted({p.resolve() for p in candidates}, key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(kept) for kept in paths) and not _system(path):
            paths.append(path)
    return paths


def _system(path: Path) -> bool:
    return any(path.is_relative_to(d) for d in SYSTEM_DIRS)


@dataclass(frozen=True)
class Sandbox:
    """How to wrap a command so it sees only `scratch`, `ipc` (its sockets) and `tmp` (as /tmp), writable.

    `overlays` are (copy, original) file pairs: the copy is shown in place of the original, read-only
    (`redact.write_redacted` makes them); the bytecode caches next to the originals are hidden.
    """

    scratch: Path
    ipc: Path
    tmp: Path
    overlays: tuple[tuple[str, str], ...] = ()

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        """The kernel's whole environment: the limits the grader set, a home in scratch, nothing else."""
        kept = {k: env[k] for k in PASSED_ENV if k in env}
        home = str(self.scratch)
        return kept | {"HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8", "PATH": f"{Path(sys.executable).parent}"
                       ":/usr/local/bin:/usr/bin:/bin", "IPYTHONDIR": f"{home}/.ipython",
                       "MPLCONFIGDIR": f"{home}/.matplotlib", "XDG_CACHE_HOME": f"{home}/.cache"}

    def wrap(self, argv: list[str], env: dict[str, str]) -> list[str]:
        """`argv` as run inside the sandbox with `environment(env)`."""
        executable = bwrap()
        if executable is None:
            raise RuntimeError("bubblewrap (bwrap) is not installed")
        args = [executable, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--clearenv", "--proc", "/proc", "--dev", "/dev", "--bind", str(self.tmp), "/tmp"]
        for name in SYSTEM_DIRS:
            path = Path(name)
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), name]
            elif path.is_dir():
                args += ["--ro-bind", name, name]
        for name in ETC_FILES:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        args += ["--ro-bind-try", CPU_INFO, CPU_INFO]
        for path in readonly_paths():
            args += ["--ro-bind", str(path), str(path)]
        for copy, original in self.overlays:
            args += ["--ro-bind", copy, original]
        for cache in sorted({Path(original).parent / "__pycache__" for _, original in self.overlays}):
            if cache.is_dir():
                args += ["--perms", "0555", "--tmpfs", str(cache), "--remount-ro", str(cache)]
        for path in (self.scratch, self.ipc):
            args += ["--bind", str(path), str(path)]
        for key, value in self.environment(env).items():
            args += ["--setenv", key, value]
        args += ["--chdir", str(self.scratch), "--remount-ro", "/", "--", *argv]
        return args


# Inside the sandbox: the collection step imports, and every reference and oracle raises at once.
PROBE = """
import inspect
import lstm_course.grade.collect
from lstm_course.exercise_bank.registry import EXERCISES
for exercise in EXERCISES.values():
    for function in (exercise.reference, getattr(exercise, "oracle", None)):
        if function is None:
            continue
        kinds = [p.kind for p in inspect.signature(function).parameters.values()]
        keywords = {p.name: None for p in inspect.signature(function).parameters.values() if p.kind == p.KEYWORD_ONLY}
        try:
            function(*[None] * sum(k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                   for k in kinds), **keywords)
        except PermissionError:
            continue
        except Exception:
            pass
        raise SystemExit(f"the answer of exercise {exercise.id} can be called inside the sandbox")
"""


def probe(timeout: float = 180) -> str | None:
    """None if a sandboxed Python can start here and import the grader's collection step, else why not."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if bwrap() is None:
        return "bubblewrap (bwrap) is not installed: on Debian or Ubuntu, apt-get install bubblewrap"
    from .redact import write_redacted  # imports the bank (and torch), which the worker does not need

    with tempfile.TemporaryDirectory(prefix="lstm-course-probe-") as tmp:
        folders = [Path(tmp) / name for name in ("scratch", "ipc", "tmp")]
        for folder in folders:
            folder.mkdir()
        sandbox = Sandbox(*folders, tuple(write_redacted(Path(tmp) / "redacted")))
        for argv, what in (([shutil.which("true") or "/bin/true"], "bubblewrap could not create its namespaces"),
                           ([sys.executable, "-c", PROBE], "the sandbox is not fit for grading")):
            try:
                run = subprocess.run(sandbox.wrap(argv, {}), capture_output=True, text=True, timeout=timeout,
                                     stdin=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired) as error:
                return f"{what} ({type(error).__name__}: {error})"
            if run.returncode != 0:
                detail = (run.stderr.strip().splitlines() or ["no message"])[-1]
                hint = "; are unprivileged user namespaces enabled?" if argv[0] != sys.executable else ""
                return f"{what} ({detail}){hint}"
    return None
