"""The apps without a browser: set controls from Python, check what the app computes and shows."""

import base64
import math

import pytest
import torch

from lstm_course import cells
from lstm_course.gradients import gradient_flow, set_forget_bias, set_spectral_radius
from lstm_course.tasks import BANK_VOCAB
from lstm_course.widgets import (
    EXAMPLE_SENTENCES,
    bidirectional_reader,
    gate_sandbox,
    gradient_flow_explorer,
    half_life,
    shape_explorer,
)

PNG = b"\x89PNG\r\n\x1a\n"


def test_half_life_is_where_f_to_the_k_is_one_half():
    for f in (0.5, 0.9, 0.99):
        k = half_life(f)
        assert f**k == pytest.approx(0.5)
    assert half_life(1.0) == math.inf and half_life(0.0) == 0.0


# --- gate sandbox


def test_sandbox_constant_gates_follow_the_cell_update_and_report_the_half_life():
    app = gate_sandbox(seq_len=20)
    app.forget.value, app.input_gate.value, app.candidate.value, app.output_gate.value = 0.8, 0.5, -0.6, 0.7
    f, i, g, o = 0.8, 0.5, -0.6, 0.7
    t = torch.arange(1, 21, dtype=torch.float64)
    expected_c = i * g * (1 - f**t) / (1 - f)  # closed form of c_t = f c_{t-1} + i g from c_0 = 0
    torch.testing.assert_close(app.data["c"].double(), expected_c, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(app.data["h"].double(), o * torch.tanh(expected_c), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(app.data["stored"].double(), i * g * f ** (t - 1), rtol=1e-5, atol=1e-6)
    expected_k = math.log(0.5) / math.log(0.8)
    assert app.data["half_life"] == pytest.approx(expected_k)
    assert f"memory half-life: {expected_k:.1f} steps" in app.readout
    assert "steady state i·g/(1−f): -1.500" in app.readout


def test_sandbox_each_control_changes_what_is_shown():
    app = gate_sandbox()
    for control, value in [(app.forget, 0.5), (app.input_gate, 0.9), (app.output_gate, 0.3), (app.candidate, -0.4),
                           (app.seq_len, 60)]:
        before_text, before_png, before_c = app.readout, app.image.value, app.data["c"].clone()
        control.value = value
        assert app.image.value[:8] == PNG and app.image.value != before_png, control.description
        changed = app.readout != before_text or not torch.equal(app.data["c"], before_c)
        assert changed, control.description
    assert len(app.data["c"]) == 60
    app.forget.value = 1.0
    assert "never" in app.readout and "grows without bound" in app.readout


def manual_real_run(app, bias, x):
    cell = cells.LSTMCell(1, app.cell.hidden_size)
    cell.load_state_dict(app._base_state)
    set_forget_bias(cell, bias)
    steps, state = [], None
    with torch.no_grad():
        for t in range(len(x)):
            step = cell.gates(x[t : t + 1], state)
            steps.append(step)
            state = (step.h, step.c)
    return torch.stack([s.f for s in steps]), torch.stack([s.c for s in steps])


def test_sandbox_real_mode_uses_a_real_cell_and_the_forget_bias_slider():
    app = gate_sandbox(seq_len=25)
    app.mode.value = "real LSTMCell"
    assert app.forget.disabled and not app.forget_bias.disabled
    assert app.gates_image.layout.display is None and app.gates_image.value[:8] == PNG
    f, c = manual_real_run(app, 0.0, app.data["x"])
    torch.testing.assert_close(app.data["gates"].f, f)
    torch.testing.assert_close(app.data["c"], c)
    assert app.data["x"][0] == 1 and (app.data["x"][1:] == 0).all()  # the pulse
    low = app.data["mean_f"]
    app.forget_bias.value = 4.0
    f, _ = manual_real_run(app, 4.0, app.data["x"])
    torch.testing.assert_close(app.data["gates"].f, f)
    assert app.data["mean_f"] > low and app.data["half_life"] > half_life(low)
    assert f"mean forget gate f = {app.data['mean_f']:.3f}" in app.readout
    before = app.data["x"].clone()
    app.signal.value = "sine wave"
    assert not torch.equal(app.data["x"], before)
    torch.testing.assert_close(app.data["x"][3], torch.tensor(1.0))  # sin(2π·3/12)
    app.mode.value = "constant gates"
    assert app.gates_image.layout.display == "none" and not app.forget.disabled and app.forget_bias.disabled


# --- gradient-flow explorer


def test_gradient_explorer_shows_the_autograd_flow_of_the_configured_cell():
    app = gradient_flow_explorer(seq_len=30)
    app.model.value = "RNN"
    app.radius.value = 0.6
    assert app.forget_bias.disabled and app.data["flow"].c is None
    assert app.data["radius"] == pytest.approx(0.6, rel=1e-6)
    cell = cells.RNNCell(4, 32, dtype=torch.float64)
    cell.load_state_dict(app._base["RNN"])
    expected = gradient_flow(set_spectral_radius(cell, 0.6), app.input[:30])
    torch.testing.assert_close(app.data["flow"].h, expected.h)
    line = [ln for ln in app.figure.axes[0].get_lines() if ln.get_label().startswith("RNN")][0]
    torch.testing.assert_close(torch.tensor(line.get_ydata()), expected.relative().h)


def test_gradient_explorer_radius_forget_bias_and_length_move_the_curve_the_way_the_maths_says():
    app = gradient_flow_explorer(seq_len=40)
    app.model.value = "RNN"
    app.radius.value = 0.5
    small = app.data["relative"].h[-1].item()
    app.radius.value = 1.5
    large = app.data["relative"].h[-1].item()
    assert small < large and small < 1e-6, (small, large)
    app.model.value = "LSTM"
    assert not app.forget_bias.disabled and app.data["flow"].c is not None
    app.radius.value = 1.0
    app.forget_bias.value = 0.0
    c_default = app.data["relative"].c[-1].item()
    text_before = app.readout
    app.forget_bias.value = 4.0
    assert app.data["relative"].c[-1].item() > 100 * c_default  # f ≈ σ(4) ≈ 0.98 per step instead of ≈ 0.5
    assert app.readout != text_before
    app.seq_len.value = 80
    assert app.data["flow"].h.shape == (80,) and "lag 79" in app.readout


# --- shape explorer


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_shape_explorer_reports_the_shapes_pytorch_documents(bidirectional, batch_first):
    app = shape_explorer()
    app.batch.value, app.seq_len.value, app.input_size.value, app.hidden_size.value = 2, 7, 3, 5
    app.num_layers.value = 2
    app.bidirectional.value, app.batch_first.value = bidirectional, batch_first
    B, T, I, H, L, D = 2, 7, 3, 5, 2, 2 if bidirectional else 1
    shapes = app.data["shapes"]
    assert shapes["input"] == ((B, T, I) if batch_first else (T, B, I))
    assert shapes["output"] == ((B, T, D * H) if batch_first else (T, B, D * H))
    assert shapes["h_n"] == shapes["c_n"] == (L * D, B, H)
    assert shapes["weight_ih_l0"] == (4 * H, I) and shapes["weight_ih_l1"] == (4 * H, D * H)
    assert shapes["weight_hh_l1"] == (4 * H, H) and shapes["bias_hh_l0"] == (4 * H,)
    assert ("weight_hh_l1_reverse" in shapes) == bidirectional
    assert app.data["our_shapes"] == shapes
    assert app.data["max_abs_diff"] < 1e-5
    texts = [t.get_text() for t in app.figure.axes[0].texts]
    assert str(shapes["output"]) in texts and "(L·D, B, H)" in texts
    assert f"B={B}, T={T}, I={I}, H={H}, L={L}, D={D}" in app.readout


@pytest.mark.parametrize("bidirectional", [False, True])
def test_shape_explorer_with_proj_size_reports_the_projected_shapes(bidirectional):
    app = shape_explorer(seq_len=7, batch=2, input_size=3, hidden_size=5, num_layers=2, proj_size=2,
                         bidirectional=bidirectional)
    T, B, I, H, L, P, D = 7, 2, 3, 5, 2, 2, 2 if bidirectional else 1
    shapes = app.data["shapes"]
    assert shapes["output"] == (T, B, D * P) and shapes["h_n"] == (L * D, B, P) and shapes["c_n"] == (L * D, B, H)
    assert shapes["weight_hr_l0"] == (P, H) and shapes["weight_hh_l1"] == (4 * H, P)
    assert shapes["weight_ih_l1"] == (4 * H, D * P)
    theirs = torch.nn.LSTM(I, H, num_layers=L, bidirectional=bidirectional, proj_size=P)
    assert {n: tuple(p.shape) for n, p in theirs.named_parameters()}.items() <= shapes.items()
    assert app.data["our_shapes"] == shapes and app.data["max_abs_diff"] < 1e-5
    assert "(L·D, B, P)" in [t.get_text() for t in app.figure.axes[0].texts]
    assert f"D={D}, P={P}" in app.readout and "weight_hr_l0 (P, H) (2, 5)" in app.readout


def test_shape_explorer_keeps_proj_size_below_hidden_size():
    app = shape_explorer(hidden_size=6, proj_size=4)
    updates = app.updates
    app.hidden_size.value = 3
    assert app.proj_size.max == 2 and app.proj_size.value == 2 and app.data["shapes"]["h_n"] == (1, 3, 2)
    assert app.updates == updates + 1  # one redraw for the one change
    with pytest.raises(ValueError, match=r"proj_size P: expected a value in \[0, 5\], got 6"):
        shape_explorer(hidden_size=6, proj_size=6)


def test_shape_explorer_every_control_updates_the_readout():
    app = shape_explorer()
    for control, value in [(app.batch, 6), (app.seq_len, 9), (app.input_size, 7), (app.hidden_size, 11),
                           (app.num_layers, 3), (app.proj_size, 4), (app.bidirectional, True),
                           (app.batch_first, True)]:
        before = app.readout
        control.value = value
        assert app.readout != before, control.description


# --- starting values


def test_apps_open_with_the_control_values_they_are_given():
    explorer = gradient_flow_explorer(model="RNN", radius=0.6, seq_len=30)
    assert explorer.model.value == "RNN" and explorer.forget_bias.disabled and explorer.updates == 1
    moved = gradient_flow_explorer(seq_len=30)
    moved.model.value, moved.radius.value = "RNN", 0.6
    torch.testing.assert_close(explorer.data["flow"].h, moved.data["flow"].h)
    sandbox = gate_sandbox(forget=0.8, input_gate=0.5, candidate=-0.6, output_gate=0.7, seq_len=20)
    assert sandbox.data["half_life"] == pytest.approx(math.log(0.5) / math.log(0.8))
    real = gate_sandbox(mode="real LSTMCell", signal="sine wave", forget_bias=2.0)
    assert real.forget.disabled and real.data["x"][3] == pytest.approx(1.0)
    reader = bidirectional_reader(sentence=EXAMPLE_SENTENCES[2], position=3)
    assert reader.data["words"] == EXAMPLE_SENTENCES[2].split() and reader.data["position"] == 3


@pytest.mark.parametrize("make, kwargs, error, message", [
    (gradient_flow_explorer, {"model": "GRU"}, ValueError, r"model: expected one of \['RNN', 'LSTM'\], got 'GRU'"),
    (gradient_flow_explorer, {"radius": 3.0}, ValueError, r"spectral radius ρ: expected a value in \[0.1, 2.0\]"),
    (gate_sandbox, {"forget": "high"}, TypeError, "forget gate f: expected a number, got str"),
    (gate_sandbox, {"seq_len": 2.5}, TypeError, "length T: expected a whole number, got float"),
    (shape_explorer, {"num_layers": 4}, ValueError, r"layers L: expected a value in \[1, 3\], got 4"),
])
def test_a_starting_value_a_control_cannot_take_is_refused(make, kwargs, error, message):
    with pytest.raises(error, match=message):
        make(**kwargs)


# --- bidirectional reader


@pytest.fixture(scope="module")
def reader():
    return bidirectional_reader()


def test_reader_taggers_one_direction_is_at_chance_only_when_the_cue_comes_after(reader):
    acc = reader.accuracy
    assert abs(acc["one direction"]["after"] - 0.5) < 0.05, acc  # 2,000 sentences: sd of chance ≈ 0.011
    assert acc["one direction"]["before"] > 0.95, acc
    assert acc["two directions"]["after"] > 0.95 and acc["two directions"]["before"] > 0.95, acc


def test_reader_one_direction_gives_the_same_answer_for_both_senses_when_the_cue_comes_after(reader):
    river, money = "the bank was full of mud they said", "the bank was full of coins they said"
    predictions = {}
    for sentence in (river, money):
        reader.sentence.value = sentence
        predictions[sentence] = (reader.data["one_direction"][1], reader.data["two_directions"][1])
    # the words up to "bank" are identical, so a left-to-right reader cannot tell them apart there
    torch.testing.assert_close(predictions[river][0], predictions[money][0])
    assert predictions[river][1].argmax() == 1 and predictions[money][1].argmax() == 2  # bank: river / bank: money
    assert "two directions say money" in reader.readout


def test_reader_stepping_shows_what_each_direction_has_read(reader):
    reader.sentence.value = EXAMPLE_SENTENCES[0]
    words = EXAMPLE_SENTENCES[0].split()
    reader.position.value = 0
    reader.forward.click()
    reader.forward.click()
    assert reader.position.value == 2
    assert reader.data["forward_read"] == words[:3] and reader.data["backward_read"] == words[2:]
    assert "forward direction has read: we saw fish backward direction has read: fish at the bank" in reader.readout
    reader.back.click()
    assert reader.position.value == 1
    reader.position.value = 7
    reader.forward.click()
    assert reader.position.value == 7  # stays on the last word
    highlight = reader.figure.axes[0].patches[0]
    assert highlight.get_x() == pytest.approx(6.5)


def test_reader_random_sentence_button_adds_a_fresh_sentence(reader):
    before, previous, updates = list(reader.sentence.options), reader.sentence.value, reader.updates
    reader.new_sentence.click()
    assert reader.updates == updates + 1  # one redraw, for the new sentence
    assert reader.sentence.value != previous and "bank" in reader.sentence.value.split()
    if reader.sentence.value not in before:
        assert list(reader.sentence.options) == [*before, reader.sentence.value]
    BANK_VOCAB.encode(reader.sentence.value)  # only words the taggers know


# --- static fallback


@pytest.mark.parametrize("make", [gate_sandbox, gradient_flow_explorer, shape_explorer])
def test_every_app_carries_a_png_and_a_text_summary_besides_the_widget(make):
    app = make()
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == app.image.value and app.image.value[:8] == PNG
    assert bundle["text/plain"].startswith(app.title) and app.readout in bundle["text/plain"]


def test_the_reader_also_has_a_static_fallback(reader):
    bundle = reader._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"])[:8] == PNG and "bank" in bundle["text/plain"]


def test_apps_do_not_touch_the_global_random_state():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    gate_sandbox()
    gradient_flow_explorer()
    shape_explorer()
    torch.testing.assert_close(torch.rand(3), expected)


def test_apps_are_seeded_and_reproducible():
    a, b = gradient_flow_explorer(), gradient_flow_explorer()
    torch.testing.assert_close(a.data["flow"].h, b.data["flow"].h)
