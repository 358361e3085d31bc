"""One look for the app's pyqtgraph plots: the system palette, quiet axes, no mouse games.

The memory graph, the Gantt chart and the concurrency plot sit side by side; sharing the
styling keeps them one family and makes each follow a light or dark theme the same way.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

#: one colour per stage, from the Okabe-Ito palette (tells apart under colour blindness);
#: the same stage keeps its colour in every chart
STAGE_COLORS = {
    "waiting": "#c7c7c7",
    "split": "#cc79a7",
    "upload": "#e69f00",
    "prepared": "#56b4e9",
    "process": "#0072b2",
    "cleanup": "#009e73",
}
STAGE_NAMES = {
    "waiting": "waiting",
    "split": "split",
    "upload": "upload",
    "prepared": "prepared",
    "process": "analysis",
    "cleanup": "clean-up",
}
IN_FLIGHT_COLOR = "#0072b2"
LIMIT_COLOR = "#d55e00"


def make_plot(parent, *, left: str = "", bottom: str = "", units: str = "") -> pg.PlotWidget:
    """A static plot: fixed ranges set by the owner, no context menu, no drag or zoom
    (a report is read, not explored; an accidental drag would only lose the view)."""
    plot = pg.PlotWidget(parent)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    if left:
        plot.setLabel("left", left)
    if bottom:
        plot.setLabel("bottom", bottom, units=units)
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)
    return plot


def apply_palette(plot: pg.PlotWidget, palette: QPalette) -> QColor:
    """Follow the system light or dark palette; returns the text colour used."""
    plot.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(text))
        axis.setTextPen(pg.mkPen(text))
    return text
