"""The shipped Mauna Loa CO2 series, its loader, forecasting windows and the forecast figure."""

import csv
import math
from importlib import resources

import pytest
import torch
from matplotlib.figure import Figure

from lstm_course.co2 import COLUMNS, DATA_FILE, load_co2, make_windows
from lstm_course.plots import plot_forecasts


def shipped_rows():
    """The shipped file read with the csv module alone, independently of the loader."""
    text = resources.files("lstm_course").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def co2():
    return load_co2()


def write(tmp_path, lines):
    path = tmp_path / "co2.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HEADER = ",".join(COLUMNS)
GOOD = ["1958,3,1958.2027,315.71,314.44,-1,-9.99,-0.99", "1958,4,1958.2877,317.45,315.16,-1,-9.99,-0.99"]


def test_shipped_series_has_820_consecutive_months_from_march_1958(co2):
    assert len(co2) == 820
    months = co2.year * 12 + co2.month - 1
    assert (months.diff() == 1).all()
    assert (int(co2.year[0]), int(co2.month[0])) == (1958, 3)
    assert (int(co2.year[-1]), int(co2.month[-1])) == (2026, 6)


def test_loader_values_equal_the_file_row_by_row(co2):
    header, rows = shipped_rows()
    assert tuple(header) == COLUMNS
    assert len(rows) == len(co2)
    ppm = torch.tensor([float(row[3]) for row in rows], dtype=torch.float64)
    torch.testing.assert_close(co2.average_ppm, ppm, rtol=0, atol=0)
    dates = torch.tensor([float(row[2]) for row in rows], dtype=torch.float64)
    torch.testing.assert_close(co2.decimal_date, dates, rtol=0, atol=0)


def test_values_lie_in_the_files_range_with_a_rising_trend(co2):
    _, rows = shipped_rows()
    ppm = [float(row[3]) for row in rows]
    assert co2.average_ppm.dtype == torch.float64
    assert float(co2.average_ppm.min()) == min(ppm) and float(co2.average_ppm.max()) == max(ppm)
    assert 250 < min(ppm) and max(ppm) < 500  # ppm of CO2 in air, not ppb or a fraction
    first_year, last_year = co2.average_ppm[:12].mean(), co2.average_ppm[-12:].mean()
    assert last_year - first_year > 50
    assert torch.isfinite(co2.average_ppm).all() and torch.isfinite(co2.deseasonalized_ppm).all()


def test_sentinels_become_nan_and_missing_daily_data_is_flagged(co2):
    _, rows = shipped_rows()
    days = [int(row[5]) for row in rows]
    assert co2.has_daily_data.tolist() == [d >= 0 for d in days]
    assert int((~co2.has_daily_data).sum()) == days.count(-1)
    assert co2.std_days.isnan().tolist() == [row[6] == "-9.99" for row in rows]
    assert co2.uncertainty.isnan().tolist() == [row[7] == "-0.99" for row in rows]
    assert (co2.std_days[~co2.std_days.isnan()] >= 0).all()


def test_repr_names_the_span_and_the_range(co2):
    assert repr(co2).startswith("CO2Series(820 months, 1958-03 to 2026-06")


def test_load_from_a_path_reads_the_same_format(tmp_path):
    series = load_co2(write(tmp_path, [HEADER, *GOOD]))
    assert len(series) == 2
    assert series.average_ppm.tolist() == [315.71, 317.45]
    assert series.has_daily_data.tolist() == [False, False]
    assert math.isnan(series.std_days[0]) and math.isnan(series.uncertainty[1])


@pytest.mark.parametrize(
    "lines, message",
    [
        (["year,month,ppm", *GOOD], "must start with the header"),
        ([], "must start with the header"),
        ([HEADER], "no months"),
        ([HEADER, GOOD[0], "1958,4,1958.2877,317.45,315.16,-1,-9.99"], "line 3: expected 8"),
        ([HEADER, GOOD[0], "1958,4,1958.2877,abc,315.16,-1,-9.99,-0.99"], "line 3: column 'average_ppm'"),
        ([HEADER, GOOD[0], "1958,4,1958.2877,nan,315.16,-1,-9.99,-0.99"], "finite"),
        ([HEADER, GOOD[0], "1958,5,1958.3699,317.51,314.69,-1,-9.99,-0.99"], "consecutive"),
        ([HEADER, GOOD[1], GOOD[0]], "consecutive"),
        ([HEADER, GOOD[0], "1958,13,1958.2877,317.45,315.16,-1,-9.99,-0.99"], "month must be 1-12"),
        ([HEADER, GOOD[0], "1958,4,1958.2877,-99.99,315.16,-1,-9.99,-0.99"], "must be positive"),
    ],
)
def test_malformed_files_are_refused_with_the_line(tmp_path, lines, message):
    with pytest.raises(ValueError, match=message):
        load_co2(write(tmp_path, lines))


def test_path_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="path must be a file path"):
        load_co2(42)


@pytest.mark.parametrize("window, horizon", [(1, 1), (24, 1), (24, 12), (5, 3)])
def test_windows_pair_each_run_of_months_with_the_months_after_it(window, horizon):
    series = torch.arange(40, dtype=torch.float64) * 1.5
    w = make_windows(series, window, horizon)
    B = 40 - window - horizon + 1
    assert w.inputs.shape == (B, window) and w.targets.shape == (B, horizon) and w.origin.shape == (B,)
    for b in (0, B // 2, B - 1):
        t = int(w.origin[b])
        torch.testing.assert_close(w.inputs[b], series[t - window + 1 : t + 1])
        torch.testing.assert_close(w.targets[b], series[t + 1 : t + 1 + horizon])
    assert (w.origin.diff() == 1).all() and int(w.origin[0]) == window - 1


def test_windows_are_copies_not_views_of_the_series():
    series = torch.zeros(10)
    w = make_windows(series, 3, 2)
    w.inputs[0, 0] = 7.0
    assert series[0] == 0.0


def test_windows_of_the_shipped_series_end_at_its_last_month(co2):
    w = make_windows(co2.average_ppm, 24, 12)
    assert w.inputs.shape == (820 - 24 - 12 + 1, 24)
    assert w.targets[-1, -1] == co2.average_ppm[-1]


@pytest.mark.parametrize(
    "series, window, horizon, error, message",
    [
        ([1.0, 2.0, 3.0], 1, 1, TypeError, "floating-point torch.Tensor"),
        (torch.arange(5), 1, 1, TypeError, "floating-point torch.Tensor"),
        (torch.zeros(2, 5), 1, 1, ValueError, r"1-D \(N,\), got shape \(2, 5\)"),
        (torch.zeros(5), 4, 2, ValueError, "W=4 plus horizon K=2 must be at most the series length N=5"),
        (torch.zeros(5), 0, 1, ValueError, "window must be at least 1"),
        (torch.zeros(5), 2.0, 1, TypeError, "window must be an int"),
        (torch.zeros(5), 2, True, TypeError, "horizon must be an int"),
    ],
)
def test_bad_windows_arguments_are_refused(series, window, horizon, error, message):
    with pytest.raises(error, match=message):
        make_windows(series, window, horizon)


def test_forecast_figure_draws_truth_forecasts_and_errors():
    dates = torch.linspace(2016, 2017, 12)
    truth = torch.arange(12.0)
    fig = plot_forecasts(dates, truth, {"persistence": truth - 1, "model": truth + 0.5}, title="t")
    assert isinstance(fig, Figure)
    top, bottom = fig.axes
    assert [line.get_label() for line in top.get_lines()] == ["truth", "persistence", "model"]
    errors = [line.get_ydata() for line in bottom.get_lines()[1:]]
    assert [float(e.mean()) for e in errors] == [-1.0, 0.5]


def test_forecast_figure_refuses_a_forecast_of_the_wrong_length():
    with pytest.raises(ValueError, match="forecast 'short' must have shape"):
        plot_forecasts(torch.arange(4.0), torch.arange(4.0), {"short": torch.arange(3.0)})
