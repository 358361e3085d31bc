"""``sectionflow process FILE.pdf``: split one PDF into sections, analyse them concurrently
with live progress, print a summary table and write the JSON / Markdown exports.

``--resume`` continues the document's last unfinished run (or follows its pending Gemini
batch job); ``--batch-mode`` hands the same request to :mod:`cli.batch_mode`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli import batch_mode
from cli.common import (
    PROG,
    CliError,
    add_budget_argument,
    add_document_arguments,
    add_limit_arguments,
    check_export_paths,
    check_tables_folder,
    command_settings,
    port_number,
    positive_int,
    settings_overrides,
    target_and_level,
    wait_for_run,
    write_tables,
)
from cli.progress import finish_run, run_pipeline
from core import pdf
from core.budget import describe_reach
from core.engine import Engine
from core.prompts import get_prompt
from core.run_types import RunRequest
from core.sections import Section, every_n_pages, from_outline, parse_section_list, whole_document
from core.settings import ProcessorKind, Settings

if TYPE_CHECKING:
    from rich.console import Console

    from cli.common import Commands
    from core.pdf import DocumentInfo


def add_command(commands: Commands) -> None:
    process = commands.add_parser(
        "process",
        help="analyse a PDF section by section",
        description="Analyse a PDF section by section and print a summary. Sections come "
        "from --sections, --from-outline or --every; without them, from the outline's top "
        "level if the PDF has one, else the whole document is one section.",
    )
    process.set_defaults(handler=run)
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
    how.add_argument("--every", type=positive_int, metavar="N", help="one section per N pages")
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
    add_document_arguments(process)
    again = process.add_argument_group("history (the run journal)")
    again.add_argument(
        "--resume",
        action="store_true",
        help="continue the last unfinished run of this PDF (matched by content): finished "
        "sections are kept, the rest run",
    )
    again.add_argument(
        "--wait",
        action="store_true",
        help="with --resume: if another SectionFlow process is running that run, wait for "
        "it to end, then continue the run (without it, that refuses)",
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
    add_budget_argument(process)
    add_limit_arguments(process.add_argument_group("limits (override the environment and .env)"))


def run(args: argparse.Namespace) -> int:
    """Inspect the PDF, plan its sections, run them (or follow a batch job), report."""
    missing = f"give the PDF to process: {PROG} process FILE.pdf"
    pdf_arg, level = target_and_level(args.pdf, args.from_outline, missing)
    settings, console = command_settings(**settings_overrides(args))
    check_export_paths(args.json, args.markdown)
    check_tables_folder(args.tables)
    path = Path(pdf_arg)
    check_export_paths(args.json, args.markdown, path)
    with Engine() as engine:
        if not args.batch_mode:  # the run's first worker, started while the PDF is read
            engine.prestart_workers(1)
            engine.journal.open_soon()
        return _run_with(engine, args, (settings, console), path, level)


def _run_with(
    engine: Engine,
    args: argparse.Namespace,
    configured: tuple[Settings, Console],
    path: Path,
    level: int | None,
) -> int:
    """The command on an open engine, whose first worker may be starting."""
    settings, console = configured
    info = pdf.inspect(path, args.password)
    for notice in info.notices:
        print(f"{PROG}: note: {notice}", file=sys.stderr)
    request = RunRequest(
        pdf_path=path,
        sections=build_sections(args, info, level),
        prompt=get_prompt(args.template, args.prompt),
        password=args.password,
        use_cache=not args.no_cache,
        synthesis=not args.no_synthesis,
    )
    if args.resume:
        job = engine.pending_batch_job(path)
        if job is not None:
            return batch_mode.resume_job(job, args, settings)
        request = resumed_request(request, engine, wait=args.wait)
    elif args.wait:
        raise CliError("--wait goes with --resume (it waits for the run being resumed)")
    if args.batch_mode:
        return batch_mode.submit_and_wait(request, args, settings)
    print_reach(settings, request)
    outcome = run_pipeline(settings, request, console, args.metrics_port, engine)
    code = finish_run(outcome, args.json, args.markdown)
    write_tables(outcome, args.tables)
    return code


def print_reach(settings: Settings, request: RunRequest) -> None:
    """Before a capped Gemini run: how far the cap reaches."""
    if settings.resolved_processor() is ProcessorKind.GEMINI:
        line = describe_reach(settings, request.sections, request.prompt.text)
        if line:
            print(f"{PROG}: {line}", file=sys.stderr)


def build_sections(
    args: argparse.Namespace, info: DocumentInfo, level: int | None
) -> list[Section]:
    """The sections the flags ask for; without any, the outline's top level if the PDF
    has one, else the whole document."""
    if args.sections is not None:
        return parse_section_list(args.sections, info.page_count)
    if args.every is not None:
        return every_n_pages(info.page_count, args.every)
    if level is not None:
        return from_outline(info.outline, info.page_count, level)
    if any(entry.level == 1 for entry in info.outline):
        return from_outline(info.outline, info.page_count, 1)
    return whole_document(info.page_count, title=info.title)


def resumed_request(request: RunRequest, engine: Engine, *, wait: bool = False) -> RunRequest:
    """The same request continuing the document's last unfinished run, if it has one.

    A run another live process is running is refused (RunBusyError) or, with ``wait``,
    continued once that process has ended: then only what it left undone runs, and a run
    it finished is written out again without running anything.
    """
    unfinished = engine.unfinished_run(request.pdf_path)
    if unfinished is None:
        print(f"{PROG}: nothing to resume for this PDF; starting a new run", file=sys.stderr)
        return request
    wait_for_run(engine.journal, unfinished.run_id, wait)
    unfinished = engine.journal.run_info(unfinished.run_id) or unfinished
    resumed = engine.resumed(request, unfinished)
    print(
        f"{PROG}: resuming run {unfinished.run_id}: {unfinished.done} of "
        f"{unfinished.sections} sections already done",
        file=sys.stderr,
    )
    return resumed
