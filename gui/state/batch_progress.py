"""What the Batch tab shows, folded from a folder batch's events: one row per file.

Plain Python, like :mod:`gui.state.run_progress`, so the folding rules (which event moves which
counter, what a bad file's row says) are testable without Qt; the table is the generic
adapter (:mod:`gui.widgets.list_model`) over it.

A row lives through: ``not run`` (the folder was listed, and maybe inspected for a
preview; ``will skip`` when the preview found it unusable), ``planning`` (Run was
pressed, the engine inspects the files), ``waiting`` (planned, waiting for a file slot),
``running`` (its run started), then the engine's own final word from
:class:`core.events.FileFinished`: done, partial, failed, skipped, kept or cancelled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core import events as ev
from gui.state.observable import Change, ObservableRows

NOT_RUN, PLANNING, WAITING, RUNNING = "not run", "planning", "waiting", "running"
#: a previewed file the batch will skip (not a PDF, damaged, needs a password)
WILL_SKIP = "will skip"
#: the engine's final statuses (core.batch) that count as a success
OK_STATUSES = frozenset({"done", "kept"})
FINAL_STATUSES = frozenset({"done", "partial", "failed", "skipped", "kept", "cancelled"})


@dataclass(slots=True)
class FileRow:
    path: str
    name: str
    sections: int | None = None  # None: not known yet (not inspected)
    done: int = 0
    failed: int = 0
    status: str = NOT_RUN
    reason: str = ""
    note: str = ""
    run_id: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES


class BatchProgress(ObservableRows["FileRow"]):
    """Rows for one folder batch, in the order the engine found the files."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._by_path: dict[str, int] = {}
        self._clock = clock
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.cancelled = False

    # -- observable list --------------------------------------------------------------

    def row(self, path: str | Path) -> FileRow | None:
        index = self._by_path.get(str(path))
        return None if index is None else self._rows[index]

    # -- before a batch ---------------------------------------------------------------

    def show_files(
        self,
        paths: Iterable[Path],
        status: str = NOT_RUN,
        sections: Mapping[str, int | None] | None = None,
        problems: Mapping[str, str] | None = None,
        notes: Mapping[str, str | None] | None = None,
    ) -> None:
        """Rows for files that are not running: a folder's listing or its preview."""
        sections, problems, notes = sections or {}, problems or {}, notes or {}
        self._rows = [
            FileRow(
                path=str(p),
                name=Path(p).name,
                sections=sections.get(str(p)),
                status=WILL_SKIP if status == NOT_RUN and str(p) in problems else status,
                reason=problems.get(str(p), ""),
                note=notes.get(str(p)) or "",
            )
            for p in paths
        ]
        self._by_path = {r.path: i for i, r in enumerate(self._rows)}
        self.started_at = self.finished_at = None
        self.cancelled = False
        self._notify(Change.RESET)

    def begin(self, paths: Iterable[Path]) -> None:
        """Run was pressed: the files are being planned (inspected) by the engine. The
        preview's section counts and notes stay until the engine's own arrive."""
        old = {r.path: r for r in self._rows}
        paths = list(paths)
        self.show_files(
            paths,
            status=PLANNING,
            sections={str(p): old[str(p)].sections for p in paths if str(p) in old},
            notes={str(p): old[str(p)].note for p in paths if str(p) in old},
        )
        self.started_at = self._clock()

    def set_notes(self, notes: Mapping[str, str | None]) -> None:
        """How each file was sectioned, when the rule could not apply as asked (from the
        batch's outcome: the events do not carry it)."""
        for index, row in enumerate(self._rows):
            note = notes.get(row.path) or ""
            if note != row.note:
                row.note = note
                self._notify(Change.ROW, index)

    # -- events -----------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        if isinstance(event, ev.BatchStarted):
            self._started(event)
        elif isinstance(event, ev.FileEvent):
            self._file_event(event.file, event.event)
        elif isinstance(event, ev.FileFinished):
            self._file_finished(event)
        elif isinstance(event, ev.BatchFinished):
            self.finished_at = self._clock()
            self.cancelled = event.cancelled
            self._notify(Change.RESET)

    def _started(self, event: ev.BatchStarted) -> None:
        old = {r.path: r for r in self._rows}
        self._rows = []
        for path in event.files:
            previous = old.get(path)
            self._rows.append(
                FileRow(
                    path=path,
                    name=Path(path).name,
                    sections=event.sections.get(path, 0),
                    status=WAITING,
                    note=previous.note if previous else "",
                )
            )
        self._by_path = {r.path: i for i, r in enumerate(self._rows)}
        if self.started_at is None:
            self.started_at = self._clock()
        self.finished_at = None
        self._notify(Change.RESET)

    def _file_event(self, path: str, event: ev.Event) -> None:
        index = self._by_path.get(path)
        if index is None:
            return
        row = self._rows[index]
        if isinstance(event, ev.RunStarted):
            row.status = RUNNING
            row.sections = len(event.section_ids)
            row.done = row.failed = 0
            row.run_id = event.run_id
        elif isinstance(event, ev.SectionDone):
            row.done += 1
        elif isinstance(event, ev.SectionFailed):
            row.failed += 1
        else:
            return
        self._notify(Change.ROW, index)

    def _file_finished(self, event: ev.FileFinished) -> None:
        index = self._by_path.get(event.file)
        if index is None:
            return
        row = self._rows[index]
        row.status = event.status
        row.sections = event.sections
        row.done = event.done
        row.failed = event.failed
        row.reason = event.reason or ""
        row.run_id = event.run_id or row.run_id
        self._notify(Change.ROW, index)

    def abandon(self, reason: str) -> None:
        """The batch crashed (no BatchFinished): rows still going say so, and the totals
        stop the clock."""
        for row in self._rows:
            if not row.finished and row.status not in (NOT_RUN, WILL_SKIP):
                row.status, row.reason = "failed", reason
        if self.started_at is not None and self.finished_at is None:
            self.finished_at = self._clock()
        self._notify(Change.RESET)

    # -- totals -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.finished_at is None

    def total_sections(self) -> int:
        return sum(r.sections or 0 for r in self._rows)

    def finished_sections(self) -> int:
        """Sections done or failed, counting a finished file's sections all as over."""
        return sum((r.sections or 0) if r.finished else r.done + r.failed for r in self._rows)

    def files_finished(self) -> int:
        return sum(r.finished for r in self._rows)

    def counts(self) -> dict[str, int]:
        """Files per status, in a stable order for the summary line."""
        found: dict[str, int] = {}
        for row in self._rows:
            found[row.status] = found.get(row.status, 0) + 1
        return found

    def elapsed(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at if self.finished_at is not None else self._clock()
        return end - self.started_at
