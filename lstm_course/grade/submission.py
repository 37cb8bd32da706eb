"""Read a submission as untrusted bytes and decide which exercise notebook it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..exercise_bank.registry import NOTEBOOKS, notebook_for
from .intake import Unreadable, normalise

MAX_BYTES = 20 << 20  # a submission larger than this is refused unread


class NotANotebook(ValueError):
    """The file cannot be graded as a notebook; the message says why."""


@dataclass(frozen=True)
class Submission:
    path: Path
    notebook: str  # the exercise notebook's stem, e.g. "03_building_an_lstm_cell"
    data: bytes  # the notebook as Jupyter would save it (`intake.normalise`), read from the file once


def read(path: Path) -> Submission:
    """Load and normalise `path`; NotANotebook if it is not a notebook of a known exercise."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise NotANotebook(f"larger than {MAX_BYTES >> 20} MB")
        data = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as error:
        raise NotANotebook(f"cannot be read ({error.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotANotebook(f"not a valid notebook (not UTF-8 text at byte {error.start})") from None
    try:
        nb = normalise(text)
    except RecursionError:
        raise NotANotebook("not a notebook (nested too deeply)") from None
    except Unreadable as error:
        raise NotANotebook(str(error)) from None
    return Submission(path, which_notebook(nb, path), nbformat.writes(nb).encode("utf-8"))


def which_notebook(nb, path: Path) -> str:
    """The exercise notebook named in the metadata or, failing that, in the file name: a notebook's
    stem anywhere in it, else a two-digit number standing alone (`alice_03.ipynb`, `03-bob.ipynb`)."""
    claimed = nb.metadata.get("lstm_course", {})
    claimed = claimed.get("exercise") if isinstance(claimed, dict) else None
    if isinstance(claimed, str) and notebook_for(claimed):
        return notebook_for(claimed)
    named = [stem for stem in NOTEBOOKS if stem in path.name]
    numbered = {notebook_for(n + "_") for n in re.findall(r"(?<!\d)(\d\d)(?!\d)", path.stem)} - {None}
    found = named or sorted(numbered)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise NotANotebook(f"its file name could be any of the exercises {', '.join(found)}; "
                           "keep only one two-digit number in the name")
    raise NotANotebook("neither its metadata nor its file name says which exercise it is "
                       "(name it with the exercise's two-digit number, e.g. alice_03.ipynb)")
