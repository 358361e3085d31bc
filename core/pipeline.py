"""The engine: every section runs split → upload → analyse → clean-up as one task.

Concurrency is bounded by three resizable limiters: analyses (the section limit), splits
and uploads; each stage by its own timeout and the whole task by
SECTION_TASK_TIMEOUT_SECONDS. Sections are split and uploaded *ahead* of a free analysis
slot (at most one per slot: ``Limits.ahead``), so a slot's time is spent waiting on the
model, not on I/O (docs/ARCHITECTURE.md, "Look-ahead"). A failing section never stops
the others; cancel stops everything at once (workers busy for the run are terminated)
and still cleans up. All of it runs on whatever asyncio loop calls :meth:`Pipeline.run`
(qasync's in the app, asyncio's in the CLI).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from core import pdf
from core.adaptive import AdaptiveLimit
from core.budget import FROM_CACHE, Budget
from core.citations.check import check_citations, moved
from core.cooperative import in_slices
from core.errors import DiskFullError, ProcessingError, is_disk_full
from core.events import (
    Event,
    RunFinished,
    RunStarted,
    SectionDone,
    SectionFailed,
    SectionQueued,
    SectionStarted,
    Slot,
    Stage,
    StageChanged,
    WaitingForSlot,
    deliver,
)
from core.heap import release_free_memory
from core.journal import Journal
from core.leftovers import make_workdir
from core.limiter import Hold, Limiter
from core.limits import Limits, workers_needed
from core.memory import MemoryGate, MemoryLimits, MemoryProbe, own_memory_note, process_tree_rss_mb
from core.processors.base import Handle, Processor, Prompt, SplitPart
from core.report import build_report
from core.results import SectionResult
from core.retry import retry_category, retry_scheduled, timed_stage, with_settings_retries
from core.run_types import Failure, RunOutcome, RunRequest
from core.sections import Section
from core.settings import Settings
from core.snapshot import Snapshot, public_settings, take_snapshot
from core.synthesis.step import SynthesisStep
from core.workers import PdfWorkers, job_group

log = logging.getLogger("sectionflow.pipeline")
T = TypeVar("T")

_CLEANUP_TIMEOUT_S = 30.0
#: after a cancel the user waits for the clean-up: what is not deleted by then stays in
#: the remote-file ledger, and the run's closing sweep (or the next start) deletes it
_CANCEL_CLEANUP_TIMEOUT_S = 3.0
#: at most this long at a run's end for its first memory reading (its baseline line)
_BASELINE_WAIT_S = 1.0


class _Halted(Exception):
    """The run halted (a full disk, a rejected key) while this section was prepared."""


class Pipeline:
    """Runs one request at a time; limits may be changed from the loop thread at any time."""

    def __init__(
        self,
        settings: Settings,
        processor: Processor,
        workers: PdfWorkers,
        emit: Callable[[Event], None] | None = None,
        memory_probe: MemoryProbe = process_tree_rss_mb,
        memory_interval_s: float = 0.2,
        split_fn: Callable[..., SplitPart] = pdf.split_section,
        journal: Journal | None = None,
        limits: Limits | None = None,
    ) -> None:
        """``limits``: limiters shared with other pipelines (a folder batch); by default
        this pipeline makes its own from the settings."""
        self.settings = settings
        self.processor = processor
        self.workers = workers
        self._listener = emit
        self._split_fn = split_fn
        self.journal = journal
        own = limits is None
        self.limits = limits if limits is not None else Limits.from_settings(settings, shared=False)
        self.sections = self.limits.sections
        self.splits = self.limits.splits
        self.uploads = self.limits.uploads
        self.ahead = self.limits.ahead
        self.adaptive = self.limits.adaptive or AdaptiveLimit(self.sections, self._emit)
        if own:
            self.limits.adaptive = self.adaptive
        self.memory = MemoryGate(
            MemoryLimits(
                enabled=settings.enable_memory_monitoring,
                threshold_mb=settings.memory_throttle_threshold_mb,
                max_mb=settings.max_memory_usage_mb,
            ),
            self._emit,
            probe=memory_probe,
            interval_s=memory_interval_s,
        )
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._cleanups: set[asyncio.Task[None]] = set()
        #: sections past the memory gate and not finished (the gate lets one through
        #: when there are none)
        self._active = 0
        #: sections holding an analysis slot (the concurrency samples)
        self._analysing = 0
        #: tags this run's jobs in the PDF workers, so a cancel ends exactly those
        self._group = object()
        self._snapshot: Snapshot | None = None
        self._started = time.monotonic()
        self._first_section_s: float | None = None
        self._cancelled = False
        #: why no new section starts (a full disk, a rejected key): (line, few words)
        self._halt: tuple[str, str] | None = None
        #: section id -> (cache key, the answer as the backend gave it), until recorded
        self._to_cache: dict[str, tuple[str, SectionResult]] = {}
        self._sampler: asyncio.Task[None] | None = None
        self._baseline_logged = asyncio.Event()
        self._outcome: RunOutcome | None = None
        self.waits: Counter[str] = Counter()
        self.retry_reasons: Counter[str] = Counter()
        self.cache_hits = 0
        #: the run's cost cap (--max-cost, MAX_COST_USD); None without one
        self.budget = Budget.for_run(settings, processor.name)

    # ----------------------------------------------------------------- control
    def set_limit(self, slot: Slot, limit: int) -> int:
        """Move a running limit (the app's sliders); see :meth:`core.limits.Limits.set`."""
        return self.limits.set(slot, limit)

    def set_memory_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None:
        self.memory.limits = MemoryLimits(enabled=enabled, threshold_mb=threshold_mb, max_mb=max_mb)

    def cancel(self) -> None:
        """Stop every section; clean-up still runs and run() returns a cancelled outcome."""
        self._cancelled = True
        for task in self._tasks.values():
            task.cancel()

    def _emit(self, event: Event) -> None:
        deliver(self._listener, event)

    # --------------------------------------------------------------------- run
    async def run(self, request: RunRequest) -> RunOutcome:
        """Run every section of ``request``; the outcome says what became of each.

        Raises, before any section starts, when the run cannot start: the PDF cannot be
        read (PdfError), another live process is running this run (RunBusyError), or the
        journal's or the temp folder's disk is full (DiskFullError).
        """
        self._cancelled = False
        self._halt = None
        self._outcome = None
        self._group = object()
        group = job_group.set(self._group)
        self._started = started = time.monotonic()
        self._first_section_s = None
        try:
            # made after removing the temp folders of killed runs (core.leftovers)
            workdir = await asyncio.to_thread(make_workdir)
            try:
                try:
                    source, outcome = await self._open(request, workdir)
                    await self._run_opened(request, outcome, source, workdir)
                finally:
                    await self._close_run(workdir)
                return await self._finish(outcome, started)
            finally:
                await self._release()
        finally:
            job_group.reset(group)

    async def _open(self, request: RunRequest, workdir: Path) -> tuple[Path, RunOutcome]:
        """The PDF's snapshot taken and inspected, the backend opened, the run claimed and
        journaled. The first worker starts meanwhile (more start when jobs wait for one,
        up to what the run can use), and so does the backend's client (Gemini's import
        and client take 0.5 s), so the first section starts as soon as a worker is up
        and its request goes out without waiting (docs/ARCHITECTURE.md, "Start-up")."""
        self.workers.use(self._workers_needed())
        warming = asyncio.ensure_future(self.workers.warm(1))
        try:
            snapshot = await self._take_snapshot(request.pdf_path, workdir)
            self._snapshot = snapshot
            await self.processor.open()
        except BaseException:
            await asyncio.gather(warming, return_exceptions=True)
            raise
        try:
            await warming
            # MuPDF runs in the worker processes only, never on a thread of this process
            # (the GUI's thumbnail thread may be using it right now).
            info = await self.workers.run(pdf.inspect, snapshot.path, request.password)
            return snapshot.path, await self._open_outcome(request, snapshot.sha256, info)
        except BaseException:
            await self.processor.close()
            raise

    async def _take_snapshot(self, pdf_path: Path, workdir: Path) -> Snapshot:
        try:
            return await asyncio.to_thread(take_snapshot, pdf_path, workdir)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            # the copy and, at worst, every split of it
            needed = 2 * pdf_path.stat().st_size
            raise DiskFullError(workdir.parent, needed) from None

    async def _source_intact(self) -> None:
        """Stop the run if the PDF's bytes changed under its snapshot (a hard link
        shares them with the user's file): one stat, a hash only when it moved."""
        snapshot = self._snapshot
        if snapshot is not None and not snapshot.unchanged():
            await asyncio.to_thread(snapshot.intact)

    def _workers_needed(self) -> int:
        usable = workers_needed(
            self.sections.limit, self.splits.limit, gemini=self.processor.uses_upload
        )
        return min(usable, self.workers.max_workers)

    async def _run_opened(
        self, request: RunRequest, outcome: RunOutcome, source: Path, workdir: Path
    ) -> None:
        log.info(
            "Processing Enhanced Concurrent Extract Request for file ID: %s",
            outcome.document_sha256[:12],
        )
        self._emit(
            RunStarted(
                run_id=outcome.run_id,
                document=str(request.pdf_path),
                section_ids=tuple(s.id for s in request.sections),
                processor=self.processor.name,
            )
        )
        self._replay_kept(outcome)
        if self.settings.enable_memory_monitoring:
            self._baseline_logged.clear()
            self._sampler = asyncio.create_task(self._watch_memory())
        if (plan := getattr(self.processor, "plan", None)) is not None:
            plan(request.sections)  # Gemini: pages several sections ask share a context cache
        try:  # the processor was opened with the run (_open)
            await self._run_sections(request, source, workdir)
            if not self._cancelled and self._halt is None:
                await self._synthesise(outcome, request, source)
        finally:
            await self._finish_cleanups()
            await self.processor.close()

    async def _synthesise(self, outcome: RunOutcome, request: RunRequest, source: Path) -> None:
        """The whole-document answer, in an analysis slot: it is one more model call, and
        the section limit bounds them all (in a folder batch the other files' sections
        keep every slot busy, thanks to look-ahead)."""
        async with self.sections.slot():
            await self._synthesis_step().run(
                outcome,
                source,
                request.password,
                make=request.synthesis and not self._budget_reached(),
                use_cache=request.use_cache,
            )

    async def _watch_memory(self) -> None:
        """The run's memory readings, from its first. The first section does not wait for
        that reading (the gate lets a section through when none runs): walking the
        process table from a thread took up to 0.13 s while google-genai's import held
        the GIL (docs/ARCHITECTURE.md, "Start-up")."""
        await self.memory.prime()
        self._log_baseline()
        self._baseline_logged.set()
        await self.memory.run_sampler()

    def _log_baseline(self) -> None:
        """One line as sections are about to start (the terminal, the app's log): what
        the app uses, workers started, against the throttle threshold; a warning when
        the threshold is below it, since the gate then starts one section at a time."""
        workers = len(self.workers.pids())
        note, over = own_memory_note(self.memory.rss_mb, workers, self.memory.limits.threshold_mb)
        (log.warning if over else log.info)("%s", note)

    async def _close_run(self, workdir: Path) -> None:
        sampler, self._sampler = self._sampler, None
        if sampler is not None:
            # a run with nothing left to do ends before its first reading: its baseline
            # line is still written (the reading takes milliseconds; bounded all the same,
            # and a cancel does not wait for it)
            if not self._cancelled:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._baseline_logged.wait(), _BASELINE_WAIT_S)
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        if self._cancelled:  # nobody waits for this run's PDF jobs: end them now
            await asyncio.to_thread(self.workers.abandon, self._group)
        # a job still writing into the temp folder (a split whose await timed out)
        await asyncio.to_thread(self.workers.drain, 60.0, self._group)
        await asyncio.to_thread(shutil.rmtree, workdir, True)
        self._snapshot = None

    def _budget_reached(self) -> bool:
        """The cap stopped sections: the whole-document answer waits for the rest too
        (a resume with a new cap makes it), and costs nothing now."""
        return self.budget is not None and self.budget.reached is not None

    def _synthesis_step(self) -> SynthesisStep:
        """The whole-document step, with this run's backend while it is still open."""
        return SynthesisStep(self.settings, self.processor, self.workers, self.journal, self._emit)

    async def _open_outcome(
        self, request: RunRequest, sha: str, info: pdf.DocumentInfo
    ) -> RunOutcome:
        """A fresh outcome, or the resumed run's with its finished sections kept; the run
        is claimed (RunBusyError when a live process has it) and journaled."""
        settings = public_settings(self.settings)
        outcome = RunOutcome.begin(request, sha, info, self.processor, settings)
        if request.resume_run_id and self.journal is not None:
            outcome.keep_finished(await self.journal.load_async(request.resume_run_id))
        if self.journal is not None:
            await self.journal.claim(outcome.run_id)
        self._outcome = outcome  # claimed: released however the run ends
        if self.journal is not None:
            await self.journal.start_run(outcome)
        return outcome

    async def _release(self) -> None:
        """Give up the claim on the run (a journal on a full disk keeps it: the next
        claim sees this process gone and takes it over)."""
        if self._outcome is not None and self.journal is not None:
            with contextlib.suppress(DiskFullError):
                await asyncio.shield(self.journal.release(self._outcome.run_id))

    def _replay_kept(self, outcome: RunOutcome) -> None:
        for section_id, result in outcome.results.items():
            self._emit(
                SectionDone(
                    section_id=section_id,
                    result=result,
                    attempts=outcome.attempts.get(section_id, 1),
                    timings=outcome.timings.get(section_id, {}),
                    source="journal",
                )
            )

    async def _run_sections(self, request: RunRequest, source: Path, workdir: Path) -> None:
        assert self._outcome is not None
        todo = [s for s in request.sections if s.id not in self._outcome.results]
        log.info("Executing %d enhanced concurrent section tasks...", len(todo))
        async for section in in_slices(todo):
            self._emit(SectionQueued(section_id=section.id, title=section.title))
        async with asyncio.TaskGroup() as group:
            async for section in in_slices(todo):
                coro = self._section_task(section, request, source, workdir)
                self._tasks[section.id] = group.create_task(coro, name=f"section-{section.id}")
                if self._cancelled:
                    self._tasks[section.id].cancel()
        self._tasks.clear()

    async def _finish(self, outcome: RunOutcome, started: float) -> RunOutcome:
        self.memory.finish()
        # the run's garbage freed, its pages handed back: the next run's memory gate
        # starts from the app's resting level (docs/ARCHITECTURE.md, "Footprint")
        await asyncio.to_thread(release_free_memory)
        outcome.elapsed_s = time.monotonic() - started
        outcome.cancelled = self._cancelled
        outcome.summary = self._summary(outcome)
        # tens of ms for a few hundred sections: on a thread, the loop (the window) keeps
        # its turns; nothing touches the outcome any more
        outcome.summary["report"] = await asyncio.to_thread(build_report, outcome)
        if self.journal is not None:
            await self._journaled(self.journal.finish_run(outcome))
        log.info(
            "Finished processing enhanced concurrent extract for file ID: %s",
            outcome.document_sha256[:12],
        )
        self._emit(
            RunFinished(
                run_id=outcome.run_id,
                done=len(outcome.results),
                failed=len(outcome.failures),
                cancelled=outcome.cancelled,
                elapsed_s=outcome.elapsed_s,
                summary=outcome.summary,
                stopped=outcome.stopped,
            )
        )
        return outcome

    def _summary(self, outcome: RunOutcome) -> dict[str, object]:
        tokens = outcome.tokens
        return {
            "sections": len(outcome.sections),
            "done": len(outcome.results),
            "failed": len(outcome.failures),
            "elapsed_s": round(outcome.elapsed_s, 3),
            # from the run's start to its first section's start (snapshot, first worker)
            "first_section_s": self._first_section_s,
            "lookahead_depth": self.ahead.limit,
            "tokens": tokens.model_dump(),
            "retries_by_reason": dict(self.retry_reasons),
            "slot_wait_s": {k: round(v, 3) for k, v in self.waits.items()},
            "throttled_s": round(self.memory.throttled_s, 3),
            "peak_rss_mb": round(self.memory.peak_mb, 1),
            "mean_rss_mb": round(self.memory.mean_mb, 1),
            "high_water": {
                "section": self.sections.high_water,
                "split": self.splits.high_water,
                "upload": self.uploads.high_water,
                "ahead": self.ahead.high_water,
            },
            "limit_changes": self.adaptive.history,
            "cache_hits": self.cache_hits,
            "skipped": sum(f.skipped for f in outcome.failures.values()),
            "partial": sum(1 for result in outcome.results.values() if result.partial),
            "stopped": outcome.stopped,
        }

    # ------------------------------------------------------------ one section
    async def _section_task(
        self, section: Section, request: RunRequest, source: Path, workdir: Path
    ) -> None:
        """Look-ahead room, memory gate, budget, then the workflow (which takes an analysis
        slot once the section is prepared). Its outcome is recorded before the task ends."""
        timings: dict[str, float] = {}
        attempts = [1]
        started = time.monotonic()
        log.info("Starting enhanced section task for '%s'", section.title)
        try:
            ahead, _ = await self._hold(self.ahead, section, timings, Stage.WAITING)
            try:
                if self._halt is not None:
                    await self._fail(section, f"Not started: {self._halt[1]}", 0, timings, started)
                    return
                timings["wait_memory"] = await self._memory_gate(section)
                if (refused := self._over_budget(section, request)) is not None:
                    await self._fail(section, refused, 0, timings, started, skipped=True)
                    return
                if self._first_section_s is None:
                    self._first_section_s = round(time.monotonic() - self._started, 3)
                self._emit(SectionStarted(section_id=section.id, attempt=1))
                self._active += 1
                try:
                    args = (section, request, source, workdir, timings, attempts)
                    await self._run_and_record(*args, started=started, ahead=ahead)
                finally:
                    self._settle_budget(section)
                    self._active -= 1
            finally:
                ahead.release()
        except asyncio.CancelledError:
            if not self._recorded(section):
                await self._fail(
                    section, "Cancelled", attempts[0], timings, started, cancelled=True
                )
            raise

    async def _hold(
        self, limiter: Limiter, section: Section, timings: dict[str, float], stage: Stage
    ) -> tuple[Hold, float]:
        """A slot of the section limit or of the look-ahead room derived from it, shown as
        ``stage`` while waited for; the hold and the seconds waited (counted as a wait for
        the section limit)."""
        if limiter.would_wait():
            self._emit(WaitingForSlot(section_id=section.id, slot=Slot.SECTION))
            self._emit_stage(section, stage)
        begun = time.monotonic()
        hold = await limiter.hold()
        waited = time.monotonic() - begun
        timings["wait_section"] = timings.get("wait_section", 0.0) + waited
        self.waits[Slot.SECTION.value] += waited
        return hold, waited

    def _over_budget(self, section: Section, request: RunRequest) -> str | None:
        """Why the section may not start under the run's cap (see :mod:`core.budget`)."""
        if self.budget is None:
            return None
        return self.budget.admit(section, self._prompt_for(section, request).text)

    def _settle_budget(self, section: Section) -> None:
        if self.budget is not None and self._outcome is not None:
            self.budget.settle(section.id, self._outcome.results.get(section.id))

    def _recorded(self, section: Section) -> bool:
        assert self._outcome is not None
        return section.id in self._outcome.results or section.id in self._outcome.failures

    async def _run_and_record(
        self,
        section: Section,
        request: RunRequest,
        source: Path,
        workdir: Path,
        timings: dict[str, float],
        attempts: list[int],
        *,
        started: float,
        ahead: Hold,
    ) -> None:
        limit = self.settings.section_task_timeout_seconds
        fail = functools.partial(
            self._fail, section, attempts=attempts, timings=timings, started=started
        )
        held: list[Hold] = []  # the analysis slot, once taken
        try:
            async with asyncio.timeout(limit) as deadline:
                slot = functools.partial(
                    self._analysis_slot, section, timings, ahead, deadline, held
                )
                args = (section, request, source, workdir, timings, attempts, slot)
                result = await self._workflow(*args)
        except _Halted:
            assert self._halt is not None
            await fail(f"Not started: {self._halt[1]}")
        except asyncio.CancelledError:
            await fail("Cancelled", cancelled=True)
            raise
        except TimeoutError:
            log.info("Timeout processing section '%s' (whole task)", section.title)
            await fail(f"Timed out: the whole section took longer than {limit:g} s")
        except ProcessingError as exc:
            if exc.stops_run:  # no other section can succeed either (a rejected key)
                self._halt_run(exc.reason, exc.stops_run)
            await fail(exc.reason)
        except Exception as exc:  # a bug or an unexpected library error: keep the others going
            if is_disk_full(exc):  # a split into the temp folder, the ledger
                full = exc if isinstance(exc, DiskFullError) else DiskFullError(workdir.parent)
                self._disk_full(full)
                await fail("Not finished: the disk is full")
                return
            # the traceback goes to the log file; the terminal gets one line
            log.error(
                "Unexpected error in section '%s' (details in the log file): %s: %s",
                section.title,
                type(exc).__name__,
                exc,
                exc_info=True,
            )
            await fail(f"Unexpected error: {type(exc).__name__}: {exc}")
        else:
            await self._succeed(section, result, attempts[0], timings, started)
        finally:
            self._leave_analysis(section, held)

    def _halt_run(self, line: str, words: str) -> None:
        """Start no new section: each not started yet fails as "Not started: <words>";
        ``line`` (what to do about it) is the outcome's ``stopped``. The first halt wins."""
        if self._halt is not None:
            return
        self._halt = (line, words)
        if self._outcome is not None:
            self._outcome.stopped = line
        log.warning("No more sections start: %s", line)

    def _disk_full(self, error: DiskFullError) -> None:
        """Halt with an estimate of the room the rest of the run needs: the results so
        far, per section, for every section left, thrice (the result, its cached copy,
        SQLite's write-ahead log)."""
        assert self._outcome is not None
        outcome = self._outcome
        sizes = [len(result.model_dump_json()) for result in outcome.results.values()]
        per_section = sum(sizes) // len(sizes) if sizes else 256 * 1024
        left = len(outcome.sections) - len(outcome.results) - len(outcome.failures)
        self._halt_run(str(error.needing(3 * per_section * max(left, 1))), "the disk is full")

    async def _journaled(self, write: Awaitable[None]) -> bool:
        """Commit one journal write, even if the task is being cancelled. On a full disk
        the run halts and this says False: what the write held stays in the outcome (and
        the exports), and the journal keeps the section unfinished, so resume redoes it."""
        try:
            await asyncio.shield(write)
        except DiskFullError as exc:
            self._disk_full(exc)
            return False
        return True

    async def _succeed(
        self,
        section: Section,
        result: SectionResult,
        attempts: int,
        timings: dict[str, float],
        started: float,
    ) -> None:
        assert self._outcome is not None
        timings["total"] = time.monotonic() - started
        self._outcome.timings[section.id] = timings
        self._outcome.results[section.id] = result
        self._outcome.attempts[section.id] = attempts
        if self.journal is not None:  # committed before anyone is told it is done
            run_id = self._outcome.run_id
            await self._journaled(self.journal.record_done(run_id, result, attempts, timings))
        if (cached := self._to_cache.pop(section.id, None)) is not None:
            await self._cache_put(*cached)
        self.adaptive.success()
        self._emit_stage(section, Stage.DONE)
        self._emit(
            SectionDone(
                section_id=section.id, result=result, attempts=attempts, timings=dict(timings)
            )
        )

    async def _fail(
        self,
        section: Section,
        reason: str,
        attempts: int | list[int],
        timings: dict[str, float],
        started: float,
        cancelled: bool = False,
        skipped: bool = False,
    ) -> None:
        assert self._outcome is not None
        if isinstance(attempts, list):
            attempts = attempts[0]
        timings["total"] = time.monotonic() - started
        self._outcome.timings[section.id] = timings
        failure = Failure(reason=reason, attempts=attempts, cancelled=cancelled, skipped=skipped)
        self._outcome.failures[section.id] = failure
        self._outcome.attempts[section.id] = attempts
        if self.journal is not None:
            run_id = self._outcome.run_id
            await self._journaled(self.journal.record_failed(run_id, section.id, failure, timings))
        if skipped:
            log.warning("Section '%s' skipped: %s", section.title, reason)
        elif not cancelled:
            log.warning("Section '%s' failed: %s", section.title, reason)
        self._emit_stage(section, Stage(failure.state))
        self._emit(
            SectionFailed(
                section_id=section.id,
                reason=reason,
                attempts=attempts,
                timings=dict(timings),
                cancelled=cancelled,
                skipped=skipped,
            )
        )

    async def _memory_gate(self, section: Section) -> float:
        if self.memory.limits.enabled and self.memory.rss_mb > self.memory.limits.threshold_mb:
            self._emit(WaitingForSlot(section_id=section.id, slot=Slot.MEMORY))
        waited = await self.memory.wait(active=lambda: self._active)
        self.waits["memory"] += waited
        return waited

    async def _workflow(
        self,
        section: Section,
        request: RunRequest,
        source: Path,
        workdir: Path,
        timings: dict[str, float],
        attempts: list[int],
        analysis_slot: Callable[[], contextlib.AbstractAsyncContextManager[None]],
    ) -> SectionResult:
        """Prepare (split, upload) as soon as there is room ahead, then analyse in an
        analysis slot; the clean-up runs however it ends."""
        out_path = workdir / f"{section.id}.pdf"
        handle: Handle | None = None
        stage = functools.partial(self._stage, section=section, timings=timings, attempts=attempts)
        s = self.settings
        try:
            part: SplitPart = await stage(
                "split",
                self.splits,
                s.split_timeout_seconds,
                s.split_max_retries,
                lambda: self.workers.run(
                    self._split_fn, source, section.pages, out_path, request.password
                ),
            )
            await self._source_intact()  # the split read the bytes the run started with
            prompt = self._prompt_for(section, request)
            cache_key = self._cache_key(part, prompt)
            if request.use_cache and (hit := await self._cache_get(cache_key)) is not None:
                hit = moved(hit, section.pages).model_copy(
                    update={
                        "section_id": section.id,
                        "title": section.title,
                        "pages": section.page_spec,
                    }
                )
                return await self._check_citations(section, hit, source, request, timings)
            if self.processor.uses_upload:
                handle = await stage(
                    "upload",
                    self.uploads,
                    s.upload_timeout_seconds,
                    s.upload_max_retries,
                    lambda: self.processor.upload(section, part),
                )
            else:
                handle = Handle(part=part)
            result: SectionResult = await stage(
                "process",
                None,
                s.processing_timeout_seconds,
                s.process_max_retries,
                lambda: self.processor.analyze(section, handle, prompt),
                slot=analysis_slot,
            )
            checked = await self._check_citations(section, result, source, request, timings)
            # cached once it is recorded (_succeed): a run killed in between asks again,
            # rather than a resume finding an answer its journal never had
            self._to_cache[section.id] = (cache_key, result)  # unchecked, see _cache_get
            return checked
        finally:
            await self._cleanup(section, handle, out_path, timings)

    async def _check_citations(
        self,
        section: Section,
        result: SectionResult,
        source: Path,
        request: RunRequest,
        timings: dict[str, float],
    ) -> SectionResult:
        """Each quote looked up on its page of the run's source (in a PDF worker), so the
        journal records checked citations. The cache keeps the unchecked result: a hit
        may be for other pages, or another document with the same pages."""
        begun = time.monotonic()
        try:
            return await check_citations(
                self.workers, result, source, section.pages, request.password
            )
        finally:
            timings["verify"] = time.monotonic() - begun

    def _prompt_for(self, section: Section, request: RunRequest) -> Prompt:
        """A section's own prompt wins over the run's."""
        if section.prompt and section.prompt.strip():
            return Prompt(name="custom", text=section.prompt.strip(), schema=None)
        return request.prompt

    def _cache_key(self, part: SplitPart, prompt: Prompt) -> str:
        """Same bytes, same question, same model and backend version: same answer."""
        ident = {
            "pdf": part.sha256,
            "prompt": prompt.text,
            "schema": prompt.schema,
            "processor": self.processor.name,
            "version": getattr(self.processor, "version", "1"),
            "model": getattr(self.processor, "model", None),
        }
        return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()

    async def _cache_get(self, key: str) -> SectionResult | None:
        if self.journal is None:
            return None
        hit = await self.journal.cache_get(key)
        if hit is not None and hit.partial:  # cached by an older version: ask again
            return None
        if hit is not None:
            self.cache_hits += 1
            hit = hit.model_copy(update={"notes": [*hit.notes, FROM_CACHE]})
        return hit

    async def _cache_put(self, key: str, result: SectionResult) -> None:
        """Keep a whole answer for the next run of the same bytes and question; a cut-off
        one is never kept, so the next run asks again."""
        if self.journal is not None and not result.partial:
            await self._journaled(self.journal.cache_put(key, result))

    async def _stage(
        self,
        op: str,
        limiter: Limiter | None,
        timeout_s: float,
        max_retries: int,
        work: Callable[[], Awaitable[T]],
        *,
        section: Section,
        timings: dict[str, float],
        attempts: list[int],
        slot: Callable[[], contextlib.AbstractAsyncContextManager[None]] | None = None,
    ) -> T:
        """One stage with its retries; each attempt takes ``limiter``'s slot (or ``slot``)."""
        stage = {"split": Stage.SPLITTING, "upload": Stage.UPLOADING, "process": Stage.PROCESSING}[
            op
        ]

        async def attempt() -> T:
            if slot is not None:
                slot_cm = slot()
            elif limiter is not None:
                slot_cm = self._slot(limiter, Slot(op), section, timings)
            else:
                slot_cm = contextlib.nullcontext()
            async with slot_cm:
                self._emit_stage(section, stage)
                return await timed_stage(op, section.title, timeout_s, timings, work)

        def on_retry(number: int, delay: float, exc: ProcessingError) -> None:
            attempts[0] += 1
            reason = retry_category(exc, op)
            self.retry_reasons[reason] += 1
            if exc.rate_limited:
                self.adaptive.rate_limited()
            log.info(
                "Retrying 1 failed tasks... (%s of '%s', attempt %d in %.1f s: %s)",
                op,
                section.title,
                number + 1,
                delay,
                exc.reason,
            )
            self._emit(retry_scheduled(section.id, op, number, delay, exc))

        return await with_settings_retries(attempt, self.settings, max_retries, on_retry)

    @contextlib.asynccontextmanager
    async def _slot(
        self,
        limiter: Limiter,
        slot: Slot,
        section: Section,
        timings: dict[str, float],
    ) -> AsyncIterator[float]:
        """Hold one of ``limiter``'s slots; yields the seconds waited for it."""
        if limiter.would_wait():
            self._emit(WaitingForSlot(section_id=section.id, slot=slot))
            self._emit_stage(section, Stage.WAITING)
        begun = time.monotonic()
        async with limiter.slot():
            waited = time.monotonic() - begun
            key = f"wait_{slot.value}"
            timings[key] = timings.get(key, 0.0) + waited
            self.waits[slot.value] += waited
            log.debug(
                "Acquired %s slot for '%s' (%d/%d)",
                slot.value,
                section.title,
                limiter.in_use,
                limiter.limit,
            )
            yield waited
        log.debug("Released %s slot for '%s'", slot.value, section.title)

    @contextlib.asynccontextmanager
    async def _analysis_slot(
        self,
        section: Section,
        timings: dict[str, float],
        ahead: Hold,
        deadline: asyncio.Timeout,
        held: list[Hold],
    ) -> AsyncIterator[None]:
        """An analysis slot (the section limit) for a prepared section, taken by its first
        analysis attempt and kept, through retries, until its outcome is recorded
        (:meth:`_leave_analysis`): "done" is never reported after the next section's
        analysis started, so a cancel then never finds an answer not yet recorded. The
        wait for it does not count against the whole-task timeout (as the section slot's
        did not when it was taken first); once in, the section leaves its look-ahead room
        to the next one (in sequential mode it keeps it: one section at a time)."""
        if not held:
            hold, waited = await self._hold(self.sections, section, timings, Stage.PREPARED)
            log.debug(
                "Acquired section slot for '%s' (%d/%d)",
                section.title,
                self.sections.in_use,
                self.sections.limit,
            )
            when = deadline.when()
            if when is not None:
                deadline.reschedule(when + waited)
            if self._halt is not None:
                hold.release()
                raise _Halted
            log.debug("Successfully acquired section semaphore")
            held.append(hold)
            if not self.limits.sequential:
                ahead.release()
            self._analysing += 1
            self._note_concurrency()
        yield

    def _leave_analysis(self, section: Section, held: list[Hold]) -> None:
        """Give the analysis slot back, once the section's outcome is recorded."""
        if held:
            held.pop().release()
            self._analysing -= 1
            self._note_concurrency()
            log.debug("Released section slot for '%s'", section.title)

    async def _cleanup(
        self, section: Section, handle: Handle | None, out_path: Path, timings: dict[str, float]
    ) -> None:
        """Remove the temp part and the remote file, even when the task is being cancelled."""
        self._emit_stage(section, Stage.CLEANING_UP)
        begun = time.monotonic()

        if handle is not None and self._cancelled:
            handle.cancelled = True

        async def work() -> None:
            bound = _CANCEL_CLEANUP_TIMEOUT_S if self._cancelled else _CLEANUP_TIMEOUT_S
            try:
                if handle is not None:
                    async with asyncio.timeout(bound):
                        await self.processor.cleanup(handle)
            except Exception as exc:
                log.warning("Clean-up of section '%s' failed: %s", section.title, exc)
            finally:
                with contextlib.suppress(OSError):
                    out_path.unlink(missing_ok=True)

        task = asyncio.ensure_future(work())
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)
        try:
            await asyncio.shield(task)
        finally:
            timings["cleanup"] = time.monotonic() - begun

    async def _finish_cleanups(self) -> None:
        while self._cleanups:
            await asyncio.gather(*list(self._cleanups), return_exceptions=True)

    def _emit_stage(self, section: Section, stage: Stage) -> None:
        if self._outcome is not None:
            at = time.monotonic() - self._started
            self._outcome.timeline.append((section.id, stage.value, round(at, 4)))
        self._emit(StageChanged(section_id=section.id, stage=stage))

    def _note_concurrency(self) -> None:
        if self._outcome is not None:
            at = round(time.monotonic() - self._started, 4)
            self._outcome.concurrency.append((at, self._analysing, self.sections.limit))
