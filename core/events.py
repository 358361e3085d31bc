"""Typed, immutable events the engine emits while a run goes on.

Front ends (the Qt bridge, the CLI) subscribe to one stream of these and never reach into
the engine; frozen dataclasses make it safe to hand the same object to several threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    QUEUED = "queued"
    WAITING = "waiting"
    SPLITTING = "splitting"
    UPLOADING = "uploading"
    #: split and uploaded ahead, waiting for an analysis slot (the section limit)
    PREPARED = "prepared"
    PROCESSING = "processing"
    CLEANING_UP = "cleaning up"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # not started: the run's budget cap was reached


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
    #: a few fixed words for counting: 'rate limited', 'timeout', or the operation
    category: str = ""


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
    #: never started: the run's budget cap was reached ("budget reached (…)")
    skipped: bool = False

    @property
    def state(self) -> str:
        """'skipped', 'cancelled' or 'failed', as the exports call it."""
        return "skipped" if self.skipped else "cancelled" if self.cancelled else "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished(Event):
    run_id: str
    done: int
    failed: int
    cancelled: bool
    elapsed_s: float
    summary: dict[str, Any]
    #: why the run stopped starting sections (a full disk, a rejected key), else None
    stopped: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SynthesisStarted(Event):
    """The whole-document synthesis is being made from ``sections`` section answers."""

    sections: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SynthesisDone(Event):
    """The whole-document synthesis (a ``SectionResult``); ``source`` is 'run' (made
    now), 'cache' (made before from the very same answers) or 'journal' (kept from the
    run being resumed: its answers are unchanged)."""

    result: Any  # core.results.SectionResult
    source: str = "run"


@dataclass(frozen=True, slots=True, kw_only=True)
class SynthesisFailed(Event):
    reason: str


# ------------------------------------------------------------------ folder batches
@dataclass(frozen=True, slots=True, kw_only=True)
class BatchStarted(Event):
    """A folder batch was planned: every file found, with its section count (0 if bad)."""

    files: tuple[str, ...]
    sections: dict[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class FileEvent(Event):
    """An engine event from the run of one file of a batch (``file`` is its path)."""

    file: str
    event: Event


@dataclass(frozen=True, slots=True, kw_only=True)
class FileFinished(Event):
    """One file of a batch is over: done, partial, failed, skipped (bad file), kept
    (complete in the journal, not run again) or cancelled."""

    file: str
    status: str
    done: int
    failed: int
    sections: int
    reason: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchFinished(Event):
    files: int
    statuses: dict[str, int]
    elapsed_s: float
    cancelled: bool


# -------------------------------------------------------------- Gemini Batch mode
@dataclass(frozen=True, slots=True, kw_only=True)
class BatchJobState(Event):
    """A Gemini batch job was polled: its state (JOB_STATE_PENDING, ..._SUCCEEDED, ...)."""

    job_name: str
    state: str
    elapsed_s: float


def deliver(listener: Callable[[Event], None] | None, event: Event) -> None:
    """Hand an event to a front end's listener; a front end's bug is logged and never
    stops the engine (the run, the batch) that emitted it."""
    if listener is None:
        return
    try:
        listener(event)
    except Exception:
        logging.getLogger("sectionflow.events").exception(
            "Event listener failed on %s", type(event).__name__
        )
