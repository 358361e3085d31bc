"""Gemini Batch mode from the command line: ``process --batch-mode`` and ``batch-resume``.

``process FILE --batch-mode`` shows what interactive and batch mode would cost and how
long each takes, then submits one batch job and waits for it. Closing the program (Ctrl+C,
a closed terminal, a kill) leaves the job running at Gemini; the job's name is in the
journal, and ``sectionflow batch-resume JOB_NAME`` (or ``process FILE --resume``) waits for
it, collects the answers and writes the exports. See :mod:`core.gemini_batch`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import (
    EXIT_CANCELLED,
    PROG,
    CliError,
    check_export_paths,
    check_key,
    command_settings,
    port_number,
    run_cancellable,
    served_metrics,
)
from cli.progress import finish_run
from core.cost import compare_modes
from core.engine import Engine
from core.metrics import fan_out
from core.processors.gemini_client import batch_mode_problem
from core.settings import ProcessorKind

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from cli.common import Commands
    from core.batch_jobs import BatchJob, BatchJobStore
    from core.gemini_batch import GeminiBatch
    from core.run_types import RunOutcome, RunRequest
    from core.settings import Settings

    #: what to do with the engine's batch submitter; it records the job it follows in
    #: the dict ("job") so that an interrupted wait can say which job goes on
    Work = Callable[[GeminiBatch, dict[str, BatchJob]], Awaitable[RunOutcome]]


def add_command(commands: Commands) -> None:
    resume = commands.add_parser(
        "batch-resume",
        help="wait for a Gemini batch job submitted earlier and collect its answers",
        description="Pick up a Gemini batch job that 'process --batch-mode' submitted: wait "
        "until it ends, put every answer into the journal and write the exports (to the "
        "paths given then, unless --json/--markdown say otherwise). Without JOB_NAME, list "
        "the jobs not collected yet.",
    )
    resume.set_defaults(handler=run)
    resume.add_argument("job", nargs="?", metavar="JOB_NAME", help="e.g. batches/abc123")
    resume.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    resume.add_argument("--markdown", type=Path, metavar="OUT", help="write a Markdown report")
    resume.add_argument(
        "--poll-every", type=float, default=30.0, metavar="SECONDS", help="default 30"
    )
    resume.add_argument(
        "--cancel", action="store_true", help="ask Gemini to cancel the job, then clean up"
    )
    resume.add_argument("--metrics-port", type=port_number, metavar="PORT")


# --------------------------------------------------------------------- commands
def run(args: argparse.Namespace) -> int:
    """``batch-resume [JOB_NAME]``: list the pending jobs, or follow one to the end."""
    with Engine() as engine:
        store = engine.batch_jobs
        if not args.job:
            return list_jobs(store)
        job = store.get(args.job)
    if job is None:
        raise CliError(
            f"no batch job '{args.job}' in the journal (see '{PROG} batch-resume' for the "
            "jobs not collected yet)"
        )
    if job.finished:
        raise CliError(
            f"batch job {job.job_name} was already collected into run {job.run_id}: "
            f"use '{PROG} export {job.run_id}'"
        )
    settings, _ = command_settings(processor="gemini", gemini_model=job.model)
    return resume_job(job, args, settings)


def list_jobs(store: BatchJobStore) -> int:
    jobs = store.unfinished()
    if not jobs:
        print("No batch job is waiting to be collected.")
        return 0
    print(f"{'JOB':<34} {'RUN':<13} {'STATE':<22} REQUESTS")
    for job in jobs:
        print(f"{job.job_name:<34} {job.run_id:<13} {job.state:<22} {len(job.requests)}")
    return 0


def submit_and_wait(request: RunRequest, args: argparse.Namespace, settings: Settings) -> int:
    """``process --batch-mode``: compare, submit, wait, collect, export."""
    if settings.resolved_processor() is not ProcessorKind.GEMINI:
        raise CliError(
            "--batch-mode needs the Gemini backend: set GEMINI_API_KEY or pass --processor gemini"
        )
    check_key(settings)
    if (problem := batch_mode_problem(settings)) is not None:
        raise CliError(problem)
    print_comparison(request, settings)
    exports = {
        kind: str(path.resolve())
        for kind, path in (("json", args.json), ("markdown", args.markdown))
        if path is not None
    }

    async def work(batch: GeminiBatch, state: dict[str, BatchJob]) -> RunOutcome:
        job, outcome = await batch.submit(request, exports)
        if job is None:
            return outcome
        state["job"] = job
        print(
            f"{PROG}: submitted batch job {job.job_name} ({len(job.requests)} requests). "
            f"Closing now is safe: collect it later with '{PROG} batch-resume {job.job_name}'",
            file=sys.stderr,
            flush=True,
        )
        return await batch.wait(job)

    return _follow(settings, args, work, args.json, args.markdown)


def resume_job(job: BatchJob, args: argparse.Namespace, settings: Settings) -> int:
    """Wait for a job submitted earlier (by this or another process), then export."""
    json_out = args.json or _path(job.exports.get("json"))
    md_out = args.markdown or _path(job.exports.get("markdown"))
    print(
        f"{PROG}: following batch job {job.job_name} (run {job.run_id}, "
        f"{len(job.requests)} requests, last seen {job.state})",
        file=sys.stderr,
        flush=True,
    )

    async def work(batch: GeminiBatch, state: dict[str, BatchJob]) -> RunOutcome:
        state["job"] = job
        if getattr(args, "cancel", False):  # batch-resume --cancel; process has no such flag
            await batch.cancel(job)
        return await batch.wait(job)

    return _follow(settings, args, work, json_out, md_out)


# ------------------------------------------------------------------------ running
def _follow(
    settings: Settings,
    args: argparse.Namespace,
    work: Work,
    json_out: Path | None,
    md_out: Path | None,
) -> int:
    """Run ``work`` against the engine's batch submitter. Ctrl+C stops the waiting, not
    the job: it goes on at Gemini, and the message says how to collect it."""
    check_export_paths(json_out, md_out)
    if args.poll_every <= 0:
        raise CliError("--poll-every: give a number of seconds above 0")
    state: dict[str, BatchJob] = {}
    with served_metrics(args.metrics_port) as metrics, Engine() as engine:
        batch = engine.gemini_batch(
            settings, fan_out(metrics.handle if metrics else None), poll_s=args.poll_every
        )
        if metrics is not None:
            metrics.watch_limits(batch.limits)

        async def until_done() -> RunOutcome | None:
            try:
                return await work(batch, state)
            except asyncio.CancelledError:
                return None
            finally:
                await asyncio.shield(batch.close())

        outcome = run_cancellable(until_done)
    if outcome is not None:
        return finish_run(outcome, json_out, md_out)
    job = state.get("job")
    if job is not None:
        print(
            f"{PROG}: stopped waiting; batch job {job.job_name} goes on at Gemini. "
            f"Collect it with '{PROG} batch-resume {job.job_name}'",
            file=sys.stderr,
        )
    else:
        print(f"{PROG}: cancelled before a batch job was submitted", file=sys.stderr)
    return EXIT_CANCELLED


def print_comparison(request: RunRequest, settings: Settings) -> None:
    """Both options' estimated cost and time, before anything is sent."""
    options = compare_modes(
        request.sections,
        settings.gemini_model,
        section_limit=settings.effective_section_limit(),
        prompt_text=request.prompt.text,
    )
    pages = sum(len(s.pages) for s in request.sections)
    tokens = options[0].estimate.input_tokens
    print(
        f"{PROG}: {len(request.sections)} sections, {pages} pages, ≈ {tokens:,} input tokens "
        f"with {settings.gemini_model} (prices of {options[0].estimate.price_date}):",
        file=sys.stderr,
    )
    for option in options:
        marker = "→" if option.mode == "batch" else " "
        print(f"  {marker} {option.describe()}", file=sys.stderr)
    print(f"{PROG}: using batch mode", file=sys.stderr, flush=True)


def _path(text: str | None) -> Path | None:
    return Path(text) if text else None
