"""``sectionflow batch``: every PDF of a folder (or glob) under one global set of limits.

Kept apart from core/cli.py (one PDF) because a batch has its own plan, progress and
index; both drive the same engine. See :mod:`core.batch` for the design.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from core.batch_outcome import BatchOutcome
    from core.batch_plan import SectionRule

PROG = "sectionflow"


def add_batch_command(commands: Any, positive_int: Callable[[str], int]) -> None:
    from core.cli import port_number
    from core.settings import ProcessorKind

    batch = commands.add_parser(
        "batch",
        help="analyse every PDF of a folder (or glob) under one set of limits",
        description="Analyse every PDF of a folder, or every file a glob matches (quote it: "
        "'reports/**/*.pdf'), each sectioned by one rule, under ONE global set of limits "
        "shared by all files. Writes <name>.json and <name>.md per file and index.json / "
        "index.md to --out. Files that cannot be used (not a PDF, password needed) are "
        "listed in the index with the reason; the batch goes on. Exit code 0 when every "
        "file is done, 1 when any is not, 2 on bad input, 130 when cancelled.",
    )
    batch.add_argument("source", nargs="?", metavar="FOLDER_OR_GLOB")
    batch.add_argument("--out", type=Path, metavar="DIR", help="output folder (created)")
    rule = batch.add_mutually_exclusive_group()
    rule.add_argument(
        "--from-outline",
        nargs="?",
        const="1",
        metavar="LEVEL",
        help="one section per bookmark at LEVEL (default 1); a file without such bookmarks "
        "becomes one section (noted in the index)",
    )
    rule.add_argument("--every", type=positive_int, metavar="N", help="one section per N pages")
    rule.add_argument("--whole", action="store_true", help="each file is one section")
    ask = batch.add_mutually_exclusive_group()
    ask.add_argument("--prompt", metavar="TEXT", help="your own question for every section")
    ask.add_argument(
        "--template", metavar="NAME", help="summary (default), key_facts, tables, risks"
    )
    batch.add_argument("--processor", choices=[kind.value for kind in ProcessorKind])
    batch.add_argument("--model", metavar="NAME", help="the Gemini model (GEMINI_MODEL)")
    batch.add_argument("--password", metavar="PASSWORD", help="tried on encrypted PDFs")
    batch.add_argument(
        "--resume",
        action="store_true",
        help="skip files whose last run is complete (their results are written again from "
        "the journal) and continue unfinished ones",
    )
    batch.add_argument("--no-cache", action="store_true", help="ignore the result cache")
    batch.add_argument(
        "--metrics-port",
        type=port_number,
        metavar="PORT",
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (0 picks a free port)",
    )
    from core.cli import add_limit_arguments

    limits = batch.add_argument_group("global limits (shared by all files)")
    add_limit_arguments(limits)
    limits.add_argument(
        "--max-files",
        type=positive_int,
        metavar="N",
        help="files in flight at once (default: the section limit + 1)",
    )


def _source_and_rule(args: argparse.Namespace) -> tuple[str, SectionRule]:
    from core.batch_plan import SectionRule
    from core.cli import CliError

    source, level = args.source, args.from_outline
    if level is not None and not level.strip().isdigit():
        if source is not None:
            raise CliError(f"--from-outline: '{level}' is not a level (1, 2, ...)")
        source, level = level, "1"  # "--from-outline FOLDER": the flag took the folder
    if not source:
        raise CliError(f"give the folder or glob: {PROG} batch FOLDER --out DIR")
    if args.every is not None:
        return source, SectionRule("every", args.every)
    if args.whole:
        return source, SectionRule("whole")
    if level is not None:
        if int(level) < 1:
            raise CliError("--from-outline: the top outline level is 1")
        return source, SectionRule("outline", int(level))
    return source, SectionRule("auto")


def _check_out_dir(out: Path | None) -> Path:
    from core.batch_plan import output_folder_problem
    from core.cli import CliError

    if out is None:
        raise CliError("say where the results go: --out DIR")
    problem = output_folder_problem(out)
    if problem is not None:
        raise CliError(f"--out {out} {problem}")
    return out


def batch_command(args: argparse.Namespace) -> int:
    from core.batch_outcome import BatchOptions
    from core.batch_plan import BatchError, find_pdfs
    from core.cli import (
        CliError,
        _overrides,
        _stderr_console,
        check_key,
        configure_logging,
    )
    from core.prompts import get_prompt
    from core.settings import load_settings

    source, rule = _source_and_rule(args)
    overrides = _overrides(args)
    settings = load_settings(**overrides)
    console = _stderr_console()
    configure_logging(settings.log_level.value, console, settings)
    out = _check_out_dir(args.out)
    prompt = get_prompt(args.template, args.prompt)
    check_key(settings)
    try:
        paths = find_pdfs(source)
    except BatchError as exc:
        raise CliError(str(exc)) from None
    options = BatchOptions(
        rule=rule,
        prompt=prompt,
        out_dir=out,
        resume=args.resume,
        password=args.password,
        use_cache=not args.no_cache,
        max_files=args.max_files,
    )
    print(
        f"{PROG}: {len(paths)} file(s) from {source}; sections: {rule.describe()}", file=sys.stderr
    )
    outcome = run_batch(settings, options, source, paths, console, args.metrics_port)
    print_batch_summary(outcome)
    if outcome.cancelled:
        return 130
    return 0 if outcome.ok else 1


def run_batch(
    settings: Any,
    options: Any,
    source: str,
    paths: list[Path],
    console: Console,
    metrics_port: int | None,
) -> BatchOutcome:
    from core.cli import _Interrupts, _signals, start_metrics
    from core.engine import Engine
    from core.metrics import fan_out

    interrupts = _Interrupts()
    metrics = start_metrics(metrics_port)
    try:
        with Engine() as engine:
            reporter = BatchReporter(console=console, live=console.is_terminal)
            listener = fan_out(reporter.handle, metrics.handle if metrics else None)
            runner = engine.folder_batch(settings, options, listener)
            if metrics is not None:
                metrics.watch_limits(runner.limits)

            async def main() -> BatchOutcome:
                interrupts.loop = asyncio.get_running_loop()
                interrupts.cancel = runner.cancel
                with reporter:
                    return await runner.run(source, paths)

            with _signals(interrupts), asyncio.Runner() as loop:
                outcome = loop.run(main())
        if outcome.index_paths is not None:
            json_index, md_index = outcome.index_paths
            print(f"Wrote {json_index} and {md_index.name}", file=sys.stderr)
        if outcome.index_error is not None:
            print(f"{PROG}: {outcome.index_error}", file=sys.stderr)
        return outcome
    finally:
        if metrics is not None:
            metrics.close()


@dataclass(slots=True)
class BatchReporter:
    """Progress of a batch: one overall bar (sections) and a bar per file in flight; plain
    lines when stderr is not a terminal."""

    console: Console
    live: bool
    progress: Any = None
    overall: Any = None
    rows: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    finished: dict[str, int] = field(default_factory=dict)
    files_done: int = 0
    files: int = 0

    def __enter__(self) -> BatchReporter:
        if self.live:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                TextColumn("{task.description}", style="bold"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
                console=self.console,
                refresh_per_second=4,
            )
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def handle(self, event: Any) -> None:
        from core import events as ev

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

    def _file_event(self, file: str, event: Any) -> None:
        from core import events as ev

        if isinstance(event, ev.RunStarted):
            self.totals[file] = len(event.section_ids)
            self.finished[file] = 0
            if self.progress is not None:
                self.rows[file] = self.progress.add_task(
                    _short(Path(file).name, 32), total=len(event.section_ids) or 1, note=""
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

    def _file_finished(self, event: Any) -> None:
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
            self.progress.console.print(f"{_escape(Path(event.file).name)}: {_escape(text)}")
        else:
            print(
                f"[{self.files_done}/{self.files}] {Path(event.file).name}: {text}",
                file=sys.stderr,
                flush=True,
            )


def print_batch_summary(outcome: BatchOutcome) -> None:
    """A table of files on stdout, as `process` prints one of sections."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{outcome.source} · {outcome.processor}", title_justify="left")
    for name in ("File", "Status", "Sections", "Done", "Failed", "Reason"):
        table.add_column(name, overflow="fold")
    for entry in outcome.files:
        colour = {"done": "green", "kept": "green", "failed": "red", "skipped": "red"}.get(
            entry.status, "yellow"
        )
        table.add_row(
            _escape(entry.path.name),
            f"[{colour}]{entry.status}[/]",
            str(entry.sections),
            str(entry.done),
            str(entry.failed),
            _escape(" ".join(p for p in (entry.reason, entry.note) if p)),
        )
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    console.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(outcome.statuses().items()))
    console.print(f"{len(outcome.files)} files ({counts}) in {outcome.elapsed_s:.1f} s")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
