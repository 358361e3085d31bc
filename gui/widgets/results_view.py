"""Each section's result (Markdown, structured fields) or its failure, as they arrive.

Results are filled from ``SectionDone`` / ``SectionFailed`` signals during the run, so the
analyst can read the first sections while the rest still run. Failures list their reason
and "Retry failed sections" asks the window to run just those again.
"""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.cost import format_usd, result_cost, total_cost
from core.sections import Section
from core.synthesis.inputs import SYNTHESIS_ID, SYNTHESIS_TITLE
from gui.state.outcome_words import BADGES, CANCELLED, DONE, FAILED, PARTIAL, Tally
from gui.state.result_text import RunLabel, clipboard_text, matches, searchable
from gui.widgets.citation_list import CitationList
from gui.widgets.results_filter import ALL, ResultsFilter
from gui.widgets.safe_browser import SafeTextBrowser

OK_MARK, FAIL_MARK = BADGES[DONE].mark, BADGES[FAILED].mark


class ResultsView(QWidget):
    retry_requested = Signal()
    link_clicked = Signal(str)
    #: a Citation whose page the user wants to see
    citation_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._order: list[str] = []
        self._titles: dict[str, str] = {}
        self._items: dict[str, QListWidgetItem] = {}
        self.results: dict[str, Any] = {}
        #: each result's cost, priced once when it arrives: the summary line sums them
        #: after every result, and pricing all of them each time grew with the run
        self._costs: dict[str, float | None] = {}
        self.failures: dict[str, str] = {}
        #: of the failures, the sections that were cancelled rather than failed
        self.cancelled: set[str] = set()
        self._pages: dict[str, str] = {}
        self._haystacks: dict[str, str] = {}
        self.run_label = RunLabel()
        #: the run's cost estimate before it started (Gemini), shown beside the actual
        self.estimate_usd: float | None = None

        self.list = QListWidget(self)
        self.list.setToolTip(
            "Sections of the last run: ✓ done, ⚠ partial (the answer was cut off), "
            "✗ failed (with its reason), ⊘ cancelled"
        )
        self.list.setAccessibleName("Result sections")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)  # long titles wrap instead of ending in "…"
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.currentRowChanged.connect(self._show_row)

        self.heading = QLabel(self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.meta = QLabel(self)
        self.meta.setToolTip("Pages, backend, model and tokens of this section's result")
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.browser = SafeTextBrowser(self)
        self.browser.setToolTip(
            "The section's result rendered from Markdown; images and links are not loaded"
        )
        self.browser.setAccessibleName("Result text")
        self.browser.link_clicked.connect(self.link_clicked)
        self.fields = QTableWidget(0, 2, self)
        self.fields.setHorizontalHeaderLabels(["Field", "Value"])
        self.fields.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.fields.verticalHeader().setVisible(False)
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields.setToolTip("Structured fields of the answer, when the prompt asked for them")
        self.fields.setAccessibleName("Structured fields")
        self.fields.setVisible(False)

        self.retry_button = QPushButton("Retry failed sections", self)
        self.retry_button.setToolTip("Run the failed sections again with the current settings")
        self.retry_button.setEnabled(False)
        self.retry_button.clicked.connect(self.retry_requested)
        self.summary = QLabel("No results yet", self)
        self.summary.setToolTip(
            "How the sections ended; on Gemini, what the answers cost beside the estimate "
            "made before the run"
        )
        self.summary.setWordWrap(True)
        self.filter = ResultsFilter(self)
        self.filter.changed.connect(self.apply_filter)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip(
            "Copy the shown result with its title, pages and run to the clipboard (Ctrl+C)"
        )
        self.copy_button.clicked.connect(self.copy_current)
        self.copy_button.setEnabled(False)
        QShortcut(QKeySequence.StandardKey.Copy, self.list, activated=self.copy_current)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.filter.search.setFocus)

        detail = QWidget(self)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.heading)
        detail_layout.addWidget(self.meta)
        right = QSplitter(Qt.Orientation.Vertical, detail)
        right.addWidget(self.browser)
        right.addWidget(self.fields)
        right.setStretchFactor(0, 4)
        right.setStretchFactor(1, 1)
        self._add_citations(right)
        detail_layout.addWidget(right, 1)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.list, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([200, 600])
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.copy_button)
        bottom.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

    # -- filling ----------------------------------------------------------------------

    def begin(self, sections: list[Section], keep_results: bool = False) -> None:
        """A run starts; a retry keeps the earlier results of the other sections."""
        if not keep_results:
            # the list first: clearing it moves the current row through the old items,
            # and showing one needs its result still there
            self.list.clear()
            self._order = []
            self.results.clear()
            self._costs.clear()
            self.failures.clear()
            self.cancelled.clear()
            self._items.clear()
            self._haystacks.clear()
        for section in sections:
            if section.id not in self._order:
                self._order.append(section.id)
            self._titles[section.id] = section.title
            self._pages[section.id] = section.page_spec
            self.cancelled.discard(section.id)
            if self.failures.pop(section.id, None) is not None:
                self._drop_item(section.id)
        self._update_summary()
        if self.list.count() == 0:
            self._show_row(-1)

    def add_result(self, section_id: str, result: Any) -> None:
        self.results[section_id] = result
        self._costs[section_id] = result_cost(result)
        self.failures.pop(section_id, None)
        self.cancelled.discard(section_id)
        self._titles.setdefault(section_id, getattr(result, "title", section_id))
        self._upsert(section_id)

    def add_failure(self, section_id: str, reason: str, cancelled: bool = False) -> None:
        self.failures[section_id] = reason
        if cancelled:
            self.cancelled.add(section_id)
        else:
            self.cancelled.discard(section_id)
        self.results.pop(section_id, None)
        self._costs.pop(section_id, None)
        self._upsert(section_id)

    def set_synthesis(self, result: Any) -> None:
        """The whole-document answer, at the top of the list. It arrives last, so the
        section being read stays on show (it is shown first only when nothing else is)."""
        if SYNTHESIS_ID not in self._order:
            self._order.insert(0, SYNTHESIS_ID)
        self._titles[SYNTHESIS_ID] = SYNTHESIS_TITLE
        self.add_result(SYNTHESIS_ID, result)
        item = self._items[SYNTHESIS_ID]
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        item.setToolTip("The answer for the whole document, built from the section answers")

    def status(self, section_id: str) -> str | None:
        """done, partial, failed, cancelled, or None while it has no result."""
        if section_id in self.results:
            return PARTIAL if getattr(self.results[section_id], "partial", None) else DONE
        if section_id in self.failures:
            return CANCELLED if section_id in self.cancelled else FAILED
        return None

    def failed_ids(self) -> list[str]:
        """Sections that failed (not those cancelled)."""
        return [sid for sid in self._order if self.status(sid) == FAILED]

    def cancelled_ids(self) -> list[str]:
        return [sid for sid in self._order if self.status(sid) == CANCELLED]

    def partial_ids(self) -> list[str]:
        """Sections whose answer was cut off (a retry asks them again)."""
        return [sid for sid in self._order if sid != SYNTHESIS_ID and self.status(sid) == PARTIAL]

    def tally(self) -> Tally:
        """The sections' endings (the whole-document answer is not a section)."""
        sections = (sid for sid in self._order if sid != SYNTHESIS_ID)
        return Tally.of(status for sid in sections if (status := self.status(sid)))

    # -- showing ----------------------------------------------------------------------
    # Items are updated one at a time (not rebuilt): with hundreds of sections a rebuild
    # per finished section made the GUI thread's work grow with the square of the count.

    def _upsert(self, sid: str) -> None:
        if sid not in self._order:
            self._order.append(sid)
        item = self._items.get(sid)
        if item is None:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, sid)
            rank = {s: i for i, s in enumerate(self._order)}
            row = sum(1 for other in self._items if rank.get(other, 1 << 30) < rank[sid])
            self._items[sid] = item
            self.list.insertItem(row, item)
        status = self.status(sid) or FAILED
        found = BADGES[status]
        reason = self.failures.get(sid) or getattr(self.results.get(sid), "partial", None)
        item.setText(f"{found.mark}  {self._titles.get(sid, sid)}")
        title = self._titles.get(sid, sid)
        self._haystacks[sid] = searchable(title, self.results.get(sid), reason or "")
        item.setHidden(not self._wanted(sid))
        item.setForeground(QColor(found.color))
        item.setToolTip(
            f"{found.word.capitalize()}: {reason}" if reason else found.word.capitalize()
        )
        self._update_summary()
        current = self.list.currentItem()
        if current is None:
            self.list.setCurrentItem(item)
        elif current is item:
            self.show_section(sid)

    def _drop_item(self, sid: str) -> None:
        item = self._items.pop(sid, None)
        if item is not None:
            self.list.takeItem(self.list.row(item))

    def _update_summary(self) -> None:
        tally = self.tally()
        text = tally.text() if tally.finished or tally.cancelled else "No results yet"
        self.summary.setText(text + self._cost_text() + self._shown_text())
        self.retry_button.setEnabled(bool(tally.failed or tally.cancelled))

    def _show_row(self, row: int) -> None:
        item = self.list.item(row) if row >= 0 else None
        sid = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.copy_button.setEnabled(sid is not None)
        if sid is None:
            self.heading.clear()
            self.meta.clear()
            self.browser.clear()
            self.fields.setVisible(False)
            self.citations.show_citations([], "")
            return
        self.show_section(sid)

    def _add_citations(self, splitter: QSplitter) -> None:
        self.citations = CitationList(self)
        self.citations.citation_clicked.connect(self.citation_clicked)
        splitter.addWidget(self.citations)
        splitter.setStretchFactor(splitter.count() - 1, 1)

    def show_section(self, sid: str) -> None:
        title = self._titles.get(sid, sid)
        self.heading.setText(title)
        result = self.results.get(sid)
        self.citations.show_citations(getattr(result, "citations", None) or [], title)
        if sid in self.failures:
            found = BADGES[self.status(sid) or FAILED]
            self.meta.setText(f"{found.mark} {found.word.capitalize()}")
            self.meta.setStyleSheet(f"color: {found.color};")
            # plain text, escaped: a reason may quote a title like "<<Annex>>"
            reason = html.escape(self.failures[sid])
            what = "was cancelled" if sid in self.cancelled else "failed"
            self.browser.setHtml(f"<p><b>This section {what}.</b></p><p>{reason}</p>")
            self.fields.setVisible(False)
            return
        result = self.results[sid]
        self.meta.setStyleSheet("")
        bits = [f"pages {result.pages}", result.processor]
        if getattr(result, "partial", None):
            bits.insert(0, f"{BADGES[PARTIAL].mark} Partial: {result.partial}")
            self.meta.setStyleSheet(f"color: {BADGES[PARTIAL].color}; font-weight: bold;")
        if result.model:
            bits.append(result.model)
        if result.tokens.total:
            bits.append(f"{result.tokens.total:,} tokens")
            bits.append(f"cost {format_usd(result_cost(result))}")
        self.meta.setText(" · ".join(bits))
        self.browser.setMarkdown(result.markdown or "*(empty answer)*")
        self._find_query()
        fields = result.fields or {}
        self.fields.setRowCount(len(fields))
        for row, (name, value) in enumerate(fields.items()):
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            self.fields.setItem(row, 0, QTableWidgetItem(str(name)))
            cell = QTableWidgetItem(shown)
            cell.setToolTip(shown[:2000])
            self.fields.setItem(row, 1, cell)
        self.fields.setVisible(bool(fields))

    # -- search and filter ------------------------------------------------------------

    def _wanted(self, sid: str) -> bool:
        status = self.filter.wanted_status()
        if status != ALL and self.status(sid) != status:
            return False
        return matches(self.filter.query(), self._haystacks.get(sid, ""))

    def apply_filter(self, *_: object) -> None:
        """Hide the sections the search or the status filter leaves out."""
        for sid, item in self._items.items():
            item.setHidden(not self._wanted(sid))
        self._update_summary()
        current = self.list.currentItem()
        if current is not None and current.isHidden():
            shown = [self.list.item(i) for i in range(self.list.count())]
            self.list.setCurrentItem(next((i for i in shown if not i.isHidden()), None))
        elif current is not None:
            self._find_query()

    def _shown_text(self) -> str:
        filtering = self.filter.query() or self.filter.wanted_status() != ALL
        return f" · {len(self.shown_ids())} shown" if filtering and self._items else ""

    def shown_ids(self) -> list[str]:
        items = self._items
        return [sid for sid in self._order if sid in items and not items[sid].isHidden()]

    def _find_query(self) -> None:
        """Select the first word searched for in the shown answer."""
        words = self.filter.query().split()
        if words:
            self.browser.moveCursor(self.browser.textCursor().MoveOperation.Start)
            self.browser.find(words[0])

    # -- copying and cost -------------------------------------------------------------

    def set_run(self, label: RunLabel) -> None:
        """The run the results come from, which a copied result names."""
        self.run_label = label

    def set_estimate(self, estimate_usd: float | None) -> None:
        self.estimate_usd = estimate_usd
        self._update_summary()

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def copy_current(self) -> str:
        """The shown result with its title, pages and run, on the clipboard."""
        sid = self.current_id()
        if sid is None:
            return ""
        result = self.results.get(sid)
        status = self.status(sid) or FAILED
        body = result.markdown if result is not None else self.failures.get(sid, "")
        text = clipboard_text(
            self._titles.get(sid, sid),
            self._pages.get(sid) or getattr(result, "pages", ""),
            BADGES[status].word,
            self.run_label,
            body,
            result_cost(result) if result is not None else None,
        )
        QGuiApplication.clipboard().setText(text)
        return text

    def total_cost(self) -> float | None:
        return total_cost(list(self._costs.values()))

    def _cost_text(self) -> str:
        cost = self.total_cost()
        if not cost:
            return ""
        text = f" · cost {format_usd(cost)}"
        if self.estimate_usd is not None:
            text += f" (estimate {format_usd(self.estimate_usd)})"
        return text
