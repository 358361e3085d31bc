"""The journal's commands: list past runs, export one again, retry what failed.

Kept apart from core/cli.py (which runs a fresh analysis) because these read the run
journal rather than a PDF: a past run can be exported again even when the PDF is gone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROG = "sectionflow"


def add_history_commands(commands: Any, positive_int: Callable[[str], int]) -> None:
    runs = commands.add_parser("runs", help="list past runs (newest first)")
    runs.add_argument("--limit", type=positive_int, default=20, metavar="N")
    export = commands.add_parser("export", help="write a past run's results again")
    export.add_argument("run_id", metavar="RUN_ID", help="from 'sectionflow runs'")
    export.add_argument("--json", type=Path, metavar="OUT")
    export.add_argument("--markdown", type=Path, metavar="OUT")
    retry = commands.add_parser(
        "retry", help="run a past run's failed and unfinished sections again"
    )
    retry.add_argument("run_id", metavar="RUN_ID", help="from 'sectionflow runs'")
    retry.add_argument("--json", type=Path, metavar="OUT")
    retry.add_argument("--markdown", type=Path, metavar="OUT")
    retry.add_argument("--password", metavar="PASSWORD")
    retry.add_argument("--processor", choices=["auto", "local", "gemini"])
    commands.add_parser("forget", help="clear the run history and the result cache")


def run_history_command(args: argparse.Namespace) -> int:
    from core.engine import Engine

    with Engine() as engine:
        journal = engine.journal
        if args.command == "runs":
            return list_runs(journal, args.limit)
        if args.command == "forget":
            size = journal.size_bytes()
            kept = journal.clear()
            print(f"Cleared the run history and the cache ({size / 1e6:.1f} MB before).")
            if kept:
                print(
                    f"Kept {kept} run(s) whose Gemini batch job is still pending: "
                    f"'{PROG} batch-resume' lists the jobs, '{PROG} batch-resume JOB' "
                    "collects one."
                )
            return 0
        try:
            outcome = journal.load(args.run_id)
        except KeyError:
            from core.cli import CliError

            raise CliError(f"no run '{args.run_id}': see '{PROG} runs'") from None
    if args.command == "export":
        return export_run(outcome, args.json, args.markdown)
    return retry_run(outcome, args)


def list_runs(journal: Any, limit: int) -> int:
    infos = journal.runs(limit=limit)
    if not infos:
        print("No runs yet.")
        return 0
    print(f"{'RUN':<13} {'STARTED':<26} {'STATUS':<10} {'DONE':>9}  DOCUMENT")
    for info in infos:
        done = f"{info.done}/{info.sections}"
        status = info.status if info.complete or info.status != "finished" else "incomplete"
        print(
            f"{info.run_id:<13} {info.started_at:<26} {status:<10} {done:>9}  {info.document_name}"
        )
    return 0


def export_run(outcome: Any, json_out: Path | None, md_out: Path | None) -> int:
    from core.cli import CliError, write_exports

    if json_out is None and md_out is None:
        raise CliError("say where to write: --json OUT and/or --markdown OUT")
    write_exports(outcome, json_out, md_out)
    return 0


def retry_run(outcome: Any, args: argparse.Namespace) -> int:
    from core import pdf
    from core.cli import CliError, _stderr_console, configure_logging, finish_run, run_pipeline
    from core.run_types import RunRequest
    from core.settings import load_settings

    if outcome.ok:
        print(f"{PROG}: every section of run {outcome.run_id} is already done", file=sys.stderr)
        return finish_run(outcome, args.json, args.markdown)
    path = outcome.document
    if not path.is_file():
        raise CliError(f"the PDF of that run is gone: {path}")
    if pdf.file_sha256(path) != outcome.document_sha256:
        raise CliError(f"{path.name} has changed since that run; process it as a new run")
    overrides = {"processor": args.processor} if args.processor else {}
    settings = load_settings(**overrides)
    console = _stderr_console()
    configure_logging(settings.log_level.value, console, settings)
    request = RunRequest(
        pdf_path=path,
        sections=outcome.sections,
        prompt=outcome.prompt,
        password=args.password,
        resume_run_id=outcome.run_id,
    )
    left = len(outcome.sections) - len(outcome.results)
    print(f"{PROG}: retrying {left} section(s) of run {outcome.run_id}", file=sys.stderr)
    fresh = run_pipeline(settings, request, console)
    return finish_run(fresh, args.json, args.markdown)
