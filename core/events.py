"""Typed, immutable events the engine emits while a run goes on.

Front ends (the Qt bridge, the CLI) subscribe to one stream of these and never reach into
the engine; frozen dataclasses make it safe to hand the same object to several threads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    QUEUED = "queued"
    WAITING = "waiting"
    SPLITTING = "splitting"
    UPLOADING = "uploading"
    PROCESSING = "processing"
    CLEANING_UP = "cleaning up"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Slot(StrEnum):
    SECTION = "section"
    SPLIT = "split"
    UPLOAD = "upload"
    MEMORY = "memory"


def _now() -> float:
    return time.monotonic()


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    at: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(Event):
    run_id: str
    document: str
    section_ids: tuple[str, ...]
    processor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionQueued(Event):
    section_id: str
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionStarted(Event):
    section_id: str
    attempt: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StageChanged(Event):
    section_id: str
    stage: Stage


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingForSlot(Event):
    section_id: str
    slot: Slot


@dataclass(frozen=True, slots=True, kw_only=True)
class MemorySample(Event):
    rss_mb: float
    threshold_mb: float
    max_mb: float
    throttled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottleChanged(Event):
    throttled: bool
    rss_mb: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryScheduled(Event):
    section_id: str
    operation: str
    attempt: int
    delay_s: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitChanged(Event):
    """A concurrency limit moved: by the user (slider) or by adaptive concurrency (429s)."""

    slot: Slot
    limit: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionDone(Event):
    section_id: str
    result: Any  # core.results.SectionResult
    attempts: int
    timings: dict[str, float]
    #: 'run' (processed now), 'cache' (same bytes+prompt+model seen before) or
    #: 'journal' (kept from the run being resumed)
    source: str = "run"


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionFailed(Event):
    section_id: str
    reason: str
    attempts: int
    timings: dict[str, float]
    cancelled: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished(Event):
    run_id: str
    done: int
    failed: int
    cancelled: bool
    elapsed_s: float
    summary: dict[str, Any]
