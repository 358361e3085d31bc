"""What the commands share: exit codes, errors, the consoles and logging, Ctrl+C, the
limit flags, output checks, exports and the metrics endpoint.

Kept small on purpose: what one command alone needs lives in that command's module, so a
change to ``batch`` cannot reach ``process`` through here by accident.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress

from core import export
from core.engine import Emit, Engine
from core.errors import ExportError, RunBusyError
from core.events import Event, Slot
from core.export_targets import check_targets
from core.keys import get_key
from core.leftovers import sweep_export_temps
from core.limits import SLOT_FIELDS, Limits
from core.logs import SecretFilter, file_handler
from core.metrics import Metrics, MetricsError, fan_out
from core.processors.gemini_client import missing_credentials, service_for
from core.settings import ProcessorKind, Settings, load_settings

if TYPE_CHECKING:
    from core.batch_outcome import BatchOutcome
    from core.journal import Journal
    from core.run_types import RunOutcome

    #: what ``add_subparsers`` returns: each command module adds its parsers to it
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

PROG = "sectionflow"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130

#: a command's function: the parsed arguments in, the exit code out
Handler = Callable[[argparse.Namespace], int]

#: the flag of each resizable limit; the setting it overrides is ``SLOT_FIELDS[slot]``
LIMIT_FLAGS: dict[Slot, str] = {
    Slot.SECTION: "--max-sections",
    Slot.UPLOAD: "--max-uploads",
    Slot.SPLIT: "--max-splits",
}

T = TypeVar("T")
#: how often --wait looks whether the process running a run has ended
_WAIT_POLL_S = 0.5


class CliError(Exception):
    """A problem with what the user typed; printed as one line, exit code 2."""


# ------------------------------------------------------------------------- arguments
def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more (a count, a page step, a limit)."""
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


def dollars(text: str) -> float:
    """An argparse type: an amount in US dollars, 0 or more (0 = no cap)."""
    try:
        value = float(text.strip().removeprefix("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount of dollars") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount: give 0 or more")
    return value


def add_budget_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--max-cost USD (MAX_COST_USD), shared by process, batch and retry."""
    parser.add_argument(
        "--max-cost",
        type=dollars,
        metavar="USD",
        dest="max_cost_usd",
        help="no new section starts once what the run spent plus the estimate of those "
        "in flight would pass USD; the rest are 'skipped' (exit 1) and retry/--resume "
        "continue them later (MAX_COST_USD; 0 = no cap)",
    )


def add_limit_arguments(group: argparse._ArgumentGroup) -> None:
    """--max-sections/--max-uploads/--max-splits, shared by process and batch; each is
    stored under the setting it overrides, and its help names that setting's variable."""
    for slot, flag in LIMIT_FLAGS.items():
        field = SLOT_FIELDS[slot]
        group.add_argument(flag, type=positive_int, metavar="N", dest=field, help=field.upper())


def add_document_arguments(parser: argparse.ArgumentParser) -> None:
    """What ``process`` and ``batch`` make of the whole document besides its sections."""
    parser.add_argument(
        "--no-synthesis",
        action="store_true",
        help="skip the whole-document synthesis that is built from the section answers "
        "after the sections (with Gemini, one text-only request)",
    )
    parser.add_argument(
        "--tables",
        type=Path,
        metavar="DIR",
        help="write every table found as CSV (one file per table) and one tables.xlsx "
        "workbook (a sheet per table) into DIR; tables cut by a page break are joined",
    )


def settings_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings the flags override (backend, model, limits); a flag not given leaves
    the environment's (or .env's) value."""
    pairs: dict[str, object] = {
        "processor": args.processor,
        "gemini_model": args.model,
        "max_cost_usd": getattr(args, "max_cost_usd", None),
    }
    pairs.update({field: getattr(args, field) for field in SLOT_FIELDS.values()})
    return {key: value for key, value in pairs.items() if value is not None}


def target_and_level(
    target: str | None, level_text: str | None, missing: str
) -> tuple[str, int | None]:
    """The PDF (or folder) and the outline level, forgiving ``--from-outline TARGET``.

    ``--from-outline`` takes an optional LEVEL, so argparse hands it the target when the
    user types the flag first; a value that is not a number is then taken as the target.
    ``missing`` is the error when no target was given at all.
    """
    if level_text is not None and not level_text.strip().isdigit():
        if target is not None:
            raise CliError(f"--from-outline: '{level_text}' is not a level (1, 2, ...)")
        target, level_text = level_text, "1"
    if not target:
        raise CliError(missing)
    level = None
    if level_text is not None:
        level = int(level_text)
        if level < 1:
            raise CliError("--from-outline: the top outline level is 1")
    return target, level


# -------------------------------------------------------------------- checks
def check_export_paths(
    json_out: Path | None, md_out: Path | None, source: Path | None = None
) -> None:
    """Fail before a long run, not after it, when an export could not be written or
    would destroy something (the PDF, the other export: see core.export_targets);
    and clear what a killed run left half-written in the export folders."""
    try:
        check_targets(
            {"--json": json_out, "--markdown": md_out},
            [source] if source is not None else [],
            probe=True,
        )
    except ExportError as exc:
        raise CliError(str(exc)) from None
    for path in (json_out, md_out):
        if path is not None:
            sweep_export_temps(path.resolve().parent)


def wait_for_run(journal: Journal, run_id: str, wait: bool) -> None:
    """Return once no other live process is running ``run_id``: at once when none is;
    with ``wait``, after it has ended (Ctrl+C stops waiting); else refuse in one line,
    since running it here too would analyse, and bill, its sections twice."""
    owner = journal.owner(run_id)
    if owner is None:
        return
    if not wait:
        raise RunBusyError(run_id, owner)
    print(f"{PROG}: waiting for process {owner} to finish run {run_id}...", file=sys.stderr)
    while journal.owner(run_id) is not None:
        time.sleep(_WAIT_POLL_S)


def check_tables_folder(folder: Path | None) -> None:
    """--tables DIR must be a folder that exists or can be made (before a long run)."""
    if folder is None:
        return
    if folder.exists() and not folder.is_dir():
        raise CliError(f"--tables {folder}: that is a file; give a folder")
    parent = next((p for p in [folder, *folder.resolve().parents] if p.exists()), None)
    if parent is None or not os.access(parent, os.W_OK):
        raise CliError(f"--tables {folder}: the folder cannot be created there")


def check_key(settings: Settings) -> None:
    """Gemini chosen but no key (or, for Vertex AI, no project) anywhere: say so before
    anything starts."""
    if settings.resolved_processor() is not ProcessorKind.GEMINI:
        return
    problem = missing_credentials(settings, get_key(settings))
    if problem is None:
        return
    if service_for(settings).vertex:
        raise CliError(problem)
    raise CliError(
        "no Gemini API key is set: put GEMINI_API_KEY=<your key> in .env or the "
        "environment, or use --processor local"
    )


# ------------------------------------------------------------------- results
def write_exports(outcome: RunOutcome, json_out: Path | None, md_out: Path | None) -> None:
    """Write the exports asked for, each named on stderr once written."""
    for path in export.write_exports(outcome, json_out, md_out):
        print(f"Wrote {path}", file=sys.stderr)


def write_tables(outcome: RunOutcome, folder: Path | None) -> None:
    """--tables DIR: every table as CSV and one workbook, named on stderr once written."""
    if folder is None:
        return
    from core.tables.export import export_tables

    written = export_tables(outcome, folder)
    if written.workbook is None:
        print(f"{PROG}: no tables were found; nothing written to {folder}", file=sys.stderr)
        return
    print(
        f"Wrote {written.count} table(s) to {folder} (CSV and {written.workbook.name})",
        file=sys.stderr,
    )


def exit_code(outcome: RunOutcome | BatchOutcome) -> int:
    """130 when cancelled, 0 when everything was done, 1 when anything was not."""
    if outcome.cancelled:
        return EXIT_CANCELLED
    return EXIT_OK if outcome.ok else EXIT_FAILED


# ------------------------------------------------------------ consoles and logs
def stderr_console() -> Console:
    """Where live progress and logs go, so stdout carries only the summary."""
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    """Where summary tables go: 120 columns when stdout is a pipe or a file, so a table
    is not cut to rich's default of 80."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for a progress row."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def command_settings(**overrides: object) -> tuple[Settings, Console]:
    """A command's settings (environment, .env, then ``overrides``) and its stderr
    console, with logging set up for both."""
    settings = load_settings(**overrides)
    console = stderr_console()
    configure_logging(settings.log_level.value, console, settings)
    return settings, console


class _WithoutTraceback(logging.Formatter):
    """A console line without the traceback a record may carry: the terminal gets one
    line per problem, the log file (formatted apart) keeps the whole traceback."""

    def format(self, record: logging.LogRecord) -> str:
        kept = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = kept


def configure_logging(level: str, console: Console, settings: Settings | None = None) -> None:
    """Root logger at LOG_LEVEL on stderr: rich when it is a terminal, plain otherwise,
    one line per record; and the same rotating log file the app writes, tracebacks
    included. The API key and the credentials of GEMINI_BASE_URL are scrubbed from both."""
    root = logging.getLogger()
    remove_log_handlers()  # ours from an earlier call; others' handlers stay
    handler: logging.Handler
    if console.is_terminal:
        handler = RichHandler(console=console, show_path=False, markup=False, rich_tracebacks=False)
        handler.setFormatter(_WithoutTraceback("%(message)s", datefmt="%H:%M:%S"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            _WithoutTraceback("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    secrets = settings.secrets() if settings is not None else ()
    handler.addFilter(SecretFilter(secrets))
    handler._sectionflow = True  # type: ignore[attr-defined]
    root.setLevel(level)
    root.addHandler(handler)
    if settings is not None:
        try:
            to_file = file_handler(secrets=secrets)
        except OSError:  # no writable log folder: the terminal still has everything
            return
        to_file._sectionflow = True  # type: ignore[attr-defined]
        root.addHandler(to_file)


def remove_log_handlers() -> None:
    """Take this command's handlers off the root logger (a command may run in-process)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_sectionflow", False)]:
        root.removeHandler(handler)
        handler.close()


# -------------------------------------------------------------------- running
@dataclass(slots=True)
class _Interrupts:
    """First Ctrl+C (or SIGTERM) cancels the run cleanly; a second one stops at once."""

    loop: asyncio.AbstractEventLoop | None = None
    cancel: Callable[[], object] | None = None
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
def _signals_to(handler: _Interrupts) -> Iterator[None]:
    """Own SIGINT/SIGTERM for the run (asyncio.Runner then leaves SIGINT to us)."""
    wanted = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous: dict[int, signal._HANDLER] = {}
    for sig in wanted:
        # ValueError/OSError: not the main thread, or not supported on this platform
        with suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_cancellable(
    work: Callable[[], Awaitable[T]], cancel: Callable[[], object] | None = None
) -> T:
    """``work()`` on a fresh event loop that owns Ctrl+C and SIGTERM.

    The first signal calls ``cancel`` (by default it cancels the task running ``work``),
    so the run ends through its own clean-up: temp files and remote uploads removed, the
    exports written; a second one raises KeyboardInterrupt at once.
    """
    interrupts = _Interrupts()

    async def main() -> T:
        interrupts.loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        interrupts.cancel = cancel or (task.cancel if task is not None else None)
        return await work()

    with _signals_to(interrupts), asyncio.Runner() as runner:
        return runner.run(main())


@contextmanager
def served_metrics(port: int | None) -> Iterator[Metrics | None]:
    """The Prometheus endpoint for --metrics-port while the block runs, its address
    printed on stderr; None when the flag was not given."""
    if port is None:
        yield None
        return
    metrics = Metrics()
    try:
        bound = metrics.serve(port)
    except MetricsError as exc:
        raise CliError(str(exc)) from None
    print(f"{PROG}: metrics at http://127.0.0.1:{bound}/metrics", file=sys.stderr, flush=True)
    try:
        yield metrics
    finally:
        metrics.close()


class Display(Protocol):
    """A live display of engine events, shown while the block it opens runs."""

    def handle(self, event: Event) -> None: ...
    def __enter__(self) -> object: ...
    def __exit__(self, *exc: object) -> None: ...


@dataclass(slots=True, kw_only=True)
class LiveProgress:
    """What the live displays share: their rich Progress, drawn on ``console`` from
    ``__enter__`` to ``__exit__`` when ``live`` (a terminal); without it, a display
    prints plain lines instead, which a log file or a pipe can keep."""

    console: Console
    live: bool
    progress: Progress | None = None

    def __enter__(self) -> Self:
        if self.live:
            self.progress = self.make_progress()
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def make_progress(self) -> Progress:
        """The bars and columns of this display, with any rows known before the run."""
        raise NotImplementedError


class Cancellable(Protocol):
    """What the engine made for one run (a pipeline, a folder batch)."""

    @property
    def limits(self) -> Limits: ...
    def cancel(self) -> None: ...


R = TypeVar("R", bound=Cancellable)


def run_displayed(
    display: Display,
    metrics_port: int | None,
    make: Callable[[Engine, Emit], R],
    work: Callable[[R], Awaitable[T]],
    engine: Engine | None = None,
) -> T:
    """Make a run with the engine (``make``), show its events on ``display`` and on the
    metrics endpoint, and run ``work`` on it; Ctrl+C cancels the run through its own
    ``cancel`` so its clean-up still happens. ``engine``: the command's own, open (its
    owner closes it); without it, one for this run."""
    opened = Engine() if engine is None else nullcontext(engine)  # its owner closes it
    with served_metrics(metrics_port) as metrics, opened as engine:
        runner = make(engine, fan_out(display.handle, metrics.handle if metrics else None))
        if metrics is not None:
            metrics.watch_limits(runner.limits)

        async def shown() -> T:
            with display:
                return await work(runner)

        return run_cancellable(shown, runner.cancel)
