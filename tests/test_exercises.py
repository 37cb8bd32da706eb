"""The exercise build: exercises/ is exactly a fresh build of solutions/, stubs replace every solution,
answer cells stay editable and the rest read-only, and a learner's edited notebook is never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from lstm_course.exercises import BEGIN, END, build, main, stub_source

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"


def test_committed_exercises_equal_a_fresh_build(tmp_path):
    written, refused = build(SOLUTIONS, tmp_path)
    assert refused == []
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == sorted(p.name for p in EXERCISES.glob("*.ipynb"))
    for path in written:
        assert path.read_bytes() == (EXERCISES / path.name).read_bytes(), f"rebuild {path.name}: make exercises"


def test_build_is_reproducible_byte_for_byte(tmp_path):
    build(SOLUTIONS, tmp_path / "a")
    build(SOLUTIONS, tmp_path / "b")
    for path in (tmp_path / "a").glob("*.ipynb"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


@pytest.mark.parametrize("path", sorted(EXERCISES.glob("*.ipynb")), ids=lambda p: p.stem)
def test_exercise_has_stubs_no_solutions_no_outputs_and_locked_cells(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids))
    points = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        assert BEGIN not in cell.source and END not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if meta.get("solution"):
            assert "raise NotImplementedError()" in cell.source
            assert "editable" not in cell.metadata
        else:
            assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
        if meta.get("grade"):
            assert meta["locked"] and meta["schema_version"] == 3
            points += meta["points"]
    assert points == 100


def test_stub_keeps_the_indentation_of_the_region():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n"
    assert stub_source(source) == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def test_unbalanced_markers_are_refused():
    with pytest.raises(ValueError, match="unbalanced"):
        stub_source("### BEGIN SOLUTION\nx = 1\n")


def _edit(path: Path, index_of_answer: int = 0) -> None:
    nb = json.loads(path.read_text())
    answers = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    answers[index_of_answer]["source"] = "def rnn_step(*args):\n    return 'my work in progress'\n"
    path.write_text(json.dumps(nb))


def test_build_refuses_to_overwrite_a_notebook_a_learner_edited(tmp_path, capsys):
    out = tmp_path / "exercises"
    build(SOLUTIONS, out)
    edited = out / "01_rnn_vanishing_gradients.ipynb"
    _edit(edited)
    before = edited.read_bytes()
    untouched = out / "02_lstm_gates.ipynb"
    untouched.unlink()
    assert main(["build", "--out", str(out)]) == 1
    assert edited.read_bytes() == before
    assert "01_rnn_vanishing_gradients.ipynb" in capsys.readouterr().err
    assert untouched.exists()
    assert main(["build", "--out", str(tmp_path / "elsewhere")]) == 0
    assert edited.read_bytes() == before


def test_running_a_notebook_without_editing_it_does_not_block_a_rebuild(tmp_path):
    out = tmp_path / "exercises"
    build(SOLUTIONS, out)
    path = out / "03_building_an_lstm_cell.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "Python 3\n"}]
    nb["cells"][1]["execution_count"] = 1
    path.write_text(json.dumps(nb))
    written, refused = build(SOLUTIONS, out)
    assert refused == [] and path.read_bytes() == (EXERCISES / path.name).read_bytes()


def test_a_notebook_without_a_build_hash_is_not_overwritten(tmp_path):
    out = tmp_path / "exercises"
    out.mkdir()
    stranger = out / "01_rnn_vanishing_gradients.ipynb"
    stranger.write_text("{}")
    written, refused = build(SOLUTIONS, out)
    assert refused == [stranger] and stranger.read_text() == "{}"
