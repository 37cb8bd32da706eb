"""Read a submission as untrusted bytes and decide which exercise notebook it is."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..exercise_bank.registry import notebook_for

MAX_BYTES = 20 << 20  # a submission larger than this is refused unread


class NotANotebook(ValueError):
    """The file cannot be graded as a notebook; the message says why."""


@dataclass(frozen=True)
class Submission:
    path: Path
    notebook: str  # the exercise notebook's stem, e.g. "03_building_an_lstm_cell"
    data: bytes  # the bytes read once, so the file itself is never opened again


def read(path: Path) -> Submission:
    """Load and validate `path`; NotANotebook if it is not a notebook of a known exercise."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise NotANotebook(f"larger than {MAX_BYTES >> 20} MB")
        data = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as error:
        raise NotANotebook(f"cannot be read ({error.strerror})") from None
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except RecursionError:
        raise NotANotebook("not a notebook (nested too deeply)") from None
    except Exception as error:  # JSON, Unicode and schema errors all mean the same thing here
        raise NotANotebook(f"not a valid notebook ({type(error).__name__})") from None
    return Submission(path, which_notebook(nb, path), data)


def which_notebook(nb, path: Path) -> str:
    """The exercise notebook named in the metadata or, failing that, in the file name."""
    claimed = nb.metadata.get("lstm_course", {})
    claimed = claimed.get("exercise") if isinstance(claimed, dict) else None
    if isinstance(claimed, str) and notebook_for(claimed):
        return notebook_for(claimed)
    match = re.search(r"(?<!\d)(\d\d)_", path.name)
    found = notebook_for(match.group(1) + "_") if match else None
    if found is None:
        raise NotANotebook("neither its metadata nor its file name says which exercise it is")
    return found


def as_json(submission: Submission) -> dict:
    return json.loads(submission.data.decode("utf-8"))
