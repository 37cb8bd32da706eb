"""The gate sandbox (lesson 02): set an LSTM's gates by hand, or let a real `LSTMCell` set them.

    from lstm_course.widgets import gate_sandbox
    gate_sandbox()
"""

from __future__ import annotations

import math

import ipywidgets as W
import torch

from .. import plots
from ..cells import LSTMCell, LSTMGates
from ..gradients import set_forget_bias
from ..runtime import seeded
from .base import LABEL_WIDTH, App, choice, png, slider

MODES = ("constant gates", "real LSTMCell")
SIGNALS = ("pulse at t = 1", "sine wave", "random")


def half_life(f: float) -> float:
    """Steps k after which a stored value, multiplied by f each step, is half what it was: f^k = 1/2."""
    if f >= 1:
        return math.inf
    if f <= 0:
        return 0.0
    return math.log(0.5) / math.log(f)


def _steps(k: float) -> str:
    return "never (f = 1 keeps it forever)" if math.isinf(k) else f"{k:.1f} steps"


class GateSandbox(App):
    r"""Set the gates by hand, or let a real `LSTMCell` set them, and watch c_t and h_t.

    Mode "constant gates": f, i, o and the candidate g are the same at every step, so
    c_t = f·c_{t-1} + i·g and h_t = o·tanh(c_t), starting from c_0 = 0. A value stored at one step
    is multiplied by f at every later step, so its *memory half-life* is ln(½)/ln(f) steps.

    Mode "real LSTMCell": a seeded `LSTMCell(1, hidden_size)` reads an input signal; its gates
    come from `LSTMCell.gates` and its forget-gate bias is the slider's value. The half-life
    readout then uses the measured mean forget gate.
    """

    css_name = "gate-sandbox"

    def __init__(self, seq_len: int = 30, hidden_size: int = 4, seed: int = 0, *, mode: str = "constant gates",
                 forget: float = 0.9, input_gate: float = 0.5, output_gate: float = 1.0, candidate: float = 1.0,
                 signal: str = "pulse at t = 1", forget_bias: float = 0.0):
        super().__init__("Gate sandbox: the cell state is a conveyor belt")
        self.mode = W.ToggleButtons(options=MODES, value=choice(mode, MODES, "mode"), description="gates from")
        self.forget = slider(forget, 0.0, 1.0, 0.01, "forget gate f")
        self.input_gate = slider(input_gate, 0.0, 1.0, 0.01, "input gate i")
        self.output_gate = slider(output_gate, 0.0, 1.0, 0.01, "output gate o")
        self.candidate = slider(candidate, -1.0, 1.0, 0.05, "candidate g")
        self.seq_len = slider(seq_len, 2, 100, 1, "length T", integer=True)
        self.signal = W.Dropdown(options=SIGNALS, value=choice(signal, SIGNALS, "signal"), description="input x_t",
                                 style={"description_width": LABEL_WIDTH})
        self.forget_bias = slider(forget_bias, -3.0, 5.0, 0.1, "forget-gate bias")
        self.cell = seeded(seed, lambda: LSTMCell(1, hidden_size))
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
            self.gates_image.value = png(self.gates_figure)
        self.gates_image.layout.display = None if real else "none"
        return text


def gate_sandbox(seq_len: int = 30, hidden_size: int = 4, seed: int = 0, **initial) -> GateSandbox:
    """Sliders for the forget, input and output gates and the candidate; c_t, h_t and the memory half-life.

    A second mode takes the gates from a real `LSTMCell` reading a real input, with its
    forget-gate bias on a slider. Every control's starting value is a keyword (`mode`, `forget`,
    `input_gate`, `output_gate`, `candidate`, `signal`, `forget_bias`), so a lesson opens the app
    where it wants without setting controls after it is shown (which would undo a learner's
    settings whenever the cell runs again).
    """
    return GateSandbox(seq_len, hidden_size, seed, **initial)
