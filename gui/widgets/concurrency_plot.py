"""Effective concurrency over a run: sections in flight and the section limit, as steps.

The limit is not a constant: adaptive concurrency halves it on rate limits (429) and
lets it creep back, and the user may move the slider mid-run. Drawing both as step lines
shows whether the run was held back by the limit (in flight hugging it) or by something
else (in flight well under it: memory, splits, a short queue). Samples come from
``summary["report"]["concurrency"]``; the widget only draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui.plot_style import IN_FLIGHT_COLOR, LIMIT_COLOR
from gui.widgets.drawn_when_shown import DrawnWhenShown
from gui.widgets.legend_row import LegendEntry
from gui.widgets.plot_panel import PlotPanel


def steps(times: Sequence[float], values: Sequence[float], end: float) -> tuple[Any, Any]:
    """Points of a step line: each value holds from its time until the next one (and
    the last until ``end``)."""
    if not times:
        return np.array([]), np.array([])
    t = np.asarray(times, dtype=float)
    v = np.asarray(values, dtype=float)
    xs = np.repeat(np.append(t, max(end, t[-1])), 2)[1:-1]
    ys = np.repeat(v, 2)
    return xs, ys


class ConcurrencyPlot(DrawnWhenShown, PlotPanel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, left="sections", min_height=80)
        self.samples: list[dict[str, Any]] = []
        self._end = 0.0
        self.legend.set_entries(
            [
                LegendEntry(
                    "in flight",
                    IN_FLIGHT_COLOR,
                    "Sections being split, uploaded, analysed or cleaned up at that moment",
                    line=True,
                ),
                LegendEntry(
                    "section limit",
                    LIMIT_COLOR,
                    "The effective section limit (adaptive: halves on rate limits)",
                    line=True,
                    dashed=True,
                ),
            ]
        )
        self.plot.showGrid(x=True, y=True, alpha=0.18)
        self.plot.setAccessibleName("Concurrency over time")
        self.in_flight = self.plot.plot([], [], pen=pg.mkPen(IN_FLIGHT_COLOR, width=2))
        self.limit = self.plot.plot(
            [], [], pen=pg.mkPen(LIMIT_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        )

    def clear(self) -> None:
        self.samples = []
        self._end = 0.0
        self._stale = False  # nothing left to draw
        self.in_flight.setData([], [])
        self.limit.setData([], [])

    def set_samples(self, samples: Sequence[dict[str, Any]], end: float) -> None:
        """samples: {at, in_flight, limit}, in time order; end: when the run ended.

        Drawn now if on screen, else when next shown (gui.widgets.drawn_when_shown)."""
        self.samples = list(samples)
        self._end = end
        self.request_draw()

    def redraw(self) -> None:
        times = [0.0] + [s["at"] for s in self.samples]
        first_limit = self.samples[0]["limit"] if self.samples else 0
        in_flight = [0] + [s["in_flight"] for s in self.samples]
        limits = [first_limit] + [s["limit"] for s in self.samples]
        self.in_flight.setData(*steps(times, in_flight, self._end))
        self.limit.setData(*steps(times, limits, self._end))
        top = max([*limits, *in_flight, 1])
        self.plot.setYRange(0, top + 0.5, padding=0)
        self.plot.setXRange(0, max(self._end, times[-1]), padding=0.02)
        self.plot.getAxis("left").setTicks([[(v, str(v)) for v in _int_ticks(top)], []])

    def align_left_axis(self, width: int) -> None:
        """Give the value axis the Gantt chart's width, so both time axes line up."""
        self.plot.getAxis("left").setWidth(width)


def _int_ticks(top: int) -> list[int]:
    step = max(1, -(-top // 5))
    return list(range(0, top + 1, step))
