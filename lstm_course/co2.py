"""The Mauna Loa monthly CO2 series, shipped with the package, and forecasting windows cut from it.

`load_co2()` reads `data/mauna_loa_co2_monthly.csv` (NOAA GML and Scripps; provenance and terms in
`lstm_course/data/README.md`) with `importlib.resources`, so it works offline from a source checkout
or an installed wheel. `make_windows` turns a series into (past months -> the next K months) pairs,
the supervised form a forecaster learns from.

The source fills a month without measurements with an interpolated value, so `average_ppm` has
no gaps. It marks such a month only through its count of measurement days: `days == -1` means no
daily data. From May 1974 on (when daily counts start) that identifies the interpolated months;
before it every month reads -1, so the file cannot tell measured months from filled ones there.
The loader keeps every value and exposes the mark as `has_daily_data`.

Shape letters: N months, B windows, W window length (past months read), K horizon (months ahead).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib import resources
from os import PathLike
from typing import NamedTuple

import torch

from .validation import check_positive_int, shape_str

DATA_FILE = "mauna_loa_co2_monthly.csv"
COLUMNS = ("year", "month", "decimal_date", "average_ppm", "deseasonalized_ppm", "days", "std_days",
           "uncertainty")
# The source's "not available" sentinels, column by column.
NO_DAYS, NO_STD, NO_UNCERTAINTY = -1, -9.99, -0.99


@dataclass(frozen=True)
class CO2Series:
    """N consecutive months of Mauna Loa CO2, oldest first; every field is an (N,) tensor.

    Attributes:
        year, month: the calendar month (int64; month 1-12).
        decimal_date: the middle of the month as a fractional year (float64).
        average_ppm: monthly mean CO2 mole fraction in dry air, ppm = µmol/mol (float64); months
            without measurements hold the source's interpolated value.
        deseasonalized_ppm: the same with the average seasonal cycle removed, ppm (float64).
        days: days with daily means in the month (int64); -1 where the source has no daily data.
        has_daily_data: `days >= 0` (bool).
        std_days: standard deviation of the daily means, ppm (float64); NaN where not available.
        uncertainty: uncertainty of the monthly mean, ppm (float64); NaN where not available.
    """

    year: torch.Tensor
    month: torch.Tensor
    decimal_date: torch.Tensor
    average_ppm: torch.Tensor
    deseasonalized_ppm: torch.Tensor
    days: torch.Tensor
    has_daily_data: torch.Tensor
    std_days: torch.Tensor
    uncertainty: torch.Tensor

    def __len__(self) -> int:
        return len(self.year)

    def __repr__(self) -> str:
        first, last = (f"{int(self.year[k])}-{int(self.month[k]):02d}" for k in (0, -1))
        return f"CO2Series({len(self)} months, {first} to {last}, {self.average_ppm.min():.2f}-" \
               f"{self.average_ppm.max():.2f} ppm)"


def _number(text: str, column: str, line: int, kind=float):
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"line {line}: column {column!r} must be a {kind.__name__}, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise ValueError(f"line {line}: column {column!r} must be a finite number, got {text!r}")
    return value


def _parse(text: str) -> CO2Series:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or tuple(header) != COLUMNS:
        raise ValueError(f"the CO2 file must start with the header {','.join(COLUMNS)}, got {header!r}")
    kinds = (int, int, float, float, float, int, float, float)
    records = []
    for line, row in enumerate(rows, start=2):
        if len(row) != len(COLUMNS):
            raise ValueError(f"line {line}: expected {len(COLUMNS)} comma-separated values, got {len(row)}: {row}")
        records.append([_number(v, c, line, k) for v, c, k in zip(row, COLUMNS, kinds)])
    if not records:
        raise ValueError("the CO2 file has a header but no months")
    columns = dict(zip(COLUMNS, zip(*records)))
    index = [12 * y + m - 1 for y, m in zip(columns["year"], columns["month"])]
    for k, (y, m) in enumerate(zip(columns["year"], columns["month"])):
        if not 1 <= m <= 12:
            raise ValueError(f"line {k + 2}: month must be 1-12, got {m}")
        if k and index[k] != index[k - 1] + 1:
            before = f"{columns['year'][k - 1]}-{columns['month'][k - 1]:02d}"
            raise ValueError(f"line {k + 2}: months must be consecutive, oldest first; {y}-{m:02d} follows {before}")
    average = torch.tensor(columns["average_ppm"], dtype=torch.float64)
    if (average <= 0).any():
        bad = int((average <= 0).nonzero()[0])
        raise ValueError(f"line {bad + 2}: average_ppm must be positive (the source fills missing months), "
                         f"got {average[bad].item()}")
    days = torch.tensor(columns["days"], dtype=torch.int64)
    std = torch.tensor(columns["std_days"], dtype=torch.float64)
    uncertainty = torch.tensor(columns["uncertainty"], dtype=torch.float64)
    return CO2Series(
        year=torch.tensor(columns["year"], dtype=torch.int64),
        month=torch.tensor(columns["month"], dtype=torch.int64),
        decimal_date=torch.tensor(columns["decimal_date"], dtype=torch.float64),
        average_ppm=average,
        deseasonalized_ppm=torch.tensor(columns["deseasonalized_ppm"], dtype=torch.float64),
        days=days,
        has_daily_data=days != NO_DAYS,
        std_days=std.masked_fill(std == NO_STD, math.nan),
        uncertainty=uncertainty.masked_fill(uncertainty == NO_UNCERTAINTY, math.nan),
    )


def load_co2(path: str | PathLike | None = None) -> CO2Series:
    """The monthly Mauna Loa CO2 series, March 1958 onwards, read from the package (never the network).

    Args:
        path: a CSV file in the same format to read instead (None: the shipped file).

    Returns:
        A `CO2Series` of N consecutive months (820 in the shipped file: 1958-03 to 2026-06).

    Raises:
        TypeError: `path` is not a string or path.
        ValueError: the file's header, a value, or the order of its months is not as expected
            (the message names the line).

    Example:
        >>> co2 = load_co2()
        >>> len(co2), int(co2.year[0]), int(co2.month[0])
        (820, 1958, 3)
    """
    if path is None:
        text = resources.files("lstm_course").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    elif isinstance(path, (str, PathLike)):
        with open(path, encoding="utf-8") as file:
            text = file.read()
    else:
        raise TypeError(f"path must be a file path (str or os.PathLike) or None, got {type(path).__name__}")
    return _parse(text)


class Windows(NamedTuple):
    """Supervised pairs cut from a series: `inputs[b]` are W months, `targets[b]` the K months after them."""

    inputs: torch.Tensor  # (B, W)
    targets: torch.Tensor  # (B, K)
    origin: torch.Tensor  # (B,) int64: index in the series of the last input month (the forecast origin)


def make_windows(series: torch.Tensor, window: int, horizon: int = 1) -> Windows:
    """Every run of W consecutive values, paired with the K values that follow it.

    With origin t (the last month read), `inputs[b] = series[t-W+1 .. t]` and
    `targets[b] = series[t+1 .. t+K]`. Windows overlap (stride 1), so neighbouring pairs share
    months: split them by the date of their targets, never at random, or test months leak into training.

    Args:
        series: (N,) floating-point tensor, oldest first.
        window: W, how many past months a forecast reads.
        horizon: K, how many months ahead it predicts (1: the next month only).

    Returns:
        `Windows(inputs (B, W), targets (B, K), origin (B,))` with B = N - W - K + 1, in time order.

    Raises:
        TypeError: series is not a floating-point tensor, or window / horizon not an int.
        ValueError: series is not 1-D, or W + K exceeds N.
    """
    if not isinstance(series, torch.Tensor) or not series.is_floating_point():
        kind = series.dtype if isinstance(series, torch.Tensor) else type(series).__name__
        raise TypeError(f"series must be a floating-point torch.Tensor (N,), got {kind}")
    if series.dim() != 1:
        raise ValueError(f"series must be 1-D (N,), got shape {shape_str(series.shape)}")
    W = check_positive_int("window", window)
    K = check_positive_int("horizon", horizon)
    N = len(series)
    if W + K > N:
        raise ValueError(f"window W={W} plus horizon K={K} must be at most the series length N={N}")
    chunks = series.unfold(0, W + K, 1)  # (B, W+K)
    origin = torch.arange(W - 1, N - K)  # (B,)
    return Windows(chunks[:, :W].clone(), chunks[:, W:].clone(), origin)
