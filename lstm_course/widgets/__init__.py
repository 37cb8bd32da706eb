"""Apps a learner operates in JupyterLab: move a control, see an LSTM respond; and the quiz views.

    from lstm_course.widgets import gate_sandbox, gradient_flow_explorer, shape_explorer, bidirectional_reader
    gate_sandbox()

Each function returns an app object. Shown as a cell's value, it is an ipywidgets app in
JupyterLab; where no widget front end is running (a committed notebook read on a web page, an
HTML export without widget state) the same output carries a PNG of the app's current figure and
a plain-text summary, so the reader still sees something meaningful.

Every app keeps its controls as attributes (`app.forget`, `app.seq_len`, ...), the numbers behind
its plot (`app.data`), its current figure (`app.figure`) and its readout text (`app.readout`), so it
can be driven from Python as well as by hand. A control change recomputes with the course's own
code (`cells.LSTMCell.gates`, `gradients.gradient_flow`, `layers.LSTM`) and redraws a figure from
`plots`; nothing is trained inside a callback, and no model is trained in this package: an app that
shows a trained model gets it from a function outside (`bank_tagger.trained_bank_taggers`), seeded
and cached.

Modules (this package is the only part of `lstm_course` that imports ipywidgets):

    base            App (controls -> compute -> figure + readout, PNG/text fallback), slider, png
    gates           lesson 02: gate_sandbox, the gates by hand or from a real LSTMCell
    gradient_flow   lessons 01-02: gradient_flow_explorer, gradient norm against lag for an RNN or LSTM cell
    shapes          lesson 04: shape_explorer, every shape of an LSTM call
    bidirectional   lesson 05: bidirectional_reader, one direction vs two on the "bank" sentences
    language_guess  lesson 07: language_guesser, type a word and see p(language) from a BiLSTM and a baseline
    python_writer   lesson 09: char_sampler, type a prompt and read what a character LSTM writes after it
    quiz_views      the widgets that show `quiz` questions (ipywidgets only: no torch, no matplotlib)

Names are loaded from their module on first use, so `from lstm_course.widgets.quiz_views import ...`
(what a quiz does when it is shown) does not import the apps, torch or matplotlib.

Adding an app, in four steps:

1. Write `lstm_course/widgets/<module>.py` (a name other than the app function's, which would
   otherwise be shadowed by the module once it is imported) with a class that subclasses `base.App`: build the controls
   (`base.slider`, ipywidgets), pass them to `self._watch(name=control, ...)`, arrange them with
   `self._layout([...])`, implement `compute()` (fill `self.data` and `self.figure` from a `plots`
   function, return the readout HTML) and end `__init__` with `self.update()`. Take every initial
   control value as a constructor argument, so a lesson builds the app in the state it wants instead
   of setting controls after display (which would overwrite a learner's settings on re-run). Add a
   function `<app>(...)` that returns the app: that is what lessons call.
2. Put any model it needs, and its training, in a module outside this package (as `bank_tagger.py`),
   seeded (`runtime.seeded`) and cached; the app only runs it, on one thread (`App.update` does that).
3. Add the public names to `_EXPORTS` below.
4. Test it in `tests/test_widgets.py` from Python (set controls, check `app.data`, `app.readout`, the
   PNG fallback) and add it to `benchmarks/widget_latency.py`.
"""

from __future__ import annotations

import importlib

# public name -> the module that defines it, relative to this package
_EXPORTS = {
    "DPI": ".base", "App": ".base",
    "GateSandbox": ".gates", "gate_sandbox": ".gates", "half_life": ".gates",
    "GradientFlowExplorer": ".gradient_flow", "gradient_flow_explorer": ".gradient_flow",
    "ShapeExplorer": ".shapes", "shape_explorer": ".shapes",
    "BidirectionalReader": ".bidirectional", "bidirectional_reader": ".bidirectional",
    "LanguageGuesser": ".language_guess", "language_guesser": ".language_guess",
    "EXAMPLE_SENTENCES": ".bidirectional",
    "CharSampler": ".python_writer", "char_sampler": ".python_writer",
    "MultipleChoiceView": ".quiz_views", "MatchingView": ".quiz_views", "quiz_view": ".quiz_views",
    # the reader's model lives outside the package; these names stay importable from here as before
    "TAG_CLASSES": "..bank_tagger", "BankTagger": "..bank_tagger", "trained_bank_taggers": "..bank_tagger",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)


def __dir__():
    return sorted({*globals(), *_EXPORTS})
