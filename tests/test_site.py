"""`make site` builds a readable course site that needs no network: every lesson page, the course map,
prev/next links, embedded figures, widgets' static fallback, no remote asset and no broken internal link."""

import time
from pathlib import Path

import nbformat
import pytest
from conftest import (
    CHROMIUM,
    LESSONS,
    VENDOR,
    broken_links,
    diagram_lesson,
    lesson_notebook,
    missing_local_assets,
    open_offline,
    remote_assets,
    soup_of,
)

from tools import build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    pages = build_site.build_site(LESSONS, out, VENDOR)
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"site: {len(pages)} pages in {seconds:.1f} s, {size / 2**20:.1f} MiB")
    return out, pages


def test_every_lesson_has_a_page_listed_on_the_course_map(site):
    out, pages = site
    assert LESSONS, "no lessons found"
    index = soup_of(out / "index.html")
    listed = [a["href"] for a in index.select("table a[href]:not(.exercise)")]
    assert listed == [f"notebooks/{lesson.stem}.html" for lesson in LESSONS]
    for lesson in LESSONS:
        page = out / "notebooks" / f"{lesson.stem}.html"
        assert page in pages and page.is_file()
        title = soup_of(page).find("h1").get_text().strip().rstrip("¶")
        assert title and index.find("a", href=f"notebooks/{lesson.stem}.html").get_text() == title


def test_no_page_loads_anything_from_another_host(site):
    out, _ = site
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == len(LESSONS) + 1
    found = {page.name: remote_assets(page) for page in pages}
    assert not any(found.values()), found
    missing = {page.name: missing_local_assets(page) for page in pages}
    assert not any(missing.values()), missing


def test_every_internal_link_resolves(site):
    out, _ = site
    broken = {page.relative_to(out).as_posix(): broken_links(page) for page in out.rglob("*.html")}
    assert not any(broken.values()), broken


def test_prev_and_next_links_walk_the_lessons_in_order(site):
    out, _ = site
    pages = [out / "notebooks" / f"{lesson.stem}.html" for lesson in LESSONS]
    for n, page in enumerate(pages):
        soup = soup_of(page)
        nxt = {a["href"] for a in soup.select('nav.course-nav a[rel="next"]')}
        prev = {a["href"] for a in soup.select('nav.course-nav a[rel="prev"]')}
        assert nxt == ({pages[n + 1].name} if n + 1 < len(pages) else set()), page.name
        assert prev == ({pages[n - 1].name} if n > 0 else set()), page.name
        assert {a["href"] for a in soup.select("nav.course-nav a")} >= {"../index.html"}


def test_every_figure_of_the_lessons_is_embedded_and_no_widget_script_remains(site):
    out, _ = site
    for lesson in LESSONS:
        nb = nbformat.read(lesson, as_version=4)
        figures = sum("image/png" in output.get("data", {}) for cell in nb.cells for output in cell.get("outputs", []))
        text = (out / "notebooks" / f"{lesson.stem}.html").read_text(encoding="utf-8")
        assert text.count('src="data:image/png;base64,') >= figures, lesson.name
        assert "application/vnd.jupyter.widget" not in text
        assert "@jupyter-widgets/html-manager" not in text


def widget_output(with_png: bool, text: str = "VBox(children=(FloatSlider(value=0.5),))"):
    data = {"application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/plain": text}
    if with_png:
        data["image/png"] = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                             "AAAABJRU5ErkJggg==")  # a 1x1 PNG
    return nbformat.v4.new_output("display_data", data=data)


def fake_course(root: Path, links: str) -> list[Path]:
    """A two-lesson course folder: the first lesson links as given and shows two widgets."""
    (root / "notebooks").mkdir(parents=True)
    (root / "exercises").mkdir()
    (root / "exercises" / "01_first.ipynb").write_text("{}")
    first = lesson_notebook("First", objectives=("do $a$", "do b"), cells=[
        nbformat.v4.new_markdown_cell("# 01 · First\n\nWhy it matters, with $x_t$.\n\n**You will be able to**\n"
                                      "- do $a$;\n- do b.\n\n## 1. Part\n\n" + links + "\n\nNext: `02_second.ipynb`."),
        nbformat.v4.new_code_cell("app", execution_count=1, outputs=[widget_output(True), widget_output(False)]),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nquiz", execution_count=2,
                                  outputs=[widget_output(False, "Which gate keeps c?")]),
    ])
    second = lesson_notebook("Second", [nbformat.v4.new_markdown_cell("# 02 · Second\n\nMore.")])
    paths = [root / "notebooks" / "01_first.ipynb", root / "notebooks" / "02_second.ipynb"]
    for nb, path in zip([first, second], paths):
        nbformat.write(nb, path)
    return paths


def test_lesson_links_become_page_links_and_linked_course_files_are_copied(tmp_path):
    lessons = fake_course(tmp_path / "course", "See [the next lesson](02_second.ipynb#Top), [the exercise]"
                          "(../exercises/01_first.ipynb) and [part 1](#1.-Part).")
    out = tmp_path / "site"
    build_site.build_site(lessons, out, VENDOR, root=tmp_path / "course")
    soup = soup_of(out / "notebooks" / "01_first.html")
    hrefs = {a.get_text(): a["href"] for a in soup.find_all("a", href=True)}
    assert hrefs["the next lesson"] == "02_second.html#Top"
    assert hrefs["02_second.ipynb"] == "02_second.html"  # a lesson named in prose links to its page
    assert hrefs["the exercise"] == "../exercises/01_first.ipynb"
    assert (out / "exercises" / "01_first.ipynb").read_text() == "{}"
    assert broken_links(out / "notebooks" / "01_first.html") == ["02_second.html#Top"]  # the checker sees a bad id


def test_widgets_show_their_figure_or_a_note_instead_of_their_repr(tmp_path):
    lessons = fake_course(tmp_path / "course", "No links.")
    build_site.build_site(lessons, tmp_path / "site", VENDOR, root=tmp_path / "course")
    text = (tmp_path / "site" / "notebooks" / "01_first.html").read_text()
    assert text.count('src="data:image/png;base64,iVBORw0KGgo') == 1  # the app's static figure
    assert "VBox(children=" not in text
    assert text.count("course-widget-note") == 1  # the widget that had no figure and only its repr
    assert "Which gate keeps c?" in text  # a widget whose text says something keeps it
    assert "NBVAL" not in text  # the test suite's markers are not for readers
    index = soup_of(tmp_path / "site" / "index.html")
    assert [li.get_text() for li in index.select("table tr:first-child ul li")] == ["do $a$", "do b"]  # for MathJax
    assert index.find("script", src="_static/mathjax/tex-svg-full.js")
    assert index.find("td").find("a")["href"] == "notebooks/01_first.html"
    assert [a["href"] for a in index.select("a.exercise")] == ["exercises/01_first.ipynb"]  # 02 has none
    assert (tmp_path / "site" / "exercises" / "01_first.ipynb").read_text() == "{}"


def test_a_link_to_a_missing_file_stops_the_build(tmp_path):
    lessons = fake_course(tmp_path / "course", "See [gone](../exercises/99_gone.ipynb).")
    with pytest.raises(build_site.BuildError, match="99_gone.ipynb' points to no file of the course"):
        build_site.build_site(lessons, tmp_path / "site", VENDOR, root=tmp_path / "course")


def test_an_unexecuted_lesson_stops_the_build(tmp_path):
    lessons = fake_course(tmp_path / "course", "")
    nb = nbformat.read(lessons[1], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("1 + 1"))
    nbformat.write(nb, lessons[1])
    with pytest.raises(build_site.BuildError, match=r"02_second.ipynb: code cells \[1\] have no outputs"):
        build_site.build_site(lessons, tmp_path / "site", VENDOR, root=tmp_path / "course")


def test_the_checker_finds_remote_assets(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<html><head><script src="https://cdn.example/x.js"></script><style>@font-face {src: '
                    'url(//fonts.example/f.woff)}</style></head><body><img srcset="a.png 1x, http://x/b.png 2x">'
                    '<script type="module">import("https://cdn.example/m.mjs")</script>'
                    '<a href="https://example.org/paper">a reference is fine</a></body></html>')
    assert remote_assets(page) == ["https://cdn.example/x.js", "http://x/b.png", "//fonts.example/f.woff",
                                   "https://cdn.example/m.mjs"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (CI installs it)")
def test_a_lesson_page_renders_its_math_in_chromium_with_the_network_cut(site):
    from playwright.sync_api import sync_playwright

    out, _ = site
    requested, errors = [], []
    with sync_playwright() as playwright:
        browser, page = open_offline(playwright, (out / "notebooks" / f"{LESSONS[0].stem}.html").as_uri(), requested,
                                     errors)
        try:
            page.wait_for_selector("mjx-container svg", timeout=20_000)  # MathJax ran, from the local copy
            assert page.locator("nav.course-nav a").first.inner_text() == "Course map"
            page.goto((out / "index.html").as_uri())
            assert page.locator("table a:not(.exercise)").count() == len(LESSONS)
        finally:
            browser.close()
    assert requested == []
    assert errors == []


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (CI installs it)")
def test_a_mermaid_diagram_is_drawn_from_the_local_copy(tmp_path):
    from playwright.sync_api import sync_playwright

    lesson = diagram_lesson(tmp_path / "course" / "notebooks")
    build_site.build_site([lesson], tmp_path / "site", VENDOR, root=tmp_path / "course")
    page_path = tmp_path / "site" / "notebooks" / "01_diagram.html"
    assert soup_of(page_path).find("script", src="../_static/mermaid/mermaid.min.js")
    requested, errors = [], []
    with sync_playwright() as playwright:
        browser, page = open_offline(playwright, page_path.as_uri(), requested, errors)
        try:
            page.wait_for_selector(".jp-Mermaid svg", timeout=20_000)
            assert page.evaluate("document.querySelector('.jp-Mermaid svg').getBoundingClientRect().width") > 100
        finally:
            browser.close()
    assert requested == [] and errors == []


BELT = """```mermaid
flowchart LR
    subgraph belt ["cell state: the conveyor belt"]
        cprev["cₜ₋₁"] ==> forget(("×")) ==> add(("+")) ==> cnext["cₜ"]
    end
    hx["hₜ₋₁, xₜ"] --> f["forget gate fₜ = σ(…)"] & i["input gate iₜ = σ(…)"]
    f --> forget
    i --> add
```"""
# For each subgraph: the space between the bottom of its title and the top of the highest box inside it.
TITLE_GAPS = """() => [...document.querySelectorAll('.jp-Mermaid svg g.cluster')].map(cluster => {
  const box = cluster.querySelector('rect').getBoundingClientRect();
  const title = cluster.querySelector('.cluster-label').getBoundingClientRect();
  const inside = [...cluster.ownerSVGElement.querySelectorAll('g.node')].map(n => n.getBoundingClientRect())
    .filter(r => r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom);
  return Math.min(...inside.map(r => r.top)) - title.bottom; })"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (CI installs it)")
def test_a_subgraph_title_keeps_clear_of_the_boxes_inside_it(tmp_path):
    """Lesson 02's conveyor belt: the title "cell state: the conveyor belt" above the c_{t-1} box, not on it."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "course" / "notebooks"
    folder.mkdir(parents=True)
    path = folder / "02_belt.ipynb"
    nbformat.write(lesson_notebook("Belt", [nbformat.v4.new_markdown_cell("# 02 · Belt\n\n" + BELT)]), path)
    build_site.build_site([path], tmp_path / "site", VENDOR, root=tmp_path / "course")
    requested, errors = [], []
    with sync_playwright() as playwright:
        browser, page = open_offline(playwright, (tmp_path / "site" / "notebooks" / "02_belt.html").as_uri(),
                                     requested, errors)
        try:
            page.wait_for_selector(".jp-Mermaid svg g.cluster", timeout=20_000)
            gaps = page.evaluate(TITLE_GAPS)
        finally:
            browser.close()
    assert len(gaps) == 1 and gaps[0] >= 12, gaps  # pixels of clear space under the title
    assert requested == [] and errors == []


def contrast_violations(page) -> list[str]:
    """axe-core's WCAG 2 AA colour-contrast check on the open page: one line per failing element."""
    axe = build_site.fetch_npm_package("axe-core", VENDOR) / "axe.min.js"
    page.add_script_tag(path=str(axe))
    return page.evaluate("""axe.run(document, {runOnly: ['color-contrast']}).then(result =>
        result.violations.flatMap(v => v.nodes.map(n =>
            n.target.join(' ') + ': ' + n.any[0].data.fgColor + ' on ' + n.any[0].data.bgColor +
            ' is ' + n.any[0].data.contrastRatio + ':1, needs ' + n.any[0].data.expectedContrastRatio)))""")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (CI installs it)")
def test_every_page_meets_wcag_2_aa_colour_contrast(site):
    from playwright.sync_api import sync_playwright

    out, pages = site
    found, requested, errors = {}, [], []
    with sync_playwright() as playwright:
        browser, page = open_offline(playwright, pages[0].as_uri(), requested, errors)
        try:
            for path in pages:
                page.goto(path.as_uri())
                page.wait_for_load_state("load")  # then the diagrams, drawn after it, are checked too:
                page.wait_for_function("!document.querySelector('.jp-Mermaid > pre.mermaid:not([data-processed])')")
                found[path.name] = contrast_violations(page)
        finally:
            browser.close()
    assert not any(found.values()), {name: (len(v), v[:5]) for name, v in found.items() if v}


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (CI installs it)")
def test_the_contrast_check_finds_pale_text(tmp_path):
    from playwright.sync_api import sync_playwright

    pale = tmp_path / "pale.html"
    pale.write_text('<html lang="en"><body><p style="color: #b0b0b0">In [1]:</p><p>fine</p></body></html>')
    requested, errors = [], []
    with sync_playwright() as playwright:
        browser, page = open_offline(playwright, pale.as_uri(), requested, errors)
        try:
            found = contrast_violations(page)
        finally:
            browser.close()
    assert len(found) == 1 and "#b0b0b0 on #ffffff" in found[0], found
