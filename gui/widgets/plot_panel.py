"""A report chart: a legend row over a static pyqtgraph plot, following the palette.

The Gantt chart and the concurrency plot are laid out and themed the same way (and line
their time axes up), so that part lives here once; each subclass adds its items.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.plot_style import apply_palette, make_plot
from gui.widgets.legend_row import LegendRow


class PlotPanel(QWidget):
    def __init__(
        self, parent: QWidget | None = None, *, left: str = "", min_height: int = 110
    ) -> None:
        super().__init__(parent)
        self.legend = LegendRow(self)
        self.plot = make_plot(self, left=left, bottom="time since the run started", units="s")
        self.plot.setMinimumHeight(min_height)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        apply_palette(self.plot, self.palette())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            apply_palette(self.plot, self.palette())
