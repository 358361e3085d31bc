"""What the run bridge and the batch bridge share: owning one engine task on the loop
and turning its events into Qt signals.

qasync keeps no reference to tasks it did not start, so a task held only by the loop
could be collected mid-run (DESIGN.md §3): the bridge keeps it until it ends. Events
arrive on the loop thread (with qasync, the GUI thread), so re-emitting is a direct
call; each event type may have its own typed signal, and every event also goes out on
``event`` for listeners that want the raw stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from core import events as ev


class TaskBridge(QObject):
    #: every event, for listeners that want the raw stream (the log, tests)
    event = Signal(object)
    #: True when the task starts, False once it has ended (after clean-up)
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: asyncio.Task | None = None
        self._running = False
        self.last_outcome: Any = None
        #: event type -> its typed signal (filled by the subclass)
        self._routes: dict[type, Signal] = {}

    @property
    def running(self) -> bool:
        return self._running

    @property
    def task(self) -> asyncio.Task | None:
        return self._task

    def _launch(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task:
        self._task = asyncio.get_running_loop().create_task(work, name=name)
        self._running = True
        self.running_changed.emit(True)
        return self._task

    def _ended(self) -> None:
        self._running = False  # before the signal: listeners ask `running`
        self.running_changed.emit(False)

    async def wait(self) -> Any:
        """Wait for the current task (if any) to end; returns its outcome or None."""
        task = self._task
        if task is None:
            return self.last_outcome
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            return None

    def _on_event(self, event: ev.Event) -> None:
        signal = self._routes.get(type(event))
        if signal is not None:
            signal.emit(event)
        self.event.emit(event)
