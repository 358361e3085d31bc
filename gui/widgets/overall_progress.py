"""The overall bar: sections done, failed, left, elapsed and an ETA."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from gui.state.observable import Change
from gui.state.run_progress import RunProgress, format_seconds
from gui.widgets.progress_bar import ProgressBar


class OverallProgress(QWidget):
    def __init__(self, progress: RunProgress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        self.bar = ProgressBar(self)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%v of %m sections")
        self.bar.setToolTip(
            "Sections finished (done, partial or failed) out of all in the run; cancelled "
            "sections never finished, so they do not fill the bar"
        )
        self.bar.setAccessibleName("Overall progress")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.label = QLabel("Idle", self)
        self.label.setToolTip(
            "Done, partial (cut off), failed, cancelled and left; elapsed time and the "
            "estimated time left"
        )
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(160)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.refresh)
        progress.subscribe(self._on_change)
        self.refresh()  # "No run yet", not the bar's own "0 of 1"

    def _on_change(self, change: Change, index: int) -> None:
        # while running the timer refreshes twice a second; a per-event refresh would
        # re-count every row and re-lay the label hundreds of times in a burst
        if not self._timer.isActive():
            self.refresh()

    def set_running(self, running: bool) -> None:
        if running:
            self._timer.start()
        else:
            self._timer.stop()
        self.refresh()

    def refresh(self) -> None:
        tally = self.progress.tally()
        total = len(self.progress)
        if not total:
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
            self.bar.setFormat("No run yet")
            self.label.setText("Idle")
            return
        eta = self.progress.eta_seconds()
        ahead = f" · ETA {format_seconds(eta)}" if eta is not None else ""
        self.bar.setFormat(f"%v of %m sections{ahead}")
        self.bar.setRange(0, total)
        self.bar.setValue(tally.finished)
        parts = [tally.text(left=bool(tally.left))]
        parts.append(f"elapsed {format_seconds(self.progress.elapsed())}")
        if eta is not None:
            parts.append(f"ETA {format_seconds(eta)}")
        tokens = self.progress.tokens()
        if tokens:
            parts.append(f"{tokens:,} tokens")
        self.label.setText(" · ".join(parts))
