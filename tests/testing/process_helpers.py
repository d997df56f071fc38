"""What the testbed tests share: whether a process is gone."""

from __future__ import annotations

import os


def gone(pid: int) -> bool:
    """Whether no process has this PID any more (signal 0 probes without touching it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
