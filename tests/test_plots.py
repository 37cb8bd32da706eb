"""The plot functions return Figures with the expected axes, labels and data, and leave no global state."""

import matplotlib.pyplot as plt  # only to check that the plot functions leave no figure open
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from lstm_course import plots
from lstm_course.cells import LSTMCell, LSTMGates
from lstm_course.gradients import GradientFlow


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_gradient_flow_plot_draws_h_and_c_paths_on_a_log_scale_relative_to_lag_zero():
    rnn = torch.tensor([2.0, 1.0, 0.5, 0.25])
    lstm = GradientFlow(h=torch.tensor([4.0, 2.0, 1.0, 0.5]), c=torch.tensor([1.0, 0.9, 0.8, 0.7]))
    fig = plots.plot_gradient_flow({"RNN": rnn, "LSTM": lstm}, title="decay")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert "lag" in ax.get_xlabel() and "gradient norm" in ax.get_ylabel() and ax.get_title() == "decay"
    lines = lines_by_label(ax)
    assert set(lines) == {"RNN", "LSTM, h path: ‖∂L/∂h_t‖", "LSTM, c path: ‖∂L/∂c_t‖"}
    np.testing.assert_allclose(lines["RNN"].get_ydata(), [1, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(lines["LSTM, c path: ‖∂L/∂c_t‖"].get_ydata(), [1, 0.9, 0.8, 0.7])
    np.testing.assert_allclose(lines["RNN"].get_xdata(), [0, 1, 2, 3])
    assert lines["LSTM, c path: ‖∂L/∂c_t‖"].get_linestyle() == "--"


def test_gradient_flow_plot_absolute_norms_and_a_gradient_flow_without_c():
    fig = plots.plot_gradient_flow({"GRU": GradientFlow(torch.tensor([3.0, 1.5]), None)}, relative=False)
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_allclose(line.get_ydata(), [3.0, 1.5])
    assert fig.axes[0].get_ylabel() == "gradient norm"


def stacked_gates(T=6, H=3):
    torch.manual_seed(0)
    cell = LSTMCell(2, H)
    steps, state = [], None
    with torch.no_grad():
        for _ in range(T):
            step = cell.gates(torch.randn(2), state)
            steps.append(step)
            state = (step.h, step.c)
    return steps, LSTMGates(*(torch.stack(v) for v in zip(*steps)))


def test_gate_heatmap_has_a_band_per_gate_with_one_row_per_unit_over_time():
    steps, gates = stacked_gates(T=6, H=3)
    fig = plots.plot_gates(gates, title="gates")
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    ax = fig.axes[0]
    assert ax.get_title() == "gates" and ax.get_xlabel() == "time step t"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"{name}\n(units 0-2)" for name in ("input gate i", "forget gate f", "candidate g",
                                                           "output gate o")]
    expected = torch.cat([gates.i.T, gates.f.T, gates.g.T, gates.o.T]).numpy()  # (4H, T)
    np.testing.assert_allclose(ax.get_images()[0].get_array(), expected, rtol=1e-6)
    assert ax.get_images()[0].get_clim() == (-1.0, 1.0)
    from_steps = plots.plot_gates(steps)
    np.testing.assert_allclose(from_steps.axes[0].get_images()[0].get_array(), expected, rtol=1e-6)
    single = plots.plot_gates(LSTMGates(*(v[:, 0] for v in gates)))  # one unit: (T,) fields
    assert [t.get_text() for t in single.axes[0].get_yticklabels()][1] == "forget gate f"
    np.testing.assert_allclose(single.axes[0].get_images()[0].get_array()[1], gates.f[:, 0].numpy(), rtol=1e-6)


def test_states_plot_has_c_left_h_right_with_marks_and_extra_curves():
    _, gates = stacked_gates(T=5, H=2)
    fig = plots.plot_states(gates.c, gates.h, marks={"half-life": 2.5}, extra={"alone": torch.ones(5)})
    ax_c, ax_h = fig.axes
    assert ax_c.get_ylabel() == "c_t" and ax_h.get_ylabel() == "h_t"
    assert ax_c.get_xlabel() == ax_h.get_xlabel() == "time step t"
    lines = lines_by_label(ax_c)
    np.testing.assert_allclose(lines["c_t, unit 1"].get_ydata(), gates.c[:, 1].numpy(), rtol=1e-6)
    np.testing.assert_allclose(lines["c_t, unit 1"].get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(lines["half-life"].get_xdata(), [2.5, 2.5])
    np.testing.assert_allclose(lines["alone"].get_ydata(), np.ones(5))
    np.testing.assert_allclose(lines_by_label(ax_h)["h_t, unit 0"].get_ydata(), gates.h[:, 0].numpy(), rtol=1e-6)


def test_states_plot_of_a_single_unit_names_the_line_by_its_symbol():
    fig = plots.plot_states(torch.arange(4.0), torch.tanh(torch.arange(4.0)))
    assert set(lines_by_label(fig.axes[0])) >= {"c_t"}
    assert set(lines_by_label(fig.axes[1])) >= {"h_t"}


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_call_diagram_labels_every_tensor_with_letters_and_numbers(batch_first):
    fig = plots.plot_lstm_call((5, 3, 4), (5, 3, 16), (4, 3, 8), (4, 3, 8), batch_first=batch_first,
                               call="nn.LSTM(4, 8)")
    words = texts(fig)
    for expected in ("input", "output", "h_n", "c_n", "nn.LSTM(4, 8)", "(5, 3, 4)", "(5, 3, 16)", "(4, 3, 8)",
                     "(L·D, B, H)"):
        assert expected in words, expected
    seq = "(B, T, {})" if batch_first else "(T, B, {})"
    assert seq.format("I") in words and seq.format("D·H") in words
    assert words.count("(4, 3, 8)") == 2
    assert len(fig.axes[0].patches) == 5 + 4  # five boxes, four arrows


def test_learning_curves_with_baseline():
    fig = plots.plot_learning_curves({"RNN": [0.3, 0.2, 0.17], "LSTM": torch.tensor([0.3, 0.1, 0.01])},
                                     baseline=1 / 6, baseline_label="predict the mean", ylabel="MSE", log=True)
    ax = fig.axes[0]
    lines = lines_by_label(ax)
    assert ax.get_xlabel() == "training step" and ax.get_ylabel() == "MSE" and ax.get_yscale() == "log"
    np.testing.assert_allclose(lines["LSTM"].get_ydata(), [0.3, 0.1, 0.01], rtol=1e-6)
    np.testing.assert_allclose(lines["LSTM"].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(lines["predict the mean (0.167)"].get_ydata(), [1 / 6, 1 / 6])


def test_token_predictions_side_by_side_with_words_classes_and_values():
    words = "we saw fish at the bank".split()
    one = torch.softmax(torch.randn(6, 3, generator=torch.Generator().manual_seed(0)), -1)
    two = torch.softmax(torch.randn(6, 3, generator=torch.Generator().manual_seed(1)), -1)
    fig = plots.plot_token_predictions(words, one, two, ["other", "river", "money"], position=5)
    left, right = fig.axes
    assert left.get_title().startswith("one direction") and right.get_title() == "two directions"
    assert [t.get_text() for t in left.get_xticklabels()] == words
    assert [t.get_text() for t in left.get_yticklabels()] == ["other", "river", "money"]
    np.testing.assert_allclose(right.get_images()[0].get_array(), two.numpy().T, rtol=1e-6)
    assert f"{one[5, 2]:.2f}" in [t.get_text() for t in left.texts]
    assert len(left.patches) == 1  # the highlighted word
    only_two = plots.plot_token_predictions(words, one, two, ["other", "river", "money"], annotate={1, 5})
    labels = [t.get_text() for t in only_two.axes[1].texts]
    assert len(labels) == 2 * 3 and labels[3:] == [f"{two[5, k]:.2f}" for k in range(3)]
    with pytest.raises(ValueError, match=r"\(T, C\) = \(6, 3\), got \(6, 2\)"):
        plots.plot_token_predictions(words, one[:, :2], two, ["other", "river", "money"])


def test_plots_leave_no_pyplot_figure_open_and_are_independent():
    before = plt.get_fignums()
    a = plots.plot_learning_curves({"x": [1.0, 2.0]})
    b = plots.plot_learning_curves({"y": [3.0]})
    assert plt.get_fignums() == before
    assert a is not b and [line.get_label() for line in a.axes[0].get_lines()] == ["x"]


def test_figures_render_to_png():
    import io

    buffer = io.BytesIO()
    plots.plot_lstm_call((1, 1, 1), (1, 1, 1), (1, 1, 1), (1, 1, 1)).savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lstm_call_diagram_with_projections_shows_p_for_output_and_h_n_and_h_for_c_n():
    fig = plots.plot_lstm_call((5, 3, 4), (5, 3, 4), (4, 3, 2), (4, 3, 8), call="nn.LSTM(4, 8, proj_size=2)",
                               proj_size=2)
    words = texts(fig)
    assert "(T, B, D·P)" in words and "(L·D, B, P)" in words and "(L·D, B, H)" in words
    assert "(T, B, D·H)" not in words and any("P proj_size" in w for w in words)


def outside_the_figure(fig) -> list[str]:
    """Texts (labels, tick labels, titles) that the saved figure cuts off at its edges."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    cut = []
    for text in fig.findobj(lambda artist: hasattr(artist, "get_text") and artist.get_visible()):
        if not text.get_text():
            continue
        extent = text.get_window_extent(renderer)
        if extent.x0 < box.x0 - 0.5 or extent.x1 > box.x1 + 0.5 or extent.y0 < box.y0 - 0.5 or extent.y1 > box.y1 + 0.5:
            cut.append(text.get_text())
    return cut


def test_the_bank_figure_keeps_its_class_names_and_axis_labels_inside():
    from lstm_course.bank_tagger import TAG_CLASSES

    words = "the bank was full of coins they said".split()
    probs = torch.full((8, 3), 1 / 3)
    fig = plots.plot_token_predictions(words, probs, probs, TAG_CLASSES, position=1, title='reading "bank" (word 1)')
    assert outside_the_figure(fig) == []
    narrow = plots._figure((8.0, 2.8), left=0.05)  # the check sees a label the figure cuts off
    ax = narrow.add_subplot()
    ax.set_ylabel("predicted class")
    ax.set_yticks([0, 1], ["other word", "bank: money"])
    assert outside_the_figure(narrow)
