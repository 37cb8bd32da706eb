"""The sandboxed kernel: an ordinary IPython kernel started under resource limits.

    python -m lstm_course.grade.kernel --memory-mb 2048 -f CONNECTION_FILE

The limits are set before any learner code can run and cannot be raised again by it: address space
(a memory bomb fails with MemoryError or kills only this kernel), file size (no filling the disk),
no core dumps. Threads and the plotting backend come from the environment the grader gives it.
"""

from __future__ import annotations

import argparse
import resource
import sys

FILE_SIZE_MB = 64


def limit(resource_id: int, value: int) -> None:
    """Set a hard and soft limit, never above what the grader itself was allowed."""
    soft, hard = resource.getrlimit(resource_id)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(resource_id, (value, value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, required=True)
    args, rest = parser.parse_known_args()
    limit(resource.RLIMIT_AS, args.memory_mb << 20)
    limit(resource.RLIMIT_FSIZE, FILE_SIZE_MB << 20)
    limit(resource.RLIMIT_CORE, 0)
    sys.argv = [sys.argv[0], *rest]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
