"""A progress bar whose new value is painted with the window's next frame.

``QProgressBar.setValue`` repaints at once (a synchronous ``repaint()``, not ``update()``),
so every change paints and flushes the bar on the spot. In the app that took 7-12 ms per
change on the 2-core machine under Xvfb, once or twice a second during a run; queued, the
bar is painted with whatever else changed (docs/ARCHITECTURE.md, "Keeping the window smooth").
"""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar


class ProgressBar(QProgressBar):
    def setValue(self, value: int) -> None:
        # with updates off, QProgressBar's own repaint() does nothing; turning them back
        # on calls update(), which queues the paint
        enabled = self.updatesEnabled()
        self.setUpdatesEnabled(False)
        try:
            super().setValue(value)
        finally:
            self.setUpdatesEnabled(enabled)
