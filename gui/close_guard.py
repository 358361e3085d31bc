"""Closing the window while a run or a folder batch goes on: ask, stop cleanly, close.

The window's own close would stop the worker processes under the running sections, so
closing first asks; "Yes" cancels (temporary and remote files are still cleaned up) and
the window closes once that task has ended. The question follows the state: if the task
ends by itself while the question is open, the question becomes a plain "close?", and an
answer only ever acts on the task it was asked about, never on a later one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from gui.task_bridge import TaskBridge

_QUESTIONS = {
    "run": "A run is still going. Stop it and close? Finished sections are kept in the "
    "log; temporary and remote files are cleaned up first.",
    "batch": "A folder batch is still going. Stop it and close? Finished files keep their "
    "results and the index lists them; temporary and remote files are cleaned up first.",
}
#: how long "Yes" keeps the window open for the cancelled task (docs/ARCHITECTURE.md)
CLOSE_CANCEL_BOUND_S = 0.3
_ENDED = "The {noun} has ended by itself. Close SectionFlow now?"


class CloseGuard(QObject):
    def __init__(
        self,
        window: QMainWindow,
        bridges: Sequence[TaskBridge],
        keep: Callable[[QWidget], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.bridges = tuple(bridges)
        self._keep = keep
        self.box: QMessageBox | None = None
        #: the bridge whose task's end closes the window (after "Yes"); None otherwise
        self._stopping: TaskBridge | None = None
        for bridge in self.bridges:
            bridge.running_changed.connect(self._on_running)

    @property
    def closing(self) -> bool:
        return self._stopping is not None

    def busy(self) -> TaskBridge | None:
        return next((bridge for bridge in self.bridges if bridge.running), None)

    def allow_close(self) -> bool:
        """From the window's closeEvent: True when nothing runs; else ask (once)."""
        bridge = self.busy()
        if bridge is None:
            return True
        if not self.closing and (self.box is None or not self.box.isVisible()):
            self._ask(bridge)
        return False

    def _ask(self, bridge: TaskBridge) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.window.windowTitle(),
            _QUESTIONS.get(bridge.noun, _QUESTIONS["run"]),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setProperty("noun", bridge.noun)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(self._yes)
        box.finished.connect(self._answered)
        self._keep(box)
        self.box = box
        box.open()

    def _answered(self, *_: object) -> None:
        self.box = None  # closed (and deleted): an old box never acts or changes later

    def _yes(self) -> None:
        """Stop what runs now, then close; if nothing runs any more, close at once."""
        bridge = self.busy()
        if bridge is None:
            QTimer.singleShot(0, self.window.close)
            return
        if self.closing:
            return
        self._stopping = bridge
        if hasattr(self.window, "show_message"):
            self.window.show_message(f"Stopping the {bridge.noun} before closing…")
        # a shorter bound than Esc's: the process then waits for the clean-up (within
        # gui.app.EXIT_BOUND_S) anyway, so the window need not
        bridge.cancel(bound_s=CLOSE_CANCEL_BOUND_S)

    def _on_running(self, running: bool) -> None:
        box = self.box
        if running:
            # a new task began while the box said the last one had ended: ask about it
            bridge = self.busy()
            if box is not None and box.isVisible() and bridge is not None:
                box.setProperty("noun", bridge.noun)
                box.setText(_QUESTIONS.get(bridge.noun, _QUESTIONS["run"]))
            return
        if self._stopping is not None and not self._stopping.running:
            self._stopping = None
            if self.busy() is None:
                QTimer.singleShot(0, self.window.close)
            return
        if box is not None and box.isVisible() and self.busy() is None:
            box.setText(_ENDED.format(noun=box.property("noun") or "run"))
