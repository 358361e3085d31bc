"""Run Python's cyclic garbage collector on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate: the PDF thread, an
executor thread, the keyring probe. If the garbage it finds holds a QObject that lives on
the GUI thread (a widget in a reference cycle, a scene with an index timer), Qt destroys
it from the wrong thread: its timers cannot be unregistered there and a later timer event
lands on freed memory — a segfault seen here in the test suite. So automatic collection is
switched off and a timer collects on the GUI thread instead (pyqtgraph's GarbageCollector
does the same), generation by generation, as the thresholds would have.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadGarbageCollector(QObject):
    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        first, second, third = gc.get_count()
        if first > self.threshold[0]:
            gc.collect(0)
            if second > self.threshold[1]:
                gc.collect(1)
                if third > self.threshold[2]:
                    gc.collect(2)

    @staticmethod
    def freeze() -> None:
        """Exempt everything alive now (modules, the window) from later collections.

        A full collection walks every tracked object: with Qt, pyqtgraph and the Gemini
        SDK loaded that is ~100 ms on the GUI thread, a visible stall. Objects that live
        as long as the app never need walking; only cycles formed later are collected.
        """
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """Give collection back to Python (at shutdown)."""
        self.timer.stop()
        gc.enable()
