"""The one place where a single PDF's run events become Qt signals.

The pipeline calls ``emit(event)`` on the loop thread (with qasync, the GUI thread), so
re-emitting is a direct call with no copying; the window's controllers listen and never
see the engine. Everything the window may do to a run (start, cancel, move a
limit, change the memory limits) goes through here (see :mod:`gui.task_bridge`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from core import events as ev
from core.settings import Settings
from gui.task_bridge import TaskBridge

if TYPE_CHECKING:
    from core.engine import Engine
    from core.pipeline import Pipeline
    from core.run_types import RunRequest

PipelineFactory = Callable[[Settings, Callable[[ev.Event], None]], "Pipeline"]


class EngineBridge(TaskBridge):
    noun = "run"

    def __init__(
        self,
        engine: Engine,
        pipeline_factory: PipelineFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(pipeline_factory or engine.pipeline, parent)
        self.engine = engine

    def prestart_workers(self, count: int) -> threading.Thread | None:
        """Start the engine's worker processes now, off the GUI thread (no-op when a
        test's stand-in pipelines need none)."""
        if self._factory != self.engine.pipeline:
            return None
        return self.engine.prestart_workers(count)

    def start(self, request: RunRequest, settings: Settings) -> asyncio.Task:
        """Start a run on the running loop; the task is kept until it ends."""
        pipeline = self._factory(settings, self._listener())
        return self._launch(pipeline, pipeline.run(request))
