"""Each lesson's title, minutes, map line and objectives, kept in its notebook; the course maps made from them.

    python -m tools.lesson_metadata set notebooks/07_language_identification.ipynb \\
        --title "Which language is this word?" --minutes 45 \\
        --summary "classify words by language with a packed BiLSTM, beat a character n-gram baseline" \\
        --objective "build a character vocabulary with padding and unknown symbols" \\
        --objective "..."                                  # one --objective per objective, in order
    python -m tools.lesson_metadata set notebooks/07_*.ipynb --minutes 50   # change one field
    python -m tools.lesson_metadata show                   # every lesson's metadata
    python -m tools.lesson_metadata maps                   # write the course maps (README, lesson 00)
    python -m tools.lesson_metadata maps --check           # exit 1 if a map is out of date

A lesson's metadata lives in its notebook, as `metadata["lstm_course"]`:

    {"title": "Why `nn.LSTM` is fast",           # Markdown, without the lesson number
     "minutes": 30,                              # realistic self-study time
     "summary": "find where the time goes ...",  # the course map's "you will be able to" line
     "objectives": ["profile a ...", ...]}        # the opening cell's "You will be able to" items

The opening cell stays the learner's view of the same facts: its heading is `# NN · title` and each
objective is one of its `- ` items (tests/test_lesson_metadata.py checks both). A new lesson's author
runs `set` once with every field, then `maps` to add the lesson to the course maps in README.md and
`notebooks/00_start_here.ipynb`; the site (`python -m tools.build_site`) reads the same metadata.

Lessons whose notebooks are still being written are listed from `PLANNED` until their notebook
carries metadata; a map names such a lesson without a link where a link would not resolve yet.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSON_GLOB = "notebooks/[0-9][0-9]_*.ipynb"
KEY = "lstm_course"
FIELDS = ("title", "minutes", "summary", "objectives")
START_HERE = "notebooks/00_start_here.ipynb"
README = "README.md"
MAP_START = "<!-- course map: written by `python -m tools.lesson_metadata maps` from each lesson's metadata -->"
MAP_END = "<!-- end of course map -->"

# The practice lessons being written (file names fixed in advance); each entry is used only until the
# notebook exists and carries its own metadata.
PLANNED = {
    "07_language_identification": ("Which language is this word?",
                                   "classify real words of six languages with a packed BiLSTM, judged against a "
                                   "character n-gram baseline"),
    "08_forecasting_co2": ("Forecasting atmospheric CO2: an LSTM against naive forecasts",
                           "forecast a real monthly series, measure leakage, and compare an LSTM with "
                           "persistence, seasonal-naive and linear baselines"),
    "09_char_model_python": ("A character model that writes Python",
                             "train a character LSTM on Python source with truncated BPTT, sample from it, and "
                             "find cells that track strings and indentation"),
    "10_encoder_decoder_dates": ("An encoder-decoder: dates to ISO 8601",
                                 "map dates written in many formats to ISO 8601 with an LSTM encoder-decoder and "
                                 "teacher forcing"),
}


@dataclass
class Lesson:
    """One lesson of the course map: its notebook (which may not exist yet) and its metadata."""

    path: Path
    title: str
    summary: str
    minutes: int | None = None
    objectives: list[str] = field(default_factory=list)
    planned: bool = False

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def number(self) -> str:
        return self.stem[:2]


def validate(meta) -> dict:
    """`meta` if it is complete lesson metadata; a TypeError or ValueError saying what is wrong otherwise."""
    if not isinstance(meta, dict):
        raise TypeError(f"lesson metadata must be a dict with {FIELDS}, got {type(meta).__name__}")
    missing = [name for name in FIELDS if name not in meta]
    if missing:
        raise ValueError(f"lesson metadata lacks {missing}; give them with `python -m tools.lesson_metadata set`")
    for name in ("title", "summary"):
        if not isinstance(meta[name], str):
            raise TypeError(f"{name} must be a string, got {type(meta[name]).__name__}")
        if not meta[name].strip():
            raise ValueError(f"{name} must not be empty")
    minutes = meta["minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be a whole number, got {type(minutes).__name__} {minutes!r}")
    if minutes <= 0:
        raise ValueError(f"minutes must be positive, got {minutes}")
    objectives = meta["objectives"]
    if not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives):
        raise TypeError(f"objectives must be a list of strings, got {objectives!r}")
    if not objectives or not all(o.strip() for o in objectives):
        raise ValueError(f"objectives must be a non-empty list of non-empty strings, got {objectives!r}")
    return meta


def read(path: Path) -> dict | None:
    """The lesson metadata stored in the notebook at `path`, validated; None if it has none yet."""
    meta = nbformat.read(path, as_version=4).metadata.get(KEY)
    if meta is None:
        return None
    try:
        return validate(dict(meta))
    except (TypeError, ValueError) as error:
        raise type(error)(f"{path.name}: {error}") from None


def write(path: Path, **changes) -> dict:
    """Set fields of `path`'s lesson metadata (title, minutes, summary, objectives) and write the notebook.

    Only `metadata["lstm_course"]` changes: cells and outputs are written back exactly as read.
    Returns the metadata written.
    """
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)}; the fields are {FIELDS}")
    nb = nbformat.read(path, as_version=4)
    meta = {**dict(nb.metadata.get(KEY, {})), **{k: v for k, v in changes.items() if v is not None}}
    try:
        validate(meta)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{path.name}: {error}") from None
    nb.metadata[KEY] = {name: meta[name] for name in FIELDS}
    nbformat.write(nb, path)
    return nb.metadata[KEY]


def lesson(path: Path) -> Lesson:
    """The lesson at `path` (a notebook that may not exist yet): from its metadata, else from `PLANNED`."""
    meta = read(path) if path.is_file() else None
    if meta is not None:
        return Lesson(path, meta["title"], meta["summary"], meta["minutes"], list(meta["objectives"]))
    if path.stem in PLANNED:
        return Lesson(path, *PLANNED[path.stem], planned=True)
    raise ValueError(f"{path.name} has no lesson metadata: run `python -m tools.lesson_metadata set "
                     f"notebooks/{path.name} --title ... --minutes ... --summary ... --objective ...`")


def course(root: Path = ROOT) -> list[Lesson]:
    """Every lesson in file order: those with notebooks from their metadata, the rest from `PLANNED`."""
    paths = {p.stem: p for p in root.glob(LESSON_GLOB)}
    return [lesson(paths.get(stem, root / "notebooks" / f"{stem}.ipynb")) for stem in sorted({*paths, *PLANNED})]


def _minutes(lesson: Lesson) -> str:
    return str(lesson.minutes) if lesson.minutes is not None else "in preparation"


def _total(lessons: list[Lesson]) -> str:
    timed = [lesson for lesson in lessons if lesson.minutes is not None]
    text = f"About {sum(lesson.minutes for lesson in timed)} minutes in all"
    waiting = [lesson.number for lesson in lessons if lesson.minutes is None]
    return text + (f", plus lessons {', '.join(waiting)} (in preparation)." if waiting else ".")


def readme_map(lessons: list[Lesson]) -> str:
    """The README's course map: a Markdown table linking every lesson's notebook from the repository root."""
    rows = [f"| [`{lesson.stem}`](notebooks/{lesson.stem}.ipynb) | {lesson.title} | {lesson.summary} | "
            f"{_minutes(lesson)} |" for lesson in lessons]
    return "\n".join(["| lesson | title | you will be able to | minutes |", "| --- | --- | --- | --- |", *rows, "",
                      _total(lessons)])


def start_here_map(lessons: list[Lesson], notebooks: Path) -> str:
    """Lesson 00's course map: links relative to `notebooks/`, a name only for a lesson not written yet."""
    def name(lesson):
        exists = (notebooks / f"{lesson.stem}.ipynb").is_file()
        return f"[`{lesson.stem}`]({lesson.stem}.ipynb)" if exists else f"`{lesson.stem}`"

    rows = [f"| {name(lesson)} | {lesson.title} | {lesson.summary} | {_minutes(lesson)} |" for lesson in lessons]
    return "\n".join(["| lesson | title | you will be able to | minutes |", "| --- | --- | --- | --- |", *rows, "",
                      _total(lessons)])


def replace_map(text: str, table: str, where: str) -> str:
    """`text` with the part between the course map markers replaced by `table`."""
    if text.count(MAP_START) != 1 or text.count(MAP_END) != 1:
        raise ValueError(f"{where} needs exactly one pair of course map markers:\n{MAP_START}\n{MAP_END}")
    before, rest = text.split(MAP_START)
    _, after = rest.split(MAP_END)
    return f"{before}{MAP_START}\n{table}\n{MAP_END}{after}"


def update_maps(root: Path = ROOT, check: bool = False) -> list[str]:
    """Write the course maps of README.md and lesson 00 from the lessons' metadata; return those out of date.

    With `check`, nothing is written.
    """
    lessons = course(root)
    stale = []
    readme = root / README
    text = readme.read_text(encoding="utf-8")
    new = replace_map(text, readme_map(lessons), README)
    if new != text:
        stale.append(README)
        if not check:
            readme.write_text(new, encoding="utf-8")
    start = root / START_HERE
    nb = nbformat.read(start, as_version=4)
    cells = [cell for cell in nb.cells if cell.cell_type == "markdown" and MAP_START in cell.source]
    if len(cells) != 1:
        raise ValueError(f"{START_HERE} needs exactly one Markdown cell with the course map markers")
    source = replace_map(cells[0].source, start_here_map(lessons, start.parent), START_HERE)
    if source != cells[0].source:
        stale.append(START_HERE)
        if not check:
            cells[0].source = source
            nbformat.write(nb, start)
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setter = commands.add_parser("set", help="add or change a lesson's metadata")
    setter.add_argument("notebook", type=Path)
    setter.add_argument("--title", help="the lesson's title, Markdown, without its number")
    setter.add_argument("--minutes", type=int, help="realistic self-study minutes")
    setter.add_argument("--summary", help="one line for the course map's 'you will be able to' column")
    setter.add_argument("--objective", action="append", dest="objectives",
                        help="one objective as the opening cell states it (repeat, in order; replaces them all)")
    show = commands.add_parser("show", help="print lessons' metadata")
    show.add_argument("notebooks", nargs="*", type=Path)
    maps = commands.add_parser("maps", help="write the course maps in README.md and lesson 00")
    maps.add_argument("--check", action="store_true", help="write nothing; exit 1 if a map is out of date")
    args = parser.parse_args(argv)
    try:
        if args.command == "set":
            meta = write(args.notebook, title=args.title, minutes=args.minutes, summary=args.summary,
                         objectives=args.objectives)
            print(f"{args.notebook}: {meta['title']}, {meta['minutes']} min, {len(meta['objectives'])} objectives; "
                  "now run `python -m tools.lesson_metadata maps`")
        elif args.command == "show":
            wanted = {p.resolve() for p in args.notebooks}
            for lesson in course():
                if wanted and lesson.path.resolve() not in wanted:
                    continue
                print(f"{lesson.stem}: {lesson.title} · {_minutes(lesson)} min · {lesson.summary}"
                      + (" (planned: no metadata yet)" if lesson.planned else ""))
                for objective in lesson.objectives:
                    print(f"    - {objective}")
        else:
            stale = update_maps(check=args.check)
            verb = "out of date" if args.check else "written"
            print("\n".join(f"{name}: course map {verb}" for name in stale) or "course maps up to date")
            return 1 if args.check and stale else 0
    except (TypeError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
