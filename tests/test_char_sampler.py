"""The Python writer app: controls drive the sample and the next-character bars; same settings, same text."""

import pytest
import torch

from lstm_course.charlm import VOCAB_SIZE, CharLM
from lstm_course.runtime import one_thread, seeded
from lstm_course.widgets import char_sampler


@pytest.fixture
def model():
    return seeded(0, lambda: CharLM(hidden_size=16, embedding_size=8)).eval()


def test_the_app_samples_after_the_prompt_and_draws_the_next_character_probabilities(model):
    with one_thread():
        app = char_sampler("def f(", model=model, temperature=1.0, length=40)
    assert len(app.data["sample"]) == 40 and app.data["probs"].shape == (VOCAB_SIZE,)
    assert app.readout.startswith("def f(") and app.figure is not None
    assert app._repr_mimebundle_()["image/png"]  # the static fallback
    first = app.data["sample"]
    app.temperature.value = 0.0  # greedy: a different text, and all probability on one character
    assert app.data["probs"].max().item() == 1.0 and app.data["sample"] != first
    app.temperature.value = 1.0
    assert app.data["sample"] == first  # same settings, same draw: the same text


def test_top_k_and_draw_again_change_what_is_drawn(model):
    app = char_sampler("x", model=model, temperature=1.0, length=30)
    first = app.data["sample"]
    app.again.click()
    assert app.draw == 1 and app.data["sample"] != first
    app.top_k.value = 3
    assert int((app.data["probs"] > 0).sum()) == 3 and app.data["top_k"] == 3
    app.top_k.value = VOCAB_SIZE
    assert app.data["top_k"] is None and torch.all(app.data["probs"] > 0)


def test_an_empty_prompt_is_refused(model):
    with pytest.raises(ValueError, match="prompt"):
        char_sampler("", model=model)
