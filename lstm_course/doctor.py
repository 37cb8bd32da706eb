"""Pre-flight check for a workshop: will this machine run the course?

    python -m lstm_course.doctor              # from the course folder (or: make doctor)
    python -m lstm_course.doctor --help       # every option

Each item prints one PASS or FAIL line, and under a FAIL what to do about it. The exit
code is 1 when anything FAILs (the course would not work as taught), 0 otherwise.

Checks, in order: the Python version; torch, JupyterLab and the other course packages against
the exact pins in constraints.txt (or, outside the course folder, against the package's own
requirements); the ipywidgets front end installed in JupyterLab; a kernel that starts and
imports the course; a small lesson executed end to end in a temporary copy (the original is
never touched); the free memory; for instructors, whether the autograder's sandbox works here
(reported, never a failure: learners do not need it).

Every input a check reads can be given on the command line (`--constraints`, `--kernel`,
`--notebook`, `--labextensions-dir`, `--min-memory-gib`), so a broken set-up can be
reproduced without breaking the machine.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# torch and JupyterLab get a line each; these others share one line.
OTHER_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "jupyterlab_widgets", "ipykernel", "nbclient", "nbformat")
WIDGET_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
CHECKS = ("python", "packages", "widgets", "kernel", "lesson", "memory", "sandbox")
SMOKE_NOTEBOOK = Path("notebooks") / "00_start_here.ipynb"
INSTALL_FIX = ("reinstall the pinned versions: run `make lab` in the course folder "
               "(or `pip install -c constraints.txt -e .`)")


@dataclass
class Result:
    """The outcome of one check: PASS, FAIL or INFO (worth knowing, not a failure), what was found, and the fix."""

    name: str
    status: str
    detail: str
    fix: str = ""

    def lines(self) -> list[str]:
        out = [f"{self.status:4s}  {self.name}: {self.detail}"]
        if self.fix and self.status != "PASS":
            out.append(f"      fix: {self.fix}")
        return out


def course_root() -> Path | None:
    """The course folder (the one with constraints.txt and notebooks/): the current folder or the package's parent."""
    for candidate in (Path.cwd(), Path(__file__).resolve().parent.parent):
        if (candidate / "constraints.txt").is_file() or (candidate / SMOKE_NOTEBOOK).is_file():
            return candidate
    return None


def read_pins(path: Path) -> dict[str, SpecifierSet]:
    """`name==version` lines of a constraints file, keyed by canonical name."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = requirement.specifier
    return pins


def package_requirements() -> dict[str, SpecifierSet]:
    """The lower bounds lstm_course declares, for when no constraints file is at hand."""
    pins = {}
    for text in importlib.metadata.requires("lstm_course") or []:
        requirement = Requirement(text)
        if requirement.marker is None:
            pins[canonicalize_name(requirement.name)] = requirement.specifier
    return pins


def installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def version_problem(name: str, wanted: SpecifierSet | None) -> str | None:
    """Why the installed `name` does not meet `wanted`, or None when it does."""
    found = installed_version(name)
    if found is None:
        return f"{name} is not installed"
    if wanted is None or not str(wanted):
        return None
    try:
        ok = wanted.contains(Version(found), prereleases=True)  # 2.13.0+cpu satisfies ==2.13.0
    except InvalidVersion:
        ok = False
    return None if ok else f"{name} {found} is installed, the course needs {wanted}"


def check_python(requires: str | None) -> Result:
    found = platform.python_version()
    if requires and not SpecifierSet(requires).contains(found):
        return Result("Python", "FAIL", f"{found}, the course needs {requires}",
                      "install a supported Python (the course is tested on 3.11): "
                      "`conda env create -f environment.yml`, or a python.org installer")
    return Result("Python", "PASS", f"{found}" if requires is None else f"{found} (needs {requires})")


def check_package(label: str, names: tuple[str, ...], pins: dict[str, SpecifierSet], source: str) -> Result:
    """Installed versions against the pins; a package the pins do not name must meet lstm_course's own bound."""
    required = package_requirements()
    wanted = {name: pins.get(canonicalize_name(name)) or required.get(canonicalize_name(name)) for name in names}
    problems = [p for name in names if (p := version_problem(name, wanted[name]))]
    if problems:
        return Result(label, "FAIL", "; ".join(problems), INSTALL_FIX)
    found = ", ".join(f"{name} {installed_version(name)}" for name in names)
    if len(names) == 1:
        return Result(label, "PASS", f"{found} ({source}: {wanted[names[0]] or 'any version'})")
    return Result(label, "PASS", f"{found} (as {source})")


def disabled_extensions() -> set[str]:
    """Extensions switched off with `jupyter labextension disable`."""
    from jupyter_core.paths import jupyter_config_path

    disabled = set()
    for folder in jupyter_config_path():
        page_config = Path(folder) / "labconfig" / "page_config.json"
        if page_config.is_file():
            entries = json.loads(page_config.read_text()).get("disabledExtensions", {})
            items = entries.items() if isinstance(entries, dict) else ((name, True) for name in entries)
            disabled.update(name for name, off in items if off)
    return disabled


def check_widget_frontend(search_path: list[Path] | None) -> Result:
    """The ipywidgets front end is a prebuilt JupyterLab extension in a `labextensions` folder on the data path."""
    if search_path is None:
        from jupyter_core.paths import jupyter_path

        search_path = [Path(p) for p in jupyter_path("labextensions")]
    fix = ("install the front end that matches ipywidgets 8: `pip install -c constraints.txt jupyterlab_widgets` "
           "(or run `make lab`), then restart JupyterLab")
    for folder in search_path:
        package = folder / WIDGET_EXTENSION / "package.json"
        if package.is_file():
            version = json.loads(package.read_text()).get("version", "?")
            if WIDGET_EXTENSION in disabled_extensions():
                return Result("widgets in JupyterLab", "FAIL",
                              f"{WIDGET_EXTENSION} {version} is installed but disabled",
                              f"`jupyter labextension enable {WIDGET_EXTENSION}`, then restart JupyterLab")
            if not version.startswith("5."):
                return Result("widgets in JupyterLab", "FAIL",
                              f"{WIDGET_EXTENSION} {version} does not match ipywidgets 8 (needs 5.x)", fix)
            return Result("widgets in JupyterLab", "PASS", f"{WIDGET_EXTENSION} {version} installed and enabled")
    where = ", ".join(str(p) for p in search_path) or "(no folders)"
    return Result("widgets in JupyterLab", "FAIL",
                  f"{WIDGET_EXTENSION} not found in {where}: sliders would show as text such as VBox(...)", fix)


def kernel_fix(kernel: str) -> str:
    return (f"register this environment's Python as the kernel: `{sys.executable} -m ipykernel install "
            f"--user --name {kernel}`, or start JupyterLab with `make lab`")


def check_kernel(kernel: str, timeout: float) -> Result:
    """Start the kernel, import the course in it and compare its torch with ours.

    A kernel registered from another Python (a system one, an old virtualenv) is the most common way
    a room's laptops run something other than what was installed.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import start_new_kernel

    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as log:  # the kernel's own messages, shown only if it fails
        try:
            manager, client = start_new_kernel(kernel_name=kernel, startup_timeout=timeout, stderr=log)
        except NoSuchKernel:
            return Result("kernel starts", "FAIL", f"no kernel named {kernel!r} is installed", kernel_fix(kernel))
        except Exception as error:  # a kernel that dies at start-up raises many kinds of errors
            log.seek(0)
            said = [line for line in log.read().splitlines() if line.strip()]
            detail = f"{type(error).__name__}: {error}" + (f" (the kernel said: {said[-1].strip()})" if said else "")
            return Result("kernel starts", "FAIL", f"kernel {kernel!r} did not start: {detail}", kernel_fix(kernel))
        return talk_to_kernel(kernel, manager, client, timeout, start)


def talk_to_kernel(kernel, manager, client, timeout: float, start: float) -> Result:
    """Import the course in a started kernel and compare its torch with this environment's; then shut it down."""
    try:
        code = "import torch, lstm_course, sys; print(torch.__version__, sys.version.split()[0])"
        printed, error = [], []

        def collect(message):
            content = message["content"]
            if message["msg_type"] == "stream":
                printed.append(content["text"])
            elif message["msg_type"] == "error":
                error.append(f"{content['ename']}: {content['evalue']}")

        client.execute_interactive(code, timeout=timeout, output_hook=collect)
    except TimeoutError:
        error = [f"the kernel did not answer within {timeout:.0f} s"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    seconds = time.perf_counter() - start
    if error:
        return Result("kernel starts", "FAIL", f"kernel {kernel!r} started but `import torch, lstm_course` failed: "
                      f"{error[0]}", kernel_fix(kernel))
    kernel_torch, kernel_python = "".join(printed).split()
    if kernel_torch != installed_version("torch"):
        return Result("kernel starts", "FAIL", f"kernel {kernel!r} runs torch {kernel_torch}, this environment has "
                      f"{installed_version('torch')}: the kernel belongs to another Python", kernel_fix(kernel))
    return Result("kernel starts", "PASS",
                  f"{kernel!r} (Python {kernel_python}, torch {kernel_torch}) in {seconds:.1f} s")


def check_notebook(notebook: Path | None, kernel: str, timeout: float) -> Result:
    """Run a lesson end to end in a temporary copy, so the learner's notebook is never changed."""
    import nbformat
    from nbclient import NotebookClient

    name = "lesson runs"
    if notebook is None or not notebook.is_file():
        return Result(name, "FAIL", f"cannot find {notebook or SMOKE_NOTEBOOK}",
                      "run the doctor from the course folder (the one with notebooks/), or pass --notebook PATH")
    with tempfile.TemporaryDirectory(prefix="lstm-course-doctor-") as folder:
        copy = Path(folder) / notebook.name
        shutil.copyfile(notebook, copy)
        nb = nbformat.read(copy, as_version=4)
        client = NotebookClient(nb, timeout=int(timeout), kernel_name=kernel, resources={"metadata": {"path": folder}})
        start = time.perf_counter()
        try:
            with tempfile.TemporaryFile(mode="w+") as log:
                client.execute(stderr=log)
        except Exception as error:
            first_line = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            return Result(name, "FAIL", f"{notebook.name} stopped with {type(error).__name__}: {first_line}",
                          "open the notebook in JupyterLab, run it, and read the first error; "
                          "most often a package is missing or of the wrong version (see the lines above)")
    return Result(name, "PASS", f"{notebook.name} ran end to end in {time.perf_counter() - start:.1f} s")


def available_memory_gib() -> float:
    return psutil.virtual_memory().available / 2**30


def check_memory(minimum_gib: float) -> Result:
    free = available_memory_gib()
    if free < minimum_gib:
        return Result("free memory", "FAIL", f"{free:.1f} GiB available, the lessons need about {minimum_gib:g} GiB",
                      "close other programs (browsers with many tabs, other notebooks' kernels) "
                      "and run the doctor again")
    return Result("free memory", "PASS", f"{free:.1f} GiB available (needs {minimum_gib:g} GiB)")


def check_sandbox() -> Result:
    """Whether a class can be graded here with the grader's sandbox; learners do not need it, so no FAIL."""
    from .grade.isolation import probe

    why = probe()
    if why is None:
        return Result("sandboxed grading", "PASS", "bubblewrap isolates each submission's kernel here")
    return Result("sandboxed grading", "INFO", f"not available ({why}); learners do not need it",
                  "only to grade a class on this machine: install bubblewrap (Debian/Ubuntu: apt-get install "
                  "bubblewrap) on a Linux with user namespaces, or grade elsewhere")


def run_checks(args: argparse.Namespace) -> Iterator[Result]:
    """Yield each check's result as soon as it is known (the kernel and the lesson take seconds)."""
    root = course_root()
    constraints = args.constraints
    if constraints is None and root is not None and (root / "constraints.txt").is_file():
        constraints = root / "constraints.txt"
    if constraints is not None:
        pins, source = read_pins(constraints), f"pinned in {constraints}"
    else:
        pins, source = package_requirements(), "required by lstm_course"
    try:
        requires_python = importlib.metadata.metadata("lstm_course")["Requires-Python"]
    except importlib.metadata.PackageNotFoundError:
        requires_python = None
    notebook = args.notebook or (root / SMOKE_NOTEBOOK if root else None)
    only = set(args.only)
    if "python" in only:
        yield check_python(requires_python)
    if "packages" in only:
        yield check_package("torch", ("torch",), pins, source)
        yield check_package("JupyterLab", ("jupyterlab",), pins, source)
        yield check_package("course packages", OTHER_PACKAGES, pins, source)
    if "widgets" in only:
        yield check_widget_frontend(args.labextensions_dir)
    kernel = check_kernel(args.kernel, args.timeout) if only & {"kernel", "lesson"} else None
    if "kernel" in only:
        yield kernel
    if "lesson" in only:
        if kernel.status == "FAIL":
            yield Result("lesson runs", "FAIL", "not tried: the kernel does not work", "fix the kernel first")
        else:
            yield check_notebook(notebook, args.kernel, args.timeout)
    if "memory" in only:
        yield check_memory(args.min_memory_gib)
    if "sandbox" in only:
        yield check_sandbox()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lstm_course.doctor", description=__doc__.splitlines()[0])
    parser.add_argument("--constraints", type=Path,
                        help="pins file to check against (default: the course's constraints.txt)")
    parser.add_argument("--kernel", default="python3", help="kernel name the lessons use (default: python3)")
    parser.add_argument("--notebook", type=Path, help=f"notebook to run end to end (default: {SMOKE_NOTEBOOK})")
    parser.add_argument("--labextensions-dir", type=Path, action="append",
                        help="look for JupyterLab extensions only here (repeatable; default: Jupyter's data path)")
    parser.add_argument("--min-memory-gib", type=float, default=1.5, help="memory the lessons need (default: 1.5)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed for the kernel and each cell")
    parser.add_argument("--only", type=lambda text: text.split(","), default=list(CHECKS),
                        help=f"comma-separated checks to run (default: all of {','.join(CHECKS)})")
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(CHECKS)
    if unknown:
        parser.error(f"--only: unknown check(s) {', '.join(sorted(unknown))}; choose from {', '.join(CHECKS)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.constraints is not None and not args.constraints.is_file():
        print(f"no such constraints file: {args.constraints}", file=sys.stderr)
        return 2
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # keeps a debugger warning out of the report
    print("lstm_course doctor: is this machine ready for the course?", flush=True)
    results = []
    for result in run_checks(args):
        results.append(result)
        print("\n".join(result.lines()), flush=True)
    failed = [r.name for r in results if r.status == "FAIL"]
    if failed:
        print(f"NOT READY: {len(failed)} of {len(results)} checks failed ({', '.join(failed)}); fix them in order.")
        return 1
    print(f"READY: all {len(results)} checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
