"""The CPU seconds a thread spent on its own work: the budget of a request that reads a user's file
(intake/word_package.py), fair under load because other processes' time is not counted.

The garbage collector's pauses are left out. A full collection walks every object the process
holds and runs in whichever thread happened to allocate at that moment; in a large process (the
test suite holds millions of objects) one pause takes seconds, and counting it would refuse a
four-paragraph file as "too complex". Each thread adds up the collections that ran in it.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

_local = threading.local()


def _on_collect(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _local.started = time.thread_time()
        return
    started = getattr(_local, "started", None)
    if started is not None:
        _local.collected = getattr(_local, "collected", 0.0) + (time.thread_time() - started)
        _local.started = None


def own_seconds() -> float:
    """This thread's CPU seconds so far, less the collector's pauses in it; compare two readings."""
    return time.thread_time() - getattr(_local, "collected", 0.0)


if _on_collect not in gc.callbacks:  # once per process
    gc.callbacks.append(_on_collect)
