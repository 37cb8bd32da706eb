"""The shape explorer (lesson 04): every tensor of an LSTM call, its shape in letters and in numbers.

    from lstm_course.widgets import shape_explorer
    shape_explorer()
"""

from __future__ import annotations

import warnings

import ipywidgets as W
import torch
from torch import nn

from .. import plots
from ..layers import LSTM
from ..runtime import seeded
from .base import App, slider

MAX_HIDDEN = 16


def _weight_letters(name: str, projected: bool) -> str:
    """A parameter's shape in letters; with projections (P = proj_size) h has width P instead of H."""
    kind, layer = name.split("_l")
    first = layer.split("_")[0] == "0"
    width = "P" if projected else "H"
    return {"weight_ih": "(4H, I)" if first else f"(4H, D·{width})", "weight_hh": f"(4H, {width})",
            "weight_hr": "(P, H)", "bias_ih": "(4H,)", "bias_hh": "(4H,)"}[kind]


class ShapeExplorer(App):
    """Every tensor of an LSTM call, its shape in letters and numbers, from running `nn.LSTM` and ours.

    With `proj_size` P > 0 (an LSTM with projections, Sak et al. 2014) h_t is projected from H to P
    by `weight_hr`: `output` is (T, B, D·P), `h_n` (L·D, B, P), while `c_n` stays (L·D, B, H).
    PyTorch requires P < H, so the P slider's maximum follows H.
    """

    css_name = "shape-explorer"

    def __init__(self, seed: int = 0, *, batch: int = 3, seq_len: int = 5, input_size: int = 4, hidden_size: int = 6,
                 num_layers: int = 1, bidirectional: bool = False, batch_first: bool = False, proj_size: int = 0):
        super().__init__("Shape explorer: output, (h_n, c_n) = lstm(input)")
        self.batch = slider(batch, 1, 8, 1, "batch B", integer=True)
        self.seq_len = slider(seq_len, 1, 12, 1, "sequence length T", integer=True)
        self.input_size = slider(input_size, 1, 8, 1, "input size I", integer=True)
        self.hidden_size = slider(hidden_size, 1, MAX_HIDDEN, 1, "hidden size H", integer=True)
        self.num_layers = slider(num_layers, 1, 3, 1, "layers L", integer=True)
        self.proj_size = slider(proj_size, 0, hidden_size - 1, 1, "proj_size P", integer=True)
        self.bidirectional = W.Checkbox(value=bool(bidirectional), description="bidirectional (D = 2)")
        self.batch_first = W.Checkbox(value=bool(batch_first), description="batch_first")
        self.seed = seed
        self._watch(batch=self.batch, seq_len=self.seq_len, input_size=self.input_size,
                    hidden_size=self.hidden_size, num_layers=self.num_layers, proj_size=self.proj_size,
                    bidirectional=self.bidirectional, batch_first=self.batch_first)
        self._layout([W.HBox([W.VBox([self.batch, self.seq_len, self.input_size, self.hidden_size]),
                              W.VBox([self.num_layers, self.proj_size, self.bidirectional, self.batch_first])])],
                     side_by_side=True)
        self.update()

    def compute(self):
        B, T, I, H, L = (c.value for c in (self.batch, self.seq_len, self.input_size, self.hidden_size,
                                           self.num_layers))
        self._quiet = True  # lowering the maximum may lower P as well: one redraw, this one
        try:
            self.proj_size.max = H - 1  # PyTorch requires proj_size < hidden_size
        finally:
            self._quiet = False
        P = self.proj_size.value
        D = 2 if self.bidirectional.value else 1
        kwargs = {"num_layers": L, "bidirectional": D == 2, "batch_first": self.batch_first.value, "proj_size": P}
        theirs = seeded(self.seed, lambda: nn.LSTM(I, H, **kwargs))
        ours = seeded(self.seed, lambda: LSTM(I, H, **kwargs))  # its initial weights are replaced just below
        ours.load_state_dict(theirs.state_dict())
        x = torch.randn((B, T, I) if self.batch_first.value else (T, B, I), generator=torch.Generator().manual_seed(0))
        with torch.no_grad(), warnings.catch_warnings():
            # torch notes that oneDNN has no projection kernel and falls back: true, and nothing to act on here
            warnings.filterwarnings("ignore", message="LSTM with projections is not supported with oneDNN")
            out, (h_n, c_n) = theirs(x)
            our_out, (our_h, our_c) = ours(x)
        diff = max((a - b).abs().max().item() for a, b in ((out, our_out), (h_n, our_h), (c_n, our_c)))
        seq = "(B, T, {})" if self.batch_first.value else "(T, B, {})"
        width = "P" if P else "H"  # what h_t is as wide as
        rows = [("input", seq.format("I"), x.shape, x.shape),
                ("output", seq.format(f"D·{width}"), out.shape, our_out.shape),
                ("h_n", f"(L·D, B, {width})", h_n.shape, our_h.shape), ("c_n", "(L·D, B, H)", c_n.shape, our_c.shape)]
        rows += [(n, _weight_letters(n, P > 0), p.shape, getattr(ours, n).shape) for n, p in theirs.named_parameters()]
        self.data = {"shapes": {name: tuple(s) for name, _, s, _ in rows},
                     "our_shapes": {name: tuple(s) for name, _, _, s in rows}, "max_abs_diff": diff}
        call = f"nn.LSTM({I}, {H}" + "".join(f",\n{k}={v}" for k, v in kwargs.items() if v not in (0, 1, False)) + ")"
        self.figure = plots.plot_lstm_call(x.shape, out.shape, h_n.shape, c_n.shape, self.batch_first.value, call,
                                           proj_size=P)
        table = "".join(f"<tr><td><code>{n}</code></td><td><code>{letters}</code></td><td><code>{tuple(s)}</code>"
                        f"</td><td>{'✓' if tuple(s) == tuple(o) else '✗ ' + str(tuple(o))}</td></tr>"
                        for n, letters, s, o in rows)
        return (f"B={B}, T={T}, I={I}, H={H}, L={L}, D={D}, P={P} · our LSTM equals nn.LSTM: max |difference| = "
                f"<b>{diff:.1e}</b><table><tr><th>tensor</th><th>letters</th><th>nn.LSTM</th><th>ours</th></tr>"
                f"{table}</table>")


def shape_explorer(seed: int = 0, **initial) -> ShapeExplorer:
    """Batch, length, sizes, layers, proj_size, bidirectional, batch_first -> every shape, by running both LSTMs.

    Every control starts at its keyword (`batch`, `seq_len`, `input_size`, `hidden_size`, `num_layers`,
    `proj_size`, `bidirectional`, `batch_first`), so a lesson can open the explorer on the case it discusses.
    """
    return ShapeExplorer(seed, **initial)
