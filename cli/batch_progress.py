"""What a folder batch shows: one overall bar (sections) and a bar per file in flight on
stderr, plain lines when stderr is not a terminal, then a table of files on stdout."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cli.common import LiveProgress, shorten, stdout_console
from core import events as ev

if TYPE_CHECKING:
    from core.batch_outcome import BatchOutcome


@dataclass(slots=True, kw_only=True)
class BatchReporter(LiveProgress):
    """Progress of a batch: one overall bar (sections) and a bar per file in flight; plain
    lines when stderr is not a terminal."""

    overall: TaskID | None = None
    rows: dict[str, TaskID] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    finished: dict[str, int] = field(default_factory=dict)
    files_done: int = 0
    files: int = 0

    def make_progress(self) -> Progress:
        return Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=self.console,
            refresh_per_second=4,
        )

    def handle(self, event: ev.Event) -> None:
        if isinstance(event, ev.BatchStarted):
            self.files = len(event.files)
            self.totals = dict(event.sections)
            if self.progress is not None:
                self.overall = self.progress.add_task(
                    "All sections", total=sum(self.totals.values()) or 1, note=""
                )
        elif isinstance(event, ev.FileEvent):
            self._file_event(event.file, event.event)
        elif isinstance(event, ev.FileFinished):
            self._file_finished(event)

    def _file_event(self, file: str, event: ev.Event) -> None:
        if isinstance(event, ev.RunStarted):
            self.totals[file] = len(event.section_ids)
            self.finished[file] = 0
            if self.progress is not None:
                self.rows[file] = self.progress.add_task(
                    shorten(Path(file).name, 32), total=len(event.section_ids) or 1, note=""
                )
            else:
                print(
                    f"{Path(file).name}: started ({len(event.section_ids)} sections)",
                    file=sys.stderr,
                    flush=True,
                )
        elif isinstance(event, ev.SectionDone | ev.SectionFailed):
            self.finished[file] = self.finished.get(file, 0) + 1
            if self.progress is not None:
                if file in self.rows:
                    self.progress.update(self.rows[file], completed=self.finished[file])
                if self.overall is not None:
                    self.progress.update(self.overall, advance=1)

    def _file_finished(self, event: ev.FileFinished) -> None:
        self.files_done += 1
        text = f"{event.status} ({event.done}/{event.sections} sections)"
        if event.reason and event.status != "done":
            text += f": {event.reason}"
        if self.progress is not None:
            row = self.rows.pop(event.file, None)
            if row is not None:
                self.progress.remove_task(row)
            if self.overall is not None:
                self.progress.update(self.overall, note=f"{self.files_done}/{self.files} files")
            self.progress.console.print(f"{escape(Path(event.file).name)}: {escape(text)}")
        else:
            print(
                f"[{self.files_done}/{self.files}] {Path(event.file).name}: {text}",
                file=sys.stderr,
                flush=True,
            )


def print_batch_summary(outcome: BatchOutcome) -> None:
    """A table of files on stdout, as `process` prints one of sections."""
    table = Table(title=f"{outcome.source} · {outcome.processor}", title_justify="left")
    for name in ("File", "Status", "Sections", "Done", "Failed", "Reason"):
        table.add_column(name, overflow="fold")
    for entry in outcome.files:
        colour = {"done": "green", "kept": "green", "failed": "red", "skipped": "red"}.get(
            entry.status, "yellow"
        )
        table.add_row(
            escape(entry.path.name),
            f"[{colour}]{entry.status}[/]",
            str(entry.sections),
            str(entry.done),
            str(entry.failed),
            escape(" ".join(p for p in (entry.reason, entry.note) if p)),
        )
    console = stdout_console()
    console.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(outcome.statuses().items()))
    console.print(f"{len(outcome.files)} files ({counts}) in {outcome.elapsed_s:.1f} s")
