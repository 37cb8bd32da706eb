"""`lstm_course.progress` tells a learner which exercises pass, from their saved notebooks, without changing them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from lstm_course.progress import progress

ROOT = Path(__file__).resolve().parent.parent
SOLVED = ROOT / "solutions" / "01_rnn_vanishing_gradients.ipynb"
FRESH = ROOT / "exercises" / "02_lstm_gates.ipynb"


def snapshot(folder: Path) -> dict:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def with_wrong_rnn_step(source: Path, target: Path) -> None:
    """The solved notebook with one answer made wrong: sigmoid where the RNN step needs tanh."""
    nb = nbformat.read(source, as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("def rnn_step")]
    assert "return torch.tanh(z)" in cell.source
    cell.source = cell.source.replace("return torch.tanh(z)", "return torch.sigmoid(z)")
    nbformat.write(nb, target)


def test_progress_names_what_passes_what_is_wrong_and_what_is_not_started(tmp_path):
    with_wrong_rnn_step(SOLVED, tmp_path / SOLVED.name)
    (tmp_path / FRESH.name).write_bytes(FRESH.read_bytes())
    before = snapshot(tmp_path)

    result = progress(tmp_path)

    assert snapshot(tmp_path) == before  # nothing written, nothing touched, no checkpoint files
    assert [nb.file for nb in result.notebooks] == [SOLVED.name, FRESH.name]
    first, second = result.notebooks
    status = {e["id"]: e["status"] for e in first.exercises}
    assert status == {"rnn_step": "wrong", "gradient_ratio": "correct", "clip_by_global_norm": "correct"}
    wrong = next(e for e in first.exercises if e["id"] == "rnn_step")
    assert "expected" in wrong["message"] and wrong["earned"] == 0
    assert {e["status"] for e in second.exercises} == {"not attempted"}
    assert len(second.exercises) >= 1
    assert (result.passed, result.total) == (2, 3 + len(second.exercises))
    text = str(result)
    assert f"{SOLVED.name}: 2 of 3 exercises pass" in text
    assert "✘ rnn_step" in text and "✔ gradient_ratio" in text
    assert text.endswith(f"2 of {result.total} exercises pass in 2 notebooks.")
    assert "<code>rnn_step</code>" in result._repr_html_()


def test_progress_command_shows_a_solved_notebook_and_a_broken_file(tmp_path):
    (tmp_path / SOLVED.name).write_bytes(SOLVED.read_bytes())
    (tmp_path / "02_lstm_gates.ipynb").write_text("this is not a notebook")
    (tmp_path / "notes.ipynb").write_bytes(FRESH.read_bytes())  # not named like an exercise: ignored
    before = snapshot(tmp_path)
    done = subprocess.run([sys.executable, "-m", "lstm_course.progress", str(tmp_path)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"{SOLVED.name}: 3 of 3 exercises pass" in lines
    assert [line.split()[1] for line in lines if line.startswith("  ✔")] == \
        ["rnn_step", "gradient_ratio", "clip_by_global_norm"]
    broken = next(line for line in lines if line.startswith("02_lstm_gates.ipynb"))
    assert "0 of 0 exercises pass (not graded: not a valid notebook" in broken
    assert "notes.ipynb" not in done.stdout
    assert lines[-1] == "3 of 3 exercises pass in 2 notebooks."
    assert snapshot(tmp_path) == before


def test_progress_of_an_empty_folder_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-m", "lstm_course.progress", str(tmp_path), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"folder": str(tmp_path), "notebooks": []}
    assert str(progress(tmp_path)) == f"No exercise notebooks (NN_name.ipynb) in {tmp_path}."


def test_progress_scores_a_trained_model_on_the_learners_months_never_the_held_out_ones(tmp_path):
    solved = SOLVED.parent / "08_forecasting_co2.ipynb"
    (tmp_path / solved.name).write_bytes(solved.read_bytes())

    result = progress(tmp_path)

    (forecast,) = result.notebooks[0].exercises
    assert forecast["status"] == "correct", forecast["message"]
    assert "your function saw these months" in forecast["message"]
