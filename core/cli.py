"""``sectionflow``: the command line over the same engine the desktop app uses.

``sectionflow process FILE.pdf`` splits the PDF into sections, analyses them concurrently
with live progress, prints a summary table and writes the JSON / Markdown exports. With
no subcommand it opens the desktop app.

Exit codes: 0 every section succeeded, 1 some failed, 2 bad arguments or an unusable file
or folder (always one ``sectionflow: error: ...`` line, never a traceback), 130 cancelled
with Ctrl+C (the run is cancelled cleanly first: temp files and remote uploads removed).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

    from core.metrics import Metrics
    from core.pdf import DocumentInfo
    from core.run_types import RunOutcome, RunRequest
    from core.sections import Section
    from core.settings import Settings

PROG = "sectionflow"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
log = logging.getLogger("sectionflow.cli")


class CliError(Exception):
    """A problem with what the user typed; printed as one line, exit code 2."""


# ------------------------------------------------------------------------- arguments
class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (no usage dump) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(EXIT_USAGE, f"{PROG}: error: {message}{hint}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is too small: give 1 or more")
    return value


def port_number(text: str) -> int:
    """A TCP port for --metrics-port: 1-65535, or 0 to let the system pick a free one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give 1-65535 (0 picks one)")
    return value


def build_parser() -> argparse.ArgumentParser:
    from core.settings import ProcessorKind

    parser = _Parser(
        prog=PROG,
        description="Split a long PDF into sections and analyse each one concurrently, "
        "with Gemini or offline. Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the app offscreen, process the bundled sample offline, check the "
        "exports and exit (0 = this installation works)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    process = commands.add_parser(
        "process",
        help="analyse a PDF section by section",
        description="Analyse a PDF section by section and print a summary. Sections come "
        "from --sections, --from-outline or --every; without them, from the outline's top "
        "level if the PDF has one, else the whole document is one section.",
    )
    process.add_argument("pdf", nargs="?", metavar="PDF", help="the PDF file to analyse")
    how = process.add_mutually_exclusive_group()
    how.add_argument(
        "--sections",
        metavar="SPEC",
        help='titled page ranges, e.g. "Intro:1-3;Body:4-20;Annex:21-" (1-based)',
    )
    how.add_argument(
        "--from-outline",
        nargs="?",
        const="1",
        metavar="LEVEL",
        help="one section per bookmark at LEVEL (default 1), each up to the next",
    )
    how.add_argument("--every", type=_positive_int, metavar="N", help="one section per N pages")
    ask = process.add_mutually_exclusive_group()
    ask.add_argument("--prompt", metavar="TEXT", help="your own question for every section")
    ask.add_argument(
        "--template",
        metavar="NAME",
        help="a prompt template: summary (default), key_facts, tables, risks",
    )
    process.add_argument(
        "--processor",
        choices=[kind.value for kind in ProcessorKind],
        help="auto (Gemini when a key is set, else local), local (offline) or gemini",
    )
    process.add_argument("--model", metavar="NAME", help="the Gemini model (GEMINI_MODEL)")
    process.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    process.add_argument("--markdown", type=Path, metavar="OUT", help="write a Markdown report")
    process.add_argument("--password", metavar="PASSWORD", help="password of an encrypted PDF")
    again = process.add_argument_group("history (the run journal)")
    again.add_argument(
        "--resume",
        action="store_true",
        help="continue the last unfinished run of this PDF (matched by content): finished "
        "sections are kept, the rest run",
    )
    again.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse every section again even if the same pages were analysed before",
    )
    process.add_argument(
        "--metrics-port",
        type=port_number,
        metavar="PORT",
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics while the run goes on "
        "(0 picks a free port; the address is printed)",
    )
    later = process.add_argument_group("Gemini Batch mode (half price, up to 24 h)")
    later.add_argument(
        "--batch-mode",
        action="store_true",
        help="send the sections as one Gemini batch job instead of one call each: prints "
        "both options' estimated cost and time, uploads the sections, submits the job and "
        "waits for it. Ctrl+C (or closing) leaves the job running; pick it up later with "
        "'sectionflow batch-resume JOB_NAME', or with 'process FILE --resume'",
    )
    later.add_argument(
        "--poll-every",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how often to ask Gemini about the batch job (default 30)",
    )
    add_limit_arguments(process.add_argument_group("limits (override the environment and .env)"))
    from core.cli_batch import add_batch_command
    from core.cli_gemini_batch import add_batch_resume_command
    from core.cli_history import add_history_commands

    add_batch_command(commands, _positive_int)
    add_batch_resume_command(commands)
    add_history_commands(commands, _positive_int)
    return parser


def add_limit_arguments(group: argparse._ArgumentGroup) -> None:
    """--max-sections/--max-uploads/--max-splits, shared by process and batch."""
    for flag, env in (
        ("--max-sections", "MAX_CONCURRENT_SECTION_TASKS"),
        ("--max-uploads", "MAX_CONCURRENT_UPLOADS"),
        ("--max-splits", "MAX_CONCURRENT_SPLITS"),
    ):
        group.add_argument(flag, type=_positive_int, metavar="N", help=env)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("sectionflow")
    except metadata.PackageNotFoundError:
        return "0+unknown"


# ------------------------------------------------------------------------ entry point
def entry(argv: Sequence[str] | None = None) -> int:
    """The ``sectionflow`` console script. Returns the exit code."""
    multiprocessing.freeze_support()  # a frozen app's worker processes start here
    words = list(sys.argv[1:] if argv is None else argv)
    if words and words[0].lower().endswith(".pdf") and Path(words[0]).exists():
        return open_desktop_app()  # `sectionflow report.pdf` opens it in the window
    args = build_parser().parse_args(argv)
    if args.command is None:
        return open_desktop_app()
    from core.errors import SectionFlowError
    from core.sections import PageRangeError
    from core.settings import SettingsError

    try:
        if args.command == "process":
            return process_command(args)
        if args.command == "batch":
            from core.cli_batch import batch_command

            return batch_command(args)
        if args.command == "batch-resume":
            from core.cli_gemini_batch import batch_resume_command

            return batch_resume_command(args)
        from core.cli_history import run_history_command

        return run_history_command(args)
    except KeyboardInterrupt:
        print(f"{PROG}: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    # SectionFlowError covers PdfError, ExportError and a backend that cannot start
    # (ProcessingError from open(): no key, key refused), which are all setup problems.
    except (CliError, SettingsError, SectionFlowError, PageRangeError, ValueError) as exc:
        return _usage_error(exc)
    except ImportError as exc:  # e.g. the Gemini backend is missing from this build
        return _usage_error(CliError(f"a required part of SectionFlow is missing: {exc}"))
    finally:
        remove_log_handlers()


def _usage_error(exc: BaseException) -> int:
    from core.errors import EncryptedPdfError

    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, EncryptedPdfError):
        message += " (pass it with --password)"
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def open_desktop_app() -> int:
    """Hand over to the desktop app, found by name at run time.

    core/ must not depend on gui/ (the import-linter contract keeps the engine Qt-free),
    but the one ``sectionflow`` command opens the app when given no subcommand; looking
    the module up by name keeps that a run-time hand-off, not a dependency.
    """
    try:
        main = importlib.import_module("gui.app").main
    except ImportError as exc:
        print(
            f"{PROG}: the desktop app is not available ({exc}). "
            f"Use '{PROG} process FILE.pdf' for the command line.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return int(main() or 0)


# ---------------------------------------------------------------------------- process
def process_command(args: argparse.Namespace) -> int:
    from core import pdf
    from core.prompts import get_prompt
    from core.run_types import RunRequest
    from core.settings import load_settings

    pdf_arg, level = _pdf_and_level(args)
    settings = load_settings(**_overrides(args))
    console = _stderr_console()
    configure_logging(settings.log_level.value, console, settings)
    for flag, out in (("--json", args.json), ("--markdown", args.markdown)):
        if out is not None:
            check_output_path(out, flag)
    path = Path(pdf_arg)
    info = pdf.inspect(path, args.password)
    for notice in info.notices:
        print(f"{PROG}: note: {notice}", file=sys.stderr)
    sections = build_sections(args, info, level)
    prompt = get_prompt(args.template, args.prompt)
    request = RunRequest(
        pdf_path=path,
        sections=sections,
        prompt=prompt,
        password=args.password,
        use_cache=not args.no_cache,
    )
    from core import cli_gemini_batch as gemini_batch
    from core.engine import Engine

    with Engine() as engine:
        job = engine.pending_batch_job(path) if args.resume else None
    if job is not None:
        return gemini_batch.resume_job(job, args, settings, console)
    if args.resume:
        request = resumed_request(request)
    if args.batch_mode:
        return gemini_batch.batch_mode(request, args, settings, console)
    outcome = run_pipeline(settings, request, console, metrics_port=args.metrics_port)
    return finish_run(outcome, args.json, args.markdown)


def resumed_request(request: RunRequest) -> RunRequest:
    """The same request continuing the document's last unfinished run, if it has one."""
    from core.engine import Engine

    with Engine() as engine:
        unfinished = engine.unfinished_run(request.pdf_path)
        if unfinished is None:
            print(f"{PROG}: nothing to resume for this PDF; starting a new run", file=sys.stderr)
            return request
        resumed = engine.resumed(request, unfinished)
    print(
        f"{PROG}: resuming run {unfinished.run_id}: {unfinished.done} of "
        f"{unfinished.sections} sections already done",
        file=sys.stderr,
    )
    return resumed


def finish_run(outcome: RunOutcome, json_out: Path | None, md_out: Path | None) -> int:
    print_summary(outcome)
    write_exports(outcome, json_out, md_out)
    if outcome.cancelled:
        return EXIT_CANCELLED
    return EXIT_OK if outcome.ok else EXIT_FAILED


def _pdf_and_level(args: argparse.Namespace) -> tuple[str, int | None]:
    """The PDF path and outline level, forgiving ``--from-outline FILE.pdf``.

    ``--from-outline`` takes an optional LEVEL, so argparse hands it the PDF when the
    user types the flag first; a value that is not a number is then taken as the PDF.
    """
    pdf_arg, level_text = args.pdf, args.from_outline
    if level_text is not None and not level_text.strip().isdigit():
        if pdf_arg is not None:
            raise CliError(f"--from-outline: '{level_text}' is not a level (1, 2, ...)")
        pdf_arg, level_text = level_text, "1"
    if not pdf_arg:
        raise CliError(f"give the PDF to process: {PROG} process FILE.pdf")
    level = None
    if level_text is not None:
        level = int(level_text)
        if level < 1:
            raise CliError("--from-outline: the top outline level is 1")
    return pdf_arg, level


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    pairs = {
        "processor": args.processor,
        "gemini_model": args.model,
        "max_concurrent_section_tasks": args.max_sections,
        "max_concurrent_uploads": args.max_uploads,
        "max_concurrent_splits": args.max_splits,
    }
    return {key: value for key, value in pairs.items() if value is not None}


def check_output_path(path: Path, flag: str) -> None:
    """Fail before a long run, not after it, when an export could not be written."""
    if path.is_dir():
        raise CliError(f"{flag} {path}: that is a folder; give a file name")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise CliError(f"{flag} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise CliError(f"{flag} {path}: the folder {folder} is not writable")


def build_sections(
    args: argparse.Namespace, info: DocumentInfo, level: int | None
) -> list[Section]:
    from core.sections import (
        every_n_pages,
        from_outline,
        parse_section_list,
        whole_document,
    )

    if args.sections is not None:
        return parse_section_list(args.sections, info.page_count)
    if args.every is not None:
        return every_n_pages(info.page_count, args.every)
    if level is not None:
        return from_outline(info.outline, info.page_count, level)
    if any(entry.level == 1 for entry in info.outline):
        return from_outline(info.outline, info.page_count, 1)
    return whole_document(info.page_count, title=info.title)


def write_exports(outcome: RunOutcome, json_out: Path | None, md_out: Path | None) -> None:
    """Write the exports asked for, each named on stderr once written."""
    from core import export

    for path in export.write_exports(outcome, json_out, md_out):
        print(f"Wrote {path}", file=sys.stderr)


# ------------------------------------------------------------------------ the run
@dataclass(slots=True)
class _Interrupts:
    """First Ctrl+C (or SIGTERM) cancels the run cleanly; a second one stops at once."""

    loop: asyncio.AbstractEventLoop | None = None
    cancel: Callable[[], None] | None = None
    count: int = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        # Only schedule work here: a signal handler that writes to a stream the main
        # thread is writing to can raise "reentrant call".
        self.count += 1
        if self.count > 1 or self.loop is None or self.cancel is None:
            raise KeyboardInterrupt
        self.loop.call_soon_threadsafe(self._cancel)

    def _cancel(self) -> None:
        print(
            f"\n{PROG}: cancelling, cleaning up (press Ctrl+C again to stop at once)",
            file=sys.stderr,
        )
        if self.cancel is not None:
            self.cancel()


@contextmanager
def _signals(handler: _Interrupts) -> Iterator[None]:
    """Own SIGINT/SIGTERM for the run (asyncio.Runner then leaves SIGINT to us)."""
    wanted = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous: dict[int, Any] = {}
    for sig in wanted:
        # ValueError/OSError: not the main thread, or not supported on this platform
        with suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def check_key(settings: Settings) -> None:
    """Gemini chosen but no key anywhere: say so before anything starts."""
    from core.keys import get_key
    from core.settings import ProcessorKind

    if settings.resolved_processor() is ProcessorKind.GEMINI and not get_key(settings):
        raise CliError(
            "no Gemini API key is set: put GEMINI_API_KEY=<your key> in .env or the "
            "environment, or use --processor local"
        )


def start_metrics(port: int | None) -> Metrics | None:
    """The Prometheus endpoint for --metrics-port, its address printed on stderr."""
    if port is None:
        return None
    from core.metrics import Metrics, MetricsError

    metrics = Metrics()
    try:
        bound = metrics.serve(port)
    except MetricsError as exc:
        raise CliError(str(exc)) from None
    print(f"{PROG}: metrics at http://127.0.0.1:{bound}/metrics", file=sys.stderr, flush=True)
    return metrics


def run_pipeline(
    settings: Settings, request: RunRequest, console: Console, metrics_port: int | None = None
) -> RunOutcome:
    from core.engine import Engine
    from core.metrics import fan_out

    metrics = start_metrics(metrics_port)
    interrupts = _Interrupts()
    try:
        with Engine() as engine:
            reporter = make_reporter(console, request.sections)
            listener = fan_out(reporter.handle, metrics.handle if metrics else None)
            pipeline = engine.pipeline(settings, listener)
            if metrics is not None:
                metrics.watch_limits(pipeline.limits)

            async def main() -> RunOutcome:
                interrupts.loop = asyncio.get_running_loop()
                interrupts.cancel = pipeline.cancel
                with reporter:
                    return await pipeline.run(request)

            with _signals(interrupts), asyncio.Runner() as runner:
                return runner.run(main())
    finally:
        if metrics is not None:
            metrics.close()


# --------------------------------------------------------------------------- display
def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def configure_logging(level: str, console: Console, settings: Settings | None = None) -> None:
    """Root logger at LOG_LEVEL on stderr: rich when it is a terminal, plain otherwise;
    and the same rotating log file the app writes, with the API key scrubbed."""
    root = logging.getLogger()
    remove_log_handlers()  # ours from an earlier call; others' handlers stay
    if console.is_terminal:
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(
            console=console, show_path=False, markup=False, rich_tracebacks=False
        )
        handler.setFormatter(logging.Formatter("%(message)s", datefmt="%H:%M:%S"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler._sectionflow = True  # type: ignore[attr-defined]
    root.setLevel(level)
    root.addHandler(handler)
    if settings is not None:
        from core.logs import file_handler

        key = settings.api_key()
        try:
            to_file = file_handler(secrets=(key,) if key else ())
        except OSError:  # no writable log folder: the terminal still has everything
            return
        to_file._sectionflow = True  # type: ignore[attr-defined]
        root.addHandler(to_file)


def remove_log_handlers() -> None:
    """Take this command's handlers off the root logger (entry() may run in-process)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_sectionflow", False)]:
        root.removeHandler(handler)
        handler.close()


_STEPS = {"queued": 0, "splitting": 1, "uploading": 2, "processing": 3, "cleaning up": 4}
_TOTAL_STEPS = 5


@dataclass(slots=True)
class Reporter:
    """Turns pipeline events into a live display: a bar per section (or plain lines)."""

    console: Console
    titles: dict[str, str]
    live: bool
    progress: Any = None
    tasks: dict[str, Any] = field(default_factory=dict)
    overall: Any = None
    done: int = 0
    failed: int = 0
    memory: str = ""

    def __enter__(self) -> Reporter:
        if self.live:
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                TextColumn("{task.description}", style="bold"),
                BarColumn(bar_width=24),
                TextColumn("{task.fields[stage]}"),
                TimeElapsedColumn(),
                console=self.console,
                refresh_per_second=8,
            )
            self.overall = self.progress.add_task("All sections", total=len(self.titles), stage="")
            for sid, title in self.titles.items():
                self.tasks[sid] = self.progress.add_task(
                    _markup(_short(title, 32)), total=_TOTAL_STEPS, stage="queued", start=False
                )
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def handle(self, event: Any) -> None:
        from core import events as ev

        handler = {
            ev.SectionStarted: self._started,
            ev.StageChanged: self._stage,
            ev.WaitingForSlot: self._waiting,
            ev.RetryScheduled: self._retry,
            ev.SectionDone: self._done,
            ev.SectionFailed: self._failed,
            ev.MemorySample: self._memory,
            ev.ThrottleChanged: self._throttle,
        }.get(type(event))
        if handler is not None:
            handler(event)

    def _update(self, sid: str, **fields: Any) -> None:
        if self.progress is not None and sid in self.tasks:
            self.progress.update(self.tasks[sid], **fields)

    def _started(self, event: Any) -> None:
        if self.progress is not None and event.section_id in self.tasks:
            self.progress.start_task(self.tasks[event.section_id])

    def _stage(self, event: Any) -> None:
        stage = event.stage.value
        if stage in _STEPS:
            self._update(event.section_id, completed=_STEPS[stage], stage=stage)

    def _waiting(self, event: Any) -> None:
        self._update(event.section_id, stage=f"[yellow]waiting for {event.slot.value} slot")

    def _retry(self, event: Any) -> None:
        text = (
            f"retry {event.attempt} of {event.operation} in {event.delay_s:.1f} s: {event.reason}"
        )
        self._update(event.section_id, stage=f"[yellow]{_markup(_short(text, 60))}")
        if not self.live:
            self._line(event.section_id, text)

    def _done(self, event: Any) -> None:
        self.done += 1
        seconds = event.timings.get("total", 0.0)
        self._finish(event.section_id, f"[green]done[/] in {seconds:.1f} s")
        if not self.live:
            self._line(event.section_id, f"done in {seconds:.1f} s")

    def _failed(self, event: Any) -> None:
        self.failed += 1
        label = "cancelled" if event.cancelled else "failed"
        self._finish(event.section_id, f"[red]{label}[/]: {_markup(_short(event.reason, 60))}")
        if not self.live:
            self._line(event.section_id, f"{label}: {event.reason}")

    def _finish(self, sid: str, stage: str) -> None:
        if self.progress is None or sid not in self.tasks:
            return
        self.progress.update(self.tasks[sid], completed=_TOTAL_STEPS, stage=stage)
        self.progress.stop_task(self.tasks[sid])
        self._overall()

    def _memory(self, event: Any) -> None:
        self.memory = f"RSS {event.rss_mb:.0f} MB" + (" · throttled" if event.throttled else "")
        self._overall()

    def _throttle(self, event: Any) -> None:
        if not self.live:
            state = "on" if event.throttled else "off"
            print(f"memory throttle {state} at {event.rss_mb:.0f} MB", file=sys.stderr)

    def _overall(self) -> None:
        if self.progress is None:
            return
        status = f"{self.done} done" + (f", {self.failed} failed" if self.failed else "")
        stage = f"{status}  {self.memory}".strip()
        self.progress.update(self.overall, completed=self.done + self.failed, stage=stage)

    def _line(self, sid: str, text: str) -> None:
        print(f"[{sid}] {self.titles.get(sid, sid)}: {text}", file=sys.stderr, flush=True)


def make_reporter(console: Console, sections: Sequence[Section]) -> Reporter:
    titles = {section.id: section.title for section in sections}
    return Reporter(console=console, titles=titles, live=console.is_terminal)


def print_summary(outcome: RunOutcome) -> None:
    """The table every run ends with, on stdout (progress and logs are on stderr)."""
    from rich.console import Console
    from rich.table import Table

    from core.export import ordered_sections, section_status

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
            _markup(section.title),
            section.page_spec,
            f"[{colour}]{status}[/]",
            str(outcome.attempts.get(section.id, 0)),
            f"{seconds:.1f} s" if seconds is not None else "-",
            f"{tokens:,}" if tokens else "-",
            _markup(reason or ""),
        )
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    console.print(table)
    done = len(outcome.results)
    total = len(outcome.sections)
    ending = " (cancelled)" if outcome.cancelled else ""
    console.print(f"{done} of {total} sections done in {outcome.elapsed_s:.1f} s{ending}")


def _markup(text: str) -> str:
    """User text shown through rich: '[draft]' in a title must not be read as markup."""
    from rich.markup import escape

    return escape(text)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    # Run the imported module's entry, not this __main__ copy: the subcommand modules
    # raise core.cli.CliError, which must be the class entry() catches.
    from core.cli import entry as _entry

    sys.exit(_entry())
