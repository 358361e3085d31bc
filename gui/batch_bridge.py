"""Where a folder batch's engine events become Qt signals (the sibling of
:mod:`gui.bridge`, which does the same for a single PDF).

The batch is made by the engine (:meth:`core.engine.Engine.folder_batch`) on the window's
engine, so a batch and the runs of single PDFs share the worker processes and land in
the same history (and resume from it). The batch writes its own index after every file
and once more at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from core import events as ev
from core.settings import Settings
from gui.task_bridge import Runner, TaskBridge

if TYPE_CHECKING:
    from core.batch_outcome import BatchOptions
    from core.engine import Engine

#: (settings, options, emit) -> the batch; by default the engine's folder batch
RunnerFactory = Callable[[Settings, "BatchOptions", Callable[[ev.Event], None]], Runner]


class BatchBridge(TaskBridge):
    noun = "batch"

    def __init__(
        self,
        engine: Engine,
        runner_factory: RunnerFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(runner_factory or engine.folder_batch, parent)

    def start(
        self, settings: Settings, options: BatchOptions, source: str, paths: Sequence[Path]
    ) -> asyncio.Task:
        """Start a batch on the running loop; the task is kept until it ends."""
        runner = self._factory(settings, options, self._listener())
        return self._launch(runner, runner.run(source, list(paths)))  # type: ignore[attr-defined]
