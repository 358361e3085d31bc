"""What the progress table and the overall bar show, folded from core events.

Plain Python so the folding rules (which event moves which counter, how the ETA is
reckoned) are testable without Qt; the table is the generic adapter over it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core import events as ev
from core.sections import Section
from gui.state.observable import Change, ObservableRows
from gui.state.outcome_words import CANCELLED, ENDINGS, PARTIAL, Tally

FINAL = {ev.Stage.DONE, ev.Stage.FAILED, ev.Stage.CANCELLED, ev.Stage.SKIPPED}


@dataclass(slots=True)
class SectionProgress:
    id: str
    title: str
    pages: str
    state: str = "queued"
    stage: str = ""
    attempts: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    stage_since: float | None = None
    tokens: int | None = None
    reason: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ENDINGS

    def stage_seconds(self, key: str, now: float) -> float | None:
        """Time spent in a stage so far, counting the stage under way."""
        spent = self.timings.get(key)
        live = _LIVE_KEY.get(self.stage)
        if live == key and self.stage_since is not None and not self.finished:
            spent = (spent or 0.0) + (now - self.stage_since)
        return spent


_LIVE_KEY = {
    ev.Stage.SPLITTING.value: "split",
    ev.Stage.UPLOADING.value: "upload",
    ev.Stage.PROCESSING.value: "process",
    ev.Stage.CLEANING_UP.value: "cleanup",
}


class RunProgress(ObservableRows["SectionProgress"]):
    """Rows for one run (or a retry of some sections), in the order they were queued."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._by_id: dict[str, int] = {}
        self._clock = clock
        self.started_at: float | None = None
        self.finished_at: float | None = None

    # -- observable list --------------------------------------------------------------

    def row(self, section_id: str) -> SectionProgress | None:
        index = self._by_id.get(section_id)
        return None if index is None else self._rows[index]

    # -- a run begins -----------------------------------------------------------------

    def reset(self, sections: Sequence[Section], keep: Sequence[SectionProgress] = ()) -> None:
        """Fresh rows for the sections about to run; ``keep`` rows (earlier results of a
        retry) stay visible ahead of them."""
        fresh = {s.id: SectionProgress(s.id, s.title, s.page_spec) for s in sections}
        rows = [fresh.pop(r.id, r) for r in keep]  # retried rows start over, in place
        self._rows = rows + list(fresh.values())
        self._by_id = {r.id: i for i, r in enumerate(self._rows)}
        self.started_at = self._clock()
        self.finished_at = None
        self._notify(Change.RESET)

    # -- events -----------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        section_id = getattr(event, "section_id", None)
        if isinstance(event, ev.RunFinished):
            self.finished_at = self._clock()
            self._notify(Change.RESET)
            return
        index = self._by_id.get(section_id) if section_id else None
        if index is None:
            return
        row = self._rows[index]
        if isinstance(event, ev.SectionStarted):
            row.state = "running"
            row.attempts = max(row.attempts, event.attempt)
        elif isinstance(event, ev.StageChanged):
            self._close_stage(row)
            row.stage = event.stage.value
            row.stage_since = self._clock()
            if event.stage in FINAL:
                row.state = event.stage.value
            elif event.stage is ev.Stage.WAITING:
                row.state = "waiting"
            else:
                row.state = "running"
        elif isinstance(event, ev.WaitingForSlot):
            row.state = "waiting"
            row.reason = f"waiting for a {event.slot.value} slot"
        elif isinstance(event, ev.RetryScheduled):
            row.attempts = max(row.attempts, event.attempt)
            row.reason = f"retry {event.operation} in {event.delay_s:.1f} s: {event.reason}"
        elif isinstance(event, ev.SectionDone):
            partial = getattr(event.result, "partial", None)
            row.state = PARTIAL if partial else "done"
            row.stage = ev.Stage.DONE.value
            row.attempts = event.attempts
            row.timings = dict(event.timings)
            row.reason = partial or ""
            tokens = getattr(getattr(event.result, "tokens", None), "total", None)
            row.tokens = tokens
        elif isinstance(event, ev.SectionFailed):
            row.state = event.state
            row.stage = row.state
            row.attempts = event.attempts
            row.timings = dict(event.timings)
            row.reason = event.reason
        else:
            return
        self._notify(Change.ROW, index)

    def _close_stage(self, row: SectionProgress) -> None:
        """Keep a live estimate of the stage just left until the final timings arrive."""
        key = _LIVE_KEY.get(row.stage)
        if key and row.stage_since is not None:
            row.timings[key] = row.timings.get(key, 0.0) + self._clock() - row.stage_since
        row.stage_since = None

    def cancel_unfinished(self) -> int:
        """Cancel outlasted its bound (gui.task_bridge): the rows not ended yet show as
        cancelled now, whatever the engine's clean-up still does. How many there were."""
        left = [row for row in self._rows if not row.finished]
        for row in left:
            self._close_stage(row)
            row.state, row.stage, row.reason = CANCELLED, CANCELLED, "Cancelled"
        if self.finished_at is None:
            self.finished_at = self._clock()
        if left:
            self._notify(Change.RESET)
        return len(left)

    def abandon(self, reason: str) -> int:
        """The run stopped before these rows ended (it could not start, or crashed): they
        show why instead of staying "queued" forever. How many there were."""
        left = [i for i, row in enumerate(self._rows) if not row.finished]
        for index in left:
            row = self._rows[index]
            row.state, row.stage, row.reason = "failed", "", f"Not run: {reason}"
        if self.finished_at is None:
            self.finished_at = self._clock()
        if left:
            self._notify(Change.RESET)
        return len(left)

    # -- totals -----------------------------------------------------------------------

    def tally(self) -> Tally:
        """Done, partial, failed, cancelled and left (queued, waiting or running)."""
        ended = [r.state for r in self._rows if r.state in ENDINGS]
        return Tally.of(ended, left=len(self._rows) - len(ended))

    def tokens(self) -> int:
        return sum(r.tokens or 0 for r in self._rows)

    def eta_seconds(self) -> float | None:
        """Left × elapsed per finished section so far: the observed throughput, which
        already includes the concurrency actually achieved."""
        tally = self.tally()
        finished, left = tally.finished, tally.left
        if self.started_at is None or not finished or not left or self.finished_at:
            return None
        elapsed = self._clock() - self.started_at
        return elapsed / finished * left

    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.finished_at or self._clock()) - self.started_at


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    if minutes < 60:
        return f"{minutes}:{secs:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
