"""The grader's sandbox, attacked as a hostile learner would: every attack's exact outcome.

One batch holds a correct submission and one submission per attack, each a correct solution plus a
cell that attacks; each attack prints what happened to every attempt, so the test reads the outcome
from the feedback notebook. The batch must go on: every attacker still gets exactly the points its
answers earn. Needs bubblewrap (`.ci/run` installs it); without it these tests fail and say so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from grading_fixtures import hostile

import lstm_course
from lstm_course.grade import isolation

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(lstm_course.__file__).resolve().parent
SECRET = f"sibling-secret-{os.getpid()}"
TOKEN = f"lstm-course-isolation-{os.getpid()}"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox is bubblewrap, Linux only")

# Each attack prints "<label>: <outcome>" per attempt; `attempt` names the outcome by errno.
ATTEMPT = '''import errno, os
def attempt(label, action):
    try:
        action()
        print(f"{label}: done")
    except OSError as error:
        print(f"{label}: {errno.errorcode.get(error.errno, error.errno)}")
def write(path, text="TOKEN"):
    with open(path, "a") as f:
        f.write(text)
'''


def tree_digest(folder: Path) -> str:
    """One hash of every file's path and bytes under `folder` (bytecode caches excluded)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def attack(source: str) -> nbformat.NotebookNode:
    return hostile.insert_after(hostile.load("solutions"), "rnn_step", ATTEMPT.replace("TOKEN", TOKEN) + source)


class Listener:
    """A TCP server on 127.0.0.1 that records whatever connects to it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                self.received.append(conn.recv(1024))

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    why = isolation.probe()
    assert why is None, f"sandboxed grading does not work here ({why}); install bubblewrap as .ci/run does"
    folder = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    sibling = folder / f"sibling_{hostile.STEM}.ipynb"
    nb = hostile.load("solutions")
    nb.cells.append(nbformat.v4.new_markdown_cell(f"My notes: {SECRET}"))
    nbformat.write(nb, sibling)
    home = Path(os.path.expanduser("~"))
    listener = Listener()
    bank = PACKAGE / "exercise_bank"
    attacks = {
        "course": attack(f"attempt('bank', lambda: write({str(bank / 'lesson01.py')!r}))\n"
                         f"attempt('grader', lambda: write({str(PACKAGE / 'grade' / 'collect.py')!r}))\n"
                         f"attempt('new file', lambda: write({str(PACKAGE / 'planted.py')!r}))"),
        "sibling_write": attack(f"attempt('sibling', lambda: write({str(sibling)!r}))"),
        "output": attack(f"attempt('csv', lambda: write({str(out)!r}))\n"
                         f"attempt('folder', lambda: write({str(out.parent / 'planted.txt')!r}))"),
        "home": attack(f"attempt('home', lambda: write({str(home / TOKEN)!r}))\n"
                       f"attempt('tilde', lambda: write(os.path.expanduser('~/{TOKEN}-tilde')))"),
        "tmp": attack(f"attempt('tmp', lambda: write('/tmp/{TOKEN}'))\n"
                      "print('jobs visible', len(os.listdir(os.path.dirname(os.path.dirname(os.getcwd())))))"),
        "sibling_read": attack(f"attempt('read', lambda: print(open({str(sibling)!r}).read()))\n"
                               f"attempt('list', lambda: print(os.listdir({str(folder)!r})))"),
        "network": attack("import socket\n"
                          f"attempt('connect', lambda: socket.create_connection(('127.0.0.1', {listener.port}), "
                          f"timeout=5).sendall(b'{TOKEN}'))"),
        "reference": hostile.with_answer(
            hostile.insert_after(hostile.load("solutions"), "clip_by_global_norm", ATTEMPT.replace("TOKEN", TOKEN)
                                 + f"attempt('solutions', lambda: open({str(ROOT / 'solutions')!r} + "
                                 f"'/{hostile.STEM}.ipynb').read())\n"
                                 "import glob, inspect, lstm_course.exercise_bank.lesson01 as bank\n"
                                 f"print('bytecode visible', bool(glob.glob({str(bank / '__pycache__')!r} + '/*')))\n"
                                 "print('source shows', 'tanh' in inspect.getsource(bank.rnn_step))"),
            "rnn_step", "from lstm_course.exercise_bank.lesson01 import rnn_step"),
    }
    paths = {name: folder / f"{name}_{hostile.STEM}.ipynb" for name in attacks}
    for name, nb in attacks.items():
        nbformat.write(nb, paths[name])
    paths["sibling"] = sibling
    before = tree_digest(folder)
    command = [sys.executable, "-m", "lstm_course.grade", str(folder), "--out", str(out), "--jobs", "2", "--seed", "3",
               "--cell-timeout", "30", "--timeout", "240"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=ROOT)
    finally:
        listener.close()
    assert run.returncode == 0, run.stderr[-3000:]
    after = tree_digest(folder)
    # Other work may change the package while the batch runs; what the attack would leave is the token.
    marked = [str(p) for p in PACKAGE.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    reasons = {Path(r["submission"]).stem.removesuffix(f"_{hostile.STEM}"): r
               for r in json.loads(out.with_suffix(".json").read_text())["submissions"]}
    feedback = {name: (out.parent / "grades_feedback").glob(f"*{name}_{hostile.STEM}.feedback.ipynb")
                for name in paths}
    feedback = {name: next(found) for name, found in feedback.items()}
    printed = {name: "".join(o.get("text", "") for c in nbformat.read(f, as_version=4).cells
                             if c.cell_type == "code" for o in c.outputs)
               for name, f in feedback.items()}
    return dict(before=before, after=after, marked=marked, reasons=reasons, printed=printed, home=home, out=out,
                received=listener.received, feedback={name: f.read_text() for name, f in feedback.items()})


# attack -> (what it must print, its score): every answer is correct except where it cheats. A path
# outside the sandbox is missing (ENOENT) or, where a bound folder holds it, read-only (EROFS).
GONE = "(ENOENT|EROFS)"
EXPECTED = {
    "course": ([r"bank: EROFS", r"grader: EROFS", r"new file: EROFS"], 100),
    "sibling_write": ([rf"sibling: {GONE}"], 100),
    "output": ([rf"csv: {GONE}", rf"folder: {GONE}"], 100),
    "home": ([rf"home: {GONE}", r"tilde: done"], 100),  # ~ is the scratch folder inside
    "tmp": ([r"tmp: done", r"jobs visible 1\b"], 100),  # a private /tmp; no other job in sight
    "sibling_read": ([rf"read: {GONE}", rf"list: {GONE}"], 100),
    "network": ([r"connect: ECONNREFUSED"], 100),
    "reference": ([rf"solutions: {GONE}", r"bytecode visible False", r"source shows False"], hostile.NO_STEP),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_attack_fails_and_the_attacker_gets_what_its_answers_earn(attacked, name):
    lines, score = EXPECTED[name]
    printed = attacked["printed"][name]
    for line in lines:
        assert re.search(line, printed), printed[-2000:]
    assert attacked["reasons"][name]["score"] == score, attacked["reasons"][name]


def test_nothing_outside_the_scratch_folder_changes(attacked):
    assert attacked["after"] == attacked["before"]  # the submissions, the sibling included
    assert attacked["marked"] == [] and not (PACKAGE / "planted.py").exists()
    assert not (attacked["home"] / TOKEN).exists() and not Path(f"/tmp/{TOKEN}").exists()
    assert sorted(p.name for p in attacked["out"].parent.iterdir()) == ["grades.csv", "grades.json", "grades_feedback"]


def test_nothing_read_from_a_sibling_leaks_into_feedback(attacked):
    assert SECRET in attacked["feedback"]["sibling"]  # the secret is there to be found
    assert SECRET not in attacked["feedback"]["sibling_read"]
    assert SECRET not in json.dumps(attacked["reasons"]["sibling_read"])


def test_no_connection_leaves_the_sandbox(attacked):
    assert attacked["received"] == []


def test_a_reference_handed_in_as_the_answer_scores_zero(attacked):
    lost = {item["exercise"]: item["reason"] for item in attacked["reasons"]["reference"]["lost"]}
    assert list(lost) == ["rnn_step"]
    assert "not available while grading" in lost["rnn_step"]


def test_the_batch_goes_on(attacked):
    assert attacked["reasons"]["sibling"]["score"] == 100
    assert len(attacked["reasons"]) == len(EXPECTED) + 1


def test_without_a_sandbox_the_grader_refuses_and_says_what_no_sandbox_risks(tmp_path):
    path = hostile.write(tmp_path, hostile.Case("solution", hostile.load("solutions"), 100, ""))
    env = dict(os.environ, PATH=str(tmp_path))  # no bwrap on the PATH
    command = [sys.executable, "-m", "lstm_course.grade", str(path), "--out", str(tmp_path / "g.csv")]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert run.returncode == 2
    assert "bubblewrap (bwrap) is not installed" in run.stderr
    assert "--no-sandbox" in run.stderr and "reference solutions" in run.stderr
    assert not (tmp_path / "g.csv").exists()
