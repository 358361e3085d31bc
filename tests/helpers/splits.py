"""Split functions for the worker processes (top level, so 'spawn' can pickle them)."""

from __future__ import annotations

import time

from core import pdf
from core.job_priority import at_normal_priority
from core.processors.base import SplitPart


def slow_split(src, pages, out_path, password=None) -> SplitPart:  # type: ignore[no-untyped-def]
    """A real split that takes at least 0.15 s, so concurrent splits overlap in time."""
    time.sleep(0.15)  # simulated work inside a worker process, not a test wait
    return pdf.split_section(src, pages, out_path, password)


def stuck_split(src, pages, out_path, password=None) -> SplitPart:  # type: ignore[no-untyped-def]
    """A split stuck on a page that never finishes (as a pathological page can hold MuPDF
    for minutes): it leaves its worker's pid next to ``out_path`` and blocks for good."""
    import os
    import threading
    from pathlib import Path

    Path(f"{out_path}.pid").write_text(str(os.getpid()))
    threading.Event().wait()  # the worker is busy until it is terminated
    raise AssertionError("unreachable")


def worker_pid() -> int:
    """The pid of the worker that runs this job."""
    import os

    return os.getpid()


def worker_niceness() -> int:
    """The worker's scheduling priority (0 normal, higher is lower), as a job sees it."""
    import os

    return os.nice(0)


@at_normal_priority
def niceness_of_a_normal_priority_job() -> int:
    """:func:`worker_niceness`, from a job marked as the run's inspection is."""
    return worker_niceness()
