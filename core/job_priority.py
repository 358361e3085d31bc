"""Which PDF-worker jobs run at normal priority.

A worker goes a little below normal priority before its first job not marked here, so
on a 2-core laptop the window stays smooth while splits and extractions use the cores.
The run's inspection of its PDF is marked: it is on the way to the run's first section,
and at the lower priority it took 0.27-0.62 s next to a busy process instead of 0.1 s
(docs/ARCHITECTURE.md, "Start-up"). A module of its own, so the jobs' modules and
core.workers both import it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "normal_priority"


def at_normal_priority(fn: F) -> F:
    """Mark ``fn`` as a job a worker runs at normal priority, if it still runs so."""
    fn.__dict__[_MARK] = True
    return fn


def runs_at_normal_priority(fn: Callable[..., Any]) -> bool:
    return bool(getattr(fn, _MARK, False))
