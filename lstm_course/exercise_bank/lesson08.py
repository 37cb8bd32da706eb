"""Exercise for lesson 08 (forecasting Mauna Loa CO2): a one-month-ahead forecaster, scored on later months.

The learner writes `train_forecaster(months, seed)`: given the monthly series up to the end of 2015
(`months_before(CUTOFF_YEAR)`), return a trained `CO2Forecaster`. Only its weights leave the
kernel; the grader rebuilds the model from this module's class (`trained.TrainedModel`) and
forecasts every month from January 2016 to the end of the shipped series, each from the 24 true
months before it, the way the lesson scores its test years.

What "months the notebook never had" means for a public series: the exercise gives the learner's
function months before 2016 only, and while the autograder runs, the sandbox shows the kernel a
copy of the data file that ends in December 2015 (`GRADER_ONLY`), so neither the function nor
anything else in the submitted notebook can read a later month. The months themselves are public
(NOAA publishes them, and the course ships them for lesson 08), so a learner who types them into a
notebook by hand breaks the exercise's rule in a way no grader can see; the learner's own check
therefore never scores them: it scores the validation years 2010-2015, which the function was
given (for early stopping), and says so.

Thresholds come from the numbers of the months scored: full marks for a mean absolute error (MAE)
at most half that of the better naive forecast (persistence, y_t = y_{t-1}, or seasonal naive,
y_t = y_{t-12}); half marks for beating it; nothing otherwise. On these months persistence is the
better naive forecast (one month ahead, the seasonal naive forecast misses a whole year of growth).
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from ..co2 import load_co2, make_windows
from .spec import BadAnswer, Exercise
from .trained import LEARNER_KEY, TrainedModel, lstm_hidden_size

NOTEBOOK = "08_forecasting_co2"
CUTOFF_YEAR = 2016  # the learner's function gets months before this year; the grader scores from it on
VALIDATION_FROM = 2010  # the learner's check scores 2010 .. CUTOFF_YEAR - 1
WINDOW = 24  # W: months a forecast reads
FULL_SHARE = 0.5  # full marks at or below this share of the better naive forecast's MAE
MAX_HIDDEN = 64
DATA_FILE = "mauna_loa_co2_monthly.csv"


def months_before(year: int) -> torch.Tensor:
    """Monthly mean CO2 (ppm, float64, oldest first) of every month before January of `year`."""
    co2 = load_co2()
    return co2.average_ppm[co2.year < year].clone()


def _learner_view(text: str) -> str:
    """The data file as the sandboxed kernel sees it: the header and the months before CUTOFF_YEAR."""
    header, *rows = text.splitlines(keepends=True)
    return header + "".join(row for row in rows if int(row.split(",")[0]) < CUTOFF_YEAR)


GRADER_ONLY = {DATA_FILE: _learner_view}  # package data file -> what the sandbox shows in its place


class CO2Forecaster(nn.Module):
    """Reads the last W months in ppm, (B, W), and forecasts the next month in ppm, (B,).

    Buffers (saved with the weights): `changes` 1 to read the W-1 month-to-month changes and forecast
    y_t + the next change, 0 to read and forecast the levels themselves; `shift` and `scale`
    standardise what is read (changes or levels), z = (x - shift) / scale, and the output is mapped
    back with the same two numbers.
    """

    def __init__(self, hidden_size: int = 16):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
        self.register_buffer("changes", torch.tensor(1.0))
        self.register_buffer("shift", torch.tensor(0.0))
        self.register_buffer("scale", torch.tensor(1.0))

    def forward(self, past: torch.Tensor) -> torch.Tensor:
        read = past.diff(dim=1) if self.changes > 0.5 else past  # (B, W-1) or (B, W)
        z = (read - self.shift) / self.scale
        output, _ = self.lstm(z.unsqueeze(-1))  # (B, W', H)
        step = self.head(output[:, -1]).squeeze(-1) * self.scale + self.shift  # (B,)
        return past[:, -1] + step if self.changes > 0.5 else step


def train_forecaster(months, seed):
    """Reference: an LSTM on standardised changes, early-stopped on the last six years it is given."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    months = months.float()
    windows = make_windows(months, WINDOW)  # inputs (B, W), targets (B, 1)
    train = windows.origin + 1 < len(months) - 72  # targets before the last six years
    changes = months[: int(windows.origin[train][-1]) + 2].diff()  # the changes the training targets span
    model = CO2Forecaster(16)
    model.shift.fill_(float(changes.mean()))
    model.scale.fill_(float(changes.std()))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = windows.inputs[train], windows.targets[train, 0]
    x_val, y_val = windows.inputs[~train], windows.targets[~train, 0]
    best = (math.inf, None)
    for _ in range(8):
        for _ in range(50):
            pick = torch.randint(len(x), (128,), generator=generator)
            loss = nn.functional.mse_loss(model(x[pick]), y[pick])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            error = (model(x_val) - y_val).abs().mean().item()
        if error < best[0]:
            best = (error, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[1])
    return model.eval()


def _call(answer, case):
    model = answer(months_before(case["until"]), case["seed"])
    if not isinstance(model, nn.Module):
        raise TypeError(f"train_forecaster must return the trained CO2Forecaster, got {type(model).__name__}")
    return model.state_dict()


def _hyper(shapes: dict[str, tuple]) -> dict:
    return lstm_hidden_size(shapes, "a CO2Forecaster", MAX_HIDDEN)


def scored_months(key: int):
    """(series (N,) float32 ppm, indices of the months scored, what they are): the validation years for
    the learner's own check (key 0), the months from CUTOFF_YEAR on for the autograder."""
    co2 = load_co2()
    first, last = (VALIDATION_FROM, CUTOFF_YEAR - 1) if key == LEARNER_KEY else (CUTOFF_YEAR, int(co2.year[-1]))
    months = torch.nonzero((co2.year >= first) & (co2.year <= last)).flatten()
    what = f"the {len(months)} months of {first}-{last}"
    return co2.average_ppm.float(), months, what


def naive_mae(series: torch.Tensor, months: torch.Tensor) -> dict[str, float]:
    """MAE (ppm) of persistence and seasonal naive on the months at `months`."""
    truth = series[months]
    return {"persistence": (truth - series[months - 1]).abs().mean().item(),
            "seasonal naive": (truth - series[months - 12]).abs().mean().item()}


def forecast_mae(model: nn.Module, series: torch.Tensor, months: torch.Tensor) -> float:
    """MAE (ppm) of one-month-ahead forecasts of the months at `months`, each from the W true months before it."""
    past = torch.stack([series[t - WINDOW: t] for t in months.tolist()])  # (n, W)
    with torch.no_grad():
        return (model(past) - series[months]).abs().mean().item()


JUDGE = TrainedModel(
    name="a CO2Forecaster", hyper=_hyper, build=CO2Forecaster,
    data=lambda generator: None, metric=lambda model, data: math.nan,  # unused: `_grade` picks the months
    full=math.nan, half=math.nan, higher_is_better=False, unit="MAE",
)


def _grade(value, case, key=LEARNER_KEY) -> tuple[float, str]:
    """Full marks at most FULL_SHARE of the better naive forecast's MAE, half marks below it."""
    try:
        model = JUDGE.model(value)
    except BadAnswer as error:
        return 0.0, str(error)
    series, months, what = scored_months(key)
    mae = forecast_mae(model, series, months)
    naive = naive_mae(series, months)
    best_name = min(naive, key=naive.get)
    best = naive[best_name]
    if not math.isfinite(mae):
        return 0.0, f"expected finite forecasts on {what}, got MAE {mae}"
    shown = (f"MAE {mae:.3f} ppm on {what}; {best_name} {best:.3f}, "
             f"{'seasonal naive' if best_name == 'persistence' else 'persistence'} {max(naive.values()):.3f}")
    if key == LEARNER_KEY:
        shown += " (your function saw these months; the autograder scores months it never had)"
    if mae <= FULL_SHARE * best:
        return 1.0, f"{shown}: at most {FULL_SHARE:g} x {best_name}'s, the target."
    if mae < best:
        return 0.5, f"{shown}: beats {best_name} (half marks), short of the target {FULL_SHARE * best:.3f}."
    return 0.0, (f"{shown}: expected at most {best:.3f} ({best_name}) for half marks. An LSTM on the levels "
                 "forecasts months above any it trained on; did you read the changes (`changes` = 1)?")


FORECAST = Exercise(
    id="forecast_co2", notebook=NOTEBOOK, name="train_forecaster", points=100,
    cases=lambda rng: [{"about": f"months before {CUTOFF_YEAR}", "until": CUTOFF_YEAR,
                        "seed": int(rng.integers(2**20))}],
    call=_call, reference=train_forecaster, grade=_grade,
)

EXERCISES = (FORECAST,)
