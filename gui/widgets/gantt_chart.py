"""Sections over time: one row per section, one bar per stage, coloured by stage.

The point is to see at a glance where a run's time went: long purple bars are splits,
orange uploads, blue the analysis; grey is time a section sat waiting for a slot or for
memory. A pale band before the first bar is the run's start-up (starting the PDF worker
processes, reading and hashing the PDF, opening the journal), which no section owns.

One pyqtgraph ``BarGraphItem`` per stage draws all of that stage's bars, so a
500-section run is five items, not thousands. The bars come from
``summary["report"]["bars"]`` (:func:`core.report.gantt_bars`); the widget only draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QCursor, QFontMetrics
from PySide6.QtWidgets import QToolTip, QWidget

from gui.plot_style import STAGE_COLORS, STAGE_NAMES
from gui.widgets.drawn_when_shown import DrawnWhenShown
from gui.widgets.legend_row import LegendEntry
from gui.widgets.plot_panel import PlotPanel

BAR_HEIGHT = 0.72
STARTUP_COLOR = "#9e9e9e"
#: a start-up shorter than this (seconds) is not worth a band
MIN_STARTUP_S = 0.05
MAX_LABEL_PX = 230
#: beyond this many rows only every n-th title is written, so labels never overlap
MAX_LABELLED_ROWS = 30
_STAGE_TIPS = {
    "waiting": "Queued: waiting for look-ahead room (one per section slot) or for memory",
    "split": "Cutting the section out of the PDF in a worker process",
    "upload": "Uploading to Gemini",
    "prepared": "Split and uploaded ahead, waiting for an analysis slot (look-ahead)",
    "process": "The analysis (the model, or the offline extractor)",
    "cleanup": "Deleting temporary and remote files",
}


class GanttChart(DrawnWhenShown, PlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, min_height=120)
        self.sections: list[tuple[str, str]] = []
        self.bars: list[dict[str, Any]] = []
        self._items: list[pg.GraphicsObject] = []
        self.startup_s = 0.0
        self._row_of: dict[str, int] = {}
        self._hover_text = ""
        self._axis_width = 0
        self._ticks: list[tuple[int, str]] = []
        self._legend: list[LegendEntry] = []
        self._end = 1.0

        self.plot.invertY(True)  # first section on top, like the progress table
        self.plot.setAccessibleName("Sections over time")
        self.plot.setAccessibleDescription(
            "One row per section, one bar per stage, coloured by stage"
        )
        self.plot.getAxis("left").setStyle(tickLength=0)
        self.plot.showGrid(x=True, y=False, alpha=0.18)
        self.plot.scene().sigMouseMoved.connect(self._hover)

    # -- data -------------------------------------------------------------------------

    def clear(self) -> None:
        self._remove_items()
        self.sections, self.bars, self._row_of = [], [], {}
        self.startup_s = 0.0
        self._end = 1.0
        self._stale = False  # nothing left to draw
        self._legend = []
        self.legend.set_entries([])
        self.plot.getAxis("left").setTicks([[], []])

    def _remove_items(self) -> None:
        for item in self._items:
            self.plot.removeItem(item)
        self._items.clear()

    def set_bars(
        self,
        sections: Sequence[tuple[str, str]],
        bars: Sequence[dict[str, Any]],
        end: float | None = None,
    ) -> None:
        """sections: (id, title) in the order of the rows; bars: {section, stage, start,
        end} in seconds since the run started; end: where the time axis stops.

        The bars are drawn now if the chart is on screen, else when it is next shown
        (see :mod:`gui.widgets.drawn_when_shown`)."""
        self._remove_items()
        self.startup_s = 0.0
        self.sections = list(sections)
        self._row_of = {sid: row for row, (sid, _) in enumerate(self.sections)}
        self.bars = [b for b in bars if b["section"] in self._row_of and b["end"] > b["start"]]
        present = {b["stage"] for b in self.bars}
        entries = [
            LegendEntry(STAGE_NAMES[s], STAGE_COLORS[s], _STAGE_TIPS[s])
            for s in STAGE_COLORS
            if s in present
        ]
        first = min((b["start"] for b in self.bars), default=0.0)
        if first >= MIN_STARTUP_S:
            self.startup_s = first
            entries.insert(
                0,
                LegendEntry(
                    "start-up",
                    "#2d" + STARTUP_COLOR[1:],  # the band's colour: translucent, #AARRGGBB
                    "Before the first section: starting the PDF worker processes, reading "
                    "and hashing the PDF, opening the run journal",
                ),
            )
        self._legend = entries
        self._ticks = self._tick_labels()
        self._end = end if end is not None else max((b["end"] for b in self.bars), default=1.0)
        self.request_draw()

    def redraw(self) -> None:
        """Put the legend, the bars, the start-up band, the titles and the ranges on."""
        self._remove_items()
        self.legend.set_entries(self._legend)
        for stage, color in STAGE_COLORS.items():
            mine = [b for b in self.bars if b["stage"] == stage]
            if not mine:
                continue
            item = pg.BarGraphItem(
                x0=np.array([b["start"] for b in mine]),
                x1=np.array([b["end"] for b in mine]),
                y=np.array([self._row_of[b["section"]] for b in mine], dtype=float),
                height=BAR_HEIGHT,
                brush=pg.mkBrush(color),
                pen=pg.mkPen(None),
            )
            item.setZValue(-1 if stage == "waiting" else 0)
            self.plot.addItem(item)
            self._items.append(item)
        if self.startup_s:
            self._add_startup_band(self.startup_s)
        axis = self.plot.getAxis("left")
        axis.setTicks([self._ticks, []])
        axis.setWidth(self._axis_width)
        self.plot.setXRange(0, self._end, padding=0.02)
        self.plot.setYRange(-0.6, max(len(self.sections), 1) - 0.4, padding=0)

    def _add_startup_band(self, end: float) -> None:
        color = pg.mkColor(STARTUP_COLOR)
        color.setAlpha(45)
        band = pg.LinearRegionItem(
            values=(0.0, end), movable=False, brush=pg.mkBrush(color), pen=pg.mkPen(None)
        )
        band.setZValue(-10)
        self.plot.addItem(band)
        self._items.append(band)

    def _tick_labels(self) -> list[tuple[int, str]]:
        """Section titles for the left axis (every n-th beyond MAX_LABELLED_ROWS rows), and
        the axis width they need."""
        metrics = QFontMetrics(self.plot.getAxis("left").font())
        every = max(1, -(-len(self.sections) // MAX_LABELLED_ROWS))
        ticks = []
        for row, (_, title) in enumerate(self.sections):
            if row % every == 0:
                text = metrics.elidedText(title, Qt.TextElideMode.ElideRight, MAX_LABEL_PX)
                ticks.append((row, text))
        widest = max((metrics.horizontalAdvance(text) for _, text in ticks), default=20)
        self._axis_width = widest + 14
        return ticks

    def label_width(self) -> int:
        """Width of the section-title axis, so a chart below can line its time axis up
        (pyqtgraph aligns linked views by screen position)."""
        return self._axis_width

    def sections_with_bars(self) -> set[str]:
        return {b["section"] for b in self.bars}

    # -- hover ------------------------------------------------------------------------

    def bar_at(self, x: float, y: float) -> dict[str, Any] | None:
        """The bar under a point in data coordinates (time, row), if any."""
        row = round(y)
        if abs(y - row) > BAR_HEIGHT / 2 or not 0 <= row < len(self.sections):
            return None
        sid = self.sections[row][0]
        for bar in self.bars:
            if bar["section"] == sid and bar["start"] <= x <= bar["end"]:
                return bar
        return None

    def describe(self, bar: dict[str, Any]) -> str:
        title = self.sections[self._row_of[bar["section"]]][1]
        length = bar["end"] - bar["start"]
        return (
            f"{title}\n{STAGE_NAMES[bar['stage']]}: {length:.2f} s "
            f"(from {bar['start']:.2f} s to {bar['end']:.2f} s)"
        )

    def _hover(self, scene_pos: QPointF) -> None:
        view = self.plot.getPlotItem().vb
        if not view.sceneBoundingRect().contains(scene_pos):
            bar = None
        else:
            point = view.mapSceneToView(scene_pos)
            bar = self.bar_at(point.x(), point.y())
        text = self.describe(bar) if bar is not None else ""
        if text != self._hover_text:
            self._hover_text = text
            if text:
                QToolTip.showText(QCursor.pos(), text, self.plot)
            else:
                QToolTip.hideText()
