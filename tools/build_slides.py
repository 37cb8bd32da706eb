"""Build reveal.js slide decks from the lesson notebooks, to present from disk with no network.

    python tools/build_slides.py                       # every lesson -> _build/slides/index.html
    python tools/build_slides.py --out DIR notebooks/02_*.ipynb

Each lesson becomes `NN_name.slides.html`, cut where its cells' `slideshow.slide_type` metadata
says (tools/add_slide_metadata.py writes it; a lesson without any gets the same cut on the fly).
The decks show the committed outputs; widgets show their static figure. reveal.js and MathJax are
copied from their pinned npm packages (see tools/build_site.py) into `_static/` beside the decks,
so the folder can be copied to a USB stick and opened in any browser. Keys: arrows to move, `S` for
the speaker notes, `F` for full screen, `Esc` for the overview.
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
import time
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import SlidesExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from add_slide_metadata import apply, has_slide_metadata  # noqa: E402
from build_site import (  # noqa: E402
    BUILD,
    LESSON_GLOB,
    MATHJAX_FILE,
    MATHJAX_HEAD,
    MERMAID_FENCE,
    MERMAID_FILE,
    NPM_PACKAGES,
    ROOT,
    copy_vendor_file,
    fetch_npm_package,
    folder_size,
    for_reading,
    read_lesson,
    unexecuted_cells,
)

REVEAL_FILES = ("dist/reveal.css", "dist/reveal.js", "dist/theme/white.css", "plugin/notes/notes.js", "LICENSE")
REVEAL_FONTS = "dist/theme/fonts/source-sans-pro"
# reveal.js is loaded as a plain script (window.Reveal), not through require.js, and long slides scroll.
FOOTER_JS = """
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true, progress: true, history: true, hash: true, center: false,
  transition: "{{ resources.reveal.transition }}", slideNumber: "{{ resources.reveal.number }}",
  width: {{ resources.reveal.width | default(1100, true) }}, height: {{ resources.reveal.height | default(760, true) }},
  plugins: [RevealNotes]
});
function scrollLongSlides() {
  var limit = document.querySelector(".reveal").clientHeight * 0.95;
  document.querySelectorAll(".reveal .slides section.present section, .reveal .slides > section.present")
    .forEach(function (section) {
      if (section.scrollHeight > limit) {
        section.style.height = "95vh"; section.style.overflowY = "auto"; section.style.top = "0";
      }
    });
}
// Mermaid measures text as it draws, so a diagram is drawn when its slide is shown, not while hidden.
function drawDiagrams() {
  var waiting = Reveal.getCurrentSlide().querySelectorAll(".jp-Mermaid > pre.mermaid:not([data-processed])");
  return window.mermaid && waiting.length ? mermaid.run({nodes: Array.from(waiting)}) : Promise.resolve();
}
function showSlide() { drawDiagrams().then(scrollLongSlides); }
Reveal.on("ready", showSlide);
Reveal.on("slidechanged", showSlide);
</script>
"""
DECK_MERMAID_HEAD = """
{%- if resources.course.mermaid -%}
<script src="{{ resources.course.static }}/mermaid/mermaid.min.js"></script>
<script>mermaid.initialize({startOnLoad: false});</script>
{%- endif -%}
"""
# Lesson code is written for a 120-character line: smaller type, and wrap rather than cut what is longer;
# figures are scaled up for a projector.
DECK_CSS = """
<style>
:root { --jp-code-font-size: 16px; }
.reveal .jp-InputArea-editor pre, .reveal .jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.reveal .jp-RenderedImage img { width: 80%; height: auto; }  /* figures large enough to read from the back */
</style>
"""
DECK_TEMPLATE = (
    "{%- extends 'index.html.j2' -%}\n"
    "{% block html_head_js %}" + DECK_MERMAID_HEAD + "{% endblock html_head_js %}\n"  # no jQuery, no require.js
    "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
    "{% block html_head_js_mathjax %}" + MATHJAX_HEAD + "{% endblock html_head_js_mathjax %}\n"
    "{% block footer_js %}" + FOOTER_JS + "{% endblock footer_js %}\n"
    "{% block html_head_css %}" + DECK_CSS + "{% endblock html_head_css %}\n"
)


def deck_exporter() -> SlidesExporter:
    exporter = SlidesExporter(extra_loaders=[DictLoader({"course_deck.html.j2": DECK_TEMPLATE})])
    exporter.template_file = "course_deck.html.j2"
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
        raise SystemExit(f"{path.name}: code cells {missing} have no outputs; run "
                         f"`python tools/run_notebooks.py notebooks/{path.name}` first")
    if not has_slide_metadata(nb):
        apply(nb)  # in memory only: the lesson file is not touched
        print(f"{path.name}: no slide metadata, cut by tools/add_slide_metadata.py's rules")
    mermaid = any(MERMAID_FENCE.search(c.source) for c in nb.cells if c.cell_type == "markdown")
    title = read_lesson(path).title_text
    resources = {"course": {"static": "_static", "mermaid": mermaid}, "metadata": {"name": title}}
    body, _ = exporter.from_notebook_node(for_reading(nb), resources=resources)
    deck = out / f"{path.stem}.slides.html"
    deck.write_text(body, encoding="utf-8")
    return deck, mermaid


def index_page(decks: list[tuple[Path, str]]) -> str:
    items = "\n".join(f'<li><a href="{deck.name}">{html.escape(title)}</a></li>' for deck, title in decks)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>LSTMs with PyTorch: slides</title>
<style>body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.6; }}</style>
</head>
<body>
<h1>LSTMs with PyTorch: slides</h1>
<p>One deck per lesson, made from the lesson notebooks. They need no network: copy this whole folder.
Arrows move, <kbd>S</kbd> opens the speaker notes, <kbd>F</kbd> goes full screen, <kbd>Esc</kbd> shows an overview.</p>
<ul>
{items}
</ul>
</body>
</html>
"""


def build_slides(notebooks: list[Path], out: Path, cache: Path) -> list[Path]:
    """Build a deck per notebook into `out` (emptied first); return the decks written."""
    if out.exists():
        shutil.rmtree(out)
    static = out / "_static"
    static.mkdir(parents=True)
    copy_reveal(cache, static)
    copy_vendor_file("mathjax", MATHJAX_FILE, cache, static / "mathjax" / "tex-svg-full.js")
    exporter = deck_exporter()
    decks, mermaid = [], False
    for path in sorted(notebooks):
        deck, needs_mermaid = build_deck(path.resolve(), out, exporter)
        decks.append((deck, read_lesson(path.resolve()).title_text))
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
    decks = build_slides(args.notebooks or sorted(ROOT.glob(LESSON_GLOB)), args.out, args.vendor_cache)
    print(f"{len(decks)} decks in {time.perf_counter() - start:.1f} s, {folder_size(args.out) / 2**20:.1f} MiB: "
          f"open {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
