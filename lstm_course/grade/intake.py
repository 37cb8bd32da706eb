"""Read a submitted notebook the way Jupyter does, whichever editor saved it.

Editors write notebooks that Jupyter opens but that fail nbformat's strict schema: markdown cells
carrying `outputs` and `execution_count`, cell `id`s in a notebook whose `nbformat_minor` is below 5
(ids arrived in 4.5), duplicate or missing ids, unknown metadata, the older major version 3. Jupyter
reads all of them (the server converts and only warns, the front end keeps the fields a cell type
has) and saves them as valid 4.5. `normalise` does the same, with nbformat's own helpers:

1. `nbformat.reads(..., as_version=4)`: parse, convert older versions to 4;
2. keep only the fields each cell type has (as JupyterLab's cell models do);
3. `nbformat.v4.upgrade` to 4.5: cell ids, keeping those already there;
4. `nbformat.validator.normalize`: repair missing or duplicate ids, drop invalid metadata;
5. `nbformat.validate`; what is still wrong is reported with the cell and the field it is in.
"""

from __future__ import annotations

import json
import warnings

import nbformat
from nbformat import v4
from nbformat.validator import ValidationError, iter_validate, normalize

CELL_FIELDS = {
    "code": {"id", "cell_type", "metadata", "source", "outputs", "execution_count"},
    "markdown": {"id", "cell_type", "metadata", "source", "attachments"},
    "raw": {"id", "cell_type", "metadata", "source", "attachments"},
}


class Unreadable(ValueError):
    """Jupyter could not open it either; the message names the place (line, cell, field)."""


def normalise(text: str) -> nbformat.NotebookNode:
    """A valid nbformat 4.5 notebook from `text`, or Unreadable saying where it is broken."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        where_ = f"line {error.lineno}, column {error.colno}"
        raise Unreadable(f"not a valid notebook: not JSON ({where_}: {error.msg})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise Unreadable("not a valid notebook: no 'nbformat' version number at the top level")
    if not isinstance(raw.get("cells", []), list):
        raise Unreadable("not a valid notebook: field cells is not a list")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about what it repairs below
            nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as error:  # nbformat's own reader refused it: name the first field the schema rejects
        why = first_schema_error(raw) or f"not a valid notebook: nbformat cannot read it ({type(error).__name__})"
        raise Unreadable(why) from None
    for cell in nb.get("cells", []):
        fields = CELL_FIELDS.get(cell.get("cell_type")) if isinstance(cell, dict) else None
        if fields is not None:
            for extra in set(cell) - fields:
                del cell[extra]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about each id it repairs; the repair is the point
            if nb.get("nbformat_minor", 0) < 5:
                nb = v4.upgrade(nb, from_version=4, from_minor=nb.get("nbformat_minor", 0))
            _, nb = normalize(nb, version=4, version_minor=5, strip_invalid_metadata=True)
            nb = nbformat.from_dict(nb)
            nbformat.validate(nb)
    except ValidationError as error:
        raise Unreadable(where(error, nb)) from None
    except Exception as error:  # a structure so broken that the repair itself fails
        why = first_schema_error(nb) or f"not a valid notebook: the repair failed ({type(error).__name__})"
        raise Unreadable(why) from None
    return nb


def where(error: ValidationError, nb) -> str:
    """'cell 4 (code), field outputs[0].text: <what is wrong>' from a schema error."""
    deepest = error
    while getattr(deepest, "context", None):
        deepest = max(deepest.context, key=lambda e: len(e.path))
    path, inner = list(error.absolute_path), list(deepest.path) if deepest is not error else []
    if inner and path[-len(inner):] != inner:  # the branch's own path is relative to the error's place
        path += inner
    message = str(deepest.message)[:200]
    if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
        index = path[1]
        cells = nb.get("cells", [])
        kind = cells[index].get("cell_type", "?") if index < len(cells) and isinstance(cells[index], dict) else "?"
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".") or "the cell"
        return f"not a valid notebook: cell {index + 1} ({kind}), field {field}: {message}"
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "top level"
    return f"not a valid notebook: field {field}: {message}"


def first_schema_error(raw) -> str | None:
    """`where` for the first error nbformat's schema finds in a raw notebook dict, if any."""
    try:
        minor = raw.get("nbformat_minor") if isinstance(raw.get("nbformat_minor"), int) else 5
        error = next(iter(iter_validate(raw, version=4, version_minor=minor)), None)
    except Exception:  # no schema for that version, or the validator itself choked
        return None
    return where(error, raw) if error is not None else None
