"""The run report panel: where the time went, shown after each run.

The product asks for visibility into resource acquisition ("semaphore contention"), memory,
timeouts and retries so limits can be tuned. This panel shows ``summary["report"]``
(:func:`core.report.build_report`, the same data the JSON export carries): a one-line
verdict, the figures (from :mod:`gui.state.report_text`), a Gantt chart of the sections and
the effective concurrency over time, the two charts sharing one time axis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.state.report_text import figures, headline, seconds
from gui.widgets.drawn_when_shown import DrawnWhenShown

if TYPE_CHECKING:
    from gui.widgets.concurrency_plot import ConcurrencyPlot
    from gui.widgets.gantt_chart import GanttChart

EMPTY_TEXT = "No run yet. When a run ends, this shows where its time went."
RUNNING_TEXT = "A run is going: its report appears here when it ends."


class RunReport(DrawnWhenShown, QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: dict[str, Any] = {}
        self._values: dict[str, QLabel] = {}
        #: the figures and charts still to lay out: (report, processor, elapsed seconds),
        #: or None when they are shown
        self._pending: tuple[dict[str, Any], str, float] | None = None

        self.placeholder = QLabel(EMPTY_TEXT, self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)

        self.headline = QLabel(self)
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setToolTip(
            "The stage that took the most time, added up over all sections, and the "
            "slot sections waited longest for"
        )
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.12)
        font.setBold(True)
        self.headline.setFont(font)
        self.subline = QLabel(self)
        self.subline.setTextFormat(Qt.TextFormat.PlainText)
        self.subline.setToolTip("The run this report is about")

        self.figures_area = QScrollArea(self)
        self.figures_area.setWidgetResizable(True)
        self.figures_area.setFrameShape(QFrame.Shape.NoFrame)
        self.figures_area.setMinimumWidth(170)
        self.figures_area.setToolTip("The run's figures; hover over one for what it means")

        #: the charts (pyqtgraph) are made with the first report, not for the first frame
        self._charts: tuple[GanttChart, ConcurrencyPlot] | None = None
        charts = self._charts_split = QSplitter(Qt.Orientation.Vertical, self)
        charts.setObjectName("reportCharts")
        charts.setChildrenCollapsible(False)
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.setObjectName("reportSplit")
        self.split.addWidget(self.figures_area)
        self.split.addWidget(charts)
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([270, 700])

        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.headline)
        layout.addWidget(self.subline)
        layout.addWidget(self.split, 1)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    @property
    def gantt(self) -> GanttChart:
        self.draw_now()
        return self._made_charts()[0]

    @property
    def concurrency(self) -> ConcurrencyPlot:
        self.draw_now()
        return self._made_charts()[1]

    def _made_charts(self) -> tuple[GanttChart, ConcurrencyPlot]:
        if self._charts is None:
            from gui.widgets.concurrency_plot import ConcurrencyPlot
            from gui.widgets.gantt_chart import GanttChart

            gantt, concurrency = GanttChart(self), ConcurrencyPlot(self)
            concurrency.plot.setXLink(gantt.plot)
            self._charts_split.addWidget(gantt)
            self._charts_split.addWidget(concurrency)
            self._charts_split.setStretchFactor(0, 3)
            self._charts_split.setStretchFactor(1, 1)
            self._charts = (gantt, concurrency)
        return self._charts

    @property
    def has_report(self) -> bool:
        return self.stack.currentIndex() == 1

    def clear(self, running: bool = False) -> None:
        self.report = {}
        self._values = {}
        self._pending = None
        self._stale = False  # nothing left to draw
        self.placeholder.setText(RUNNING_TEXT if running else EMPTY_TEXT)
        self.stack.setCurrentIndex(0)
        if self._charts is not None:
            for chart in self._charts:
                chart.clear()

    def show_report(
        self, report: dict[str, Any], *, processor: str = "", elapsed_s: float = 0.0
    ) -> None:
        """Show a run's ``summary["report"]``."""
        if not report:
            self.clear()
            return
        self.report = report
        rows = report.get("sections", [])
        done = sum(1 for row in rows if row.get("status") == "done")
        backend = {"local": "offline backend", "gemini": "Gemini"}.get(processor, processor)
        self.headline.setText(headline(report, processor))
        self.subline.setText(
            f"{len(rows)} sections, {done} done, in {seconds(elapsed_s)}"
            + (f" with the {backend}" if backend else "")
        )
        # ~30 labels in a grid and two charts (made on first use: 80 ms of pyqtgraph at a
        # run's end, which was the longest stall of a run): when the panel is looked at
        self._pending = (report, processor, elapsed_s)
        self.request_draw()
        self.stack.setCurrentIndex(1)

    @property
    def values(self) -> dict[str, QLabel]:
        """Figure key -> the label showing its value (see gui.state.report_text.figures)."""
        self.draw_now()
        return self._values

    def redraw(self) -> None:
        if self._pending is not None:
            report, processor, elapsed_s = self._pending
            self._pending = None
            self._fill_figures(report, processor)
            self._fill_charts(report, elapsed_s)

    def _fill_charts(self, report: dict[str, Any], elapsed_s: float) -> None:
        gantt, concurrency = self._made_charts()
        bars = report.get("bars", [])
        end = max([elapsed_s, *(bar["end"] for bar in bars)])
        rows = report.get("sections", [])
        gantt.set_bars([(row["id"], row["title"]) for row in rows], bars, end)
        concurrency.set_samples(report.get("concurrency", []), end)
        concurrency.align_left_axis(gantt.label_width())

    def _fill_figures(self, report: dict[str, Any], processor: str) -> None:
        panel = QWidget()
        grid = QGridLayout(panel)
        grid.setContentsMargins(0, 0, 8, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(3)
        self._values = {}
        group = None
        row = 0
        for figure in figures(report, processor):
            if figure.group != group:
                group = figure.group
                heading = QLabel(group, panel)
                font = heading.font()
                font.setBold(True)
                heading.setFont(font)
                heading.setContentsMargins(0, 8 if row else 0, 0, 0)
                grid.addWidget(heading, row, 0, 1, 2)
                row += 1
            name = QLabel(figure.label, panel)
            value = QLabel(figure.text, panel)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            for label in (name, value):
                label.setToolTip(figure.tip)
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self._values[figure.key] = value
            row += 1
        grid.setRowStretch(row, 1)
        grid.setColumnStretch(0, 1)
        self.figures_area.setWidget(panel)
