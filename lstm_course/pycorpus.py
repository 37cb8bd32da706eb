"""Python source as a corpus: the running interpreter's own standard library, and what `tokenize` says about it.

Every learner who runs the course already has megabytes of carefully written Python on disk: the
standard library that came with their interpreter. `load_corpus` reads a fixed list of its pure-Python
modules (nothing shipped, nothing downloaded), split by *files* into training and held-out text, so
the held-out loss measures code the model never read.

Why this list: each module is a plain `.py` file (never frozen into the interpreter, never a C
accelerator stub) on CPython 3.10, 3.11, 3.12 and 3.13, and its length changes by at most a few
percent across those versions. The list reproduces on every supported version (the tests check that
each name resolves to a source file); the *text* does not quite, since the library is edited between
releases, so numbers measured on it agree across versions within a tolerance, not digit for digit.

Some distributions strip the library's sources (only `.pyc` files remain). Then `load_corpus` falls
back to the English text shipped with the package (`data/alice.txt`), says so in `Corpus.note`, and
names the missing modules in `Corpus.missing`.

`code_features` gives, for every character of a Python source, the ground truth a hidden unit can be
compared with: inside a string literal, bracket depth, indentation depth, from the standard
`tokenize` module (so brackets inside strings and comments do not count).
"""

from __future__ import annotations

import importlib.util
import io
import sys
import sysconfig
import tokenize
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

# Training files: 49 modules, about 1.6 MB on CPython 3.11.
TRAIN_MODULES = (
    "argparse", "base64", "bz2", "calendar", "cmd", "collections", "configparser", "difflib",
    "email.header", "filecmp", "fileinput", "ftplib", "functools", "getopt", "heapq", "hmac",
    "html.parser", "http.cookies", "imaplib", "inspect", "json.decoder", "json.encoder", "json.scanner",
    "logging.handlers", "lzma", "mailbox", "operator", "optparse", "pickle", "pprint", "profile",
    "pstats", "py_compile", "quopri", "rlcompleter", "sched", "secrets", "shelve", "smtplib",
    "socketserver", "subprocess", "tabnanny", "tarfile", "timeit", "trace", "tracemalloc",
    "urllib.parse", "weakref", "zipapp",
)
# Held-out files: never trained on, about 67 KB. Lessons pick hidden units on the first two and
# measure them on the others.
HELDOUT_MODULES = ("textwrap", "shlex", "colorsys", "graphlib", "selectors")

FALLBACK_TEXT = "alice.txt"
FALLBACK_HELDOUT_FRACTION = 0.1

# The characters a model reads: newline and the 95 printable ASCII characters. Anything else in a
# source file (a handful of accented letters in comments, a tab) is read as UNKNOWN, one symbol more.
UNKNOWN = "\ufffd"
ALPHABET = UNKNOWN + "\n" + "".join(chr(code) for code in range(32, 127))


@dataclass(frozen=True)
class Corpus:
    """Training and held-out text, where they came from, and why (if it is the fallback).

    Attributes:
        train, heldout: the texts, files joined by a blank line.
        train_files, heldout_files: module name -> its source (insertion order = the lists' order).
        source: "stdlib" (the interpreter's library) or "fallback" (the shipped English text).
        python: the interpreter version the text was read from, e.g. "3.11.7".
        missing: modules that could not be read (empty unless the fallback was used).
    """

    train: str
    heldout: str
    train_files: dict[str, str] = field(repr=False)
    heldout_files: dict[str, str] = field(repr=False)
    source: str
    python: str
    missing: tuple[str, ...] = ()

    @property
    def is_python(self) -> bool:
        """True when the corpus is Python source (not the fallback text)."""
        return self.source == "stdlib"

    @property
    def note(self) -> str:
        """One line a lesson prints: what was read, from where, how much."""
        if self.is_python:
            return (f"Python {self.python} standard library: {len(self.train_files)} training files "
                    f"({len(self.train):,} characters), {len(self.heldout_files)} held-out files "
                    f"({len(self.heldout):,} characters)")
        return (f"FALLBACK: {len(self.missing)} standard-library module(s) have no source here "
                f"({', '.join(self.missing[:5])}{', ...' if len(self.missing) > 5 else ''}), so this is the "
                f"shipped text {FALLBACK_TEXT} ({len(self.train):,} training, {len(self.heldout):,} held-out "
                f"characters). The numbers will differ from the lesson's text.")


def module_source_path(name: str) -> Path | None:
    """The `.py` file of a standard-library module on this interpreter, or None if it has no source here.

    Looks in `sysconfig.get_paths()["stdlib"]` first (`json.decoder` -> `json/decoder.py`, a package ->
    its `__init__.py`), then asks `importlib.util.find_spec`, whose `origin` is a `.py` path only for
    a module that has one (it is "frozen" or a `.so` otherwise).
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"a module name must be a non-empty str, got {type(name).__name__} {name!r}")
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    parts = name.split(".")
    for candidate in (stdlib.joinpath(*parts).with_suffix(".py"), stdlib.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    origin = getattr(spec, "origin", None)
    if origin and origin.endswith(".py") and Path(origin).is_file():
        return Path(origin)
    return None


def read_module(name: str) -> str:
    """The source text of a standard-library module; `FileNotFoundError` if it has none here."""
    path = module_source_path(name)
    if path is None:
        raise FileNotFoundError(f"no Python source for module {name!r} in this interpreter's standard library")
    return path.read_text(encoding="utf-8")


def _fallback_text() -> tuple[str, str]:
    text = resources.files("lstm_course").joinpath("data", FALLBACK_TEXT).read_text(encoding="utf-8")
    cut = text.rfind("\n\n", 0, int(len(text) * (1 - FALLBACK_HELDOUT_FRACTION)))  # at a paragraph break
    return text[:cut], text[cut + 2:]


def load_corpus(train_modules=TRAIN_MODULES, heldout_modules=HELDOUT_MODULES) -> Corpus:
    """Read the training and held-out modules from this interpreter, or the shipped text if any is missing.

    Args:
        train_modules, heldout_modules: sequences of module names; the defaults are the course's lists.
            Pass other lists to use other files (a name that does not resolve triggers the fallback).

    Returns:
        A `Corpus`; check `corpus.is_python` (and print `corpus.note`) before relying on Python syntax.

    Raises:
        TypeError: a list is a plain string or holds a non-string.
        ValueError: a list is empty, or a module is in both lists.
    """
    lists = {"train_modules": train_modules, "heldout_modules": heldout_modules}
    for label, names in lists.items():
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"{label} must be a sequence of module names (str), got {names!r:.80}")
        if not names:
            raise ValueError(f"{label} must name at least one module, got an empty sequence")
    shared = sorted(set(train_modules) & set(heldout_modules))
    if shared:
        raise ValueError(f"a module cannot be both trained on and held out; in both lists: {shared}")
    version = ".".join(map(str, sys.version_info[:3]))
    missing = tuple(n for n in (*train_modules, *heldout_modules) if module_source_path(n) is None)
    if missing:
        train, heldout = _fallback_text()
        return Corpus(train, heldout, {FALLBACK_TEXT: train}, {FALLBACK_TEXT: heldout}, "fallback", version, missing)
    train_files = {name: read_module(name) for name in train_modules}
    heldout_files = {name: read_module(name) for name in heldout_modules}
    return Corpus("\n\n".join(train_files.values()), "\n\n".join(heldout_files.values()),
                  train_files, heldout_files, "stdlib", version)


def clean(text: str) -> str:
    """`text` with every character outside `ALPHABET` replaced by `UNKNOWN` (same length)."""
    allowed = set(ALPHABET)
    return "".join(ch if ch in allowed else UNKNOWN for ch in text)


@dataclass(frozen=True)
class CodeFeatures:
    """Per-character ground truth for a Python source, each a list as long as the source.

    in_string: 1 inside a string literal (quotes and prefix included, f-strings whole), else 0.
    bracket_depth: how many (, [ or { are open at this character (a closing bracket counts as still open);
        brackets inside strings, f-strings included, do not count, so every Python version gives the same
        labels (3.12+ tokenizes an f-string's replacement fields, earlier versions do not).
    indent_depth: the indentation level of the block the character is in (INDENT tokens minus DEDENTs).
    """

    in_string: list[int]
    bracket_depth: list[int]
    indent_depth: list[int]


def code_features(source: str) -> CodeFeatures:
    """What Python's own tokenizer says about every character of `source`.

    Raises:
        TypeError: `source` is not a str.
        ValueError: `source` is not Python that `tokenize` can read (the message gives tokenize's reason).
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str of Python code, got {type(source).__name__}")
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def offset(position):  # tokenize's (row from 1, column) -> index into source
        row, col = position
        return line_starts[row - 1] + col

    in_string = [0] * len(source)
    bracket_marks, indent_marks = [], []  # (offset, value from there on)
    depth = level = 0
    fstring_starts = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            start, end = offset(tok.start), offset(tok.end)
            name = tokenize.tok_name[tok.type]
            if tok.type == tokenize.STRING:
                in_string[start:end] = [1] * (end - start)
            elif name == "FSTRING_START":  # Python 3.12+: an f-string is several tokens
                fstring_starts.append(start)
            elif name == "FSTRING_END":
                first = fstring_starts.pop()
                in_string[first:end] = [1] * (end - first)
            elif fstring_starts:  # brackets inside an f-string are string text, as on Python < 3.12
                continue
            elif tok.type == tokenize.OP and tok.string in ("(", "[", "{"):
                depth += 1
                bracket_marks.append((start, depth))
            elif tok.type == tokenize.OP and tok.string in (")", "]", "}"):
                depth -= 1
                bracket_marks.append((end, depth))
            elif tok.type in (tokenize.INDENT, tokenize.DEDENT):
                level += 1 if tok.type == tokenize.INDENT else -1
                # a DEDENT is reported at the first token of the dedented line: the level changes at its line
                indent_marks.append((line_starts[tok.start[0] - 1], level))
    except (tokenize.TokenError, IndentationError, SyntaxError) as error:
        raise ValueError(f"source must be Python that tokenize can read; tokenize says: {error}") from None
    return CodeFeatures(in_string, _steps(bracket_marks, len(source)), _steps(indent_marks, len(source)))


def _steps(marks, length):
    """A list of `length` values, 0 until the first mark, then each mark's value up to the next mark."""
    values = [0] * length
    for (begin, value), (stop, _) in zip(marks, [*marks[1:], (length, 0)]):
        values[begin:stop] = [value] * (stop - begin)
    return values
