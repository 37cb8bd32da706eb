"""Leave no process behind: adopt orphaned descendants and kill them.

A learner's code can start children that outlive the kernel, even in a new session (so killing the
kernel's process group misses them). On Linux a process can declare itself a "child subreaper":
descendants orphaned below it are re-parented to it instead of to init, so it can still find and
kill them. Elsewhere only the process groups are killed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

import psutil

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt this process's orphaned descendants (Linux); return whether that worked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (zombies included), children first."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def kill_group(pgid: int) -> None:
    """SIGKILL a whole process group, quietly if it is already gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def kill_descendants(keep: frozenset[int] = frozenset(), rounds: int = 20) -> int:
    """Kill and reap every descendant of this process except those in `keep` (and theirs); return how many."""
    killed = 0
    for _ in range(rounds):
        me = os.getpid()
        kept = set(keep)
        for pid in keep:
            kept.update(descendants(pid))
        victims = [p for p in descendants(me) if p not in kept]
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        _reap(keep)
        time.sleep(0.05)
    _reap(keep)
    return killed


def _reap(keep) -> None:
    """Collect the exit status of dead children so they do not stay as zombies."""
    for pid in descendants(os.getpid()):
        if pid in keep:
            continue
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
