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
from PySide6.QtGui import QColor
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

from core.sections import Section
from core.synthesis.inputs import SYNTHESIS_ID, SYNTHESIS_TITLE
from gui.widgets.citation_list import CitationList
from gui.widgets.safe_browser import SafeTextBrowser

OK_MARK, FAIL_MARK = "✓", "✗"


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
        self.failures: dict[str, str] = {}

        self.list = QListWidget(self)
        self.list.setToolTip("Sections of the last run: ✓ done, ✗ failed (with its reason)")
        self.list.setAccessibleName("Result sections")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.list)
        split.addWidget(detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([200, 600])
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
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
            self.failures.clear()
            self._items.clear()
        for section in sections:
            if section.id not in self._order:
                self._order.append(section.id)
            self._titles[section.id] = section.title
            if self.failures.pop(section.id, None) is not None:
                self._drop_item(section.id)
        self._update_summary()
        if self.list.count() == 0:
            self._show_row(-1)

    def add_result(self, section_id: str, result: Any) -> None:
        self.results[section_id] = result
        self.failures.pop(section_id, None)
        self._titles.setdefault(section_id, getattr(result, "title", section_id))
        self._upsert(section_id)

    def add_failure(self, section_id: str, reason: str) -> None:
        self.failures[section_id] = reason
        self.results.pop(section_id, None)
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

    def failed_ids(self) -> list[str]:
        return [sid for sid in self._order if sid in self.failures]

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
        if sid in self.results:
            mark, color, tip = OK_MARK, QColor("#2e7d32"), "Done"
        else:
            mark, color, tip = FAIL_MARK, QColor("#c62828"), self.failures.get(sid, "")
        item.setText(f"{mark}  {self._titles.get(sid, sid)}")
        item.setForeground(color)
        item.setToolTip(tip)
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
        done = len(self.results) - (SYNTHESIS_ID in self.results)
        failed = len(self.failures)
        self.summary.setText(
            f"{done} done, {failed} failed" if done or failed else "No results yet"
        )
        self.retry_button.setEnabled(bool(failed))

    def _show_row(self, row: int) -> None:
        item = self.list.item(row) if row >= 0 else None
        sid = item.data(Qt.ItemDataRole.UserRole) if item else None
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
            self.meta.setText("Failed")
            self.meta.setStyleSheet("color: #c62828;")
            # plain text, escaped: a reason may quote a title like "<<Annex>>"
            reason = html.escape(self.failures[sid])
            self.browser.setHtml(f"<p><b>This section failed.</b></p><p>{reason}</p>")
            self.fields.setVisible(False)
            return
        result = self.results[sid]
        self.meta.setStyleSheet("")
        bits = [f"pages {result.pages}", result.processor]
        if result.model:
            bits.append(result.model)
        if result.tokens.total:
            bits.append(f"{result.tokens.total:,} tokens")
        self.meta.setText(" · ".join(bits))
        self.browser.setMarkdown(result.markdown or "*(empty answer)*")
        fields = result.fields or {}
        self.fields.setRowCount(len(fields))
        for row, (name, value) in enumerate(fields.items()):
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            self.fields.setItem(row, 0, QTableWidgetItem(str(name)))
            cell = QTableWidgetItem(shown)
            cell.setToolTip(shown[:2000])
            self.fields.setItem(row, 1, cell)
        self.fields.setVisible(bool(fields))
