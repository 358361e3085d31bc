"""The one front door to the engine.

Every front end (the command line, the window, its Batch tab and History, the self-test)
asks an :class:`Engine` for what it needs, as Anki's front ends go through its
``Collection``: the engine is assembled here and nowhere else. The engine owns what
outlives a run:

- the PDF worker processes (PyMuPDF runs only there, see docs/ARCHITECTURE.md);
- the run journal (results, the cache, Gemini batch jobs);
- the remote-file ledger (every upload to Gemini until it is deleted), one view per run;

and makes what one run needs from them: a processor for the chosen backend, a pipeline,
a folder batch (which writes its own index), a Gemini Batch-mode submitter. Each of the
three is opened on first use, so a command that only lists runs starts no process and a
command that never uploads never opens the ledger. :meth:`close` ends all of them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.events import Event
from core.settings import Settings
from core.workers import DEFAULT_MAX_WORKERS, PdfWorkers

if TYPE_CHECKING:
    from core.batch import BatchRunner
    from core.batch_jobs import BatchJob, BatchJobStore
    from core.batch_outcome import BatchOptions
    from core.batch_plan import Inspection
    from core.compare.report import Comparison
    from core.gemini_batch import GeminiBatch
    from core.journal import Journal, RunInfo
    from core.limits import Limits
    from core.pipeline import Pipeline
    from core.processors.base import Processor
    from core.remote_ledger import RemoteLedger
    from core.run_types import RunOutcome, RunRequest

log = logging.getLogger("sectionflow.engine")

Emit = Callable[[Event], None]
#: (settings, engine) -> a processor; tests put an instrumented backend here
ProcessorFactory = Callable[[Settings, "Engine"], "Processor"]


class Engine:
    """What a front end holds for its whole life; not thread-safe (one loop thread)."""

    def __init__(
        self,
        *,
        max_workers: int = DEFAULT_MAX_WORKERS,
        processor_factory: ProcessorFactory | None = None,
        journal_path: Path | None = None,
        ledger_path: Path | None = None,
        workers: PdfWorkers | None = None,
    ) -> None:
        """``workers``: a pool owned by the caller (benchmarks, tests), not closed here."""
        self._max_workers = max_workers
        self._processor_factory = processor_factory
        self._journal_path = journal_path
        self._ledger_path = ledger_path
        self._workers: PdfWorkers | None = workers
        self._own_workers = workers is None
        self._journal: Journal | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ what it owns
    @property
    def workers(self) -> PdfWorkers:
        """The PDF worker processes, shared by every run of this front end."""
        with self._lock:
            if self._workers is None:
                self._workers = PdfWorkers(self._max_workers)
            return self._workers

    def running_workers(self) -> int:
        """How many PDF worker processes are running now (none are started for this)."""
        with self._lock:
            return len(self._workers.pids()) if self._workers is not None else 0

    @property
    def journal(self) -> Journal:
        """The run journal (the same SQLite file for the CLI and the window)."""
        with self._lock:
            if self._journal is None:
                from core.journal import Journal

                self._journal = Journal(self._journal_path)
            return self._journal

    def ledger(self) -> RemoteLedger:
        """A view of the remote-file ledger for one run (one Gemini processor).

        Each run gets its own view because a view's token marks the uploads its closing
        sweep may delete: in a folder batch, one file's run must not delete the uploads of
        another file's run still going. The file itself is shared by every view.
        """
        from core.remote_ledger import RemoteLedger

        return RemoteLedger(self._ledger_path)

    @property
    def batch_jobs(self) -> BatchJobStore:
        """Gemini Batch-mode jobs not collected yet (kept in the journal's file)."""
        from core.batch_jobs import BatchJobStore

        return BatchJobStore(self.journal.path)

    # ------------------------------------------------------------ what it makes
    def processor(self, settings: Settings) -> Processor:
        """The backend the settings ask for (see :func:`core.processors.make_processor`)."""
        if self._processor_factory is not None:
            return self._processor_factory(settings, self)
        from core import processors

        return processors.make_processor(settings, self.workers, self.ledger())

    def pipeline(
        self,
        settings: Settings,
        emit: Emit | None = None,
        *,
        limits: Limits | None = None,
        memory_interval_s: float = 0.2,
    ) -> Pipeline:
        """One run's engine; ``limits`` are shared with other pipelines (a folder batch)."""
        from core.pipeline import Pipeline

        return Pipeline(
            settings,
            self.processor(settings),
            self.workers,
            emit=emit,
            journal=self.journal,
            limits=limits,
            memory_interval_s=memory_interval_s,
        )

    def folder_batch(
        self, settings: Settings, options: BatchOptions, emit: Emit | None = None
    ) -> BatchRunner:
        """Every PDF of a folder under one set of limits; it writes its own index."""
        from core.batch import BatchRunner

        def pipeline(file_settings: Settings, file_emit: Emit, limits: Limits) -> Pipeline:
            return self.pipeline(file_settings, file_emit, limits=limits, memory_interval_s=0.5)

        return BatchRunner(
            settings,
            options,
            journal=self.journal,
            pipeline_factory=pipeline,
            inspect=self.inspect_files,
            emit=emit,
        )

    def gemini_batch(
        self, settings: Settings, emit: Emit | None = None, *, poll_s: float = 30.0
    ) -> GeminiBatch:
        """Gemini Batch mode: one job for a whole document, half price, up to a day."""
        from core.gemini_batch import GeminiBatch

        return GeminiBatch(
            settings,
            journal=self.journal,
            workers=self.workers,
            store=self.batch_jobs,
            ledger=self.ledger(),
            emit=emit,
            poll_s=poll_s,
        )

    # ------------------------------------------------------- files and history
    async def inspect_files(
        self, paths: Sequence[Path], password: str | None = None, concurrency: int = 2
    ) -> list[Inspection]:
        """What each file is (pages, outline, hash) or why it cannot be used, found in the
        worker processes a few at a time; never raises for one bad file."""
        from core.batch_plan import inspect_files

        return await inspect_files(paths, self.workers.run, password, concurrency)

    def unfinished_run(self, path: Path) -> RunInfo | None:
        """The last run of this PDF (matched by content) that left work undone."""
        from core.pdf import file_sha256

        return self.journal.unfinished_run(file_sha256(path))

    async def unfinished_run_async(self, path: Path) -> RunInfo | None:
        from core.pdf import file_sha256

        sha = await asyncio.to_thread(file_sha256, path)
        return await asyncio.to_thread(self.journal.unfinished_run, sha)

    async def fingerprint_async(self, path: Path) -> str:
        """The PDF's content hash (a worker thread), which the journal knows it by."""
        from core.pdf import file_sha256

        return await asyncio.to_thread(file_sha256, path)

    async def last_run_async(self, document_sha256: str) -> RunInfo | None:
        """The latest run of the document with this content, finished or not."""
        runs = await self.journal.runs_async(1, document_sha256)
        return runs[0] if runs else None

    def resumed(self, request: RunRequest, info: RunInfo) -> RunRequest:
        """``request`` continuing the journaled run ``info``: its sections and prompt."""
        from dataclasses import replace

        previous: RunOutcome = self.journal.load(info.run_id)
        return replace(
            request,
            sections=previous.sections,
            prompt=previous.prompt,
            resume_run_id=info.run_id,
        )

    async def compare_runs(self, a: str, b: str) -> Comparison:
        """Two runs (ids from the journal, or exported JSON files) compared section by
        section (:mod:`core.compare`); each PDF still where its run read it, unchanged,
        gives its pages' text (read in the worker processes)."""
        from core.compare.report import compare
        from core.compare.sources import load_side

        first = await asyncio.to_thread(load_side, a, self.journal)
        second = await asyncio.to_thread(load_side, b, self.journal)
        texts = [await self._page_texts(run) for run in (first, second)]
        return await asyncio.to_thread(compare, first, second, *texts)

    async def _page_texts(self, run: RunOutcome) -> dict[int, str] | None:
        from core.compare.pages import pdf_page_texts
        from core.pdf import file_sha256

        path = Path(run.document)
        try:
            if await asyncio.to_thread(file_sha256, path) != run.document_sha256:
                return None
            texts = await self.workers.run(pdf_page_texts, str(path))
        except Exception:  # gone, moved, locked: the answers' own page text is used
            log.debug("No page text for %s", path, exc_info=True)
            return None
        return {number: text for number, text in enumerate(texts, 1)}

    def pending_batch_job(self, path: Path) -> BatchJob | None:
        """The uncollected Batch-mode job of this PDF's last unfinished run, if any."""
        unfinished = self.unfinished_run(path)
        if unfinished is None:
            return None
        jobs = self.batch_jobs.unfinished(unfinished.run_id)
        return jobs[0] if jobs else None

    async def forget_kept_uploads(self, settings: Settings) -> int:
        """End the keeping of every upload kept for re-asks (KEEP_UPLOADS_HOURS) and
        delete the files now when the Gemini API can be reached; otherwise the next
        Gemini run's opening sweep deletes them (or Gemini, at 48 h). How many there were.
        """
        from core.keys import get_key
        from core.processors.gemini import GeminiProcessor
        from core.processors.gemini_client import missing_credentials, service_for

        ledger = self.ledger()
        released = await asyncio.to_thread(ledger.release_kept)
        reachable = service_for(settings).files_api
        if released and reachable and missing_credentials(settings, get_key(settings)) is None:
            processor = GeminiProcessor(settings, ledger)
            await processor.open()  # its opening sweep deletes what is no longer kept
            try:
                await processor.started()
            finally:
                await processor.close()
        return released

    # ------------------------------------------------------------------ warming
    def prestart_workers(self, count: int) -> threading.Thread | None:
        """Start worker processes now, from a helper thread.

        A process pool starts its processes inside ``submit``, on the submitting thread;
        at the start of a run that is the event loop, and each spawn (fork + exec + the
        child importing PyMuPDF on a 2-core machine) stalls it. Warming them when a
        document opens moves that cost to a moment nobody is watching.
        """
        if count < 1:
            return None
        workers = self.workers

        def job() -> None:
            try:
                workers.prestart(count)
            except Exception:
                log.debug("Could not pre-start PDF workers", exc_info=True)

        thread = threading.Thread(target=job, name="warm-pdf-workers", daemon=True)
        thread.start()
        return thread

    @staticmethod
    def warm_gemini() -> threading.Thread | None:
        """Pay the Gemini backend's one-time costs on a background thread (see
        :mod:`core.warmup`); the warming thread, or None when it was paid already."""
        from core.warmup import warm

        return warm()

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        """End the worker processes and close the journal; call once no run is going."""
        with self._lock:
            workers, self._workers = self._workers, None
            journal, self._journal = self._journal, None
        if workers is not None and self._own_workers:
            workers.shutdown()
        if journal is not None:
            journal.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
