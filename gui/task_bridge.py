"""What the run bridge and the batch bridge share: owning one engine task on the loop,
handing its events to the window as one Qt signal, and passing the window's controls to
it.

qasync keeps no reference to tasks it did not start, so a task held only by the loop
could be collected mid-run (docs/ARCHITECTURE.md, "qasync"): the bridge keeps it until it
ends. Events arrive on the loop thread (with qasync, the GUI thread), so re-emitting is a
direct call; listeners pick the event types they care about from the one ``event``
signal (see :class:`gui.run_controller.RunController`).

Cancelling never holds the window longer than ``CANCEL_BOUND_S``: the engine is told at
once, and if its task has not ended by then (a worker busy on a slow page, a network call
that will not give up) the bridge *lets go* of it: the window is idle again with the
unfinished sections marked cancelled, while the task finishes its clean-up in the
background. Its late events still reach the window until another task starts
(docs/ARCHITECTURE.md, "Cancel and close").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from core import events as ev
from core.errors import SectionFlowError
from core.limits import FIELD_SLOTS, MEMORY_FIELDS, Limits

if TYPE_CHECKING:
    from gui.state.settings import AppSettings

log = logging.getLogger("sectionflow.gui.bridge")


class Runner(Protocol):
    """A pipeline (one PDF) or a folder batch, as the window drives it."""

    limits: Limits

    def cancel(self) -> None: ...

    def set_memory_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None: ...


class TaskBridge(QObject):
    #: every engine event of the task, in order
    event = Signal(object)
    #: True when the task starts, False once it has ended (after clean-up)
    running_changed = Signal(bool)
    #: the outcome, once the task has ended and everything is written
    completed = Signal(object)
    #: the task could not run or crashed; the text is for the user
    failed = Signal(str)
    #: cancelling took longer than CANCEL_BOUND_S: the window is idle again while the
    #: task still cleans up in the background (what it had not finished is cancelled)
    let_go = Signal()

    #: what the user calls the task, in messages ("run", "batch")
    noun = "task"
    #: the longest Esc (or closing) keeps the window waiting on a cancelled task
    CANCEL_BOUND_S = 0.8

    def __init__(self, factory: Callable[..., Runner], parent: QObject | None = None) -> None:
        """``factory`` makes the task's runner (by default the engine's; tests pass a
        stand-in)."""
        super().__init__(parent)
        self._factory = factory
        self._task: asyncio.Task | None = None
        self._running = False
        self._runner: Runner | None = None
        self.last_outcome: Any = None
        #: tasks let go of after a cancel, still cleaning up
        self._background: set[asyncio.Task] = set()
        self._launches = 0
        self._bound = QTimer(self)
        self._bound.setSingleShot(True)
        self._bound.timeout.connect(self._let_go)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def cleaning(self) -> bool:
        """A task let go of after a cancel is still cleaning up in the background."""
        return any(not task.done() for task in self._background)

    @property
    def task(self) -> asyncio.Task | None:
        return self._task

    @property
    def runner(self) -> Runner | None:
        return self._runner

    # -- the task ---------------------------------------------------------------------

    def _launch(self, runner: Runner, work: Coroutine[Any, Any, Any]) -> asyncio.Task:
        if self.running:
            work.close()
            raise RuntimeError(f"A {self.noun} is already going; cancel it or wait for it to end")
        self._runner = runner
        self._launches += 1
        self._bound.stop()
        name = f"sectionflow-{self.noun}"
        self._task = asyncio.get_running_loop().create_task(self._guarded(work), name=name)
        self._running = True
        self.running_changed.emit(True)
        return self._task

    def _listener(self) -> Callable[[ev.Event], None]:
        """The ``emit`` for the task about to be launched: its events reach the window
        until a later task starts (a task let go of may still be cleaning up then)."""
        launch = self._launches + 1

        def emit(event: ev.Event) -> None:
            if launch == self._launches:
                self.event.emit(event)

        return emit

    async def _guarded(self, work: Coroutine[Any, Any, Any]) -> Any:
        """Run the work; whatever happens, the window hears how it ended (unless a later
        task has started since this one was let go of)."""
        launch = self._launches
        outcome = None
        failure = ""
        try:
            outcome = await work
        except asyncio.CancelledError:
            log.warning("The %s was stopped before it could finish", self.noun)
            failure = f"The {self.noun} was stopped"
        except SectionFlowError as exc:  # said in the user's words: no traceback
            log.warning("The %s could not go on: %s", self.noun, exc)
            failure = str(exc) or type(exc).__name__
        except Exception as exc:
            log.exception("The %s failed", self.noun)
            failure = str(exc) or type(exc).__name__
        if not shiboken6.isValid(self) or launch != self._launches:
            # the window is gone (closed while this was let go of), or a newer task owns it
            return outcome
        self.last_outcome = outcome
        try:
            if failure:
                self.failed.emit(failure)
            if outcome is not None:
                self.completed.emit(outcome)
        finally:
            if self._running:
                self._bound.stop()
                self._running = False  # before the signal: listeners ask `running`
                self.running_changed.emit(False)
        return outcome

    async def wait(self) -> Any:
        """Wait for the current task (if any) to end; returns its outcome or None."""
        task = self._task
        if task is None:
            return self.last_outcome
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            return None

    async def settle(self, timeout: float) -> bool:
        """At exit: wait up to ``timeout`` seconds for every task, the ones let go of
        too; True when all have ended."""
        tasks = {task for task in (self._task, *self._background) if task and not task.done()}
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        return all(task.done() for task in tasks)

    def _let_go(self) -> None:
        """The cancel bound passed with the task still cleaning up: idle the window."""
        task = self._task
        if not self._running or task is None or task.done():
            return
        log.info("The cancelled %s still cleans up; the window is free again", self.noun)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        self.let_go.emit()
        self._running = False
        self.running_changed.emit(False)

    # -- controls ---------------------------------------------------------------------

    def cancel(self, bound_s: float | None = None) -> None:
        """Ask the engine to stop; it still cleans up, then ``running_changed(False)``,
        or after ``bound_s`` (CANCEL_BOUND_S) the window is let go of (see above)."""
        if self.running and self._runner is not None:
            log.info("Cancelling the %s", self.noun)
            self._runner.cancel()
            bound_ms = round((self.CANCEL_BOUND_S if bound_s is None else bound_s) * 1000)
            if not self._bound.isActive() or self._bound.remainingTime() > bound_ms:
                self._bound.start(bound_ms)

    def set_limit(self, slot: ev.Slot, limit: int) -> int | None:
        """Move a running limit (a slider); the limit in effect, or None when idle."""
        if self.running and self._runner is not None:
            return self._runner.limits.set(slot, limit)
        return None

    def set_memory_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None:
        if self.running and self._runner is not None:
            self._runner.set_memory_limits(threshold_mb, max_mb, enabled)

    def follow(self, settings: AppSettings, say: Callable[[str], None]) -> None:
        """Move the running task's limits whenever the settings change (the sliders, a
        suggestion's Apply, Reset); ``say`` gets a line for the status bar."""

        def changed(name: str, value: Any) -> None:
            if not self.running:
                return
            slot = FIELD_SLOTS.get(name)
            if slot is not None:
                effective = self.set_limit(slot, int(value))
                note = " (sequential mode: one at a time)" if effective != int(value) else ""
                say(f"The {self.noun}'s {slot.value} limit is now {effective}{note}")
            elif name in MEMORY_FIELDS:
                self.set_memory_limits(
                    settings.value("memory_throttle_threshold_mb"),
                    settings.value("max_memory_usage_mb"),
                    settings.value("enable_memory_monitoring"),
                )

        settings.subscribe(changed)
