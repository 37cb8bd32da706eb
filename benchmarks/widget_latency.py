"""Control-to-update latency of every widget app, measured from Python.

    python benchmarks/widget_latency.py [--repeats 7]

For each control of each app (at its default sizes) the control's value is set from Python, which
runs the app's callback synchronously: recompute with the course's code, redraw the figure, render
it to PNG. The time until the new PNG and readout are in the widget's state is what is printed;
sending them to the browser over the kernel's websocket adds a few milliseconds on a local server.
The target is 200 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from lstm_course.widgets import bidirectional_reader, gate_sandbox, gradient_flow_explorer, shape_explorer

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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="changes per control")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch threads {torch.get_num_threads()}, CPUs {os.cpu_count()}, 1-minute load average {load:.1f}")
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
