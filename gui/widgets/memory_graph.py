"""Live memory graph: RSS over the run, the throttle threshold and maximum, throttled spans.

pyqtgraph rather than QtCharts: both redraw 600 points in about a millisecond
(docs/ARCHITECTURE.md, "Qt and qasync"), but QtCharts needs PySide6-Addons (+400 MB
installed) while pyqtgraph is pure Python over numpy. Samples are buffered as they arrive (5
a second from the engine) and drawn by a timer a few times a second, so a burst of events
never costs a redraw each.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.events import MemorySample

CAPACITY = 6000  # 20 minutes at 5 samples a second; older samples scroll out
REDRAW_MS = 150
MIN_FIT_S = 1.0


class MemoryGraph(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._t = np.zeros(CAPACITY)
        self._rss = np.zeros(CAPACITY)
        self._count = 0
        self._origin: float | None = None
        self._dirty = False
        self._regions: list[pg.LinearRegionItem] = []
        self._open_region: pg.LinearRegionItem | None = None
        self.samples_received = 0
        self.redraws = 0
        self._limits: tuple[float, float, bool] | None = None
        self._x_span = 0.0
        self._y_top = 0.0

        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        # Ranges are set by hand in steps (see _redraw): auto-ranging every redraw made
        # pyqtgraph re-lay the axis ticks each time, its most expensive work by far.
        self.plot.disableAutoRange()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        # no grid: its translucent lines cost ~3.5 ms of every ~5 ms repaint
        self.plot.setLabel("left", "RSS", units="MB")
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setMinimumHeight(120)
        self.plot.setToolTip(
            "Memory of the app and its worker processes during the run. Dashed lines: "
            "throttle threshold (orange) and maximum (red); shaded: throttled periods"
        )
        self.plot.setAccessibleName("Memory graph")
        self.legend = self.plot.addLegend(offset=(-8, 4), colCount=3)
        self.curve = self.plot.plot([], [], name="RSS", pen=pg.mkPen("#1e88e5", width=2))
        self.threshold_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#fb8c00", width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self.max_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#e53935", width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        for line in (self.threshold_line, self.max_line):
            line.setVisible(False)
            self.plot.addItem(line)
        self.legend.addItem(pg.PlotDataItem(pen=self.threshold_line.pen), "threshold")
        self.legend.addItem(pg.PlotDataItem(pen=self.max_line.pen), "maximum")
        self.apply_palette()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()

    def apply_palette(self) -> None:
        """Follow the system light or dark palette."""
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        self.legend.setLabelTextColor(text)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.apply_palette()

    # -- data -------------------------------------------------------------------------

    def clear(self) -> None:
        self._count = 0
        self._origin = None
        for region in self._regions:
            self.plot.removeItem(region)
        self._regions.clear()
        self._open_region = None
        self.curve.setData([], [])
        self._dirty = False
        self.clear_ranges()

    def set_limits(self, threshold_mb: float, max_mb: float, enabled: bool = True) -> None:
        """Move the limit lines; only touching the scene when a value really changed,
        because every scene change costs a repaint of the plot."""
        if (threshold_mb, max_mb, enabled) == self._limits:
            return
        self._limits = (threshold_mb, max_mb, enabled)
        self.threshold_line.setValue(threshold_mb)
        self.max_line.setValue(max_mb)
        self.threshold_line.setVisible(enabled)
        self.max_line.setVisible(enabled)
        self._dirty = True

    def add_sample(self, sample: MemorySample) -> None:
        if self._origin is None:
            self._origin = sample.at
        t = sample.at - self._origin
        if self._count == CAPACITY:
            self._t[:-1] = self._t[1:]
            self._rss[:-1] = self._rss[1:]
            self._count -= 1
        self._t[self._count] = t
        self._rss[self._count] = sample.rss_mb
        self._count += 1
        self.samples_received += 1
        self.set_limits(sample.threshold_mb, sample.max_mb, True)
        self._shade(t, sample.throttled)
        self._dirty = True

    def _shade(self, t: float, throttled: bool) -> None:
        if throttled and self._open_region is None:
            region = pg.LinearRegionItem(
                values=(t, t),
                movable=False,
                brush=pg.mkBrush(QColor(251, 140, 0, 50)),
                pen=pg.mkPen(None),
            )
            region.setZValue(-10)
            self.plot.addItem(region)
            self._regions.append(region)
            self._open_region = region
        elif self._open_region is not None:
            start = self._open_region.getRegion()[0]
            self._open_region.setRegion((start, t))
            if not throttled:
                self._open_region = None

    def throttled_spans(self) -> list[tuple[float, float]]:
        return [tuple(region.getRegion()) for region in self._regions]

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.redraws += 1
        n = self._count
        self.curve.setData(self._t[:n], self._rss[:n])
        latest_t = float(self._t[n - 1]) if n else 0.0
        if latest_t >= self._x_span or self._x_span == 0.0:
            first = float(self._t[0]) if n else 0.0
            self._x_span = first + _nice_ceiling(max(latest_t - first, 8.0) * 1.25)
            self.plot.setXRange(first, self._x_span, padding=0)
        top = max(
            float(self._rss[:n].max()) if n else 0.0,
            self.max_line.value() if self.max_line.isVisible() else 0.0,
        )
        wanted = _step_up(top * 1.08 + 1, 256.0)
        if wanted != self._y_top:
            self._y_top = wanted
            self.plot.setYRange(0, wanted, padding=0)

    def fit(self) -> None:
        """At the end of a run: the whole run, edge to edge (a second at least: a run of
        cached results can end within milliseconds, and an axis in ms reads as noise)."""
        self._redraw()
        n = self._count
        if n > 1:
            first = float(self._t[0])
            last = max(float(self._t[n - 1]), first + MIN_FIT_S)
            self.plot.setXRange(first, last, padding=0.02)

    def clear_ranges(self) -> None:
        self._x_span = 0.0
        self._y_top = 0.0


def _nice_ceiling(value: float) -> float:
    """The next of 10, 20, 50, 100, 200, 500… at or above value."""
    scale = 10.0
    while True:
        for factor in (1, 2, 5):
            if factor * scale >= value:
                return factor * scale
        scale *= 10


def _step_up(value: float, step: float) -> float:
    """value rounded up to a whole number of steps, so ranges change rarely."""
    return max(step, -(-value // step) * step)
