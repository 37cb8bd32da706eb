"""`python -m lstm_course.doctor` passes on the course's environment and fails, with a fix, on broken ones.

Each broken set-up is real (a pins file with another torch, a kernel that does not exist, a kernel from a
Python without ipykernel, an empty extensions folder, a lesson that raises), given through the doctor's own
options; nothing inside the doctor is patched.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from packaging.specifiers import SpecifierSet

from lstm_course.doctor import read_pins, version_problem

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "00_start_here.ipynb"


def doctor(*args: str, env: dict | None = None) -> tuple[int, list[str]]:
    process = subprocess.run([sys.executable, "-m", "lstm_course.doctor", *args], cwd=ROOT, capture_output=True,
                             text=True, timeout=300, env={**os.environ, **(env or {})})
    return process.returncode, process.stdout.splitlines()


def line(lines: list[str], name: str) -> str:
    found = [text for text in lines if text[6:].startswith(f"{name}:")]
    assert len(found) == 1, f"no single line for {name!r} in:\n" + "\n".join(lines)
    return found[0]


def fix_after(lines: list[str], name: str) -> str:
    following = lines[lines.index(line(lines, name)) + 1]
    assert following.strip().startswith("fix:"), following
    return following


def test_doctor_passes_on_the_course_environment_and_leaves_the_lesson_untouched():
    before = LESSON.read_bytes(), LESSON.stat().st_mtime_ns
    code, lines = doctor()
    assert code == 0, "\n".join(lines)
    for name in ("Python", "torch", "JupyterLab", "course packages", "widgets in JupyterLab", "kernel starts",
                 "lesson runs", "free memory"):
        assert line(lines, name).startswith("PASS"), line(lines, name)
    checks = [text for text in lines if text[:6].strip() in ("PASS", "INFO")]
    assert len(checks) in (8, 9), "\n".join(lines)  # the sandboxed-grading line is information where it can't run
    assert lines[-1] == f"READY: all {len(checks)} checks passed."
    assert (LESSON.read_bytes(), LESSON.stat().st_mtime_ns) == before


def test_doctor_fails_when_torch_differs_from_the_pin(tmp_path):
    pins = (ROOT / "constraints.txt").read_text().replace("torch==2.13.0", "torch==2.12.1")
    assert "torch==2.12.1" in pins
    (tmp_path / "constraints.txt").write_text(pins)
    code, lines = doctor("--constraints", str(tmp_path / "constraints.txt"), "--only", "python,packages")
    assert code == 1
    assert line(lines, "torch").startswith("FAIL")
    assert "the course needs ==2.12.1" in line(lines, "torch")
    assert "make lab" in fix_after(lines, "torch")
    assert line(lines, "JupyterLab").startswith("PASS")
    assert lines[-1].startswith("NOT READY: 1 of 4 checks failed (torch)")


def test_doctor_fails_when_the_kernel_does_not_exist():
    code, lines = doctor("--kernel", "no-such-course-kernel", "--only", "kernel,lesson")
    assert code == 1
    assert "no kernel named 'no-such-course-kernel'" in line(lines, "kernel starts")
    assert "ipykernel install --user --name no-such-course-kernel" in fix_after(lines, "kernel starts")
    assert line(lines, "lesson runs").startswith("FAIL  lesson runs: not tried")


def test_doctor_fails_when_the_kernel_belongs_to_a_python_without_ipykernel(tmp_path):
    spec = tmp_path / "kernels" / "bare-python"
    spec.mkdir(parents=True)
    # -S hides site-packages: the same interpreter, but as if ipykernel had never been installed for it.
    argv = [sys.executable, "-S", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "bare", "language": "python"}))
    code, lines = doctor("--kernel", "bare-python", "--only", "kernel", "--timeout", "60",
                         env={"JUPYTER_PATH": str(tmp_path)})
    assert code == 1
    assert "did not start" in line(lines, "kernel starts")
    assert "No module named ipykernel_launcher" in line(lines, "kernel starts")


def test_doctor_fails_when_the_widget_front_end_is_missing_or_wrong(tmp_path):
    code, lines = doctor("--labextensions-dir", str(tmp_path), "--only", "widgets")
    assert code == 1
    assert "not found" in line(lines, "widgets in JupyterLab")
    assert "jupyterlab_widgets" in fix_after(lines, "widgets in JupyterLab")

    old = tmp_path / "@jupyter-widgets" / "jupyterlab-manager"
    old.mkdir(parents=True)
    (old / "package.json").write_text(json.dumps({"name": "@jupyter-widgets/jupyterlab-manager", "version": "3.1.1"}))
    code, lines = doctor("--labextensions-dir", str(tmp_path), "--only", "widgets")
    assert code == 1
    assert "3.1.1 does not match ipywidgets 8" in line(lines, "widgets in JupyterLab")


def test_doctor_finds_the_widget_front_end_in_a_given_folder(tmp_path):
    import jupyterlab_widgets

    installed = Path(jupyterlab_widgets.__file__).parent / "labextension"
    if not installed.is_dir():  # installed as data files rather than inside the package
        installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"
    shutil.copytree(installed, tmp_path / "@jupyter-widgets" / "jupyterlab-manager")
    code, lines = doctor("--labextensions-dir", str(tmp_path), "--only", "widgets")
    assert code == 0, "\n".join(lines)
    assert line(lines, "widgets in JupyterLab").startswith("PASS")


def test_doctor_reports_the_error_of_a_lesson_that_fails_and_leaves_it_untouched(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch\nraise RuntimeError('no BLAS here')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    code, lines = doctor("--notebook", str(path), "--only", "lesson")
    assert code == 1
    assert "broken.ipynb stopped with" in line(lines, "lesson runs")
    assert "no BLAS here" in line(lines, "lesson runs")
    assert path.read_bytes() == before


def test_doctor_fails_when_memory_is_short():
    code, lines = doctor("--min-memory-gib", "1000000", "--only", "memory")
    assert code == 1
    assert "the lessons need about 1e+06 GiB" in line(lines, "free memory")


def test_doctor_refuses_a_constraints_file_that_does_not_exist(tmp_path):
    code, _ = doctor("--constraints", str(tmp_path / "missing.txt"))
    assert code == 2


def test_pins_are_read_and_a_local_build_tag_meets_its_pin(tmp_path):
    (tmp_path / "pins.txt").write_text("# comment\nTorch==2.13.0\njupyterlab==4.6.6  # lab\n\n")
    pins = read_pins(tmp_path / "pins.txt")
    assert pins == {"torch": SpecifierSet("==2.13.0"), "jupyterlab": SpecifierSet("==4.6.6")}
    assert version_problem("jupyterlab", SpecifierSet("==0.0.1")).endswith("the course needs ==0.0.1")
    assert version_problem("no-such-package-xyz", None) == "no-such-package-xyz is not installed"


def test_sandbox_line_says_whether_a_class_can_be_graded_here(tmp_path):
    code, lines = doctor("--only", "sandbox")
    assert code == 0
    assert line(lines, "sandboxed grading").startswith("PASS") == (shutil.which("bwrap") is not None), lines
    code, lines = doctor("--only", "sandbox", env={"PATH": str(tmp_path)})  # no bwrap to be found
    assert code == 0, "learners do not need the sandbox: its absence is not a failure"
    assert line(lines, "sandboxed grading").startswith("INFO")
    assert "apt-get install bubblewrap" in fix_after(lines, "sandboxed grading")
