"""Every notebook Jupyter opens is graded, whichever editor saved it; shards merge into one run.

The solution of exercise 03 is saved the way other front ends save notebooks; each variant must
score what the solution scores (100). Files Jupyter cannot open either get a message naming the
cell and the field. The same folder, graded in two shards and merged, gives the single run's CSV
and JSON byte for byte.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lstm_course.grade import shard
from lstm_course.grade.merge import NotShards, merge
from lstm_course.grade.submission import NotANotebook, read

ROOT = Path(__file__).resolve().parent.parent
STEM = "03_building_an_lstm_cell"


def solution() -> dict:
    return json.loads((ROOT / "solutions" / f"{STEM}.ipynb").read_text())


def vscode(nb):  # markdown cells carrying outputs and execution_count
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell.update(outputs=[], execution_count=None)
    return nb


def minor_4_with_ids(nb):
    nb["nbformat_minor"] = 4
    return nb


def colab(nb):  # nbformat 4.0 without cell ids, Colab's metadata
    nb["nbformat_minor"] = 0
    for cell in nb["cells"]:
        cell.pop("id", None)
        cell["metadata"]["colab"] = {"base_uri": "https://localhost:8080/"}
    nb["metadata"]["colab"] = {"provenance": []}
    return nb


def duplicate_ids(nb):  # cells copied and pasted by an editor that keeps ids
    for cell in nb["cells"][1:]:
        cell["id"] = nb["cells"][0]["id"]
    return nb


def metadata_lost(nb):
    del nb["metadata"]["lstm_course"]
    return nb


def version_3(nb) -> str:
    return nbformat.writes(nbformat.convert(nbformat.from_dict(nbformat.reads(json.dumps(nb), as_version=4)), 3))


# front end -> (file name, the file's text)
VARIANTS = {
    "JupyterLab (as committed)": (f"jupyterlab_{STEM}.ipynb", json.dumps(solution())),
    "markdown cells with outputs (VS Code)": (f"vscode_{STEM}.ipynb", json.dumps(vscode(solution()))),
    "cell ids in nbformat 4.4": (f"minor4_{STEM}.ipynb", json.dumps(minor_4_with_ids(solution()))),
    "nbformat 4.0, no ids (Colab)": (f"colab_{STEM}.ipynb", json.dumps(colab(solution()))),
    "duplicate cell ids": (f"duplicates_{STEM}.ipynb", json.dumps(duplicate_ids(solution()))),
    "nbformat 3 (old Jupyter)": (f"v3_{STEM}.ipynb", version_3(solution())),
    "course metadata lost, alice_03.ipynb": ("alice_03.ipynb", json.dumps(metadata_lost(solution()))),
}


def grade(paths, out: Path, *extra: str) -> None:
    command = [sys.executable, "-m", "lstm_course.grade", *map(str, paths), "--out", str(out), "--jobs", "2",
               "--seed", "11", "--cell-timeout", "60", "--timeout", "300", *extra]
    run = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for name, text in VARIANTS.values():
        (folder / name).write_text(text)
    out = tmp_path_factory.mktemp("whole") / "grades.csv"
    grade([folder], out)
    with open(out, newline="") as f:
        scores = {row["submission"]: row for row in csv.DictReader(f)}
    return dict(folder=folder, out=out, scores={Path(k).name: v for k, v in scores.items()},
                tmp=tmp_path_factory.mktemp("shards"))


@pytest.mark.parametrize("front_end", list(VARIANTS))
def test_a_notebook_any_front_end_saved_is_graded_like_the_original(graded, front_end):
    row = graded["scores"][VARIANTS[front_end][0]]
    assert (row["notebook"], row["score"]) == (STEM, "100"), row


@pytest.mark.parametrize(("broken", "message"), [
    (lambda nb: nb["cells"][3].update(outputs="none"), "cell 4 (code), field outputs: 'none' is not of type 'array'"),
    (lambda nb: nb["cells"][4].update(source=5), "cell 5 (code), field source: 5 is not of type 'string'"),
    (lambda nb: nb["cells"][4].update(outputs=[{"output_type": "stream", "name": "stdout", "text": 5}]),
     "cell 5 (code), field outputs[0].text: 5 is not of type 'string'"),
    (lambda nb: nb.pop("nbformat"), "no 'nbformat' version number at the top level"),
])
def test_a_notebook_jupyter_cannot_open_is_refused_naming_the_cell_and_the_field(tmp_path, broken, message):
    nb = solution()
    broken(nb)
    path = tmp_path / f"learner_{STEM}.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(NotANotebook) as refused:
        read(path)
    assert str(refused.value) == f"not a valid notebook: {message}"


def test_truncated_json_is_refused_with_line_and_column(tmp_path):
    path = tmp_path / "alice_03.ipynb"
    path.write_text(json.dumps(solution())[:300])
    with pytest.raises(NotANotebook, match=r"not a valid notebook: not JSON \(line 1, column \d+: "):
        read(path)


@pytest.mark.parametrize(("name", "found"), [
    ("alice_03.ipynb", STEM), ("03-bob.ipynb", STEM), ("carol 2025 ex03 final.ipynb", STEM),
    (f"x{STEM}_v2.ipynb", STEM), ("learner012_01.ipynb", "01_rnn_vanishing_gradients"),
])
def test_the_exercise_number_is_found_anywhere_in_the_name(tmp_path, name, found):
    path = tmp_path / name
    path.write_text(json.dumps(metadata_lost(solution())))
    assert read(path).notebook == found


@pytest.mark.parametrize(("name", "why"), [("alice.ipynb", "says which exercise"), ("a_03_v01.ipynb", "any of")])
def test_a_name_without_one_clear_number_is_refused(tmp_path, name, why):
    path = tmp_path / name
    path.write_text(json.dumps(metadata_lost(solution())))
    with pytest.raises(NotANotebook, match=why):
        read(path)


def test_shards_merge_into_exactly_the_single_run(graded):
    parts = []
    for k in (1, 2):
        out = graded["tmp"] / f"grades_{k}.csv"
        grade([graded["folder"]], out, "--shard", f"{k}/2")
        parts.append(out)
    merged = graded["tmp"] / "merged.csv"
    run = subprocess.run([sys.executable, "-m", "lstm_course.grade.merge", *map(str, parts), "--out", str(merged)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert merged.read_bytes() == graded["out"].read_bytes()
    assert merged.with_suffix(".json").read_bytes() == graded["out"].with_suffix(".json").read_bytes()
    sizes = [len(json.loads(p.with_suffix(".json").read_text())["submissions"]) for p in parts]
    assert sorted(sizes) == [len(VARIANTS) // 2, len(VARIANTS) - len(VARIANTS) // 2]


def test_shards_are_a_partition_that_depends_only_on_the_paths():
    paths = [Path(f"s/{name}.ipynb") for name in "qwertyuiopasdfg"]
    parts = [shard.part(paths, k, 4) for k in range(1, 5)]
    assert sorted(p for part in parts for p in part) == sorted(paths)
    assert parts == [shard.part(paths[::-1], k, 4) for k in range(1, 5)]
    assert [len(p) for p in parts] == [4, 4, 4, 3]


@pytest.mark.parametrize("text", ["0/3", "4/3", "2", "a/b", "1/0"])
def test_a_bad_shard_is_refused(text):
    with pytest.raises(ValueError, match="K/N"):
        shard.parse(text)


def test_merge_refuses_parts_that_are_not_one_batch():
    row = {"submission": "a.ipynb", "notebook": "", "score": 0, "max_score": 100, "points": {}}
    with pytest.raises(NotShards, match="different seeds"):
        merge([{"seed": 1, "shard": "1/2", "submissions": []}, {"seed": 2, "shard": "2/2", "submissions": []}])
    with pytest.raises(NotShards, match="expected shards"):
        merge([{"seed": 1, "shard": "1/3", "submissions": []}, {"seed": 1, "shard": "2/3", "submissions": []}])
    with pytest.raises(NotShards, match="more than one shard"):
        merge([{"seed": 1, "shard": "1/2", "submissions": [row]}, {"seed": 1, "shard": "2/2", "submissions": [row]}])
