"""Lesson metadata lives in each notebook; the course maps in README.md and lesson 00 are made from it."""

import shutil

import nbformat
import pytest

from tools import lesson_metadata as lm

LESSONS = sorted(lm.ROOT.glob(lm.LESSON_GLOB))


def opening_cell(path):
    return next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown").source


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_metadata_or_is_still_planned(path):
    meta = lm.read(path)
    assert meta is not None or path.stem in lm.PLANNED, (
        f"{path.name} has no metadata: python -m tools.lesson_metadata set {path.relative_to(lm.ROOT)} ...")


@pytest.mark.parametrize("path", [p for p in LESSONS if lm.read(p) is not None], ids=lambda p: p.stem)
def test_the_opening_cell_shows_the_metadata_title_and_objectives(path):
    meta = lm.read(path)
    lines = opening_cell(path).splitlines()
    number = path.stem[:2]
    heading = f"# {meta['title']}" if number == "00" else f"# {number} · {meta['title']}"
    assert lines[0] == heading, f"{path.name}: heading {lines[0]!r}, metadata says {heading!r}"
    items = [line[2:].rstrip(";. ") for line in lines if line.startswith("- ")]
    missing = [o for o in meta["objectives"] if o not in items]
    assert not missing, f"{path.name}: objectives in the metadata but not in the opening cell: {missing}"


def test_the_course_maps_are_what_the_metadata_makes():
    stale = lm.update_maps(check=True)
    assert not stale, f"{stale} out of date: run `python -m tools.lesson_metadata maps`"


def test_the_maps_list_every_lesson_in_file_order_with_its_title(tmp_path):
    lessons = lm.course()
    stems = [lesson.stem for lesson in lessons]
    assert stems == sorted(stems) and {p.stem for p in LESSONS} <= set(stems) and set(lm.PLANNED) <= set(stems)
    readme = lm.readme_map(lessons)
    for lesson in lessons:
        assert f"| [`{lesson.stem}`](notebooks/{lesson.stem}.ipynb) | {lesson.title} |" in readme
    start = lm.start_here_map(lessons, lm.ROOT / "notebooks")
    for lesson in lessons:
        linked = f"| [`{lesson.stem}`]({lesson.stem}.ipynb) |" in start
        assert linked == lesson.path.is_file(), lesson.stem  # a link only where it resolves


def copy_lesson(tmp_path, name="12_widget_gallery.ipynb"):
    copy = tmp_path / name
    shutil.copyfile(lm.ROOT / "notebooks" / name, copy)
    return copy


def test_set_changes_only_the_metadata_and_keeps_the_other_fields(tmp_path):
    path = copy_lesson(tmp_path)
    before = nbformat.read(path, as_version=4)
    assert lm.main(["set", str(path), "--minutes", "25"]) == 0
    after = nbformat.read(path, as_version=4)
    assert after.cells == before.cells
    assert after.metadata[lm.KEY] == {**before.metadata[lm.KEY], "minutes": 25}


def test_set_on_a_new_lesson_needs_every_field(tmp_path, capsys):
    path = copy_lesson(tmp_path)
    nb = nbformat.read(path, as_version=4)
    del nb.metadata[lm.KEY]
    nbformat.write(nb, path)
    assert lm.main(["set", str(path), "--title", "A new lesson"]) == 2
    assert "lacks ['minutes', 'summary', 'objectives']" in capsys.readouterr().err
    assert lm.read(path) is None  # nothing half-written
    assert lm.main(["set", str(path), "--title", "A new lesson", "--minutes", "40", "--summary", "do a thing",
                    "--objective", "first", "--objective", "second"]) == 0
    assert lm.read(path) == {"title": "A new lesson", "minutes": 40, "summary": "do a thing",
                             "objectives": ["first", "second"]}


@pytest.mark.parametrize("meta, error, message", [
    ([], TypeError, "must be a dict"),
    ({"title": "t", "minutes": 3, "summary": "s"}, ValueError, "lacks ['objectives']"),
    ({"title": "t", "minutes": "30", "summary": "s", "objectives": ["o"]}, TypeError, "minutes must be a whole"),
    ({"title": "t", "minutes": True, "summary": "s", "objectives": ["o"]}, TypeError, "minutes must be a whole"),
    ({"title": "t", "minutes": 0, "summary": "s", "objectives": ["o"]}, ValueError, "minutes must be positive"),
    ({"title": " ", "minutes": 5, "summary": "s", "objectives": ["o"]}, ValueError, "title must not be empty"),
    ({"title": "t", "minutes": 5, "summary": "s", "objectives": []}, ValueError, "non-empty list"),
    ({"title": "t", "minutes": 5, "summary": "s", "objectives": "o"}, TypeError, "list of strings"),
])
def test_bad_metadata_is_refused_with_what_was_expected(meta, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")):
        lm.validate(meta)


def test_maps_check_reports_a_stale_map_and_writing_fixes_it(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for path in LESSONS:
        if lm.read(path) is not None:
            shutil.copyfile(path, tmp_path / "notebooks" / path.name)
    shutil.copyfile(lm.ROOT / "README.md", tmp_path / "README.md")
    lm.write(tmp_path / "notebooks" / "12_widget_gallery.ipynb", minutes=11)
    assert lm.update_maps(tmp_path, check=True) == ["README.md", "notebooks/00_start_here.ipynb"]
    assert lm.update_maps(tmp_path) == ["README.md", "notebooks/00_start_here.ipynb"]
    assert "| 11 |" in (tmp_path / "README.md").read_text() and lm.update_maps(tmp_path, check=True) == []
