"""A run of one PDF in the terminal: a live bar per section on stderr (plain lines when
stderr is not a terminal), then the summary table on stdout, the exports and the exit code.

``process`` and ``retry`` run their pipeline here, and Gemini Batch mode ends its run here
too, so a run reads the same whichever way it was started.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import (
    EXIT_FAILED,
    PROG,
    LiveProgress,
    exit_code,
    run_displayed,
    shorten,
    stdout_console,
    write_exports,
)
from core import events as ev
from core.errors import ExportError
from core.export import ordered_sections, section_status

if TYPE_CHECKING:
    from rich.console import Console

    from core.engine import Engine
    from core.run_types import RunOutcome, RunRequest
    from core.sections import Section
    from core.settings import Settings

_STEPS = {"queued": 0, "splitting": 1, "uploading": 2, "processing": 3, "cleaning up": 4}
_TOTAL_STEPS = 5


@dataclass(slots=True, kw_only=True)
class Reporter(LiveProgress):
    """Turns pipeline events into a live display: a bar per section (or plain lines)."""

    titles: dict[str, str]
    tasks: dict[str, TaskID] = field(default_factory=dict)
    overall: TaskID | None = None
    done: int = 0
    failed: int = 0
    memory: str = ""

    def make_progress(self) -> Progress:
        progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[stage]}"),
            TimeElapsedColumn(),
            console=self.console,
            refresh_per_second=8,
        )
        self.overall = progress.add_task("All sections", total=len(self.titles), stage="")
        for sid, title in self.titles.items():
            self.tasks[sid] = progress.add_task(
                _one_line(title, 32), total=_TOTAL_STEPS, stage="queued", start=False
            )
        return progress

    def handle(self, event: ev.Event) -> None:
        match event:
            case ev.SectionStarted():
                self._started(event)
            case ev.StageChanged():
                self._stage(event)
            case ev.WaitingForSlot():
                self._update(event.section_id, stage=f"[yellow]waiting for {event.slot.value} slot")
            case ev.RetryScheduled():
                self._retry(event)
            case ev.SectionDone():
                self._done(event)
            case ev.SectionFailed():
                self._failed(event)
            case ev.MemorySample():
                self._memory(event)
            case ev.ThrottleChanged():
                self._throttle(event)

    def _update(self, sid: str, **fields: str | int) -> None:
        if self.progress is not None and sid in self.tasks:
            self.progress.update(self.tasks[sid], **fields)  # type: ignore[arg-type]

    def _started(self, event: ev.SectionStarted) -> None:
        if self.progress is not None and event.section_id in self.tasks:
            self.progress.start_task(self.tasks[event.section_id])

    def _stage(self, event: ev.StageChanged) -> None:
        stage = event.stage.value
        if stage in _STEPS:
            self._update(event.section_id, completed=_STEPS[stage], stage=stage)

    def _retry(self, event: ev.RetryScheduled) -> None:
        text = (
            f"retry {event.attempt} of {event.operation} in {event.delay_s:.1f} s: {event.reason}"
        )
        self._update(event.section_id, stage=f"[yellow]{_one_line(text, 60)}")
        if not self.live:
            self._line(event.section_id, text)

    def _done(self, event: ev.SectionDone) -> None:
        self.done += 1
        seconds = event.timings.get("total", 0.0)
        if getattr(event.result, "partial", None):
            self._finish(event.section_id, f"[yellow]partial[/] (cut off) in {seconds:.1f} s")
            if not self.live:
                self._line(event.section_id, f"partial (cut off) in {seconds:.1f} s")
            return
        self._finish(event.section_id, f"[green]done[/] in {seconds:.1f} s")
        if not self.live:
            self._line(event.section_id, f"done in {seconds:.1f} s")

    def _failed(self, event: ev.SectionFailed) -> None:
        self.failed += 1
        label = event.state
        self._finish(event.section_id, f"[red]{label}[/]: {_one_line(event.reason, 60)}")
        if not self.live:
            self._line(event.section_id, f"{label}: {event.reason}")

    def _finish(self, sid: str, stage: str) -> None:
        if self.progress is None or sid not in self.tasks:
            return
        self.progress.update(self.tasks[sid], completed=_TOTAL_STEPS, stage=stage)
        self.progress.stop_task(self.tasks[sid])
        self._overall()

    def _memory(self, event: ev.MemorySample) -> None:
        self.memory = f"RSS {event.rss_mb:.0f} MB" + (" · throttled" if event.throttled else "")
        self._overall()

    def _throttle(self, event: ev.ThrottleChanged) -> None:
        if not self.live:
            state = "on" if event.throttled else "off"
            print(f"memory throttle {state} at {event.rss_mb:.0f} MB", file=sys.stderr)

    def _overall(self) -> None:
        if self.progress is None or self.overall is None:
            return
        status = f"{self.done} done" + (f", {self.failed} failed" if self.failed else "")
        stage = f"{status}  {self.memory}".strip()
        self.progress.update(self.overall, completed=self.done + self.failed, stage=stage)

    def _line(self, sid: str, text: str) -> None:
        print(f"[{sid}] {self.titles.get(sid, sid)}: {text}", file=sys.stderr, flush=True)


def make_reporter(console: Console, sections: Sequence[Section]) -> Reporter:
    """Live bars when stderr is a terminal, plain lines (one per event) when it is not."""
    titles = {section.id: section.title for section in sections}
    return Reporter(console=console, titles=titles, live=console.is_terminal)


def run_pipeline(
    settings: Settings,
    request: RunRequest,
    console: Console,
    metrics_port: int | None = None,
    engine: Engine | None = None,
) -> RunOutcome:
    """One run of ``request`` with live progress; Ctrl+C cancels it cleanly."""
    return run_displayed(
        make_reporter(console, request.sections),
        metrics_port,
        lambda engine, emit: engine.pipeline(settings, emit),
        lambda pipeline: pipeline.run(request),
        engine,
    )


def print_summary(outcome: RunOutcome) -> None:
    """The table every run ends with, on stdout (progress and logs are on stderr)."""
    table = Table(title=f"{outcome.document.name} · {outcome.processor}", title_justify="left")
    for name, justify in (
        ("Section", "left"),
        ("Pages", "left"),
        ("Status", "left"),
        ("Attempts", "right"),
        ("Time", "right"),
        ("Tokens", "right"),
        ("Reason", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for section in ordered_sections(outcome):
        status, reason = section_status(outcome, section)
        result = outcome.results.get(section.id)
        seconds = outcome.timings.get(section.id, {}).get("total")
        tokens = result.tokens.total if result is not None else 0
        colour = {"done": "green", "failed": "red"}.get(status, "yellow")
        table.add_row(
            escape(section.title),
            section.page_spec,
            f"[{colour}]{status}[/]",
            str(outcome.attempts.get(section.id, 0)),
            f"{seconds:.1f} s" if seconds is not None else "-",
            f"{tokens:,}" if tokens else "-",
            escape(reason or ""),
        )
    console = stdout_console()
    console.print(table)
    partial = sum(1 for result in outcome.results.values() if result.partial)
    done = len(outcome.results) - partial
    total = len(outcome.sections)
    cut = f" ({partial} partial: cut off)" if partial else ""
    ending = " (cancelled)" if outcome.cancelled else ""
    console.print(f"{done} of {total} sections done{cut} in {outcome.elapsed_s:.1f} s{ending}")
    if outcome.synthesis is not None:
        cited = len({c.page for c in outcome.synthesis.citations})
        console.print(
            f"Whole document: a synthesis of {done} section answers, citing {cited} pages"
        )
    elif outcome.synthesis_failure:
        console.print(f"[red]Whole document: no synthesis[/]: {escape(outcome.synthesis_failure)}")


def finish_run(outcome: RunOutcome, json_out: Path | None, md_out: Path | None) -> int:
    """The end of every run: the summary, the exports asked for (also of a run that
    stopped early: what finished is kept), why it stopped, the exit code."""
    print_summary(outcome)
    try:
        write_exports(outcome, json_out, md_out)
    except ExportError as exc:  # e.g. a full disk: the results stay in the journal
        print(
            f"{PROG}: error: {exc} ('{PROG} export {outcome.run_id}' writes them later)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if outcome.stopped:
        print(f"{PROG}: error: the run stopped early: {outcome.stopped}", file=sys.stderr)
    return exit_code(outcome)


def _one_line(text: str, limit: int) -> str:
    """User text for a progress row: on one line, cut to ``limit``, and escaped, since a
    '[draft]' in a title must not be read as rich markup."""
    return escape(shorten(" ".join(text.split()), limit))
