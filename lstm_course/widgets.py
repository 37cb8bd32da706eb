"""Apps a learner operates in JupyterLab: move a control, see an LSTM respond.

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
`plots`; nothing is trained inside a callback (the bidirectional reader trains its two small
taggers once, seeded, and caches them).

This is the only module of the package that imports ipywidgets.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import io
import math
import re

import ipywidgets as W
import torch
from torch import nn

from . import plots
from .cells import LSTMCell, LSTMGates, RNNCell
from .gradients import gradient_flow, set_forget_bias, set_spectral_radius, spectral_radius
from .layers import LSTM
from .quiz import Matching, MultipleChoice
from .tasks import BANK_SENSES, BANK_VOCAB, IGNORE_INDEX, bank_task
from .training import fit

DPI = 72  # screen resolution: small PNGs keep a control-to-update round trip well under 200 ms


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


@contextlib.contextmanager
def _one_thread():
    """Run tiny models on one CPU thread: for tensors this small, waking a thread pool costs more than it saves,
    and on a busy laptop the pool's threads can wait on each other for far longer than the work takes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _seeded(seed, make):
    """Call `make()` (a model constructor) under a fixed seed without touching the notebook's global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


class _App:
    """Shared plumbing: controls that call `update`, a figure rendered to an Image, a readout.

    Subclasses build `self.controls` (name -> widget) and implement `compute()`, which fills
    `self.data`, `self.figure` and returns the readout HTML.
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
        with _one_thread():
            self.readout_widget.value = self.compute()
        self.image.value = _png(self.figure)
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


def _slider(value, low, high, step, description, integer=False):
    kind = W.IntSlider if integer else W.FloatSlider
    return kind(value=value, min=low, max=high, step=step, description=description, continuous_update=False,
                style={"description_width": "9em"}, layout=W.Layout(width="26em"))


def half_life(f: float) -> float:
    """Steps k after which a stored value, multiplied by f each step, is half what it was: f^k = 1/2."""
    if f >= 1:
        return math.inf
    if f <= 0:
        return 0.0
    return math.log(0.5) / math.log(f)


def _steps(k: float) -> str:
    return "never (f = 1 keeps it forever)" if math.isinf(k) else f"{k:.1f} steps"


# ---------------------------------------------------------------------------------------------


class GateSandbox(_App):
    r"""Set the gates by hand, or let a real `LSTMCell` set them, and watch c_t and h_t.

    Mode "constant gates": f, i, o and the candidate g are the same at every step, so
    c_t = f·c_{t-1} + i·g and h_t = o·tanh(c_t), starting from c_0 = 0. A value stored at one step
    is multiplied by f at every later step, so its *memory half-life* is ln(½)/ln(f) steps.

    Mode "real LSTMCell": a seeded `LSTMCell(1, hidden_size)` reads an input signal; its gates
    come from `LSTMCell.gates` and its forget-gate bias is the slider's value. The half-life
    readout then uses the measured mean forget gate.
    """

    css_name = "gate-sandbox"

    def __init__(self, seq_len: int = 30, hidden_size: int = 4, seed: int = 0):
        super().__init__("Gate sandbox: the cell state is a conveyor belt")
        self.mode = W.ToggleButtons(options=["constant gates", "real LSTMCell"], description="gates from")
        self.forget = _slider(0.9, 0.0, 1.0, 0.01, "forget gate f")
        self.input_gate = _slider(0.5, 0.0, 1.0, 0.01, "input gate i")
        self.output_gate = _slider(1.0, 0.0, 1.0, 0.01, "output gate o")
        self.candidate = _slider(1.0, -1.0, 1.0, 0.05, "candidate g")
        self.seq_len = _slider(seq_len, 2, 100, 1, "length T", integer=True)
        self.signal = W.Dropdown(options=["pulse at t = 1", "sine wave", "random"], description="input x_t",
                                 style={"description_width": "9em"})
        self.forget_bias = _slider(0.0, -3.0, 5.0, 0.1, "forget-gate bias")
        self.cell = _seeded(seed, lambda: LSTMCell(1, hidden_size))
        self._base_state = {k: v.clone() for k, v in self.cell.state_dict().items()}
        self._noise = torch.randn(100, generator=torch.Generator().manual_seed(seed))  # (100,) the "random" signal
        self.gates_image = W.Image(format="png")
        self.gates_image.add_class(f"{self.css_name}-gates-figure")
        self.gates_figure = None
        self._watch(mode=self.mode, forget=self.forget, input_gate=self.input_gate, output_gate=self.output_gate,
                    candidate=self.candidate, seq_len=self.seq_len, signal=self.signal,
                    forget_bias=self.forget_bias)
        self._layout([self.mode, W.HBox([W.VBox([self.forget, self.input_gate, self.output_gate, self.candidate]),
                                         W.VBox([self.seq_len, self.signal, self.forget_bias])])])
        self.widget.children = (*self.widget.children, self.gates_image)
        self.update()

    def _constant(self, T):
        f, i, o, g = self.forget.value, self.input_gate.value, self.output_gate.value, self.candidate.value
        c = torch.zeros(())
        cs, hs = [], []
        for _ in range(T):
            c = f * c + i * g  # the LSTM's cell update with every gate held constant
            cs.append(c)
            hs.append(o * torch.tanh(c))
        stored = torch.tensor([i * g * f ** t for t in range(T)])  # (T,) the first write on its own
        k = half_life(f)
        self.data = {"c": torch.stack(cs), "h": torch.stack(hs), "stored": stored, "half_life": k}
        self.figure = plots.plot_states(self.data["c"], self.data["h"], title="constant gates, c₀ = 0",
                                        marks={f"half-life {k:.1f}": 1 + k} if math.isfinite(k) else None,
                                        extra={"first write alone": stored})
        steady = "grows without bound" if f >= 1 else f"{i * g / (1 - f):.3f}"
        return (f"memory half-life: <b>{_steps(k)}</b> (fᵏ = ½) · "
                f"c_T = {cs[-1]:.3f}, h_T = {hs[-1]:.3f} · steady state i·g/(1−f): {steady}")

    def _signal(self, T):
        t = torch.arange(T, dtype=torch.float32)
        if self.signal.value == "sine wave":
            return torch.sin(2 * math.pi * t / 12)
        if self.signal.value == "random":
            return self._noise[:T]
        return (t == 0).float()

    def _real(self, T):
        self.cell.load_state_dict(self._base_state)
        set_forget_bias(self.cell, self.forget_bias.value)
        x = self._signal(T)  # (T,)
        steps, state = [], None
        with torch.no_grad():
            for t in range(T):
                step = self.cell.gates(x[t : t + 1], state)  # LSTMGates of (H,)
                steps.append(step)
                state = (step.h, step.c)
        gates = LSTMGates(*(torch.stack(v) for v in zip(*steps)))  # each (T, H)
        mean_f = gates.f.mean().item()
        k = half_life(mean_f)
        self.data = {"x": x, "gates": gates, "c": gates.c, "h": gates.h, "mean_f": mean_f, "half_life": k}
        self.figure = plots.plot_states(gates.c, gates.h, title=f"LSTMCell(1, {self.cell.hidden_size}) reading: "
                                        f"{self.signal.value}", marks={f"half-life {k:.1f}": 1 + k})
        self.gates_figure = plots.plot_gates(gates)
        return (f"mean forget gate f = {mean_f:.3f} → memory half-life about <b>{_steps(k)}</b> · "
                f"c_T of unit 0 = {gates.c[-1, 0]:.3f}, h_T of unit 0 = {gates.h[-1, 0]:.3f}")

    def compute(self):
        real = self.mode.value == "real LSTMCell"
        for control in (self.forget, self.input_gate, self.output_gate, self.candidate):
            control.disabled = real
        self.signal.disabled = self.forget_bias.disabled = not real
        text = self._real(self.seq_len.value) if real else self._constant(self.seq_len.value)
        if real:
            self.gates_image.value = _png(self.gates_figure)
        self.gates_image.layout.display = None if real else "none"
        return text


def gate_sandbox(seq_len: int = 30, hidden_size: int = 4, seed: int = 0) -> GateSandbox:
    """Sliders for the forget, input and output gates and the candidate; c_t, h_t and the memory half-life.

    A second mode takes the gates from a real `LSTMCell` reading a real input, with its
    forget-gate bias on a slider.
    """
    return GateSandbox(seq_len, hidden_size, seed)


# ---------------------------------------------------------------------------------------------


class GradientFlowExplorer(_App):
    """‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) against the lag for an RNN or LSTM cell, measured by autograd.

    The recurrent weight starts from PyTorch's default initialisation (seeded) and is rescaled to
    the spectral radius on the slider (each of an LSTM's four gate blocks separately); the LSTM's
    forget-gate bias is its own slider. The loss reads the last step only, so the curve is exactly
    how much gradient reaches a step k steps back (see `gradients.gradient_flow`).
    """

    css_name = "gradient-flow"

    def __init__(self, hidden_size: int = 32, input_size: int = 4, seq_len: int = 50, seed: int = 0):
        super().__init__("Gradient flow: how much gradient reaches k steps back")
        self.model = W.Dropdown(options=["RNN", "LSTM"], value="LSTM", description="model",
                                style={"description_width": "9em"})
        self.radius = _slider(1.0, 0.1, 2.0, 0.05, "spectral radius ρ")
        self.forget_bias = _slider(0.0, -2.0, 5.0, 0.25, "forget-gate bias")
        self.seq_len = _slider(seq_len, 5, 150, 5, "length T", integer=True)
        dtype = torch.float64  # gradients of 1e-40 and below must not underflow to 0
        self.cells = {
            "RNN": _seeded(seed, lambda: RNNCell(input_size, hidden_size, dtype=dtype)),
            "LSTM": _seeded(seed, lambda: LSTMCell(input_size, hidden_size, dtype=dtype)),
        }
        self._base = {name: {k: v.clone() for k, v in cell.state_dict().items()} for name, cell in self.cells.items()}
        self.input = torch.randn(150, 1, input_size, generator=torch.Generator().manual_seed(seed), dtype=dtype)
        self._watch(model=self.model, radius=self.radius, forget_bias=self.forget_bias, seq_len=self.seq_len)
        self._layout([W.HBox([W.VBox([self.model, self.seq_len]), W.VBox([self.radius, self.forget_bias])])])
        self.update()

    def compute(self):
        name, T = self.model.value, self.seq_len.value
        self.forget_bias.disabled = name != "LSTM"
        cell = self.cells[name]
        cell.load_state_dict(self._base[name])
        set_spectral_radius(cell, self.radius.value)
        if name == "LSTM":
            set_forget_bias(cell, self.forget_bias.value)
        flow = gradient_flow(cell, self.input[:T])
        rel = flow.relative()
        rho = spectral_radius(cell)
        guide = torch.tensor([rho ** k for k in range(T)])
        label = name + (f", forget bias {self.forget_bias.value:g}" if name == "LSTM" else "")
        self.data = {"flow": flow, "relative": rel, "radius": rho, "guide": guide}
        curves = {label: flow}
        if name == "RNN":  # the RNN's gradient passes W_hh once per step: ρᵏ is the scale it follows
            curves[f"ρᵏ for reference (ρ = {rho:.2f})"] = guide
        self.figure = plots.plot_gradient_flow(curves, title=f"{name}Cell, H = {cell.hidden_size}, T = {T}")
        text = f"measured ρ(W_hh) = {rho:.2f} · h path: ‖∂L/∂h‖ at lag {T - 1} is <b>{rel.h[-1]:.1e}</b> of lag 0"
        if rel.c is not None:
            text += f" · c path: ‖∂L/∂c‖ at lag {T - 1} is <b>{rel.c[-1]:.1e}</b> of lag 0"
        return text


def gradient_flow_explorer(hidden_size: int = 32, input_size: int = 4, seq_len: int = 50,
                           seed: int = 0) -> GradientFlowExplorer:
    """Model (RNN, LSTM), spectral radius, forget-gate bias and length -> the gradient norm against lag."""
    return GradientFlowExplorer(hidden_size, input_size, seq_len, seed)


# ---------------------------------------------------------------------------------------------


def _weight_letters(name: str) -> str:
    kind, layer = name.split("_l")
    first = layer.split("_")[0] == "0"
    return {"weight_ih": "(4H, I)" if first else "(4H, D·H)", "weight_hh": "(4H, H)",
            "bias_ih": "(4H,)", "bias_hh": "(4H,)"}[kind]


class ShapeExplorer(_App):
    """Every tensor of an LSTM call, its shape in letters and numbers, from running `nn.LSTM` and ours."""

    css_name = "shape-explorer"

    def __init__(self, seed: int = 0):
        super().__init__("Shape explorer: output, (h_n, c_n) = lstm(input)")
        self.batch = _slider(3, 1, 8, 1, "batch B", integer=True)
        self.seq_len = _slider(5, 1, 12, 1, "sequence length T", integer=True)
        self.input_size = _slider(4, 1, 8, 1, "input size I", integer=True)
        self.hidden_size = _slider(6, 1, 16, 1, "hidden size H", integer=True)
        self.num_layers = _slider(1, 1, 3, 1, "layers L", integer=True)
        self.bidirectional = W.Checkbox(value=False, description="bidirectional (D = 2)")
        self.batch_first = W.Checkbox(value=False, description="batch_first")
        self.seed = seed
        self._watch(batch=self.batch, seq_len=self.seq_len, input_size=self.input_size,
                    hidden_size=self.hidden_size, num_layers=self.num_layers, bidirectional=self.bidirectional,
                    batch_first=self.batch_first)
        self._layout([W.HBox([W.VBox([self.batch, self.seq_len, self.input_size, self.hidden_size]),
                              W.VBox([self.num_layers, self.bidirectional, self.batch_first])])], side_by_side=True)
        self.update()

    def compute(self):
        B, T, I, H, L = (c.value for c in (self.batch, self.seq_len, self.input_size, self.hidden_size,
                                           self.num_layers))
        D = 2 if self.bidirectional.value else 1
        kwargs = {"num_layers": L, "bidirectional": D == 2, "batch_first": self.batch_first.value}
        theirs = _seeded(self.seed, lambda: nn.LSTM(I, H, **kwargs))
        ours = _seeded(self.seed, lambda: LSTM(I, H, **kwargs))  # its initial weights are replaced just below
        ours.load_state_dict(theirs.state_dict())
        x = torch.randn((B, T, I) if self.batch_first.value else (T, B, I), generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            out, (h_n, c_n) = theirs(x)
            our_out, (our_h, our_c) = ours(x)
        diff = max((a - b).abs().max().item() for a, b in ((out, our_out), (h_n, our_h), (c_n, our_c)))
        seq = "(B, T, {})" if self.batch_first.value else "(T, B, {})"
        rows = [("input", seq.format("I"), x.shape, x.shape), ("output", seq.format("D·H"), out.shape, our_out.shape),
                ("h_n", "(L·D, B, H)", h_n.shape, our_h.shape), ("c_n", "(L·D, B, H)", c_n.shape, our_c.shape)]
        rows += [(n, _weight_letters(n), p.shape, getattr(ours, n).shape) for n, p in theirs.named_parameters()]
        self.data = {"shapes": {name: tuple(s) for name, _, s, _ in rows},
                     "our_shapes": {name: tuple(s) for name, _, _, s in rows}, "max_abs_diff": diff}
        call = f"nn.LSTM({I}, {H}" + "".join(f",\n{k}={v}" for k, v in kwargs.items() if v not in (1, False)) + ")"
        self.figure = plots.plot_lstm_call(x.shape, out.shape, h_n.shape, c_n.shape, self.batch_first.value, call)
        table = "".join(f"<tr><td><code>{n}</code></td><td><code>{letters}</code></td><td><code>{tuple(s)}</code>"
                        f"</td><td>{'✓' if tuple(s) == tuple(o) else '✗ ' + str(tuple(o))}</td></tr>"
                        for n, letters, s, o in rows)
        return (f"B={B}, T={T}, I={I}, H={H}, L={L}, D={D} · our LSTM equals nn.LSTM: max |difference| = "
                f"<b>{diff:.1e}</b><table><tr><th>tensor</th><th>letters</th><th>nn.LSTM</th><th>ours</th></tr>"
                f"{table}</table>")


def shape_explorer(seed: int = 0) -> ShapeExplorer:
    """Batch, length, sizes, layers, bidirectional, batch_first -> every shape, by running both LSTMs."""
    return ShapeExplorer(seed)


# ---------------------------------------------------------------------------------------------

TAG_CLASSES = ("other word", *(f"bank: {sense}" for sense in BANK_SENSES))
EXAMPLE_SENTENCES = (
    "we saw fish at the bank that day",
    "she saw cash at the bank that day",
    "the bank was full of mud they said",
    "the bank was full of coins they said",
    "at the bank i talked about the ducks",
    "he left the bank with the loans today",
)


class BankTagger(nn.Module):
    """Embedding -> one- or two-direction LSTM -> a tag per word: other word, bank (river), bank (money)."""

    def __init__(self, bidirectional: bool, embedding_size: int = 16, hidden_size: int = 16):
        super().__init__()
        self.embed = nn.Embedding(len(BANK_VOCAB), embedding_size)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), len(TAG_CLASSES))

    def forward(self, tokens):  # (B, T) -> (B, T, 3) logits
        output, _ = self.lstm(self.embed(tokens))  # (B, T, D·H)
        return self.head(output)


def _word_tags(batch):
    """bank_task's tags (sense at "bank", ignored elsewhere) -> 0 for every other word, 1 + sense at "bank"."""
    return torch.where(batch.tags == IGNORE_INDEX, 0, batch.tags + 1)  # (B, T)


@functools.lru_cache(maxsize=2)
def trained_bank_taggers(seed: int = 0, steps: int = 200):
    """Train a one-direction and a two-direction tagger once (about a second on a laptop CPU) and measure them.

    Returns (one_direction, two_direction, accuracy) where accuracy[name][cue] is the fraction of
    2,000 fresh sentences whose "bank" is tagged with the right sense, for cue "before" / "after".
    """
    with _one_thread():
        return _train_bank_taggers(seed, steps)


def _train_bank_taggers(seed, steps):
    # 7 words in 8 are "other word": weighting them down keeps them from drowning out the one word that matters.
    weight = torch.tensor([0.2, 1.0, 1.0])
    models = {}
    for name, bidirectional in (("one direction", False), ("two directions", True)):
        model = _seeded(seed, lambda b=bidirectional: BankTagger(b))
        generator = torch.Generator().manual_seed(seed)

        def make_batch(step, generator=generator):
            batch = bank_task(64, "random", generator)
            return batch.tokens, _word_tags(batch)

        fit(model, make_batch, lambda logits, tags: nn.functional.cross_entropy(
            logits.flatten(0, 1), tags.flatten(), weight=weight), steps=steps, lr=0.02)
        models[name] = model
    accuracy = {name: {} for name in models}
    for cue in ("before", "after"):
        test = bank_task(2000, cue, torch.Generator().manual_seed(seed + 1))
        rows = torch.arange(len(test.label))
        for name, model in models.items():
            with torch.no_grad():
                logits = model(test.tokens)[rows, test.position]  # (B, 3) at each sentence's "bank"
            sense = logits[:, 1:].argmax(dim=1)  # river or money, whichever the model prefers
            accuracy[name][cue] = (sense == test.label).float().mean().item()
    return models["one direction"], models["two directions"], accuracy


def _words_html(words):
    return " ".join(f"<b>{w}</b>" if w == "bank" else html.escape(w) for w in words)


class BidirectionalReader(_App):
    """Step through a "bank" sentence: what each direction has read, and each model's tag for every word."""

    css_name = "bidirectional-reader"

    def __init__(self, seed: int = 0):
        super().__init__('Bidirectional reader: which "bank" is it?')
        self.one_direction, self.two_directions, self.accuracy = trained_bank_taggers(seed)
        self.sentence = W.Dropdown(options=list(EXAMPLE_SENTENCES), description="sentence",
                                   style={"description_width": "6em"}, layout=W.Layout(width="32em"))
        self.position = _slider(0, 0, 7, 1, "reading word", integer=True)
        self.back = W.Button(description="◀ back", layout=W.Layout(width="7em"))
        self.forward = W.Button(description="next ▶", layout=W.Layout(width="7em"))
        self.new_sentence = W.Button(description="random sentence", layout=W.Layout(width="11em"))
        self._generator = torch.Generator().manual_seed(seed + 2)
        self._watch(sentence=self.sentence, position=self.position, back=self.back, forward=self.forward,
                    new_sentence=self.new_sentence)
        self.back.on_click(lambda _: self._step(-1))
        self.forward.on_click(lambda _: self._step(+1))
        self.new_sentence.on_click(lambda _: self._draw_sentence())
        self._layout([self.sentence, W.HBox([self.position, self.back, self.forward, self.new_sentence])])
        self.update()

    def _step(self, delta):
        self.position.value = min(max(self.position.value + delta, self.position.min), self.position.max)

    def _draw_sentence(self):
        text = BANK_VOCAB.decode(bank_task(1, "random", self._generator).tokens[0])
        if text not in self.sentence.options:
            self._quiet = True  # new options can move the value on their own: one redraw, for the new sentence
            try:
                self.sentence.options = (*self.sentence.options, text)
            finally:
                self._quiet = False
        self.sentence.value = text

    def compute(self):
        words = self.sentence.value.split()
        t = min(self.position.value, len(words) - 1)
        tokens = BANK_VOCAB.encode(words).unsqueeze(0)  # (1, T)
        with torch.no_grad():
            one = self.one_direction(tokens).softmax(-1)[0]  # (T, 3)
            two = self.two_directions(tokens).softmax(-1)[0]  # (T, 3)
        bank = words.index("bank")
        self.data = {"words": words, "position": t, "bank_position": bank, "one_direction": one,
                     "two_directions": two, "forward_read": words[: t + 1], "backward_read": words[t:]}
        self.figure = plots.plot_token_predictions(words, one, two, TAG_CLASSES, position=t, annotate={t, bank},
                                                   title=f'reading "{words[t]}" (word {t})')

        def verdict(probs):
            sense = int(probs[bank, 1:].argmax())
            return f"{BANK_SENSES[sense]} ({probs[bank, 1 + sense]:.2f} vs {probs[bank, 2 - sense]:.2f})"

        acc = self.accuracy
        return (f"forward direction has read: <span class='forward-read'>{_words_html(words[: t + 1])}</span><br>"
                f"backward direction has read: <span class='backward-read'>{_words_html(words[t:])}</span><br>"
                f'"bank" is word {bank}: one direction says <b>{verdict(one)}</b>, '
                f"two directions say <b>{verdict(two)}</b><br>"
                f"measured on 2,000 fresh sentences with the cue after \"bank\": one direction "
                f"{acc['one direction']['after']:.0%} right, two directions {acc['two directions']['after']:.0%} "
                f"(cue before: {acc['one direction']['before']:.0%} and {acc['two directions']['before']:.0%})")


def bidirectional_reader(seed: int = 0) -> BidirectionalReader:
    """Step through a sentence whose "bank" is settled by a word before or after it; compare the two taggers."""
    return BidirectionalReader(seed)


# ---------------------------------------------------------------------------------------------


class MultipleChoiceView:
    """One button per option; a click shows at once whether it is right and why."""

    def __init__(self, question: MultipleChoice):
        self.question = question
        letters = [chr(ord("A") + k) for k in range(len(question.options))]
        self.buttons = [W.Button(description=f"{letter}. {option}", layout=W.Layout(width="auto"))
                        for letter, option in zip(letters, question.options)]
        self.feedback = W.HTML()
        self.feedback.add_class("quiz-feedback")
        for k, button in enumerate(self.buttons):
            button.add_class(f"quiz-option-{k}")
            button.on_click(lambda _, k=k: self.choose(k))
        self.widget = W.VBox([W.HTML(f"<b>{html.escape(question.question)}</b>"), *self.buttons, self.feedback],
                             layout=W.Layout(align_items="flex-start"))
        self.widget.add_class("lstm-course-quiz")

    def choose(self, k: int) -> None:
        verdict = self.question.check(k)
        for j, button in enumerate(self.buttons):
            button.button_style = ("success" if verdict.correct else "danger") if j == k else ""
        self.feedback.value = f"{'✓' if verdict.correct else '✗'} {html.escape(verdict.message)}"


class MatchingView:
    """A dropdown per item on the left, a Check button, and per-item feedback with the score."""

    placeholder = "(choose)"

    def __init__(self, question: Matching):
        self.question = question
        self.dropdowns = {left: W.Dropdown(options=[self.placeholder, *question.choices], layout=W.Layout(width="auto"))
                          for left in question.pairs}
        self.marks = {left: W.HTML() for left in question.pairs}
        self.check_button = W.Button(description="Check", button_style="primary")
        self.check_button.add_class("quiz-check")
        self.feedback = W.HTML()
        self.feedback.add_class("quiz-feedback")
        self.check_button.on_click(lambda _: self.check())
        rows = []
        for k, left in enumerate(question.pairs):
            self.dropdowns[left].add_class(f"quiz-match-{k}")
            rows.append(W.HBox([W.HTML(f"<b>{html.escape(left)}</b>", layout=W.Layout(width="10em")),
                                self.dropdowns[left], self.marks[left]]))
        self.widget = W.VBox([W.HTML(f"<b>{html.escape(question.prompt)}</b>"), *rows, self.check_button,
                              self.feedback])
        self.widget.add_class("lstm-course-quiz")

    def check(self) -> None:
        answers = {left: (None if d.value == self.placeholder else d.value) for left, d in self.dropdowns.items()}
        feedback = self.question.check(answers)
        for left, verdict in feedback.items():
            self.marks[left].value = f"{'✓' if verdict.correct else '✗'} {html.escape(verdict.message)}"
        right = sum(v.correct for v in feedback.values())
        self.feedback.value = f"{right} of {len(feedback)} matched correctly" + (" — well done!" if right == len(
            feedback) else "")


def quiz_view(question):
    """The widget for a `quiz.MultipleChoice` or `quiz.Matching` question."""
    if isinstance(question, MultipleChoice):
        return MultipleChoiceView(question)
    if isinstance(question, Matching):
        return MatchingView(question)
    raise TypeError(f"expected a quiz.MultipleChoice or quiz.Matching, got {type(question).__name__}")
