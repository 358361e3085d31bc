"""Split functions for the worker processes (top level, so 'spawn' can pickle them)."""

from __future__ import annotations

import time

from core import pdf
from core.processors.base import SplitPart


def slow_split(src, pages, out_path, password=None) -> SplitPart:  # type: ignore[no-untyped-def]
    """A real split that takes at least 0.15 s, so concurrent splits overlap in time."""
    time.sleep(0.15)  # simulated work inside a worker process, not a test wait
    return pdf.split_section(src, pages, out_path, password)
