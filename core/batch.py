"""Folder batches: every PDF of a folder (or glob) under one global set of limits.

Design: one :class:`~core.pipeline.Pipeline` per file, several at once, all sharing one
:class:`~core.limits.Limits` (sections, splits, uploads and the adaptive section limit).
Why not one pipeline over every section of every file: a pipeline run *is* one journaled
document run (snapshot, hash, resume, export, report), and keeping files as runs gives each
file its resume, its retry, its ``sectionflow runs`` line and its exports for free, with
no change to the engine beyond accepting shared limiters. The limiters are FIFO, so files
finish roughly in order and results appear while the batch goes on.

Only a few files are in flight at a time (``max_files``, by default the section limit + 1):
enough that the global section limit stays busy while the next file is being snapshotted
and inspected, without 300 PDF copies in the temp folder at once. Each file's memory gate
is its own (a known looseness: while memory is high, each file in flight may still start
one section, so at most ``max_files`` start, not one).

Resume (``resume=True``): a file whose latest journaled run is complete is *kept* (its
exports are written again from the journal, nothing is sent); a file with an unfinished
run continues that run; other files run fresh.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from core import events as ev
from core.batch_index import write_index
from core.batch_outcome import (
    CANCELLED,
    DONE,
    FAILED,
    KEPT,
    PARTIAL,
    SKIPPED,
    BatchOptions,
    BatchOutcome,
    FileOutcome,
)
from core.batch_plan import FilePlan, Inspection, plan_files
from core.errors import SectionFlowError
from core.export import write_exports
from core.journal import Journal
from core.limits import Limits
from core.pipeline import Pipeline
from core.run_types import RunOutcome, RunRequest
from core.settings import ProcessorKind, Settings

log = logging.getLogger("sectionflow.batch")

#: (settings, emit, shared limits) -> the pipeline of one file's run
PipelineFactory = Callable[[Settings, Callable[[ev.Event], None], Limits], Pipeline]
#: (paths, password, concurrency) -> what each file is, found in the worker processes
Inspector = Callable[[Sequence[Path], str | None, int], Awaitable[list[Inspection]]]


class BatchRunner:
    """Runs a planned batch and keeps its index up to date; :meth:`cancel` stops it
    (clean-up still runs). Made by :meth:`core.engine.Engine.folder_batch`."""

    def __init__(
        self,
        settings: Settings,
        options: BatchOptions,
        *,
        journal: Journal,
        pipeline_factory: PipelineFactory,
        inspect: Inspector,
        emit: Callable[[ev.Event], None] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self.journal = journal
        self._make_pipeline = pipeline_factory
        self._inspect = inspect
        self._listener = emit
        self.limits = limits or Limits.from_settings(settings, self._emit, shared=True)
        self._pipelines: set[Pipeline] = set()
        self._cancelled = False

    def set_memory_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None:
        """Move the memory throttle of every file in flight and of the files to come."""
        self.settings = self.settings.model_copy(
            update={
                "memory_throttle_threshold_mb": threshold_mb,
                "max_memory_usage_mb": max_mb,
                "enable_memory_monitoring": enabled,
            }
        )
        for pipeline in list(self._pipelines):
            pipeline.set_memory_limits(threshold_mb=threshold_mb, max_mb=max_mb, enabled=enabled)

    def cancel(self) -> None:
        self._cancelled = True
        for pipeline in list(self._pipelines):
            pipeline.cancel()

    def _emit(self, event: ev.Event) -> None:
        ev.deliver(self._listener, event)

    # --------------------------------------------------------------------- run
    async def run(self, source: str, paths: Sequence[Path]) -> BatchOutcome:
        begun = time.monotonic()
        gemini = self.settings.resolved_processor() is ProcessorKind.GEMINI
        outcome = BatchOutcome(
            source=source,
            rule=self.options.rule,
            prompt=self.options.prompt,
            processor=self.settings.resolved_processor().value,
            model=self.settings.gemini_model if gemini else None,
            out_dir=self.options.out_dir,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            section_limit=self.limits.sections.limit,
        )
        found = await self._inspect(paths, self.options.password, max(2, self.limits.splits.limit))
        plans = plan_files(paths, found, self.options.rule)
        outcome.files = [_placeholder(plan) for plan in plans]
        self._emit(
            ev.BatchStarted(
                files=tuple(str(p.path) for p in plans),
                sections={str(p.path): len(p.sections) for p in plans},
            )
        )
        for plan in plans:
            log.info(
                "Batch file %s: %s",
                plan.path.name,
                plan.problem or f"{len(plan.sections)} section(s), {plan.page_count} pages",
            )
        slots = asyncio.Semaphore(self.options.max_files or self.limits.sections.limit + 1)

        async def one(index: int, plan: FilePlan) -> None:
            result = await self._run_file(plan, slots)
            outcome.files[index] = result
            self._emit(
                ev.FileFinished(
                    file=str(plan.path),
                    status=result.status,
                    done=result.done,
                    failed=result.failed,
                    sections=result.sections,
                    reason=result.reason,
                    run_id=result.run_id,
                )
            )
            self._write_index(outcome)

        async with asyncio.TaskGroup() as group:
            for index, plan in enumerate(plans):
                group.create_task(one(index, plan), name=f"batch-file-{plan.name}")
        outcome.elapsed_s = time.monotonic() - begun
        outcome.cancelled = self._cancelled
        await asyncio.to_thread(self._write_index, outcome)
        self._emit(
            ev.BatchFinished(
                files=len(outcome.files),
                statuses=outcome.statuses(),
                elapsed_s=outcome.elapsed_s,
                cancelled=outcome.cancelled,
            )
        )
        return outcome

    def _write_index(self, outcome: BatchOutcome) -> None:
        """After each file and at the end: a small atomic write, so a batch stopped at any
        moment leaves an accurate index. A failure is recorded and logged, never allowed
        to stop the batch."""
        try:
            outcome.index_paths = write_index(outcome)
        except Exception as exc:
            log.exception("Could not write the batch index")
            outcome.index_error = f"Could not write the batch index: {exc}"

    async def _run_file(self, plan: FilePlan, slots: asyncio.Semaphore) -> FileOutcome:
        result = _placeholder(plan)
        if plan.problem is not None:
            result.status, result.reason = SKIPPED, plan.problem
            return result
        request = RunRequest(
            pdf_path=plan.path,
            sections=plan.sections,
            prompt=self.options.prompt,
            password=self.options.password,
            use_cache=self.options.use_cache,
            synthesis=self.options.synthesis,
        )
        if self.options.resume:
            kept, request = await self._resume_point(plan, request)
            if kept is not None:
                self._fill(result, kept, plan)
                result.status = KEPT
                return await self._export(result, kept, plan)
        async with slots:
            if self._cancelled:
                result.status, result.reason = CANCELLED, "Cancelled before it started"
                return result
            pipeline = self._make_pipeline(
                self.settings, self._file_listener(str(plan.path)), self.limits
            )
            self._pipelines.add(pipeline)
            try:
                run = await pipeline.run(request)
            except SectionFlowError as exc:
                result.status, result.reason = FAILED, str(exc)
                return result
            except Exception as exc:  # a bug must cost one file, not the batch
                log.exception("Unexpected error in batch file %s", plan.path)
                result.status = FAILED
                result.reason = f"Unexpected error: {type(exc).__name__}: {exc}"
                return result
            finally:
                self._pipelines.discard(pipeline)
        self._fill(result, run, plan)
        if run.ok:
            result.status = DONE
        elif run.cancelled:
            result.status = CANCELLED
        else:
            result.status = PARTIAL if run.results else FAILED
            reasons = {f.reason for f in run.failures.values()}
            result.reason = "; ".join(sorted(reasons))[:300] or None
        return await self._export(result, run, plan)

    async def _resume_point(
        self, plan: FilePlan, request: RunRequest
    ) -> tuple[RunOutcome | None, RunRequest]:
        """(the complete run to keep, request) or (None, the request continuing the
        file's unfinished run, or the fresh one)."""
        latest = await self.journal.runs_async(limit=1, document_sha256=plan.sha256)
        if not latest:
            return None, request
        info = latest[0]
        previous = await self.journal.load_async(info.run_id)
        if info.complete:
            return previous, request
        log.info(
            "Resuming run %s of %s: %d of %d sections already done",
            info.run_id,
            plan.path.name,
            info.done,
            info.sections,
        )
        resumed = replace(
            request,
            sections=previous.sections,
            prompt=previous.prompt,
            resume_run_id=info.run_id,
        )
        return None, resumed

    def _fill(self, result: FileOutcome, run: RunOutcome, plan: FilePlan) -> None:
        result.run_id = run.run_id
        result.sections = len(run.sections)
        result.done = len(run.results)
        result.failed = result.sections - result.done
        result.elapsed_s = run.elapsed_s
        result.tokens = run.tokens

    async def _export(self, result: FileOutcome, run: RunOutcome, plan: FilePlan) -> FileOutcome:
        json_path = self.options.out_dir / f"{plan.name}.json"
        md_path = self.options.out_dir / f"{plan.name}.md"
        try:
            await asyncio.to_thread(write_exports, run, json_path, md_path)
        except SectionFlowError as exc:
            result.status = FAILED
            result.reason = str(exc)
        else:
            result.exports = {"json": json_path.name, "markdown": md_path.name}
        if self.options.tables_dir is not None:
            await self._export_tables(result, run, self.options.tables_dir / plan.name)
        return result

    async def _export_tables(self, result: FileOutcome, run: RunOutcome, folder: Path) -> None:
        """The file's tables in a folder of their own; a failure is the file's reason."""
        from core.tables.export import export_tables

        try:
            written = await asyncio.to_thread(export_tables, run, folder)
        except SectionFlowError as exc:
            result.reason = str(exc)
            return
        if written.workbook is not None:
            result.exports["tables"] = str(folder)

    def _file_listener(self, file: str) -> Callable[[ev.Event], None]:
        def emit(event: ev.Event) -> None:
            self._emit(ev.FileEvent(file=file, event=event, at=event.at))

        return emit


def _placeholder(plan: FilePlan) -> FileOutcome:
    return FileOutcome(
        path=plan.path,
        name=plan.name,
        status="pending",
        sections=len(plan.sections),
        note=plan.note,
    )
