"""What every app shares: controls that call `update`, a figure shown as a PNG, a readout, a static fallback.

An app subclasses `App`, builds its controls, passes them to `_watch`, arranges them with `_layout`,
and implements `compute()`, which fills `self.data` and `self.figure` and returns the readout HTML.
Shown as a cell's value it is an ipywidgets app; the same output also carries a PNG of the current
figure and a plain-text readout, for pages and exports where no widget front end runs.
"""

from __future__ import annotations

import base64
import html
import io
import re

import ipywidgets as W

from ..runtime import one_thread

DPI = 72  # screen resolution: small PNGs keep a control-to-update round trip well under 200 ms
LABEL_WIDTH = "9em"
SLIDER_WIDTH = "26em"


def png(fig) -> bytes:
    """`fig` rendered as PNG bytes at the apps' screen resolution."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def slider(value, low, high, step, description, integer=False):
    """A labelled slider that reports a change when it is released (one recomputation per move).

    Raises TypeError for a value that is not a number (not a whole number for an integer slider),
    and ValueError for one outside [low, high]: a slider would silently clamp it.
    """
    allowed = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        kind = "a whole number" if integer else "a number"
        raise TypeError(f"{description}: expected {kind}, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{description}: expected a value in [{low}, {high}], got {value}")
    kind = W.IntSlider if integer else W.FloatSlider
    return kind(value=value, min=low, max=high, step=step, description=description, continuous_update=False,
                style={"description_width": LABEL_WIDTH}, layout=W.Layout(width=SLIDER_WIDTH))


def choice(value, options, description):
    """`value` if it is one of `options`; a ValueError naming the options otherwise."""
    if value not in options:
        raise ValueError(f"{description}: expected one of {list(options)}, got {value!r}")
    return value


class App:
    """Shared plumbing: controls that call `update`, a figure rendered to an Image, a readout.

    Subclasses build `self.controls` (name -> widget, via `_watch`) and implement `compute()`, which
    fills `self.data`, `self.figure` and returns the readout HTML.
    """

    css_name = "app"

    def __init__(self, title: str):
        self.title = title
        self.image = W.Image(format="png")
        self.image.add_class(f"{self.css_name}-figure")
        self.readout_widget = W.HTML()
        self.readout_widget.add_class(f"{self.css_name}-readout")
        self.readout_widget.add_class("lstm-course-readout")
        self.data: dict = {}
        self.figure = None
        self.updates = 0
        self._quiet = False

    def _watch(self, **controls):
        self.controls = controls
        for name, control in controls.items():
            control.add_class(f"{self.css_name}-{name.replace('_', '-')}")
            if isinstance(control, W.Button):
                continue
            control.observe(self._on_change, names="value")

    def _on_change(self, change=None):
        if not self._quiet:
            self.update()

    def _layout(self, rows, side_by_side=False):
        header = W.HTML(f"<b>{html.escape(self.title)}</b>")
        shown = [W.HBox([self.image, self.readout_widget])] if side_by_side else [self.readout_widget, self.image]
        self.widget = W.VBox([header, *rows, *shown])
        self.widget.add_class(self.css_name)
        self.widget.add_class("lstm-course-app")

    def update(self) -> None:
        """Recompute from the controls and redraw."""
        with one_thread():
            self.readout_widget.value = self.compute()
        self.image.value = png(self.figure)
        self.updates += 1

    def compute(self) -> str:
        raise NotImplementedError

    @property
    def readout(self) -> str:
        """The readout as plain text (what the learner reads under the controls)."""
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.readout_widget.value)).split())

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        bundle["text/plain"] = f"{self.title}\n{self.readout}"
        return bundle
