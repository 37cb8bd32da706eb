"""The shape explorer (lesson 04): every tensor of an LSTM call, its shape in letters and in numbers.

    from lstm_course.widgets import shape_explorer
    shape_explorer()
"""

from __future__ import annotations

import ipywidgets as W
import torch
from torch import nn

from .. import plots
from ..layers import LSTM
from ..runtime import seeded
from .base import App, slider


def _weight_letters(name: str) -> str:
    kind, layer = name.split("_l")
    first = layer.split("_")[0] == "0"
    return {"weight_ih": "(4H, I)" if first else "(4H, D·H)", "weight_hh": "(4H, H)",
            "bias_ih": "(4H,)", "bias_hh": "(4H,)"}[kind]


class ShapeExplorer(App):
    """Every tensor of an LSTM call, its shape in letters and numbers, from running `nn.LSTM` and ours."""

    css_name = "shape-explorer"

    def __init__(self, seed: int = 0):
        super().__init__("Shape explorer: output, (h_n, c_n) = lstm(input)")
        self.batch = slider(3, 1, 8, 1, "batch B", integer=True)
        self.seq_len = slider(5, 1, 12, 1, "sequence length T", integer=True)
        self.input_size = slider(4, 1, 8, 1, "input size I", integer=True)
        self.hidden_size = slider(6, 1, 16, 1, "hidden size H", integer=True)
        self.num_layers = slider(1, 1, 3, 1, "layers L", integer=True)
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
        theirs = seeded(self.seed, lambda: nn.LSTM(I, H, **kwargs))
        ours = seeded(self.seed, lambda: LSTM(I, H, **kwargs))  # its initial weights are replaced just below
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
