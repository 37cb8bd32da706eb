"""Helpers shared by the tests: the lessons, the site checks (remote assets, broken links), offline Chromium."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"))
VENDOR = ROOT / "_build" / "vendor"
CHROMIUM = Path("/usr/bin/chromium")

# Where an HTML page loads something from: these must never be another host.
ASSET_ATTRIBUTES = {
    "script": ("src",), "link": ("href",), "img": ("src", "srcset"), "source": ("src", "srcset"),
    "video": ("src", "poster"), "audio": ("src",), "iframe": ("src",), "embed": ("src",), "object": ("data",),
    "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
SCRIPT_IMPORT = re.compile(r"""import\s*\(?\s*['"]((?:https?:)?//[^'"]+)""")
REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


def soup_of(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def asset_urls(soup: BeautifulSoup) -> list[str]:
    """Every URL the page loads by itself: scripts, styles, images, fonts (CSS url()), media, module imports."""
    urls = []
    for tag, attributes in ASSET_ATTRIBUTES.items():
        for element in soup.find_all(tag):
            for attribute in attributes:
                value = element.get(attribute)
                if value:
                    urls += [part.split()[0] for part in value.split(",") if part.split()] if "srcset" in attribute \
                        else [value]
    css = [style.get_text() for style in soup.find_all("style")] + [e["style"] for e in soup.find_all(style=True)]
    for text in css:
        urls += [a or b for a, b in CSS_URL.findall(text)]
    for script in soup.find_all("script", src=False):
        urls += SCRIPT_IMPORT.findall(script.get_text())
    return urls


def remote_assets(page: Path) -> list[str]:
    return [url for url in asset_urls(soup_of(page)) if REMOTE.match(url)]


def missing_local_assets(page: Path) -> list[str]:
    missing = []
    for url in asset_urls(soup_of(page)):
        if REMOTE.match(url) or url.startswith(("data:", "#")):
            continue
        if not (page.parent / unquote(urlsplit(url).path)).is_file():
            missing.append(url)
    return missing


@functools.cache
def anchors(page: Path) -> frozenset[str]:
    """The ids and names a link's #fragment can point to in `page`."""
    soup = soup_of(page)
    named = soup.find_all(attrs={"name": True})
    return frozenset([e["id"] for e in soup.find_all(id=True)] + [e["name"] for e in named])


def broken_links(page: Path) -> list[str]:
    """Internal links of `page` whose file, or whose #fragment in that file, does not exist."""
    broken = []
    for element in soup_of(page).find_all("a", href=True):
        url = element["href"]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            continue  # a reference to another site, followed by the reader, not loaded by the page
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not target.is_file():
            broken.append(url)
        elif parts.fragment and target.suffix == ".html":
            # As browsers do: the fragment as written first, then percent-decoded (nbconvert's ids keep %C2%B7).
            if not {parts.fragment, unquote(parts.fragment)} & anchors(target):
                broken.append(url)
    return broken


def open_offline(playwright, url: str, requested: list, errors: list):
    """A Chromium page that may load only files: any other request is recorded and refused."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (requested.append(route.request.url), route.abort()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return browser, page


def diagram_lesson(folder: Path) -> Path:
    """A one-section lesson with a Mermaid diagram, as lesson 01 draws its unrolled graph."""
    nb = lesson_notebook("Diagram", [
        nbformat.v4.new_markdown_cell("# 01 · Diagram\n\nWhy."),
        nbformat.v4.new_markdown_cell("## 1. The chain\n\n```mermaid\nflowchart LR\n    h0 --> h1 --> h2\n```\n"),
    ])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "01_diagram.ipynb"
    nbformat.write(nb, path)
    return path




def lesson_notebook(title: str, cells: list, objectives: tuple[str, ...] = ("do a thing",), minutes: int = 10):
    """A notebook of `cells` with the lesson metadata the site and the decks read (`tools.lesson_metadata`)."""
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["lstm_course"] = {"title": title, "minutes": minutes, "summary": f"what {title} is about",
                                  "objectives": list(objectives)}
    return nb
