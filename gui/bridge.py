"""The one place where engine events become Qt signals.

The pipeline calls ``emit(event)`` on the loop thread (with qasync, the GUI thread), so
re-emitting is a direct call with no copying; widgets connect to the typed signals and
never see the engine. The bridge also owns the running task (see
:mod:`gui.task_bridge`). Everything the window may do to a run — start, cancel, move a
limit, change the memory limits — goes through here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from core import events as ev
from core.settings import Settings
from gui.task_bridge import TaskBridge

log = logging.getLogger("sectionflow.gui.bridge")

PipelineFactory = Callable[[Settings, Callable[[ev.Event], None]], Any]


class EngineBridge(TaskBridge):
    run_started = Signal(object)
    section_queued = Signal(object)
    section_started = Signal(object)
    stage_changed = Signal(object)
    waiting_for_slot = Signal(object)
    memory_sample = Signal(object)
    throttle_changed = Signal(object)
    retry_scheduled = Signal(object)
    limit_changed = Signal(object)
    section_done = Signal(object)
    section_failed = Signal(object)
    run_finished = Signal(object)
    #: the RunOutcome, after ``run_finished`` and clean-up
    run_completed = Signal(object)
    #: a run could not start or crashed; the text is for the user
    run_error = Signal(str)

    def __init__(
        self, pipeline_factory: PipelineFactory | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._factory = pipeline_factory or self._default_pipeline
        self._workers: Any = None
        self._journal: Any = None
        self._pipeline: Any = None
        self._routes = {
            ev.RunStarted: self.run_started,
            ev.SectionQueued: self.section_queued,
            ev.SectionStarted: self.section_started,
            ev.StageChanged: self.stage_changed,
            ev.WaitingForSlot: self.waiting_for_slot,
            ev.MemorySample: self.memory_sample,
            ev.ThrottleChanged: self.throttle_changed,
            ev.RetryScheduled: self.retry_scheduled,
            ev.LimitChanged: self.limit_changed,
            ev.SectionDone: self.section_done,
            ev.SectionFailed: self.section_failed,
            ev.RunFinished: self.run_finished,
        }

    # -- building a pipeline ----------------------------------------------------------

    def workers(self) -> Any:
        """The PDF worker processes, shared by every run of this window."""
        if self._workers is None:
            from core.workers import PdfWorkers

            self._workers = PdfWorkers()
        return self._workers

    def prewarm(self, count: int) -> threading.Thread | None:
        """Start worker processes now, from a helper thread.

        A process pool starts its processes inside ``submit``, on the submitting thread;
        at the start of a run that is the event loop, and each spawn (fork + exec + the
        child importing PyMuPDF on a 2-core machine) stalls the window. Warming them when a
        document opens moves that cost to a moment nobody is watching, off the GUI thread.
        """
        if self._factory != self._default_pipeline or count < 1:
            return None
        workers = self.workers()

        def job() -> None:
            try:
                workers.prestart(count)
            except Exception:
                log.debug("Could not pre-start PDF workers", exc_info=True)

        thread = threading.Thread(target=job, name="warm-pdf-workers", daemon=True)
        thread.start()
        return thread

    def journal(self) -> Any:
        """The run journal (SQLite, the same file the CLI uses), opened on first use."""
        if self._journal is None:
            from core.journal import Journal

            self._journal = Journal()
        return self._journal

    def _default_pipeline(self, settings: Settings, emit: Callable[[ev.Event], None]) -> Any:
        from core.pipeline import Pipeline
        from core.processors import make_processor

        workers = self.workers()
        processor = make_processor(settings, workers)
        return Pipeline(settings, processor, workers, emit=emit, journal=self.journal())

    # -- state ------------------------------------------------------------------------

    @property
    def pipeline(self) -> Any:
        return self._pipeline

    # -- control ----------------------------------------------------------------------

    def start(self, request: Any, settings: Settings) -> asyncio.Task:
        """Start a run on the running loop; the task is kept until it ends."""
        if self.running:
            raise RuntimeError("A run is already going; cancel it or wait for it to end")
        self._pipeline = self._factory(settings, self._on_event)
        return self._launch(self._run(self._pipeline, request), "sectionflow-run")

    async def _run(self, pipeline: Any, request: Any) -> Any:
        outcome = None
        try:
            outcome = await pipeline.run(request)
        except asyncio.CancelledError:
            log.warning("The run was stopped before it could finish")
            self.run_error.emit("The run was stopped")
        except Exception as exc:
            log.exception("The run failed")
            self.run_error.emit(str(exc) or type(exc).__name__)
        self.last_outcome = outcome
        try:
            if outcome is not None:
                self.run_completed.emit(outcome)
        finally:
            self._ended()
        return outcome

    def cancel(self) -> None:
        """Ask the engine to stop; it still cleans up, then ``running_changed(False)``."""
        if self.running and self._pipeline is not None:
            log.info("Cancelling the run")
            self._pipeline.cancel()

    def set_limit(self, slot: ev.Slot, limit: int) -> None:
        if self.running and self._pipeline is not None:
            self._pipeline.set_limit(slot, int(limit))

    def set_memory_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None:
        if self.running and self._pipeline is not None:
            self._pipeline.set_memory_limits(
                threshold_mb=threshold_mb, max_mb=max_mb, enabled=enabled
            )

    def shutdown(self) -> None:
        """Stop the worker processes and close the journal; call once the run has ended
        (window close)."""
        workers, self._workers = self._workers, None
        if workers is not None:
            workers.shutdown()
        journal, self._journal = self._journal, None
        if journal is not None:
            journal.close()
