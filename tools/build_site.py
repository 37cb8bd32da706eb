"""Build the course site: static HTML of the executed lessons, a course map and prev/next links.

    python -m tools.build_site                       # every lesson -> _build/site/index.html
    python -m tools.build_site --out DIR             # somewhere else
    python -m tools.build_site notebooks/02_*.ipynb  # just some lessons

The pages show the outputs committed with the lessons (the lessons are not run again), and they
open from disk with no network: figures are embedded, MathJax (and Mermaid, if a lesson draws a
diagram) is copied from its npm package next to the pages, and widgets show their static fallback.
The npm packages are fetched once with `npm pack` into a cache (default `_build/vendor/`), checked
against the hashes pinned below, and reused offline afterwards.

The pages are made with the nbconvert template directory `tools/templates/course_page/` (HTML,
CSS and JavaScript live there, not here); the course map lists each lesson's title, minutes and
objectives from its notebook metadata (`tools.lesson_metadata`).

Links between lessons point to their pages; a link to another file of the course (an exercise
notebook, the README) gets a copy of that file at the same relative place, so every link of the
site resolves. A link to a file that does not exist stops the build (`BuildError`).
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from tools import lesson_metadata
from tools.lesson_metadata import LESSON_GLOB, ROOT, Lesson

BUILD = ROOT / "_build"
TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_STATIC = ("course.css", "mermaid_run.js")  # files of the page template copied into _static/

# Exact versions and the registry's sha512 of each tarball: a build uses these files and no others.
NPM_PACKAGES = {
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
    ),
    "reveal.js": (
        "5.2.1",
        "sha512-r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRhJaFgfQ7zNQ==",
    ),
    "mermaid": (
        "11.10.0",
        "sha512-oQsFzPBy9xlpnGxUqLbVY8pvknLlsNIJ0NWwi8SUJjhbP1IT0E0o1lfhU4iYV3ubpy+xkzkaOyDUQMn06vQElQ==",
    ),
    # Not shipped with the pages: the browser tests run its accessibility checks (WCAG 2 AA contrast) on them.
    "axe-core": (
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
    ),
}
TEST_ONLY = {"axe-core"}  # npm packages the tests use and the pages never load
MATHJAX_FILE = "es5/tex-svg-full.js"  # one file with every TeX extension and SVG output: no fonts to fetch
MERMAID_FILE = "dist/mermaid.min.js"  # the classic-script build: ES modules do not load from file://
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<p class="course-widget-note">In JupyterLab an interactive widget appears here: '
               'run the notebook to use it.</p>')
WIDGET_REPR = re.compile(r"^\w+\((children|value|description|layout|options)=")  # e.g. VBox(children=(...))
NBVAL_MARKER = re.compile(r"^# NBVAL_\w+[ \t]*\n?", re.MULTILINE)
MERMAID_FENCE = re.compile(r"^```mermaid\s*$", re.MULTILINE)



class BuildError(RuntimeError):
    """The site or a deck cannot be built as asked (a broken link, an unexecuted lesson, a bad download)."""


def heading(lesson: Lesson) -> str:
    """The lesson's title as its opening cell shows it: `NN · title` (lesson 00: the title alone)."""
    title = html.unescape(re.sub(r"<[^>]+>", "", markdown_inline(lesson.title)))
    return title if lesson.number == "00" else f"{lesson.number} · {title}"


def page_name(lesson: Lesson) -> str:
    return f"{lesson.path.parent.name}/{lesson.path.stem}.html"


def template_environment() -> jinja2.Environment:
    """Jinja for the pages nbconvert does not make (the course map, the deck index), from `tools/templates`."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def fetch_npm_package(name: str, cache: Path) -> Path:
    """The unpacked npm package `name` at its pinned version, fetched once with `npm pack` and hash-checked."""
    version, integrity = NPM_PACKAGES[name]
    target = cache / f"{name}-{version}"
    if (target / "package.json").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"{name.replace('/', '-')}-{version}.tgz"
    if not tarball.is_file():
        if shutil.which("npm") is None:
            raise BuildError(f"{name}@{version} is not in {cache} and npm is not installed to fetch it "
                             "(install Node.js, or copy the tarball there)")
        with tempfile.TemporaryDirectory(dir=cache) as download:
            subprocess.run(["npm", "pack", f"{name}@{version}", "--pack-destination", download],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
            (packed,) = Path(download).glob("*.tgz")
            packed.replace(tarball)  # atomic: two builds at once never see half a file
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        tarball.unlink()
        raise BuildError(f"{tarball.name}: {algorithm} is {digest}, the pinned one is {expected}; deleted it")
    with tempfile.TemporaryDirectory(dir=cache) as unpack:
        with tarfile.open(tarball) as archive:
            archive.extractall(unpack, filter="data")
        try:
            (Path(unpack) / "package").replace(target)
        except OSError:  # another build unpacked it first
            pass
    return target


def copy_vendor_file(name: str, inside: str, cache: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fetch_npm_package(name, cache) / inside, destination)


def markdown_inline(text: str) -> str:
    """A line of Markdown as HTML without the surrounding paragraph."""
    rendered = markdown2html_mistune(text).strip()
    return re.sub(r"^<p>(.*)</p>$", r"\1", rendered, flags=re.DOTALL)


def unexecuted_cells(nb) -> list[int]:
    return [n for n, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None]


def for_reading(nb):
    """A copy of `nb` for a page or a deck: widgets show what they show without a widget front end, and the
    test suite's markers (`# NBVAL_CHECK_OUTPUT`) are left out of the code."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = NBVAL_MARKER.sub("", cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                if set(data) <= {"text/plain"} and WIDGET_REPR.match(str(data.get("text/plain", ""))):
                    output["data"] = {"text/html": WIDGET_NOTE}  # ipywidgets' own repr says nothing to a reader
    return nb


def local_target(url: str) -> str | None:
    """The relative file path a link points to, or None for external links and anchors on the same page."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("#", "//", "data:", "mailto:")) or not parts.path:
        return None
    return unquote(parts.path)


def rewrite_links(page_html: str, source: Path, page: Path, lessons: dict[Path, Lesson], out: Path,
                  root: Path) -> str:
    """Point lesson links at their pages; copy any other linked course file next to the page, as in the repository."""
    soup = BeautifulSoup(page_html, "html.parser")
    for tag, attribute in (("a", "href"), ("img", "src")):
        for element in soup.find_all(tag, **{attribute: True}):
            if element.find_parent("nav", class_="course-nav"):
                continue  # the site's own navigation, already relative to the site
            url = element[attribute]
            target = local_target(url)
            if target is None:
                continue
            linked = (source.parent / target).resolve()
            fragment = url[len(url.split("#")[0]):]
            if linked in lessons:
                element[attribute] = Path(page_name(lessons[linked])).name if linked.parent == source.parent \
                    else relative(out / page_name(lessons[linked]), page.parent)
                element[attribute] += fragment
                continue
            if not linked.is_file() or root not in linked.parents:
                raise BuildError(f"{source.name}: the link {url!r} points to no file of the course")
            copied = out / linked.relative_to(root)
            copied.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(linked, copied)
            element[attribute] = relative(copied, page.parent) + fragment
    link_lesson_names(soup, page, lessons, out)
    return str(soup)


def link_lesson_names(soup: BeautifulSoup, page: Path, lessons: dict[Path, Lesson], out: Path) -> None:
    """Make a lesson's name in prose (`05_deep_and_bidirectional.ipynb`, as "Next" writes it) a link."""
    pages = {lesson.path.stem: out / page_name(lesson) for lesson in lessons.values()}
    for code in soup.find_all("code"):
        stem = code.get_text().strip().removesuffix(".ipynb")
        if stem in pages and not code.find_parent(["a", "pre"]) and pages[stem] != page:
            code.wrap(soup.new_tag("a", href=relative(pages[stem], page.parent)))


def relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def page_exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="course_page", extra_template_basedirs=[str(TEMPLATES)],
                            extra_template_paths=[str(TEMPLATES)])  # for the includes of shared/
    exporter.embed_images = True  # Markdown images become data: URLs, like the figures in outputs
    return exporter


def build_page(lesson: Lesson, prev: Lesson | None, nxt: Lesson | None, lessons: dict[Path, Lesson], out: Path,
               exporter: HTMLExporter, root: Path) -> bool:
    """Write one lesson's page; return whether it needs Mermaid."""
    nb = nbformat.read(lesson.path, as_version=4)
    missing = unexecuted_cells(nb)
    if missing:
        name = relative(lesson.path, root)
        raise BuildError(f"{name}: code cells {missing} have no outputs; run "
                         f"`python -m tools.run_notebooks {name}` first")
    mermaid = any(MERMAID_FENCE.search(c.source) for c in nb.cells if c.cell_type == "markdown")
    page = out / page_name(lesson)
    page.parent.mkdir(parents=True, exist_ok=True)
    link = {"home": relative(out / "index.html", page.parent), "static": relative(out / "_static", page.parent)}
    neighbours = {key: {"href": relative(out / page_name(other), page.parent), "title": heading(other)}
                  for key, other in (("prev", prev), ("next", nxt)) if other is not None}
    resources = {"course": {**link, **neighbours, "mermaid": mermaid},
                 "metadata": {"name": heading(lesson), "path": str(lesson.path.parent)}}
    body, _ = exporter.from_notebook_node(for_reading(nb), resources=resources)
    page.write_text(rewrite_links(body, lesson.path, page, lessons, out, root), encoding="utf-8")
    return mermaid


def copy_exercises(lessons: list[Lesson], root: Path, out: Path) -> dict[Path, str]:
    """Each lesson's exercise notebook (exercises/ under the same name), copied for download."""
    links = {}
    for lesson in lessons:
        exercise = root / "exercises" / lesson.path.name
        if exercise.is_file():
            (out / "exercises").mkdir(exist_ok=True)
            shutil.copyfile(exercise, out / "exercises" / exercise.name)
            links[lesson.path] = f"exercises/{exercise.name}"
    return links


def index_page(lessons: list[Lesson], exercises: dict[Path, str]) -> str:
    """The course map: each lesson's heading, summary, objectives and minutes, from its metadata."""
    rows = [{"page": page_name(lesson), "heading": heading(lesson), "stem": lesson.stem,
             "exercise": exercises.get(lesson.path),
             "summary": jinja2.filters.Markup(markdown_inline(lesson.summary)),
             "objectives": [jinja2.filters.Markup(markdown_inline(o)) for o in lesson.objectives],
             "minutes": lesson.minutes if lesson.minutes is not None else ""} for lesson in lessons]
    total = sum(lesson.minutes or 0 for lesson in lessons)
    return template_environment().get_template("course_page/course_map.html.j2").render(
        rows=rows, total=f"About {total} minutes in all." if total else "")


def build_site(notebooks: list[Path], out: Path, cache: Path, root: Path = ROOT) -> list[Path]:
    """Build the site of `notebooks` into `out` (emptied first); return the pages written.

    `root` is the course folder: a lesson may link to any file in it.
    """
    root = root.resolve()
    if out.exists():
        shutil.rmtree(out)
    (out / "_static").mkdir(parents=True)
    for name in PAGE_STATIC:
        shutil.copyfile(TEMPLATES / "course_page" / name, out / "_static" / name)
    copy_vendor_file("mathjax", MATHJAX_FILE, cache, out / "_static" / "mathjax" / "tex-svg-full.js")
    lessons = [lesson_metadata.lesson(path.resolve()) for path in sorted(notebooks)]
    by_path = {lesson.path: lesson for lesson in lessons}
    exporter = page_exporter()
    pages, mermaid = [], False
    for n, lesson in enumerate(lessons):
        prev = lessons[n - 1] if n > 0 else None
        nxt = lessons[n + 1] if n + 1 < len(lessons) else None
        mermaid |= build_page(lesson, prev, nxt, by_path, out, exporter, root)
        pages.append(out / page_name(lesson))
    if mermaid:
        copy_vendor_file("mermaid", MERMAID_FILE, cache, out / "_static" / "mermaid" / "mermaid.min.js")
    index = index_page(lessons, copy_exercises(lessons, root, out))
    (out / "index.html").write_text(index, encoding="utf-8")
    shipped = {n: v[0] for n, v in NPM_PACKAGES.items() if n not in TEST_ONLY}
    (out / "_static" / "versions.json").write_text(json.dumps(shipped, indent=1))
    return [out / "index.html", *pages]


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help=f"lessons to include (default: {LESSON_GLOB})")
    parser.add_argument("--out", type=Path, default=BUILD / "site", help="output folder (default: _build/site)")
    parser.add_argument("--vendor-cache", type=Path, default=BUILD / "vendor",
                        help="where npm packages are kept between builds (default: _build/vendor)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        pages = build_site(args.notebooks or sorted(ROOT.glob(LESSON_GLOB)), args.out, args.vendor_cache)
    except (BuildError, ValueError, OSError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    print(f"{len(pages)} pages in {seconds:.1f} s, {folder_size(args.out) / 2**20:.1f} MiB: "
          f"open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
