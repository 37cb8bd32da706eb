"""The course's figures: tensors in, a `matplotlib.figure.Figure` out.

Every function builds a fresh `Figure` without pyplot, so nothing is left open in a global figure
manager and calling one twice never draws into the other. A notebook shows a returned figure
as its cell's value (or with `display(fig)`); `fig.savefig(...)` writes it to a file. The widgets
redraw these same figures when a control moves, so a lesson and its app always agree.

Axes carry labels with units (steps, norms, activations); tensors may be on any device and
require grad, they are detached and copied to the CPU here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import LogLocator, MaxNLocator

from .validation import shape_str

GATE_NAMES = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o"}
COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def _array(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=float)


def _figure(figsize, left=0.1, right=0.97, bottom=0.12, top=0.9, **spacing) -> Figure:
    """A Figure with fixed margins: a layout engine would cost more than the drawing itself, and a widget redraws
    these on every control change."""
    fig = Figure(figsize=figsize)
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top, **spacing)
    return fig


def plot_gradient_flow(curves: Mapping, relative: bool = True, title: str | None = None,
                       figsize=(6.4, 3.6)) -> Figure:
    """Gradient norm against lag, log scale, for several models at once.

    Args:
        curves: label -> a (T,) tensor of norms indexed by lag, or a `gradients.GradientFlow`
            (its h path is drawn solid and its c path, if any, dashed in the same colour).
        relative: divide each curve by its value at lag 0, so every curve starts at 1.
        title: the axes' title.

    Returns:
        A Figure with one log-scale axes; each line's label says the model and the path.
    """
    fig = _figure(figsize, left=0.13, bottom=0.15)
    ax = fig.add_subplot()
    for k, (label, curve) in enumerate(curves.items()):
        color = COLORS[k % len(COLORS)]
        paths = [("h", curve.h, "-"), ("c", curve.c, "--")] if hasattr(curve, "h") else [(None, curve, "-")]
        for path, norms, style in paths:
            if norms is None:
                continue
            y = _array(norms)
            if relative:
                y = y / y[0]
            name = label if path is None else f"{label}, {path} path: ‖∂L/∂{path}_t‖"
            ax.semilogy(np.arange(len(y)), np.clip(y, 1e-300, None), style, color=color, label=name)
    ax.set_xlabel("lag T − 1 − t (steps back from the loss)")
    ax.set_ylabel("gradient norm" + (" / norm at lag 0" if relative else ""))
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))  # few labels: text is most of a redraw's cost
    ax.yaxis.set_major_locator(LogLocator(numticks=7))
    ax.grid(True, which="major", alpha=0.3)
    if curves:
        ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def _gate_series(gates):
    """LSTMGates of (T, H) or (T,) tensors, or a sequence of per-step LSTMGates -> name -> (H, T) array."""
    if isinstance(gates, Sequence) and not hasattr(gates, "_fields"):
        gates = type(gates[0])(*(torch.stack(step) for step in zip(*gates)))
    series = {}
    for name in ("i", "f", "g", "o"):
        a = _array(getattr(gates, name))
        series[name] = a.reshape(len(a), -1).T  # (H, T)
    return series


def plot_gates(gates, title: str | None = None, figsize=(6.4, 3.6)) -> Figure:
    """Gate activations over time as one heatmap with a band of rows per gate (i, f, g, o).

    Args:
        gates: `cells.LSTMGates` whose fields are stacked over time, (T, H) or (T,), or a list
            of per-step `LSTMGates` with (H,) fields (as `LSTMCell.gates` returns them).

    Returns:
        A Figure with one heatmap axes (time step on x; on y, four bands of H rows, one row per
        hidden unit, for i, f, g and o, top to bottom) and a colour bar from -1 (blue) through 0
        (white) to 1 (red): the sigmoid gates live in [0, 1] (white = closed, red = open), the
        candidate g in [-1, 1]. A single axes keeps the redraw cheap enough for a slider.
    """
    series = _gate_series(gates)
    H, T = series["i"].shape
    fig = _figure(figsize, left=0.18, right=0.92, bottom=0.13, top=0.9 if title else 0.95)
    ax = fig.add_subplot()
    image = ax.imshow(np.concatenate(list(series.values())), aspect="auto", cmap="RdBu_r", vmin=-1.0, vmax=1.0,
                      interpolation="nearest", extent=(0.5, T + 0.5, 4 * H - 0.5, -0.5))  # (4H, T), step t at x = t
    for k in range(1, 4):
        ax.axhline(k * H - 0.5, color="0.15", lw=1.5)
    ax.set_yticks([k * H + (H - 1) / 2 for k in range(4)], [f"{GATE_NAMES[n]}\n(units 0-{H - 1})" if H > 1
                                                             else GATE_NAMES[n] for n in series])
    ax.tick_params(axis="y", labelsize="small")
    ax.set_xlabel("time step t")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    bar = fig.colorbar(image, ax=ax, pad=0.015, fraction=0.04, ticks=[-1, 0, 1])
    bar.set_label("activation", fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def plot_states(c, h, title: str | None = None, marks: Mapping[str, float] | None = None,
                extra: Mapping | None = None, figsize=(6.4, 3.4)) -> Figure:
    """Cell-state and hidden-state trajectories over time.

    Args:
        c, h: (T,) or (T, H) tensors: c_t and h_t at every step (one line per hidden unit).
        marks: label -> time step, drawn as labelled vertical lines (e.g. a memory half-life).
        extra: label -> (T,) more curves drawn dashed on the cell-state axes (e.g. one stored
            value on its own).

    Returns:
        A Figure with two axes side by side: c_t (left) and h_t (right), time on x in steps.
    """
    fig = _figure(figsize, left=0.1, bottom=0.15, top=0.85 if title else 0.92, wspace=0.4)
    ax_c, ax_h = fig.subplots(1, 2, sharex=True)
    for ax, values, name, symbol in ((ax_c, c, "cell state", "c_t"), (ax_h, h, "hidden state", "h_t")):
        a = _array(values)
        a = a.reshape(len(a), -1)  # (T, H)
        t = np.arange(1, len(a) + 1)
        for unit in range(a.shape[1]):
            ax.plot(t, a[:, unit], color=COLORS[unit % len(COLORS)], label=f"{symbol}, unit {unit}" if a.shape[1] > 1
                    else symbol)
        ax.set_xlabel("time step t")
        ax.set_ylabel(symbol)
        ax.set_title(f"{name} {symbol}", fontsize="small", loc="left")
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))  # few labels: text is most of a redraw's cost
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.grid(True, alpha=0.3)
    for k, (label, curve) in enumerate((extra or {}).items()):
        a = _array(curve)
        ax_c.plot(np.arange(1, len(a) + 1), a, "--", color=COLORS[(k + 3) % len(COLORS)], label=label)
    for label, step in (marks or {}).items():
        if np.isfinite(step):
            ax_c.axvline(step, color="0.3", ls=":", label=label)
    if marks or extra:
        ax_c.legend(fontsize="x-small")
    if title:
        fig.suptitle(title)
    return fig


def _box(ax, xy, width, height, title, shape, letters, color):
    x, y = xy
    ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.02", fc=color, ec="0.2", lw=1.2))
    ax.text(x + width / 2, y + height * 0.68, title, ha="center", va="center", fontsize=11, weight="bold")
    ax.text(x + width / 2, y + height * 0.40, letters, ha="center", va="center", fontsize=9, family="monospace")
    ax.text(x + width / 2, y + height * 0.16, shape_str(shape), ha="center", va="center", fontsize=9,
            family="monospace")


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="0.3", lw=1.2))


def plot_lstm_call(input_shape, output_shape, h_n_shape, c_n_shape, batch_first: bool = False,
                   call: str = "nn.LSTM", figsize=(7.2, 3.0), proj_size: int = 0) -> Figure:
    """A diagram of one `output, (h_n, c_n) = lstm(input)` call, each tensor a box with its shape.

    Args:
        input_shape, output_shape, h_n_shape, c_n_shape: the shapes the call really produced.
        batch_first: whether input and output are (B, T, ·); h_n and c_n never are.
        call: the text of the module box, e.g. "nn.LSTM(3, 5, num_layers=2)".
        proj_size: P > 0 for an LSTM with projections: output and h_n are P wide, c_n stays H wide.

    Returns:
        A Figure with one axes (no ticks) holding five labelled boxes and the arrows between them;
        every box shows the shape in letters (B, T, I, H, L, D, and P with projections) and in numbers.
    """
    seq = "(B, T, {})" if batch_first else "(T, B, {})"
    fig = _figure(figsize, left=0.01, right=0.99, bottom=0.01, top=0.99)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4.2)
    ax.set_axis_off()
    _box(ax, (0.1, 1.4), 2.0, 1.4, "input", input_shape, seq.format("I"), "#dbe9f6")
    ax.add_patch(FancyBboxPatch((2.75, 1.3), 3.3, 1.6, boxstyle="round,pad=0.02", fc="#fde8c8", ec="0.2", lw=1.2))
    ax.text(4.4, 2.1, call, ha="center", va="center", fontsize=8, family="monospace")
    width = "P" if proj_size else "H"  # h_t is projected to P when proj_size > 0
    _box(ax, (6.75, 2.75), 3.1, 1.3, "output", output_shape, seq.format(f"D·{width}"), "#dff3df")
    _box(ax, (6.75, 1.4), 3.1, 1.25, "h_n", h_n_shape, f"(L·D, B, {width})", "#f3dfe9")
    _box(ax, (6.75, 0.05), 3.1, 1.25, "c_n", c_n_shape, "(L·D, B, H)", "#efe4f7")
    _arrow(ax, (2.15, 2.1), (2.7, 2.1))
    for y in (3.4, 2.05, 0.7):
        _arrow(ax, (6.1, 2.1), (6.7, y))
    legend = "B batch · T time · I input size\nH hidden size · L layers · D directions"
    ax.text(0.1, 0.55, legend + ("\nP proj_size" if proj_size else ""), fontsize=8, color="0.35", va="center")
    return fig


def plot_learning_curves(curves: Mapping[str, Sequence[float]], baseline: float | None = None,
                         baseline_label: str = "baseline", ylabel: str = "loss", log: bool = False,
                         title: str | None = None, figsize=(6.4, 3.6)) -> Figure:
    """Loss (or any metric) against training step for several runs, with an optional baseline line.

    Args:
        curves: label -> one value per step (a list or a 1-D tensor).
        baseline: draw a horizontal dashed line here (e.g. `tasks.ADDING_BASELINE_MSE`).
        log: log scale on y.

    Returns:
        A Figure with one axes; x is the training step, y is `ylabel`.
    """
    fig = _figure(figsize, left=0.13, bottom=0.15)
    ax = fig.add_subplot()
    for k, (label, values) in enumerate(curves.items()):
        y = _array(values)
        ax.plot(np.arange(1, len(y) + 1), y, color=COLORS[k % len(COLORS)], label=label)
    if baseline is not None:
        ax.axhline(baseline, color="0.3", ls="--", label=f"{baseline_label} ({baseline:.3g})")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if curves or baseline is not None:
        ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return fig


def plot_token_predictions(words: Sequence[str], one_direction, two_direction, classes: Sequence[str],
                           position: int | None = None, title: str | None = None, annotate=None,
                           figsize=(8.0, 2.8)) -> Figure:
    """Per-token class probabilities of a one-direction and a two-direction model, side by side.

    Args:
        words: the T words of the sentence.
        one_direction, two_direction: (T, C) probabilities (rows sum to 1) for each word.
        classes: the C class names.
        position: a word to highlight (e.g. the one being read), or None.
        annotate: the word positions whose probabilities are written in their cells (None: every word).

    Returns:
        A Figure with two heatmap axes titled "one direction" and "two directions": words on x,
        classes on y, the cells of the annotated words labelled with their probability.
    """
    fig = _figure(figsize, left=0.18, bottom=0.3, top=0.82 if title else 0.9, wspace=0.05)  # room for "bank: money"
    axes = fig.subplots(1, 2, sharey=True)
    for ax, probs, name in ((axes[0], one_direction, "one direction (left to right)"),
                            (axes[1], two_direction, "two directions")):
        p = _array(probs)
        if p.shape != (len(words), len(classes)):
            raise ValueError(f"probabilities must have shape (T, C) = {shape_str((len(words), len(classes)))}, "
                             f"got {shape_str(p.shape)}")
        ax.imshow(p.T, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
        for t in range(len(words)) if annotate is None else sorted(set(annotate)):
            for k in range(len(classes)):
                ax.text(t, k, f"{p[t, k]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if p[t, k] > 0.6 else "black")
        ax.set_xticks(range(len(words)), words, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(classes)), classes)
        ax.set_title(name, fontsize="small")
        ax.set_xlabel("word")
        if position is not None:
            ax.axvspan(position - 0.5, position + 0.5, fill=False, ec="tab:red", lw=2)
    axes[0].set_ylabel("predicted class")
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig


def plot_forecasts(dates, truth, forecasts: Mapping, title: str | None = None, unit: str = "ppm",
                   figsize=(7.2, 4.6)) -> Figure:
    """Forecasts against the truth (top) and each forecast's error (bottom), over the same months.

    On a series that climbs by 100 ppm, forecasts within 1 ppm of the truth hide behind its line,
    so the bottom panel draws forecast − truth, where the methods can be told apart.

    Args:
        dates: (N,) time of each month (e.g. the fractional year).
        truth: (N,) the observed values.
        forecasts: label -> (N,) forecast of the same months.
        unit: the values' unit, for the axis labels.

    Returns:
        A Figure with two axes sharing x: values, and errors with a zero line.

    Raises:
        ValueError: a forecast's length differs from the truth's, or dates and truth differ in length.
    """
    x, y = _array(dates), _array(truth)
    if x.shape != y.shape or y.ndim != 1:
        raise ValueError(f"dates and truth must both be (N,), got {shape_str(x.shape)} and {shape_str(y.shape)}")
    fig = _figure(figsize, left=0.11, bottom=0.1, top=0.92 if title else 0.97, hspace=0.08)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    top.plot(x, y, color="black", lw=2.2, label="truth")
    bottom.axhline(0.0, color="black", lw=1.2)
    for k, (label, values) in enumerate(forecasts.items()):
        p = _array(values)
        if p.shape != y.shape:
            raise ValueError(f"forecast {label!r} must have shape (N,) = {shape_str(y.shape)}, "
                             f"got {shape_str(p.shape)}")
        color = COLORS[k % len(COLORS)]
        top.plot(x, p, color=color, lw=1, label=label)
        bottom.plot(x, p - y, color=color, lw=1)
    top.set_ylabel(f"value ({unit})")
    bottom.set_ylabel(f"forecast − truth ({unit})")
    bottom.set_xlabel("year")
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    top.legend(fontsize="small", ncol=2)
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig


def plot_confusion_matrix(matrix, classes: Sequence[str], title: str | None = None, figsize=(4.6, 4.0)) -> Figure:
    """A (C, C) confusion matrix as a heat map: row = true class, column = predicted class.

    Each cell is coloured by the share of its row (so every true class reads on the same scale) and
    labelled with the count.

    Args:
        matrix: (C, C) counts. classes: C names, in the matrix's order.

    Returns:
        A Figure with one axes and a colour bar of the row share.

    Raises:
        ValueError: the matrix is not (C, C) with one name per class.
    """
    counts = _array(matrix)
    if counts.ndim != 2 or counts.shape != (len(classes), len(classes)):
        raise ValueError(f"matrix must be (C, C) with C = {len(classes)} classes, got {shape_str(counts.shape)}")
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig = _figure(figsize, left=0.17, right=0.95, bottom=0.22, top=0.92 if title else 0.97)
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for r in range(len(classes)):
        for c in range(len(classes)):
            ax.text(c, r, f"{int(counts[r, c])}", ha="center", va="center", fontsize="small",
                    color="white" if share[r, c] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=35, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted language")
    ax.set_ylabel("true language")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the row")
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def plot_class_probabilities(probabilities: Mapping, classes: Sequence[str], title: str | None = None,
                             figsize=(5.6, 3.0)) -> Figure:
    """Horizontal bars of p(class) for one input, one group of bars per model.

    Args:
        probabilities: model name -> (C,) probabilities summing to 1. classes: C names.

    Returns:
        A Figure with one axes, probabilities from 0 to 1 on x.

    Raises:
        ValueError: a probability vector is not (C,).
    """
    fig = _figure(figsize, left=0.16, bottom=0.17, top=0.88 if title else 0.97)
    ax = fig.add_subplot()
    rows = np.arange(len(classes))
    height = 0.8 / max(len(probabilities), 1)
    for k, (label, p) in enumerate(probabilities.items()):
        values = _array(p)
        if values.shape != (len(classes),):
            raise ValueError(f"probabilities for {label!r} must be (C,) = ({len(classes)},), "
                             f"got {shape_str(values.shape)}")
        ax.barh(rows + (k - (len(probabilities) - 1) / 2) * height, values, height=height,
                color=COLORS[k % len(COLORS)], label=label)
    ax.set_yticks(rows, classes)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def plot_char_activations(text: str, values, title: str | None = None, vmax: float = 1.0,
                          cmap: str = "coolwarm") -> Figure:
    """Text drawn character by character on a background coloured by one value per character.

    How Karpathy, Johnson & Fei-Fei (2015) show what one hidden unit of a character model tracks:
    blue where the unit is negative, red where it is positive, white near 0.

    Args:
        text: the characters, with newlines; each line is one row (keep it to a few dozen lines).
        values: (N,) one value per character of `text` (N = len(text)), e.g. a unit's tanh(c_t).
        vmax: the value shown at full colour (symmetric: -vmax is full blue).

    Returns:
        A Figure with one axes, no ticks.

    Raises:
        ValueError: `values` is not (N,) with N = len(text).
    """
    v = _array(values)
    if v.shape != (len(text),):
        raise ValueError(f"values must be (N,) with N = len(text) = {len(text)}, got {shape_str(v.shape)}")
    lines = text.split("\n")
    width = max(1, max(len(line) for line in lines))
    grid = np.full((len(lines), width), np.nan)
    start = 0
    for row, line in enumerate(lines):
        grid[row, :len(line)] = v[start:start + len(line)]
        start += len(line) + 1
    fig = _figure((0.1 * width + 0.3, 0.2 * len(lines) + (0.45 if title else 0.15)), left=0.01, right=0.99,
                  bottom=0.01, top=1 - (0.35 if title else 0.1) / (0.2 * len(lines) + 0.4))
    ax = fig.add_subplot()
    ax.imshow(grid, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto", interpolation="nearest")
    for row, line in enumerate(lines):
        for col, ch in enumerate(line):
            if not ch.isspace():
                ax.text(col, row, ch, ha="center", va="center", family="monospace", fontsize=9)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def plot_next_char_probs(chars: Sequence[str], probs, title: str | None = None, figsize=(6.4, 2.6)) -> Figure:
    """Bars of a character model's next-character probabilities, likeliest first.

    Args:
        chars: the K characters shown (newline and space are labelled "\\n" and "␣").
        probs: (K,) their probabilities.

    Raises:
        ValueError: `probs` is not (K,) with K = len(chars).
    """
    p = _array(probs)
    if p.shape != (len(chars),):
        raise ValueError(f"probs must be (K,) with K = len(chars) = {len(chars)}, got {shape_str(p.shape)}")
    labels = [{"\n": "\\n", " ": "␣"}.get(ch, ch) for ch in chars]
    fig = _figure(figsize, left=0.1, bottom=0.14, top=0.86 if title else 0.95)
    ax = fig.add_subplot()
    ax.bar(range(len(p)), p, color="tab:blue")
    ax.set_xticks(range(len(p)), labels, family="monospace")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.yaxis.set_major_locator(MaxNLocator(3))
    if title:
        ax.set_title(title, fontsize="medium")
    return fig
