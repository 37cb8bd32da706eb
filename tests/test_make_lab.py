"""`make lab` really starts JupyterLab on the course, reachable on 127.0.0.1 with a token."""

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, token: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def lab():
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_TOKEN": token}
    env.pop("DISPLAY", None)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"make lab exited with {process.returncode}:\n{process.stdout.read()}")
            try:
                status = get_json(f"{base}/api/status", token)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer /api/status within 90 s")
                time.sleep(0.5)
        yield base, token, status, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_lab_serves_the_course(lab):
    base, token, status, _ = lab
    assert "started" in status
    notebooks = get_json(f"{base}/api/contents/notebooks", token)
    names = {item["name"] for item in notebooks["content"]}
    assert "00_start_here.ipynb" in names
    with urllib.request.urlopen(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={token}", timeout=10) as page:
        assert page.status == 200
        assert "JupyterLab" in page.read().decode()
    kernels = get_json(f"{base}/api/kernelspecs", token)
    assert "python3" in kernels["kernelspecs"]


def test_make_lab_refuses_without_the_token(lab):
    base, *_ = lab
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{base}/api/contents/notebooks", timeout=5)
    assert info.value.code == 403
