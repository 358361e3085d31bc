"""A row per section: state, stage, attempts, time per stage, tokens, reason.

Rows come from :class:`gui.state.run_progress.RunProgress` through the generic adapter; a timer
repaints only the time columns twice a second while a run goes, so a running stage's
clock moves without the engine having to send ticks.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from gui.state.observable import Change
from gui.state.outcome_words import BADGES, marked
from gui.state.run_progress import RunProgress, SectionProgress, format_seconds
from gui.widgets.list_model import Column
from gui.widgets.state_table_view import StateTableView

STATE_COLORS = {
    **{status: QColor(badge.color) for status, badge in BADGES.items()},
    "waiting": QColor("#ef6c00"),
    "running": QColor("#1565c0"),
}


def _timing(key: str):
    def show(row: SectionProgress) -> str:
        return format_seconds(row.stage_seconds(key, time.monotonic()))

    return show


COLUMNS: list[Column[SectionProgress]] = [
    Column(
        "Section",
        lambda r: r.title,
        "The section's title",
        tooltip=lambda r: f"{r.title} (pages {r.pages})",
    ),
    Column("Pages", lambda r: r.pages, "Pages of the section"),
    Column(
        "State",
        lambda r: marked(r.state),
        "queued, waiting, running; then ✓ done, ⚠ partial (the answer was cut off), "
        "✗ failed or ⊘ cancelled",
        color=lambda r: STATE_COLORS.get(r.state),
        tooltip=lambda r: _state_tip(r),
    ),
    Column("Stage", lambda r: r.stage, "The stage the section is in now"),
    Column(
        "Tries",
        lambda r: str(r.attempts or ""),
        "Attempts so far (retries add to it)",
        align_right=True,
    ),
    Column(
        "Split", _timing("split"), "Time spent cutting the section out of the PDF", align_right=True
    ),
    Column("Upload", _timing("upload"), "Time spent uploading the section", align_right=True),
    Column("Analysis", _timing("process"), "Time the analysis took", align_right=True),
    Column(
        "Total",
        lambda r: format_seconds(r.timings.get("total")),
        "Whole section, queue included",
        align_right=True,
    ),
    Column(
        "Tokens",
        lambda r: f"{r.tokens:,}" if r.tokens else "",
        "Tokens used (Gemini)",
        align_right=True,
    ),
    Column(
        "Reason",
        lambda r: r.reason,
        "Why a section failed or is partial, or what it waits for",
        tooltip=lambda r: r.reason or None,
    ),
]
TIME_COLUMNS = (5, 6, 7, 8)
TITLE_MAX, PAGES_MAX = 360, 200


def _state_tip(row: SectionProgress) -> str:
    found = BADGES.get(row.state)
    if found is None:
        return row.state
    return f"{found.mark} {found.word}: {found.meaning}" + (f"\n{row.reason}" if row.reason else "")


WIDTHS = (170, 56, 70, 78, 40, 54, 54, 62, 54, 60)


class ProgressTable(StateTableView):
    def __init__(self, progress: RunProgress, parent: QWidget | None = None) -> None:
        super().__init__(progress, COLUMNS, WIDTHS, parent)
        self.progress = progress
        self.setToolTip("One row per section of the current run")
        self.setAccessibleName("Run progress")
        self._ticker = QTimer(self)
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(lambda: self.model_.refresh_columns(TIME_COLUMNS))
        self._ticker.timeout.connect(self.follow_running)
        progress.subscribe(self._on_change)
        #: keep the running rows in sight, until the user scrolls the table themselves
        self.following = True
        self.verticalScrollBar().actionTriggered.connect(self._user_scrolled)

    def _user_scrolled(self, *_: object) -> None:
        self.following = False

    def _on_change(self, change: Change, index: int) -> None:
        if change is Change.RESET:
            self.fit_text_columns()

    def follow_running(self) -> None:
        """Scroll so the first row still running (or waiting) is in sight."""
        if not self.following:
            return
        for index, row in enumerate(self.progress):
            if row.state in ("running", "waiting"):
                self.scrollTo(self.model_.index(index, 0))
                return

    def fit_text_columns(self) -> None:
        """Titles and page ranges whole ("106-120", not "106-1…"), measured once per run,
        not per event (see StateTableView: re-measuring on each change was O(n²))."""
        metrics = self.fontMetrics()
        pad = 2 * self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 12
        for column, texts, widest in (
            (0, [row.title for row in self.progress], TITLE_MAX),
            (1, [row.pages for row in self.progress], PAGES_MAX),
        ):
            needed = max((metrics.horizontalAdvance(text) for text in texts), default=0) + pad
            self.horizontalHeader().resizeSection(column, max(WIDTHS[column], min(needed, widest)))

    def set_running(self, running: bool) -> None:
        if running:
            self.following = True
            self._ticker.start()
        else:
            self._ticker.stop()
            self.model_.flush()
            self.model_.refresh_columns(TIME_COLUMNS)
