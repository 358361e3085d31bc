"""A legend drawn as a row of Qt labels above a chart, not inside the plot.

Inside a pyqtgraph plot a legend covers data (a Gantt chart's last bars end exactly in
the corner where it would sit); above it, it never does, and it reflows like text.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

SWATCH = 14


@dataclass(frozen=True, slots=True)
class LegendEntry:
    name: str
    color: str
    tip: str = ""
    line: bool = False  # a line sample (plots) rather than a filled box (bars)
    dashed: bool = False


class LegendRow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 0, 4, 0)
        self._layout.setSpacing(14)
        self._layout.addStretch(1)
        self.entries: list[LegendEntry] = []

    def set_entries(self, entries: list[LegendEntry]) -> None:
        if list(entries) == self.entries:  # every run shows the same few: keep the widgets
            return
        while self._layout.count() > 1:
            item = self._layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.entries = list(entries)
        for index, entry in enumerate(self.entries):
            self._layout.insertWidget(index, self._entry_widget(entry))

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    def _entry_widget(self, entry: LegendEntry) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(5)
        swatch = QLabel(box)
        swatch.setPixmap(_swatch(entry, self.devicePixelRatioF()))
        text = QLabel(entry.name, box)
        for widget in (box, swatch, text):
            widget.setToolTip(entry.tip or entry.name)
        row.addWidget(swatch)
        row.addWidget(text)
        return box


def _swatch(entry: LegendEntry, ratio: float) -> QPixmap:
    ratio = max(1.0, ratio)
    pixmap = QPixmap(int(SWATCH * ratio), int(SWATCH * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(entry.color)
    if entry.line:
        pen = QPen(color, 2.5)
        if entry.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(0, SWATCH / 2), QPointF(SWATCH, SWATCH / 2))
    else:
        painter.setPen(QPen(color.darker(130), 1))
        painter.setBrush(color)
        painter.drawRoundedRect(QRectF(1, 1, SWATCH - 2, SWATCH - 2), 2, 2)
    painter.end()
    return pixmap
