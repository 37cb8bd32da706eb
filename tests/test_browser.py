"""The widget gallery in a real JupyterLab, driven in Debian's Chromium with Playwright.

A JupyterLab server is started on 127.0.0.1 with a random token, rooted in a temporary folder
that holds a copy of `notebooks/12_widget_gallery.ipynb`; headless Chromium opens the notebook,
runs every cell, and operates every control of every app (slider keys, dropdowns, toggles,
buttons) while the tests read what the page renders. The browser is the system's
(/usr/bin/chromium); nothing is downloaded. On a failure, a screenshot of the page is saved to
$LSTM_COURSE_TEST_ARTIFACTS (or pytest's temporary folder) and its path printed.

Run them alone with `pytest -m browser tests/test_browser.py`.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest
from browser_support import (
    APPS,
    CHROMIUM,
    chromium_page,
    image_src,
    jupyter_lab,
    press_slider,
    readout,
    run_gallery,
    slider_value,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                       "(apt-get install chromium); the browser tests drive the system's Chromium only"),
]


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    """JupyterLab, Chromium with a fresh profile, the gallery opened and every cell run; yields (page, errors)."""
    errors: list[str] = []
    with jupyter_lab(tmp_path_factory.mktemp("lab")) as (base, token), \
            chromium_page(tmp_path_factory.mktemp("chromium-profile"), errors) as page:
        try:
            run_gallery(page, base, token)
        except BaseException:
            save_screenshot(page, tmp_path_factory, "setup")
            raise
        yield page, errors


def save_screenshot(page, tmp_path_factory, name) -> Path:
    folder = Path(os.environ.get("LSTM_COURSE_TEST_ARTIFACTS") or tmp_path_factory.mktemp("browser-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot saved to {path}")
    except Exception as error:  # a crashed page cannot be photographed; say so and keep the original error
        print(f"could not save a screenshot: {error}")
    return path


@pytest.fixture
def page(browser_page):
    """The gallery page; the test fails on any browser console error that appeared during it."""
    page, errors = browser_page
    seen = len(errors)
    yield page
    new = errors[seen:]
    assert not new, "the browser console reported errors:\n" + "\n".join(new)


def screenshot_on_failure(test):
    """Save a screenshot of the page when `test` fails, then let the failure through."""

    def run(page, tmp_path_factory):
        try:
            test(page)
        except BaseException:
            save_screenshot(page, tmp_path_factory, test.__name__)
            raise

    run.__name__, run.__doc__ = test.__name__, test.__doc__  # not functools.wraps: pytest must see run's arguments
    return run


def test_the_gallery_runs_in_jupyterlab_without_errors(browser_page):
    page, errors = browser_page
    assert not errors, "the browser console reported errors while the notebook ran:\n" + "\n".join(errors)
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0
    for app in APPS:
        assert page.locator(f".jp-OutputArea .lstm-course-app.{app}").count() == 1, app
        assert page.locator(f".{app} img.{app}-figure").get_attribute("src"), app  # the figure is drawn
    assert page.locator(".jp-OutputArea .lstm-course-quiz").count() == 2


def operate(page, app, action, expect=None, timeout=30.0):
    """Do `action`; wait until the rendered readout has changed and satisfies `expect(text)` and the figure is
    redrawn; return the readout.

    Several key presses send several updates, so a readout that has merely changed may be an intermediate one:
    without `expect`, the readout must also stay the same for a second.
    """
    before, src = readout(page, app), image_src(page, app)
    action()
    deadline = time.monotonic() + timeout
    text, stable_since = before, None
    while True:
        current = readout(page, app)
        if current != text:
            text, stable_since = current, time.monotonic()
        done = text != before and (expect(text) if expect else time.monotonic() - (stable_since or 0) > 1.0)
        if done:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"{app}: the readout did not reach the expected state; before: {before!r}, "
                                 f"now: {text!r}")
        time.sleep(0.1)
    page.wait_for_function("([sel, old]) => document.querySelector(sel).getAttribute('src') !== old",
                           arg=[f".{app} img.{app}-figure", src])
    return text


def number_after(text, label):
    """The number printed right after `label` in a readout."""
    return float(text.split(label, 1)[1].split()[0].rstrip(",·"))


def near(label, value, tol):
    return lambda text: label in text and abs(number_after(text, label) - value) <= tol


# --- the apps


@screenshot_on_failure
def test_gate_sandbox_every_control(page):
    app = "gate-sandbox"
    assert "memory half-life: 6.6 steps" in readout(page, app)
    f, i, o, g, T = 0.8, 0.49, 0.99, 0.95, 35

    def c_T(f, i, g, T):
        return i * g * (1 - f**T) / (1 - f)  # c_t = f c_{t-1} + i g from c_0 = 0

    operate(page, app, lambda: press_slider(page, app, "forget", "ArrowLeft", 10),
            near("memory half-life:", math.log(0.5) / math.log(f), 0.051))
    assert slider_value(page, app, "forget") == "0.80"
    operate(page, app, lambda: press_slider(page, app, "input-gate", "ArrowLeft"),
            near("steady state i·g/(1−f):", i / (1 - f), 2e-3))
    operate(page, app, lambda: press_slider(page, app, "output-gate", "ArrowLeft"),
            near("h_T =", o * math.tanh(c_T(f, i, 1.0, 30)), 2e-3))
    operate(page, app, lambda: press_slider(page, app, "candidate", "ArrowLeft"),
            near("steady state i·g/(1−f):", i * g / (1 - f), 2e-3))
    operate(page, app, lambda: press_slider(page, app, "seq-len", "ArrowRight", 5),
            near("c_T =", c_T(f, i, g, T), 2e-3))
    assert slider_value(page, app, "seq-len") == "35"
    gates_src = image_src(page, app, "gates-figure")
    operate(page, app, lambda: page.locator(f".{app}-mode button", has_text="real LSTMCell").click(),
            lambda text: "mean forget gate f =" in text)
    page.wait_for_function("([sel, old]) => document.querySelector(sel).getAttribute('src') !== old",
                           arg=[f".{app} img.{app}-gates-figure", gates_src])
    assert page.locator(f".{app} img.{app}-gates-figure").is_visible()
    # the same app in this process, with the same control values, is what the page must show
    from lstm_course.widgets import gate_sandbox

    local = gate_sandbox(seq_len=T)
    local.mode.value = "real LSTMCell"
    local.signal.value = "sine wave"
    operate(page, app, lambda: page.locator(f".{app}-signal select").select_option("sine wave"),
            near("c_T of unit 0 =", local.data["c"][-1, 0].item(), 2e-3))
    local.forget_bias.value = 3.0
    operate(page, app, lambda: press_slider(page, app, "forget-bias", "ArrowRight", 30),
            near("mean forget gate f =", local.data["mean_f"], 2e-3))
    assert slider_value(page, app, "forget-bias") == "3.00"


@screenshot_on_failure
def test_gradient_flow_explorer_every_control(page):
    app = "gradient-flow"
    assert "c path" in readout(page, app)
    operate(page, app, lambda: page.locator(f".{app}-model select").select_option("RNN"),
            lambda text: "c path" not in text)
    operate(page, app, lambda: press_slider(page, app, "radius", "ArrowLeft", 10),
            lambda text: "measured ρ(W_hh) = 0.50" in text)
    operate(page, app, lambda: press_slider(page, app, "seq-len", "ArrowRight", 2), lambda text: "at lag 59" in text)
    before = operate(page, app, lambda: page.locator(f".{app}-model select").select_option("LSTM"),
                     lambda text: "c path" in text)
    c_default = number_after(before, "‖∂L/∂c‖ at lag 59 is")
    # f ≈ σ(3) ≈ 0.95 per step along the belt instead of ≈ σ(0) = 0.5: many orders of magnitude over 59 steps
    operate(page, app, lambda: press_slider(page, app, "forget-bias", "ArrowRight", 12),
            lambda text: number_after(text, "‖∂L/∂c‖ at lag 59 is") > 1e6 * c_default)
    assert slider_value(page, app, "forget-bias") == "3.00"


@screenshot_on_failure
def test_shape_explorer_every_control(page):
    app = "shape-explorer"
    # the notebook measures with explorers of its own, so the one shown is as it opened
    assert "B=3, T=5, I=4, H=6, L=1, D=1, P=0" in readout(page, app)
    for name, expected in [("batch", "B=4,"), ("seq-len", "T=6,"), ("input-size", "I=5,"),
                           ("hidden-size", "H=7,"), ("num-layers", "L=2,"), ("proj-size", "P=1 ")]:
        operate(page, app, lambda name=name: press_slider(page, app, name, "ArrowRight"),
                lambda text, expected=expected: expected in text)
    text = operate(page, app, lambda: page.locator(f".{app}-bidirectional input[type=checkbox]").click(),
                   lambda text: "D=2" in text)
    assert "output (T, B, D·P) (6, 4, 2)" in text and "h_n (L·D, B, P) (4, 4, 1)" in text, text
    assert "c_n (L·D, B, H) (4, 4, 7)" in text and "weight_hr_l1_reverse (P, H) (1, 7)" in text, text
    text = operate(page, app, lambda: press_slider(page, app, "proj-size", "ArrowLeft"), lambda text: "P=0" in text)
    assert "output (T, B, D·H) (6, 4, 14)" in text and "weight_ih_l1 (4H, D·H) (28, 14)" in text, text
    assert "weight_hr" not in text, text
    text = operate(page, app, lambda: page.locator(f".{app}-batch-first input[type=checkbox]").click(),
                   lambda text: "input (B, T, I) (4, 6, 5)" in text)
    assert "output (B, T, D·H) (4, 6, 14)" in text and "h_n (L·D, B, H) (4, 4, 7)" in text, text
    assert "✗" not in text, text


@screenshot_on_failure
def test_bidirectional_reader_every_control(page):
    app = "bidirectional-reader"
    assert 'with the cue after "bank": one direction' in readout(page, app)
    operate(page, app, lambda: page.locator(f".{app}-sentence select").select_option(
        "the bank was full of coins they said"), lambda text: "two directions say money" in text)
    operate(page, app, lambda: press_slider(page, app, "position", "ArrowRight", 3),
            lambda text: "backward direction has read: full of coins they said" in text)
    assert slider_value(page, app, "position") == "3"
    operate(page, app, lambda: page.locator(f"button.{app}-forward").click(),
            lambda text: "forward direction has read: the bank was full of\n" in text)
    operate(page, app, lambda: page.locator(f"button.{app}-back").click(),
            lambda text: "backward direction has read: full of coins they said" in text)
    select = page.locator(f".{app}-sentence select")
    before = select.input_value()
    operate(page, app, lambda: page.locator(f"button.{app}-new-sentence").click())
    assert select.input_value() != before


@screenshot_on_failure
def test_quizzes_give_feedback(page):
    mc = page.locator(".lstm-course-quiz", has=page.locator(".quiz-option-0"))
    mc.scroll_into_view_if_needed()
    feedback = mc.locator(".quiz-feedback")
    mc.locator(".quiz-option-0").click()
    feedback.filter(has_text="✗ Not quite. That is what is left after one step.").wait_for()
    mc.locator(".quiz-option-1").click()
    feedback.filter(has_text="✓ Right. Each step multiplies it by f = 0.5").wait_for()
    matching = page.locator(".lstm-course-quiz", has=page.locator(".quiz-check"))
    answers = ["how much of the old cell state to keep", "how much of the candidate to write",
               "what could be written, in (-1, 1)", "how much of the memory to reveal as h_t"]
    matching.locator(".quiz-match-0 select").select_option(answers[1])
    matching.locator(".quiz-check").click()
    matching.locator(".quiz-feedback").filter(has_text="0 of 4 matched correctly").wait_for()
    for k, answer in enumerate(answers):
        matching.locator(f".quiz-match-{k} select").select_option(answer)
    matching.locator(".quiz-check").click()
    matching.locator(".quiz-feedback").filter(has_text="4 of 4 matched correctly").wait_for()
