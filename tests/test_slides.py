"""`make slides` builds one reveal.js deck per lesson that opens from disk with no network, cut where the
cells' slide metadata says; `python -m tools.add_slide_metadata` writes that metadata idempotently and nothing else."""

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import (
    CHROMIUM,
    LESSONS,
    VENDOR,
    diagram_lesson,
    lesson_notebook,
    missing_local_assets,
    open_offline,
    remote_assets,
    soup_of,
)

from tools import add_slide_metadata as add
from tools import build_slides


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    start = time.perf_counter()
    written = build_slides.build_slides(LESSONS, out, VENDOR)
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"slides: {len(written)} decks in {seconds:.1f} s, {size / 2**20:.1f} MiB")
    return out, written


def test_every_lesson_has_a_deck_listed_on_the_index(decks):
    out, written = decks
    assert [deck.name for deck in written] == [f"{lesson.stem}.slides.html" for lesson in LESSONS]
    assert [a["href"] for a in soup_of(out / "index.html").find_all("a")] == [deck.name for deck in written]


def test_no_deck_loads_anything_from_another_host(decks):
    out, written = decks
    for deck in [*written, out / "index.html"]:
        assert remote_assets(deck) == [], deck.name
        assert missing_local_assets(deck) == [], deck.name
    text = written[0].read_text()
    assert '<script src="_static/reveal.js/dist/reveal.js"></script>' in text
    assert "require.js" not in text and "jquery" not in text.lower()


def expected_slides(nb) -> int:
    """Slides reveal.js counts: one per `slide` or `subslide` cell."""
    types = [cell.metadata.get("slideshow", {}).get("slide_type", "-") for cell in nb.cells]
    return sum(kind in ("slide", "subslide") for kind in types)


def test_a_deck_cut_follows_the_metadata(tmp_path):
    cells = [("markdown", "# Title", "slide"), ("code", "setup = 1", "skip"), ("markdown", "## 1. Part", "slide"),
             ("markdown", "first words", "-"), ("code", "# NBVAL_CHECK_OUTPUT\nshown = 2", "-"),
             ("markdown", "**What to notice:** this", "fragment"),
             ("markdown", "### A sub-part", "subslide"), ("markdown", "Say this aloud.", "notes"),
             ("markdown", "## Summary", "slide")]
    nb = lesson_notebook("Title", [])
    for kind, source, slide_type in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else \
            nbformat.v4.new_code_cell(source, execution_count=1)
        cell.metadata["slideshow"] = {"slide_type": slide_type}
        nb.cells.append(cell)
    path = tmp_path / "01_demo.ipynb"
    nbformat.write(nb, path)
    (deck,) = build_slides.build_slides([path], tmp_path / "out", VENDOR)
    slides = soup_of(deck).select("div.slides > section")
    assert len(slides) == 3
    assert [len(s.find_all("section", recursive=False)) for s in slides] == [1, 2, 1]  # Part has a subslide
    assert "setup = 1" not in deck.read_text()
    assert "shown" in slides[1].get_text() and "NBVAL" not in deck.read_text()
    assert "this" in slides[1].select_one(".fragment").get_text()
    assert slides[1].select_one("aside.notes").get_text().strip() == "Say this aloud."


def test_add_slide_metadata_marks_the_lesson_structure():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 02 · Title\n\nWhy."),
        nbformat.v4.new_code_cell("import torch\nfrom lstm_course.training import set_seed\nset_seed(0)"),
        nbformat.v4.new_markdown_cell("## 1. First"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("**What to notice:** x is one."),
        nbformat.v4.new_markdown_cell("### 1.1 Detail"),
        nbformat.v4.new_code_cell("\n".join(f"y{n} = {n}" for n in range(30))),  # too long to share a slide
        nbformat.v4.new_markdown_cell(""),
        nbformat.v4.new_markdown_cell("## Check your understanding"),
    ])
    assert add.slide_types(nb) == ["slide", "skip", "slide", "-", "fragment", "subslide", "subslide", "skip", "slide"]


def test_add_slide_metadata_is_idempotent_and_writes_only_slide_types(tmp_path):
    copies = [tmp_path / lesson.name for lesson in LESSONS]
    for lesson, copy in zip(LESSONS, copies):
        copy.write_bytes(lesson.read_bytes())
    assert add.main([str(copy) for copy in copies]) == 0
    once = [copy.read_bytes() for copy in copies]
    assert add.main(["--check", *map(str, copies)]) == 0
    assert add.main([str(copy) for copy in copies]) == 0
    assert [copy.read_bytes() for copy in copies] == once

    for lesson, marked_bytes in zip(LESSONS, once):
        original, marked = json.loads(lesson.read_text()), json.loads(marked_bytes)
        assert len(original["cells"]) == len(marked["cells"])
        for before, after in zip(original["cells"], marked["cells"]):
            assert after["metadata"]["slideshow"]["slide_type"] in {"slide", "subslide", "fragment", "skip", "-"}
            before["metadata"].pop("slideshow", None)
            after["metadata"].pop("slideshow")
            assert before == after, lesson.name
        assert marked["metadata"] == original["metadata"]


def test_add_slide_metadata_check_reports_a_stale_lesson_without_writing(tmp_path):
    copy = tmp_path / LESSONS[0].name
    copy.write_bytes(LESSONS[0].read_bytes())
    nb = nbformat.read(copy, as_version=4)
    nb.cells[0].metadata["slideshow"] = {"slide_type": "fragment"}  # a title that would not open the deck
    nbformat.write(nb, copy)
    before = copy.read_bytes()
    result = subprocess.run([sys.executable, "-m", "tools.add_slide_metadata", "--check", str(copy)],
                            capture_output=True, text=True, cwd=Path(add.__file__).parent.parent)
    assert result.returncode == 1
    assert "(would change)" in result.stdout
    assert copy.read_bytes() == before


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (CI installs it)")
def test_a_deck_runs_in_chromium_with_the_network_cut(decks):
    from playwright.sync_api import sync_playwright

    out, written = decks
    nb = nbformat.read(LESSONS[0], as_version=4)
    if not add.has_slide_metadata(nb):
        add.apply(nb)  # what the build did in memory
    requested, errors = [], []
    with sync_playwright() as playwright:
        browser, page = open_offline(playwright, written[0].as_uri(), requested, errors)
        try:
            page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20_000)
            assert page.evaluate("Reveal.getTotalSlides()") == expected_slides(nb)
            page.keyboard.press("ArrowRight")
            assert page.evaluate("Reveal.getIndices().h") == 1
            page.wait_for_selector("mjx-container svg", state="attached", timeout=20_000)
            font = page.evaluate("getComputedStyle(document.querySelector('.reveal h2, .reveal h1')).fontFamily")
            assert "Source Sans Pro" in font  # the theme's bundled font, not a fallback
        finally:
            browser.close()
    assert requested == []
    assert errors == []


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (CI installs it)")
def test_a_mermaid_diagram_is_drawn_when_its_slide_is_shown(tmp_path):
    from playwright.sync_api import sync_playwright

    (deck,) = build_slides.build_slides([diagram_lesson(tmp_path / "notebooks")], tmp_path / "out", VENDOR)
    requested, errors = [], []
    with sync_playwright() as playwright:
        browser, page = open_offline(playwright, deck.as_uri(), requested, errors)
        try:
            page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20_000)
            assert page.locator(".jp-Mermaid svg").count() == 0  # not drawn while its slide is hidden
            page.keyboard.press("ArrowRight")
            page.wait_for_selector(".jp-Mermaid svg", timeout=20_000)
            assert page.evaluate("document.querySelector('.jp-Mermaid svg').getBoundingClientRect().width") > 100
        finally:
            browser.close()
    assert requested == [] and errors == []
