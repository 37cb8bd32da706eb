"""Control-to-update latency of every widget app: from Python, and end to end in JupyterLab.

    python -m benchmarks.widget_latency [--repeats 7]            # in this process
    python -m benchmarks.widget_latency --browser [--repeats 5]  # JupyterLab + Chromium

In this process: for each control of each app (at its default sizes) the control's value is set
from Python, which runs the app's callback synchronously: recompute with the course's code,
redraw the figure, render it to PNG. The time until the new PNG and readout are in the widget's
state is printed, as wall-clock and as CPU time.

With --browser: JupyterLab and headless Chromium are started as the browser tests start them
(tests/browser_support.py), the widget gallery is run, and each control is operated once per
repeat as a learner would (one arrow key on a slider, one option of a dropdown, one click). The
time from the key press or click, as the page sees it, to the moment the redrawn figure arrives
in the page is printed: the kernel round trip included.

The target is 200 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from lstm_course.widgets import bidirectional_reader, char_sampler, gate_sandbox, gradient_flow_explorer, shape_explorer

TARGET_MS = 200.0


def toggled(control, value):
    """A different valid value for `control`, so that every assignment triggers an update."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        options = list(control.options)
        return options[(options.index(value) + 1) % len(options)]
    step = control.step
    return value + step if value + step <= control.max else value - step


def time_control(app, name, control, repeats):
    """Wall-clock and CPU milliseconds per update of `app` when `control` changes, over `repeats` changes.

    On a busy machine the wall-clock time includes waiting for a CPU; the CPU time of this process is
    what the same update costs on an idle one (the apps compute on one thread).
    """
    wall, cpu = [], []
    for _ in range(repeats):
        if name == "forward":  # step buttons: start where the button can move the reader
            app.position.value = app.position.min
        elif name == "back":
            app.position.value = app.position.max
        if hasattr(control, "value"):
            new = toggled(control, control.value)
            start, start_cpu = time.perf_counter(), time.process_time()
            control.value = new
        else:  # a button
            start, start_cpu = time.perf_counter(), time.process_time()
            control.click()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def scenarios():
    """(app label, app, controls to time) with the sandbox timed in both of its modes."""
    constant = gate_sandbox()
    real = gate_sandbox()
    real.mode.value = "real LSTMCell"
    flow = gradient_flow_explorer()
    reader = bidirectional_reader()
    shapes = shape_explorer()
    yield "gate sandbox (constant gates)", constant, ["forget", "input_gate", "output_gate", "candidate", "seq_len",
                                                      "mode"]
    yield "gate sandbox (real LSTMCell)", real, ["forget_bias", "signal", "seq_len"]
    yield "gradient-flow explorer", flow, ["model", "radius", "forget_bias", "seq_len"]
    yield "shape explorer", shapes, list(shapes.controls)
    yield "bidirectional reader", reader, ["sentence", "position", "forward", "back", "new_sentence"]
    yield "Python writer", char_sampler(), ["temperature", "top_k", "length", "again"]


# (app, control, kind, first key) for every control, in an order where each one is enabled when it comes:
# the sandbox's signal and forget bias need its real-cell mode, the explorer's forget bias the LSTM.
BROWSER_CONTROLS = [
    ("gate-sandbox", "forget", "slider", "ArrowLeft"),
    ("gate-sandbox", "input-gate", "slider", "ArrowLeft"),
    ("gate-sandbox", "output-gate", "slider", "ArrowLeft"),
    ("gate-sandbox", "candidate", "slider", "ArrowLeft"),
    ("gate-sandbox", "seq-len", "slider", "ArrowLeft"),
    ("gate-sandbox", "mode", "toggle", None),
    ("gate-sandbox", "signal", "select", None),
    ("gate-sandbox", "forget-bias", "slider", "ArrowRight"),
    ("gradient-flow", "model", "select", None),
    ("gradient-flow", "radius", "slider", "ArrowLeft"),
    ("gradient-flow", "seq-len", "slider", "ArrowLeft"),
    ("gradient-flow", "forget-bias", "slider", "ArrowRight"),
    ("shape-explorer", "batch", "slider", "ArrowLeft"),
    ("shape-explorer", "seq-len", "slider", "ArrowLeft"),
    ("shape-explorer", "input-size", "slider", "ArrowLeft"),
    ("shape-explorer", "hidden-size", "slider", "ArrowLeft"),
    ("shape-explorer", "num-layers", "slider", "ArrowLeft"),
    ("shape-explorer", "proj-size", "slider", "ArrowRight"),
    ("shape-explorer", "bidirectional", "checkbox", None),
    ("shape-explorer", "batch-first", "checkbox", None),
    ("bidirectional-reader", "sentence", "select", None),
    ("bidirectional-reader", "position", "slider", "ArrowRight"),
    ("bidirectional-reader", "forward", "button", None),
    ("bidirectional-reader", "back", "button", None),
    ("bidirectional-reader", "new-sentence", "button", None),
]

# Stamp the user's action and the arrival of each app's redrawn figure with the page's own clock.
TIMING_JS = """() => {
  const MAIN_FIGURE = /^(gate-sandbox|gradient-flow|shape-explorer|bidirectional-reader)-figure$/;  // set last
  window.__latency = {start: null, end: null};
  const start = () => { window.__latency = {start: performance.now(), end: null}; };
  for (const kind of ['keydown', 'pointerdown', 'change']) document.addEventListener(kind, start, true);
  new MutationObserver(records => {
    if (window.__latency.start !== null && window.__latency.end === null &&
        records.some(r => [...r.target.classList].some(c => MAIN_FIGURE.test(c))))
      window.__latency.end = performance.now();
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['src']});
}"""


def act(page, app, name, kind, key, k):
    """One learner action on a control; `k` counts repeats so that sliders and toggles go back and forth."""
    where = page.locator(f".{app}-{name}")
    where.scroll_into_view_if_needed()
    if kind == "slider":
        other = "ArrowRight" if key == "ArrowLeft" else "ArrowLeft"
        where.locator(".noUi-handle").press(key if k % 2 == 0 else other)
    elif kind == "select":
        select = where.locator("select")
        count, current = select.evaluate("s => [s.options.length, s.selectedIndex]")
        select.select_option(index=(current + 1) % count)
    elif kind == "toggle":
        where.locator("button", has_text="real LSTMCell" if k % 2 == 0 else "constant gates").click()
    elif kind == "checkbox":
        where.locator("input[type=checkbox]").click()
    else:
        page.locator(f"button.{app}-{name}").click()


def settle(page):
    """Wait until the kernel has handled everything sent so far, so no late figure is taken for the next one."""
    page.wait_for_timeout(200)
    page.wait_for_function("jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")
    page.wait_for_timeout(200)


def browser_latency(repeats: int) -> dict[str, list[float]]:
    """Milliseconds from each learner action to the redrawn figure in the page, per control."""
    from tests.browser_support import chromium_page, jupyter_lab, run_gallery  # Playwright: only with --browser

    results = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        with jupyter_lab(Path(tmp) / "lab") as (base, token), chromium_page(Path(tmp) / "profile", errors) as page:
            run_gallery(page, base, token)
            page.evaluate(TIMING_JS)
            for app, name, kind, key in BROWSER_CONTROLS:
                times = []
                # a toggle, and the two-model dropdown, end where they started
                count = repeats + (repeats % 2 if kind == "toggle" or name == "model" else 0)
                if name == "forward":
                    count = min(count, 7)  # eight words: the reader starts at word 0 after "back"
                for k in range(count):
                    if name == "forward" and k == 0:
                        page.locator(".bidirectional-reader-position .noUi-handle").press("Home")
                        settle(page)
                    page.evaluate("window.__latency = {start: null, end: null}")
                    act(page, app, name, kind, key, k)
                    page.wait_for_function("window.__latency.end !== null", timeout=30_000)
                    latency = page.evaluate("window.__latency.end - window.__latency.start")
                    times.append(latency)
                    settle(page)
                if name == "mode":
                    act(page, app, name, kind, key, 0)  # back to the real cell: the next two controls need it
                    settle(page)
                results[f"{app}: {name}"] = times
    if errors:
        print("browser console errors:", *errors, sep="\n  ")
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="changes per control")
    parser.add_argument("--browser", action="store_true", help="measure end to end in JupyterLab and Chromium")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch threads {torch.get_num_threads()}, CPUs {os.cpu_count()}, 1-minute load average {load:.1f}")
    if args.browser:
        print(f"{'app: control':36s} {'median ms':>10s} {'max ms':>8s}   (action in the page -> new figure)")
        worst = {}
        for label, times in browser_latency(args.repeats).items():
            app = label.split(":")[0]
            worst[app] = max(worst.get(app, 0.0), statistics.median(times))
            print(f"{label:36s} {statistics.median(times):10.1f} {max(times):8.1f}")
        print()
        for app, ms in worst.items():
            print(f"{app:22s} slowest control, median {ms:7.1f} ms  within {TARGET_MS:.0f} ms: "
                  f"{'yes' if ms <= TARGET_MS else 'NO'}")
        return 0
    print(f"{'app':32s} {'control':14s} {'wall median':>12s} {'wall max':>9s} {'CPU median':>11s}  (ms)")
    worst = {}
    for label, app, names in scenarios():
        for name in names:
            wall, cpu = time_control(app, name, app.controls[name], args.repeats)
            previous = worst.get(label, (0.0, 0.0))
            worst[label] = (max(previous[0], statistics.median(wall)), max(previous[1], statistics.median(cpu)))
            print(f"{label:32s} {name:14s} {statistics.median(wall):12.1f} {max(wall):9.1f} "
                  f"{statistics.median(cpu):11.1f}")
    print()
    print(f"{'app':32s} {'slowest control: wall median':>29s} {'CPU median':>11s}  CPU within {TARGET_MS:.0f} ms")
    for label, (wall, cpu) in worst.items():
        print(f"{label:32s} {wall:29.1f} {cpu:11.1f}  {'yes' if cpu <= TARGET_MS else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
