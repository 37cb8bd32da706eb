"""The gradient-flow explorer (lessons 01 and 02): how much gradient reaches a step k steps back.

    from lstm_course.widgets import gradient_flow_explorer
    gradient_flow_explorer(model="RNN")
"""

from __future__ import annotations

import ipywidgets as W
import torch

from .. import plots
from ..cells import LSTMCell, RNNCell
from ..gradients import gradient_flow, set_forget_bias, set_spectral_radius, spectral_radius
from ..runtime import seeded
from .base import LABEL_WIDTH, App, choice, slider

MODELS = ("RNN", "LSTM")


class GradientFlowExplorer(App):
    """‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) against the lag for an RNN or LSTM cell, measured by autograd.

    The recurrent weight starts from PyTorch's default initialisation (seeded) and is rescaled to
    the spectral radius on the slider (each of an LSTM's four gate blocks separately); the LSTM's
    forget-gate bias is its own slider. The loss reads the last step only, so the curve is exactly
    how much gradient reaches a step k steps back (see `gradients.gradient_flow`).
    """

    css_name = "gradient-flow"

    def __init__(self, hidden_size: int = 32, input_size: int = 4, seq_len: int = 50, seed: int = 0, *,
                 model: str = "LSTM", radius: float = 1.0, forget_bias: float = 0.0):
        super().__init__("Gradient flow: how much gradient reaches k steps back")
        self.model = W.Dropdown(options=MODELS, value=choice(model, MODELS, "model"), description="model",
                                style={"description_width": LABEL_WIDTH})
        self.radius = slider(radius, 0.1, 2.0, 0.05, "spectral radius ρ")
        self.forget_bias = slider(forget_bias, -2.0, 5.0, 0.25, "forget-gate bias")
        self.seq_len = slider(seq_len, 5, 150, 5, "length T", integer=True)
        dtype = torch.float64  # gradients of 1e-40 and below must not underflow to 0
        self.cells = {
            "RNN": seeded(seed, lambda: RNNCell(input_size, hidden_size, dtype=dtype)),
            "LSTM": seeded(seed, lambda: LSTMCell(input_size, hidden_size, dtype=dtype)),
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


def gradient_flow_explorer(hidden_size: int = 32, input_size: int = 4, seq_len: int = 50, seed: int = 0,
                           **initial) -> GradientFlowExplorer:
    """Model (RNN, LSTM), spectral radius, forget-gate bias and length -> the gradient norm against lag.

    The controls start at the keywords `model` ("RNN" or "LSTM"), `radius` and `forget_bias`: a
    lesson before LSTMs opens it with `model="RNN"`.
    """
    return GradientFlowExplorer(hidden_size, input_size, seq_len, seed, **initial)
