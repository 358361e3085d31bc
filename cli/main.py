"""The command line's entry: the parser, built from the command modules, and the exit codes.

``sectionflow process FILE.pdf`` splits the PDF into sections, analyses them concurrently
with live progress, prints a summary table and writes the JSON / Markdown exports; see
``sectionflow --help`` for the other commands. Without a command ``sectionflow`` opens the
desktop app: :mod:`launcher` decides that, with :func:`parse_arguments`, before anything
here runs.

Exit codes: 0 every section succeeded, 1 some failed, were cut off (partial) or were not
started (a full disk, a rejected API key), 2 bad arguments or an unusable file or folder
(always one ``sectionflow: error: ...`` line, never a traceback), 130 cancelled with
Ctrl+C (the run is cancelled cleanly first: temp files and remote uploads removed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import TYPE_CHECKING, NoReturn

from cli import batch, batch_mode, compare, history, process
from cli.common import (
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_USAGE,
    PROG,
    CliError,
    remove_log_handlers,
)
from core.errors import DiskFullError, EncryptedPdfError, RunBusyError, SectionFlowError
from core.sections import PageRangeError
from core.settings import SettingsError

if TYPE_CHECKING:
    from cli.common import Handler


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (no usage dump) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(EXIT_USAGE, f"{PROG}: error: {message}{hint}\n")


def build_parser() -> Parser:
    """The whole command line; each command module adds its own commands."""
    parser = Parser(
        prog=PROG,
        description="Split a long PDF into sections and analyse each one concurrently, "
        "with Gemini or offline. Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the app offscreen, process the bundled sample offline, check the "
        "exports and exit (0 = this installation works)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    process.add_command(commands)
    batch.add_command(commands)
    batch_mode.add_command(commands)
    history.add_commands(commands)
    compare.add_command(commands)
    return parser


def version() -> str:
    try:
        return metadata.version("sectionflow")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The parsed command line (``command`` is None when none was given). argparse itself
    answers --help and --version, and exits with 2 and one line on a bad argument."""
    return build_parser().parse_args(argv)


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; every expected failure is an exit code and one line."""
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(f"{PROG}: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except DiskFullError as exc:  # not the user's input: a disk to clear, then try again
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    # SectionFlowError covers PdfError, ExportError and a backend that cannot start
    # (ProcessingError from open(): no key, key refused), which are all setup problems.
    except (CliError, SettingsError, SectionFlowError, PageRangeError, ValueError) as exc:
        return usage_error(exc)
    except ImportError as exc:  # e.g. the Gemini backend is missing from this build
        return usage_error(CliError(f"a required part of SectionFlow is missing: {exc}"))
    finally:
        remove_log_handlers()


def usage_error(exc: BaseException) -> int:
    """``exc`` as the one ``sectionflow: error: ...`` line; exit code 2."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, EncryptedPdfError):
        message += " (pass it with --password)"
    if isinstance(exc, RunBusyError):
        message += ", or add --wait"
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def entry(argv: Sequence[str] | None = None) -> int:
    """``python -m cli``: the command line alone. The window is the launcher's to open, so
    without a command this says how to give one (or open the app) instead."""
    args = parse_arguments(argv)
    if args.command is None:
        return usage_error(
            CliError(f"give a command (see '{PROG} --help'); '{PROG}' alone opens the app")
        )
    return run(args)
