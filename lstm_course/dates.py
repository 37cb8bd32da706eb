"""Dates written in many human formats, paired with their ISO 8601 form: a sequence-to-sequence task.

    >>> import torch
    >>> from lstm_course.dates import write_date
    >>> import datetime
    >>> write_date(datetime.date(1999, 3, 3), "ordinal_of")
    '3rd of March 1999'

The source side is a date written one of `TRAIN_FORMATS` (or, to test generalisation, one of
`HELD_OUT_FORMATS`, which recombine pieces the model has seen into layouts it has not); the target
is always `YYYY-MM-DD`. Everything is generated with `datetime` and a seeded `torch.Generator`, so
the data is exact and reproducible. Two-digit years are read with the pivot of POSIX `strptime`'s
`%y`: 69-99 mean 1969-1999 and 00-68 mean 2000-2068, which is why the dates span 1969-2068.

The task follows the date-normalisation exercise popular in sequence-to-sequence teaching; the
encoder-decoder itself is Sutskever, Vinyals & Le (2014) with the LSTM states as the only context.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import NamedTuple

import torch

FIRST_DAY = datetime.date(1969, 1, 1)
LAST_DAY = datetime.date(2068, 12, 31)
TARGET_LENGTH = 10  # "YYYY-MM-DD"

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_UNITS = ("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_TEENS = ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
          "seventeenth", "eighteenth", "nineteenth")


def ordinal_suffix(day: int) -> str:
    """'1st', '2nd', '3rd', '4th', ..., '11th', '12th', '13th', '21st', ..."""
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def ordinal_word(day: int) -> str:
    """The day of the month as an English ordinal word: 3 -> 'third', 21 -> 'twenty-first'."""
    if not 1 <= day <= 31:
        raise ValueError(f"day must be in 1..31, got {day}")
    if day < 10:
        return _UNITS[day]
    if day < 20:
        return _TEENS[day - 10]
    tens, unit = divmod(day, 10)
    tens_word = {2: "twenty", 3: "thirty"}[tens]
    if unit == 0:
        return {2: "twentieth", 3: "thirtieth"}[tens]
    return f"{tens_word}-{_UNITS[unit]}"


def _short(date: datetime.date) -> str:
    return MONTHS[date.month - 1][:3]


def _long(date: datetime.date) -> str:
    return MONTHS[date.month - 1]


# Each format is a function of the date, so no locale setting can change the text.
FORMATS = {
    "iso": lambda d: d.isoformat(),
    "us_slash": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "us_slash_short_year": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
    "european_dots": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "compact": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    "year_slash": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "ordinal_of": lambda d: f"{ordinal_suffix(d.day)} of {_long(d)} {d.year}",
    "month_day_comma": lambda d: f"{_short(d)} {d.day}, {d.year}",
    "long_month_day_comma": lambda d: f"{_long(d)} {d.day}, {d.year}",
    "day_long_month": lambda d: f"{d.day} {_long(d)} {d.year}",
    "day_dash_short": lambda d: f"{d.day}-{_short(d)}-{d.year}",
    "year_month_the_word": lambda d: f"{d.year}, {_long(d)} the {ordinal_word(d.day)}",
    "weekday_day_month": lambda d: f"{WEEKDAYS[d.weekday()]}, {d.day} {_long(d)} {d.year}",
    "the_word_of_month": lambda d: f"the {ordinal_word(d.day)} of {_long(d)}, {d.year}",
    # Held out: each recombines pieces that appear in training formats into an unseen layout.
    "long_month_ordinal": lambda d: f"{_long(d)} {ordinal_suffix(d.day)}, {d.year}",
    "day_short_month": lambda d: f"{d.day} {_short(d)} {d.year}",
    "european_slash": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "weekday_long_month_day": lambda d: f"{WEEKDAYS[d.weekday()]}, {_long(d)} {d.day}, {d.year}",
}
HELD_OUT_FORMATS = ("long_month_ordinal", "day_short_month", "european_slash", "weekday_long_month_day")
TRAIN_FORMATS = tuple(name for name in FORMATS if name not in HELD_OUT_FORMATS)

PAD, START, END = "_", "^", "$"
_SOURCE_CHARS = sorted({c for name in FORMATS for c in "".join(FORMATS[name](datetime.date(2001, m, 28))
                                                                    for m in range(1, 13))}
                       | set("0123456789") | {c for w in WEEKDAYS + MONTHS for c in w}
                       | {c for day in range(1, 32) for c in ordinal_word(day) + ordinal_suffix(day)})
SOURCE_VOCAB = (PAD,) + tuple(_SOURCE_CHARS)
TARGET_VOCAB = (PAD, START, END) + tuple("0123456789-")
_SOURCE_INDEX = {c: k for k, c in enumerate(SOURCE_VOCAB)}
_TARGET_INDEX = {c: k for k, c in enumerate(TARGET_VOCAB)}


def write_date(date: datetime.date, format_name: str) -> str:
    """`date` written in the format called `format_name` (a key of `FORMATS`).

    Raises:
        ValueError: an unknown format name, or a date outside FIRST_DAY..LAST_DAY.
        TypeError: `date` is not a `datetime.date`.
    """
    if not isinstance(date, datetime.date):
        raise TypeError(f"date must be a datetime.date, got {type(date).__name__}")
    if format_name not in FORMATS:
        raise ValueError(f"format_name must be one of {sorted(FORMATS)}, got {format_name!r}")
    if not FIRST_DAY <= date <= LAST_DAY:
        raise ValueError(f"date must be in {FIRST_DAY}..{LAST_DAY} (two-digit years are ambiguous outside), got {date}")
    return FORMATS[format_name](date)


def encode_source(texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded character ids (B, S) and lengths (B,) of source strings.

    Raises:
        ValueError: a character outside `SOURCE_VOCAB`, or an empty string.
    """
    lengths = [len(t) for t in texts]
    if not texts or min(lengths) == 0:
        raise ValueError("texts must be a non-empty list of non-empty strings")
    ids = torch.zeros(len(texts), max(lengths), dtype=torch.long)  # (B, S), PAD = 0
    for b, text in enumerate(texts):
        unknown = sorted(set(text) - _SOURCE_INDEX.keys())
        if unknown:
            raise ValueError(f"{text!r} has characters outside the source vocabulary: {unknown}")
        ids[b, : len(text)] = torch.tensor([_SOURCE_INDEX[c] for c in text])
    return ids, torch.tensor(lengths)


def encode_target(isos: Sequence[str]) -> torch.Tensor:
    """Target ids (B, 12): START, the ten characters of YYYY-MM-DD, END.

    Raises:
        ValueError: a string that is not ten characters of digits and dashes.
    """
    rows = []
    for iso in isos:
        if len(iso) != TARGET_LENGTH or set(iso) - set("0123456789-"):
            raise ValueError(f"targets must look like YYYY-MM-DD, got {iso!r}")
        rows.append([_TARGET_INDEX[START]] + [_TARGET_INDEX[c] for c in iso] + [_TARGET_INDEX[END]])
    return torch.tensor(rows)


def decode_target(ids: torch.Tensor) -> list[str]:
    """Target ids (B, N) back to strings, stopping at END and dropping START and PAD."""
    out = []
    for row in ids.tolist():
        chars = []
        for k in row:
            symbol = TARGET_VOCAB[k]
            if symbol == END:
                break
            if symbol not in (START, PAD):
                chars.append(symbol)
        out.append("".join(chars))
    return out


class DateBatch(NamedTuple):
    """A batch of the date task.

    source (B, S) character ids, right-padded; lengths (B,); target (B, 12) ids of START YYYY-MM-DD END;
    texts and isos the strings; formats the format name of each row.
    """

    source: torch.Tensor
    lengths: torch.Tensor
    target: torch.Tensor
    texts: list[str]
    isos: list[str]
    formats: list[str]


def split_days(held_out_fraction: float = 0.1, generator: torch.Generator | None = None):
    """Split every day of FIRST_DAY..LAST_DAY into (train days, held-out days) at random.

    Returns two lists of `datetime.date`; a held-out day never appears in training in any format.
    """
    if not 0.0 < held_out_fraction < 1.0:
        raise ValueError(f"held_out_fraction must be in (0, 1), got {held_out_fraction}")
    n_days = (LAST_DAY - FIRST_DAY).days + 1
    order = torch.randperm(n_days, generator=generator).tolist()
    n_held = round(n_days * held_out_fraction)
    held, train = sorted(order[:n_held]), sorted(order[n_held:])
    day = datetime.timedelta(days=1)
    return [FIRST_DAY + k * day for k in train], [FIRST_DAY + k * day for k in held]


def date_batch(days: Sequence[datetime.date], formats: Sequence[str], batch_size: int,
               generator: torch.Generator | None = None, reverse_source: bool = False) -> DateBatch:
    """`batch_size` random days from `days`, each written in a random one of `formats`.

    With `reverse_source=True` the source characters are reversed (Sutskever et al. 2014), so the
    end of the written date sits next to the start of the decoding.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise ValueError(f"formats must be a non-empty list of names in FORMATS, got unknown {unknown}")
    day_ids = torch.randint(len(days), (batch_size,), generator=generator).tolist()
    format_ids = torch.randint(len(formats), (batch_size,), generator=generator).tolist()
    chosen = [days[k] for k in day_ids]
    names = [formats[k] for k in format_ids]
    texts = [write_date(d, f) for d, f in zip(chosen, names)]
    isos = [d.isoformat() for d in chosen]
    source, lengths = encode_source([t[::-1] if reverse_source else t for t in texts])
    return DateBatch(source, lengths, encode_target(isos), texts, isos, names)
