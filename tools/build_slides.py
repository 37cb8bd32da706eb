"""Build reveal.js slide decks from the lesson notebooks, to present from disk with no network.

    python -m tools.build_slides                       # every lesson -> _build/slides/index.html
    python -m tools.build_slides --out DIR notebooks/02_*.ipynb

Each lesson becomes `NN_name.slides.html`, cut where its cells' `slideshow.slide_type` metadata
says (`python -m tools.add_slide_metadata` writes it; a lesson without any gets the same cut on the fly).
The decks show the committed outputs; widgets show their static figure. reveal.js and MathJax are
copied from their pinned npm packages (see `tools.build_site`) into `_static/` beside the decks,
so the folder can be copied to a USB stick and opened in any browser. Keys: arrows to move, `S` for
the speaker notes, `F` for full screen, `Esc` for the overview. The HTML, CSS and JavaScript of a
deck are the nbconvert template directory `tools/templates/course_deck/`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

from tools import lesson_metadata
from tools.add_slide_metadata import apply, has_slide_metadata
from tools.build_site import (
    BUILD,
    LESSON_GLOB,
    MATHJAX_FILE,
    MERMAID_FENCE,
    MERMAID_FILE,
    NPM_PACKAGES,
    ROOT,
    TEMPLATES,
    BuildError,
    copy_vendor_file,
    fetch_npm_package,
    folder_size,
    for_reading,
    heading,
    template_environment,
    unexecuted_cells,
)

REVEAL_FILES = ("dist/reveal.css", "dist/reveal.js", "dist/theme/white.css", "plugin/notes/notes.js", "LICENSE")
REVEAL_FONTS = "dist/theme/fonts/source-sans-pro"
DECK_STATIC = ("deck.css", "deck.js")  # files of the deck template copied into _static/


def deck_exporter() -> SlidesExporter:
    exporter = SlidesExporter(template_name="course_deck", extra_template_basedirs=[str(TEMPLATES)],
                              extra_template_paths=[str(TEMPLATES)])  # for the includes of shared/
    exporter.reveal_url_prefix = "_static/reveal.js"
    exporter.reveal_theme = "white"
    exporter.reveal_transition = "none"
    exporter.reveal_number = "c/t"
    exporter.embed_images = True
    return exporter


def copy_reveal(cache: Path, static: Path) -> None:
    package = fetch_npm_package("reveal.js", cache)
    for name in REVEAL_FILES:
        (static / "reveal.js" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package / name, static / "reveal.js" / name)
    shutil.copytree(package / REVEAL_FONTS, static / "reveal.js" / REVEAL_FONTS)


def build_deck(path: Path, out: Path, exporter: SlidesExporter) -> tuple[Path, bool]:
    """Write one lesson's deck; return its path and whether it needs Mermaid."""
    nb = nbformat.read(path, as_version=4)
    missing = unexecuted_cells(nb)
    if missing:
        raise BuildError(f"{path.name}: code cells {missing} have no outputs; run "
                         f"`python -m tools.run_notebooks notebooks/{path.name}` first")
    if not has_slide_metadata(nb):
        apply(nb)  # in memory only: the lesson file is not touched
        print(f"{path.name}: no slide metadata, cut by tools.add_slide_metadata's rules")
    mermaid = any(MERMAID_FENCE.search(c.source) for c in nb.cells if c.cell_type == "markdown")
    title = heading(lesson_metadata.lesson(path))
    resources = {"course": {"static": "_static", "mermaid": mermaid}, "metadata": {"name": title}}
    body, _ = exporter.from_notebook_node(for_reading(nb), resources=resources)
    deck = out / f"{path.stem}.slides.html"
    deck.write_text(body, encoding="utf-8")
    return deck, mermaid


def index_page(decks: list[tuple[Path, str]]) -> str:
    return template_environment().get_template("course_deck/decks.html.j2").render(
        decks=[{"name": deck.name, "title": title} for deck, title in decks])


def build_slides(notebooks: list[Path], out: Path, cache: Path) -> list[Path]:
    """Build a deck per notebook into `out` (emptied first); return the decks written."""
    if out.exists():
        shutil.rmtree(out)
    static = out / "_static"
    static.mkdir(parents=True)
    copy_reveal(cache, static)
    for name in DECK_STATIC:
        shutil.copyfile(TEMPLATES / "course_deck" / name, static / name)
    copy_vendor_file("mathjax", MATHJAX_FILE, cache, static / "mathjax" / "tex-svg-full.js")
    exporter = deck_exporter()
    decks, mermaid = [], False
    for path in sorted(notebooks):
        deck, needs_mermaid = build_deck(path.resolve(), out, exporter)
        decks.append((deck, heading(lesson_metadata.lesson(path.resolve()))))
        mermaid |= needs_mermaid
    if mermaid:
        copy_vendor_file("mermaid", MERMAID_FILE, cache, static / "mermaid" / "mermaid.min.js")
    (out / "index.html").write_text(index_page(decks), encoding="utf-8")
    versions = ", ".join(f"{name} {NPM_PACKAGES[name][0]}" for name in ("reveal.js", "mathjax"))
    (static / "VERSIONS.txt").write_text(f"{versions}\n")
    return [deck for deck, _ in decks]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help=f"lessons to make decks of (default: {LESSON_GLOB})")
    parser.add_argument("--out", type=Path, default=BUILD / "slides", help="output folder (default: _build/slides)")
    parser.add_argument("--vendor-cache", type=Path, default=BUILD / "vendor",
                        help="where npm packages are kept between builds (default: _build/vendor)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        decks = build_slides(args.notebooks or sorted(ROOT.glob(LESSON_GLOB)), args.out, args.vendor_cache)
    except (BuildError, ValueError, OSError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(decks)} decks in {time.perf_counter() - start:.1f} s, {folder_size(args.out) / 2**20:.1f} MiB: "
          f"open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
