"""``sectionflow batch``: every PDF of a folder (or glob) under one global set of limits.

Apart from ``process`` (one PDF) because a batch has its own plan, progress and index;
both drive the same engine. See :mod:`core.batch` for the design.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.batch_progress import BatchReporter, print_batch_summary
from cli.common import (
    PROG,
    CliError,
    add_document_arguments,
    add_limit_arguments,
    check_key,
    check_tables_folder,
    command_settings,
    exit_code,
    port_number,
    positive_int,
    run_displayed,
    settings_overrides,
    target_and_level,
)
from core.batch_outcome import BatchOptions, BatchOutcome
from core.batch_plan import BatchError, SectionRule, find_pdfs, output_folder_problem
from core.prompts import get_prompt
from core.settings import ProcessorKind

if TYPE_CHECKING:
    from rich.console import Console

    from cli.common import Commands
    from core.settings import Settings


def add_command(commands: Commands) -> None:
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
    batch.set_defaults(handler=run)
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
    add_document_arguments(batch)
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
    limits = batch.add_argument_group("global limits (shared by all files)")
    add_limit_arguments(limits)
    limits.add_argument(
        "--max-files",
        type=positive_int,
        metavar="N",
        help="files in flight at once (default: the section limit + 1)",
    )


def run(args: argparse.Namespace) -> int:
    """Find the files, run them all under one set of limits, print the table of files."""
    source, rule = _source_and_rule(args)
    settings, console = command_settings(**settings_overrides(args))
    out = _out_dir(args.out)
    check_tables_folder(args.tables)
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
        synthesis=not args.no_synthesis,
        tables_dir=args.tables,
    )
    print(
        f"{PROG}: {len(paths)} file(s) from {source}; sections: {rule.describe()}", file=sys.stderr
    )
    outcome = run_batch(settings, options, source, paths, console, args.metrics_port)
    print_batch_summary(outcome)
    return exit_code(outcome)


def _source_and_rule(args: argparse.Namespace) -> tuple[str, SectionRule]:
    missing = f"give the folder or glob: {PROG} batch FOLDER --out DIR"
    source, level = target_and_level(args.source, args.from_outline, missing)
    if args.every is not None:
        return source, SectionRule("every", args.every)
    if args.whole:
        return source, SectionRule("whole")
    if level is not None:
        return source, SectionRule("outline", level)
    return source, SectionRule("auto")


def _out_dir(out: Path | None) -> Path:
    if out is None:
        raise CliError("say where the results go: --out DIR")
    problem = output_folder_problem(out)
    if problem is not None:
        raise CliError(f"--out {out} {problem}")
    return out


def run_batch(
    settings: Settings,
    options: BatchOptions,
    source: str,
    paths: list[Path],
    console: Console,
    metrics_port: int | None,
) -> BatchOutcome:
    """The batch with live progress (Ctrl+C cancels it cleanly); its index is named on
    stderr once written, or why it could not be."""
    outcome = run_displayed(
        BatchReporter(console=console, live=console.is_terminal),
        metrics_port,
        lambda engine, emit: engine.folder_batch(settings, options, emit),
        lambda runner: runner.run(source, paths),
    )
    if outcome.index_paths is not None:
        json_index, md_index = outcome.index_paths
        print(f"Wrote {json_index} and {md_index.name}", file=sys.stderr)
    if outcome.index_error is not None:
        print(f"{PROG}: {outcome.index_error}", file=sys.stderr)
    return outcome
