"""Start JupyterLab and Debian's Chromium, open the widget gallery and act on it like a learner.

Shared by the browser tests (tests/test_browser.py) and the end-to-end latency benchmark
(benchmarks/widget_latency.py --browser). Everything runs on 127.0.0.1 with a random token;
the browser is the system's /usr/bin/chromium, driven by Playwright, and nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "12_widget_gallery.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000
APPS = ("gate-sandbox", "gradient-flow", "shape-explorer", "bidirectional-reader")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started (kernels) by its process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@contextlib.contextmanager
def jupyter_lab(workdir: Path):
    """A JupyterLab server on a free port of 127.0.0.1, rooted in `workdir` with a copy of the gallery.

    Yields (base URL, token). The server and its kernels are stopped by their process group on exit.
    """
    root = workdir / "root"
    root.mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    home = workdir / "home"
    # Render every cell (no windowing, so off-screen widgets exist in the page) and ask nothing about news.
    settings = home / "settings"
    for plugin, values in [("notebook-extension/tracker", '{"windowingMode": "none"}'),
                           ("apputils-extension/notification", '{"fetchNews": "false"}')]:
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values)
    port, token = free_port(), secrets.token_hex(16)
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               OMP_NUM_THREADS="1")
    command = [str(bin_dir / "jupyter"), "lab", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
               f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", "--no-browser",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    log_path = home / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; its log:\n{log_path.read_text()}")
                time.sleep(0.25)
            yield base, token
        finally:
            stop(process)


@contextlib.contextmanager
def chromium_page(profile_dir: Path, errors: list[str]):
    """A page of headless Chromium with a fresh profile; console errors and page errors go to `errors`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile_dir), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
            yield page
        finally:
            context.close()


def run_gallery(page, base: str, token: str) -> None:
    """Open the gallery in JupyterLab, clear its committed outputs and run every cell."""
    page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function("window.jupyterapp && jupyterapp.commands.hasCommand('notebook:run-all-cells')")
    wait_for_idle_kernel(page)
    # The committed outputs (widgets restored from the saved state) go first, so that everything
    # found afterwards was made by this run.
    page.evaluate("jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("() => !document.querySelector('.jp-OutputArea-output')")
    page.evaluate("jupyterapp.commands.execute('notebook:run-all-cells')")
    # every code cell gets an execution count, and the last one (the matching quiz) shows its widget
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
        ".every(p => /\\[\\d+\\]/.test(p.textContent))", timeout=120_000)
    page.wait_for_selector(".jp-OutputArea .lstm-course-quiz .quiz-check", timeout=120_000)
    wait_for_idle_kernel(page)


def wait_for_idle_kernel(page):
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel &&"
        " w.sessionContext.session.kernel.status === 'idle'; }")


def readout(page, app):
    locator = page.locator(f".{app} .{app}-readout")
    locator.scroll_into_view_if_needed()
    return locator.inner_text().replace("\t", " ")  # table cells come out tab-separated


def image_src(page, app, css="figure"):
    return page.locator(f".{app} img.{app}-{css}").get_attribute("src")


def press_slider(page, app, name, key, times=1):
    """Move a slider with the keyboard, as a learner can: focus its handle and press arrow keys."""
    handle = page.locator(f".{app}-{name} .noUi-handle")
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        handle.press(key)


def slider_value(page, app, name):
    return page.locator(f".{app}-{name} .widget-readout").inner_text()


