"""The journal's commands: list past runs (``runs``), export one again (``export``), run
what failed again (``retry``), clear the history (``forget``).

Apart from ``process`` (which runs a fresh analysis) because these read the run journal
rather than a PDF: a past run can be exported again even when the PDF is gone.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import (
    PROG,
    CliError,
    add_budget_argument,
    check_export_paths,
    command_settings,
    positive_int,
    wait_for_run,
    write_exports,
)
from cli.progress import finish_run, run_pipeline
from core import pdf
from core.engine import Engine
from core.run_types import RunRequest

if TYPE_CHECKING:
    from cli.common import Commands
    from core.journal import Journal
    from core.run_types import RunOutcome


def add_commands(commands: Commands) -> None:
    runs = commands.add_parser("runs", help="list past runs (newest first)")
    runs.add_argument("--limit", type=positive_int, default=20, metavar="N")
    export = commands.add_parser("export", help="write a past run's results again")
    export.add_argument("run_id", metavar="RUN_ID", help="from 'sectionflow runs'")
    export.add_argument("--json", type=Path, metavar="OUT")
    export.add_argument("--markdown", type=Path, metavar="OUT")
    retry = commands.add_parser(
        "retry", help="run a past run's failed, cut-off and unfinished sections again"
    )
    retry.add_argument("run_id", metavar="RUN_ID", help="from 'sectionflow runs'")
    retry.add_argument("--json", type=Path, metavar="OUT")
    retry.add_argument("--markdown", type=Path, metavar="OUT")
    retry.add_argument("--password", metavar="PASSWORD")
    retry.add_argument("--processor", choices=["auto", "local", "gemini"])
    add_budget_argument(retry)
    retry.add_argument(
        "--wait",
        action="store_true",
        help="if another SectionFlow process is running that run, wait for it to end "
        "(without it, that refuses)",
    )
    forget = commands.add_parser("forget", help="clear the run history and the result cache")
    for parser in (runs, export, retry, forget):
        parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """One of the journal's commands, named by ``args.command``."""
    with Engine() as engine:
        journal = engine.journal
        if args.command == "runs":
            return list_runs(journal, args.limit)
        if args.command == "forget":
            return forget(engine)
        if args.command == "retry":  # first, so what it finished is not run again
            wait_for_run(journal, args.run_id, args.wait)
        try:
            outcome = journal.load(args.run_id)
        except KeyError:
            raise CliError(f"no run '{args.run_id}': see '{PROG} runs'") from None
    if args.command == "export":
        return export_run(outcome, args.json, args.markdown)
    return retry_run(outcome, args)


def list_runs(journal: Journal, limit: int) -> int:
    infos = journal.runs(limit=limit)
    if not infos:
        print("No runs yet.")
        return 0
    print(f"{'RUN':<13} {'STARTED':<26} {'STATUS':<10} {'DONE':>9}  DOCUMENT")
    for info in infos:
        done = f"{info.done}/{info.sections}"
        status = info.status if info.complete or info.status != "finished" else "incomplete"
        if status == "incomplete" and info.partial and info.done + info.partial == info.sections:
            status = "partial"
        print(
            f"{info.run_id:<13} {info.started_at:<26} {status:<10} {done:>9}  {info.document_name}"
        )
    return 0


def forget(engine: Engine) -> int:
    journal = engine.journal
    size = journal.size_bytes()
    kept = journal.clear()
    print(f"Cleared the run history and the cache ({size / 1e6:.1f} MB before).")
    settings, _ = command_settings()
    uploads = asyncio.run(engine.forget_kept_uploads(settings))
    if uploads:
        print(
            f"Ended the keeping of {uploads} upload(s) kept for re-asks: deleted from Gemini now "
            "(without a key here, by the next Gemini run)."
        )
    if kept:
        print(
            f"Kept {kept} run(s) whose Gemini batch job is still pending: "
            f"'{PROG} batch-resume' lists the jobs, '{PROG} batch-resume JOB' "
            "collects one."
        )
    return 0


def export_run(outcome: RunOutcome, json_out: Path | None, md_out: Path | None) -> int:
    if json_out is None and md_out is None:
        raise CliError("say where to write: --json OUT and/or --markdown OUT")
    write_exports(outcome, json_out, md_out)
    return 0


def retry_run(outcome: RunOutcome, args: argparse.Namespace) -> int:
    """Run the sections of a past run that are not done, as that run continued; the PDF
    must still be there and unchanged."""
    if outcome.ok:
        print(f"{PROG}: every section of run {outcome.run_id} is already done", file=sys.stderr)
        return finish_run(outcome, args.json, args.markdown)
    path = outcome.document
    if not path.is_file():
        raise CliError(f"the PDF of that run is gone: {path}")
    if pdf.file_sha256(path) != outcome.document_sha256:
        raise CliError(f"{path.name} has changed since that run; process it as a new run")
    check_export_paths(args.json, args.markdown, path)
    overrides: dict[str, object] = {"processor": args.processor} if args.processor else {}
    if args.max_cost_usd is not None:
        overrides["max_cost_usd"] = args.max_cost_usd
    settings, console = command_settings(**overrides)
    request = RunRequest(
        pdf_path=path,
        sections=outcome.sections,
        prompt=outcome.prompt,
        password=args.password,
        resume_run_id=outcome.run_id,
    )
    left = len(outcome.sections) - sum(1 for r in outcome.results.values() if not r.partial)
    print(f"{PROG}: retrying {left} section(s) of run {outcome.run_id}", file=sys.stderr)
    fresh = run_pipeline(settings, request, console)
    return finish_run(fresh, args.json, args.markdown)
