"""Live memory graph: RSS over the run, the throttle threshold and maximum, throttled spans.

pyqtgraph rather than QtCharts: both redraw 600 points in about a millisecond
(docs/ARCHITECTURE.md, "Qt and qasync"), but QtCharts needs PySide6-Addons (+400 MB
installed) while pyqtgraph is pure Python over numpy. Samples are buffered as they arrive (5
a second from the engine) and drawn by a timer a few times a second, so a burst of events
never costs a redraw each.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from core.events import MemorySample

if TYPE_CHECKING:
    import pyqtgraph as pg

CAPACITY = 6000  # 20 minutes at 5 samples a second; older samples scroll out
REDRAW_MS = 150
MIN_FIT_S = 1.0
IDLE_TEXT = (
    "While a run goes, this graph shows the memory SectionFlow uses (the app and its "
    "worker processes, counted as the command line counts it) beside the throttle "
    "threshold and maximum set above."
)


class MemoryGraph(QWidget):
    """The plot itself (pyqtgraph and numpy, half a second of imports) is never made for
    the window's first frame: they are imported on a thread once the graph is on screen
    and the plot is made when that is done, before any run needs it
    (docs/ARCHITECTURE.md, "Start-up")."""

    _imported = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._t: deque[float] = deque(maxlen=CAPACITY)
        self._rss: deque[float] = deque(maxlen=CAPACITY)
        self._origin: float | None = None
        self._dirty = False
        #: throttled spans as [start, end]; the last is open while throttled
        self._spans: list[list[float]] = []
        self._span_open = False
        self._regions: list[pg.LinearRegionItem] = []
        self.samples_received = 0
        self.redraws = 0
        self._limits: tuple[float, float, bool] | None = None
        self._x_span = 0.0
        self._y_top = 0.0
        self._plot: pg.PlotWidget | None = None
        #: the thread importing pyqtgraph once the graph is first shown (see showEvent)
        self.warming: threading.Thread | None = None

        self.placeholder = QLabel(IDLE_TEXT, self)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)
        self.placeholder.setAccessibleName("Memory graph")
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.placeholder)
        self.setMinimumHeight(120)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()
        self._imported.connect(lambda: self.plot)

    def showEvent(self, event) -> None:
        """Once on screen, import pyqtgraph and numpy on a thread, so making the plot at
        a run's first sample costs the GUI thread tens of ms, not half a second."""
        super().showEvent(event)
        if self._plot is None and self.warming is None:

            def imported() -> None:
                _import_plotting()
                with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                    self._imported.emit()  # queued: the plot is made on the GUI thread

            self.warming = threading.Thread(target=imported, name="plot-warmup")
            self.warming.daemon = True
            self.warming.start()

    @property
    def built(self) -> bool:
        return self._plot is not None

    @property
    def plot(self) -> pg.PlotWidget:
        if self._plot is None:
            self._build()
        assert self._plot is not None
        return self._plot

    def _build(self) -> None:
        import pyqtgraph as pg

        plot = self._plot = pg.PlotWidget(self)
        plot.setMenuEnabled(False)
        # Ranges are set by hand in steps (see _redraw): auto-ranging every redraw made
        # pyqtgraph re-lay the axis ticks each time, its most expensive work by far.
        plot.disableAutoRange()
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        # no grid: its translucent lines cost ~3.5 ms of every ~5 ms repaint
        plot.setLabel("left", "RSS", units="MB")
        plot.setLabel("bottom", "time", units="s")
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.setToolTip(
            "Memory of the app and its worker processes during the run. Dashed lines: "
            "throttle threshold (orange) and maximum (red); shaded: throttled periods"
        )
        plot.setAccessibleName("Memory graph")
        self.legend = plot.addLegend(offset=(-8, 4), colCount=3)
        self.curve = plot.plot([], [], name="RSS", pen=pg.mkPen("#1e88e5", width=2))
        dash = Qt.PenStyle.DashLine
        self.threshold_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#fb8c00", width=1.5, style=dash)
        )
        self.max_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#e53935", width=1.5, style=dash))
        for line in (self.threshold_line, self.max_line):
            line.setVisible(False)
            plot.addItem(line)
        self.legend.addItem(pg.PlotDataItem(pen=self.threshold_line.pen), "threshold")
        self.legend.addItem(pg.PlotDataItem(pen=self.max_line.pen), "maximum")
        self.apply_palette()
        self._stack.addWidget(plot)
        self._stack.setCurrentWidget(plot)
        if self._limits is not None:
            self._show_limits(*self._limits)
        self._dirty = True

    def apply_palette(self) -> None:
        """Follow the system light or dark palette."""
        if self._plot is None:
            return
        import pyqtgraph as pg

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
        self._t.clear()
        self._rss.clear()
        self._origin = None
        self._spans.clear()
        self._span_open = False
        if self._plot is not None:
            for region in self._regions:
                self._plot.removeItem(region)
            self.curve.setData([], [])
        self._regions.clear()
        self._dirty = False
        self.clear_ranges()

    def set_limits(self, threshold_mb: float, max_mb: float, enabled: bool = True) -> None:
        """Move the limit lines; only touching the scene when a value really changed,
        because every scene change costs a repaint of the plot."""
        if (threshold_mb, max_mb, enabled) == self._limits:
            return
        self._limits = (threshold_mb, max_mb, enabled)
        if self._plot is not None:
            self._show_limits(threshold_mb, max_mb, enabled)
        self._dirty = True

    def _show_limits(self, threshold_mb: float, max_mb: float, enabled: bool) -> None:
        self.threshold_line.setValue(threshold_mb)
        self.max_line.setValue(max_mb)
        self.threshold_line.setVisible(enabled)
        self.max_line.setVisible(enabled)

    def add_sample(self, sample: MemorySample) -> None:
        if self._origin is None:
            self._origin = sample.at
        t = sample.at - self._origin
        self._t.append(t)
        self._rss.append(sample.rss_mb)
        self.samples_received += 1
        self.set_limits(sample.threshold_mb, sample.max_mb, True)
        self._shade(t, sample.throttled)
        self._dirty = True

    def _shade(self, t: float, throttled: bool) -> None:
        if throttled and not self._span_open:
            self._spans.append([t, t])
            self._span_open = True
        elif self._span_open:
            self._spans[-1][1] = t
            self._span_open = throttled

    def rss_samples(self) -> list[float]:
        """The memory figures plotted since the graph was cleared (MB)."""
        return list(self._rss)

    def throttled_spans(self) -> list[tuple[float, float]]:
        return [(start, end) for start, end in self._spans]

    def _draw_spans(self) -> None:
        import pyqtgraph as pg

        while len(self._regions) < len(self._spans):
            region = pg.LinearRegionItem(
                movable=False, brush=pg.mkBrush(QColor(251, 140, 0, 50)), pen=pg.mkPen(None)
            )
            region.setZValue(-10)
            self.plot.addItem(region)
            self._regions.append(region)
        for region, span in zip(self._regions, self._spans, strict=False):
            if tuple(region.getRegion()) != tuple(span):
                region.setRegion(tuple(span))

    def _redraw(self) -> None:
        if not self._dirty:
            return
        import numpy as np

        self._dirty = False
        self.redraws += 1
        times = np.fromiter(self._t, float, len(self._t))
        rss = np.fromiter(self._rss, float, len(self._rss))
        self.plot  # noqa: B018 - made with the first sample (see _build)
        self.curve.setData(times, rss)
        self._draw_spans()
        n = len(times)
        latest_t = float(times[-1]) if n else 0.0
        if latest_t >= self._x_span or self._x_span == 0.0:
            first = float(times[0]) if n else 0.0
            self._x_span = first + _nice_ceiling(max(latest_t - first, 8.0) * 1.25)
            self.plot.setXRange(first, self._x_span, padding=0)
        top = max(
            float(rss.max()) if n else 0.0,
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
        if len(self._t) > 1:
            first = self._t[0]
            last = max(self._t[-1], first + MIN_FIT_S)
            self.plot.setXRange(first, last, padding=0.02)

    def clear_ranges(self) -> None:
        self._x_span = 0.0
        self._y_top = 0.0


def _import_plotting() -> None:
    import numpy  # noqa: F401
    import pyqtgraph  # noqa: F401


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
