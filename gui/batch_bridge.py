"""Where a folder batch's engine events become Qt signals (the sibling of
:mod:`gui.bridge`, which does the same for a single PDF).

The batch runs :class:`core.batch.BatchRunner` on the running (qasync) loop. The bridge
owns its task, as :class:`gui.bridge.EngineBridge` does for a run: qasync keeps no
reference to tasks it did not start, and a task held only by the loop could be collected
mid-batch. It shares the window's PDF worker processes and run journal with the single-PDF
bridge, so a batch and the runs of single PDFs land in the same history (and resume from
it), and it writes the batch index after every file and once more at the end, as the CLI
does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from core import events as ev
from core.settings import Settings
from gui.bridge import EngineBridge
from gui.task_bridge import TaskBridge

log = logging.getLogger("sectionflow.gui.batch")

#: (settings, options, emit, on_file_done) -> an object with run(source, paths), cancel()
#: and a ``limits`` attribute; the default is :class:`core.batch.BatchRunner`
RunnerFactory = Callable[[Settings, Any, Callable[[ev.Event], None], Callable[[Any], None]], Any]


class BatchBridge(TaskBridge):
    batch_started = Signal(object)
    #: a FileEvent: one engine event of one file's run
    file_event = Signal(object)
    file_finished = Signal(object)
    batch_finished = Signal(object)
    #: the BatchOutcome, once the final index is written
    batch_completed = Signal(object)
    #: the batch could not run or crashed, or the index could not be written
    batch_error = Signal(str)

    def __init__(
        self,
        engine: EngineBridge,
        runner_factory: RunnerFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self._factory = runner_factory or self._default_runner
        self._runner: Any = None
        #: (index.json, index.md) of the last batch, once written
        self.index_paths: tuple[Path, Path] | None = None
        self._index_failed = False
        self._routes = {
            ev.BatchStarted: self.batch_started,
            ev.FileEvent: self.file_event,
            ev.FileFinished: self.file_finished,
            ev.BatchFinished: self.batch_finished,
        }

    def _default_runner(
        self,
        settings: Settings,
        options: Any,
        emit: Callable[[ev.Event], None],
        on_file_done: Callable[[Any], None],
    ) -> Any:
        from core.batch import BatchRunner
        from core.processors import make_processor

        workers = self.engine.workers()
        return BatchRunner(
            settings,
            options,
            workers=workers,
            journal=self.engine.journal(),
            processor_factory=lambda: make_processor(settings, workers),
            emit=emit,
            on_file_done=on_file_done,
        )

    # -- state ------------------------------------------------------------------------

    @property
    def runner(self) -> Any:
        return self._runner

    # -- control ----------------------------------------------------------------------

    def start(
        self, settings: Settings, options: Any, source: str, paths: Sequence[Path]
    ) -> asyncio.Task:
        """Start a batch on the running loop; the task is kept until it ends."""
        if self.running:
            raise RuntimeError("A batch is already going; cancel it or wait for it to end")
        self.index_paths = None
        self._index_failed = False
        self._runner = self._factory(settings, options, self._on_event, self._write_index)
        return self._launch(self._run(self._runner, source, list(paths)), "sectionflow-batch")

    async def _run(self, runner: Any, source: str, paths: list[Path]) -> Any:
        outcome = None
        try:
            outcome = await runner.run(source, paths)
        except asyncio.CancelledError:
            log.warning("The batch was stopped before it could finish")
            self.batch_error.emit("The batch was stopped")
        except Exception as exc:
            log.exception("The batch failed")
            self.batch_error.emit(str(exc) or type(exc).__name__)
        self.last_outcome = outcome
        try:
            if outcome is not None:
                await self._write_final_index(outcome)
                self.batch_completed.emit(outcome)
        finally:
            self._ended()  # after the index: running_changed(False) means all is written
        return outcome

    def cancel(self) -> None:
        """Ask every file's run to stop; each still cleans up, files not yet started are
        listed as cancelled, the index is written, then ``running_changed(False)``."""
        if self.running and self._runner is not None:
            log.info("Cancelling the batch")
            self._runner.cancel()

    def set_limit(self, slot: ev.Slot, limit: int) -> None:
        """Move a global limit during the batch (the settings panel's sliders)."""
        limits = getattr(self._runner, "limits", None) if self.running else None
        if limits is None:
            return
        limit = max(1, int(limit))
        if slot is ev.Slot.SECTION:
            if limits.adaptive is not None:
                limits.adaptive.set_ceiling(limit)
            else:
                limits.sections.set_limit(limit)
        elif slot is ev.Slot.SPLIT:
            limits.splits.set_limit(limit)
        elif slot is ev.Slot.UPLOAD:
            limits.uploads.set_limit(limit)
        log.info("Batch limit for %s changed to %d", slot.value, limit)

    def set_memory_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None:
        """Move the memory throttle during the batch (the settings panel's sliders)."""
        runner = self._runner if self.running else None
        if runner is not None:
            runner.set_memory_limits(threshold_mb=threshold_mb, max_mb=max_mb, enabled=enabled)
            log.info("Batch memory throttle now %.0f MB, maximum %.0f MB", threshold_mb, max_mb)

    # -- the index --------------------------------------------------------------------

    def _write_index(self, outcome: Any) -> None:
        """After each file (called by the runner on the loop): a small atomic write; a
        failure is reported, never allowed to stop the batch."""
        from core.batch_index import write_index

        try:
            self.index_paths = write_index(outcome)
        except Exception as exc:
            log.exception("Could not write the batch index")
            if not self._index_failed:  # once a batch, not once a file
                self._index_failed = True
                self.batch_error.emit(f"Could not write the batch index: {exc}")

    async def _write_final_index(self, outcome: Any) -> None:
        from core.batch_index import write_index

        try:
            self.index_paths = await asyncio.to_thread(write_index, outcome)
        except Exception as exc:
            log.exception("Could not write the batch index")
            self.batch_error.emit(f"Could not write the batch index: {exc}")
