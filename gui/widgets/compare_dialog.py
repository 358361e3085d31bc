"""History ▸ Compare: two runs section by section, as :mod:`core.compare` found them.

A table of the sections (same, changed, added, removed, and the pages whose text
changed); the section chosen shows both answers side by side and the word diff between
them. The dialog only shows the comparison (plain data, ``core.compare.report``'s JSON)
and asks for it to be saved; the controller does the work.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.sections import format_ranges
from gui.widgets.row_table import row_table
from gui.widgets.safe_browser import SafeTextBrowser

COLUMNS = ("Section", "Status", "Pages A", "Pages B", "Text changed on")
COLOURS = {"same": "#2e7d32", "changed": "#b26a00", "added": "#1565c0", "removed": "#c62828"}
_DIFF_STYLE = {
    "equal": "{}",
    "delete": '<span style="color:#c62828; text-decoration:line-through">{}</span>',
    "insert": '<span style="color:#2e7d32; font-weight:bold">{}</span>',
}


def diff_html(runs: list[dict[str, Any]]) -> str:
    """A word diff as HTML: removed words red and struck out, added words green and bold."""
    return " ".join(_DIFF_STYLE[run["op"]].format(html.escape(run["text"])) for run in runs)


class CompareDialog(QDialog):
    #: where to write the comparison (``.json`` and ``.md`` beside each other)
    save_requested = Signal(object)

    def __init__(
        self, comparison: dict[str, Any], parent: QWidget | None = None, start_folder: str = ""
    ) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self._start_folder = start_folder
        self.setWindowTitle("Compare runs")
        self.resize(1100, 720)
        a, b = comparison["a"], comparison["b"]
        counts = ", ".join(f"{n} {status}" for status, n in comparison["counts"].items())
        how = "the pages' text" if comparison["compared_by"] == "page text" else "the answers"
        self.heading = QLabel(
            f"<b>A</b>: {html.escape(_side(a))}<br><b>B</b>: {html.escape(_side(b))}<br>"
            f"Compared by {how}: {counts}",
            self,
        )
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.table = row_table(COLUMNS, self)
        self.table.setAccessibleName("Compared sections")
        self.table.currentCellChanged.connect(lambda row, *_: self.show_section(row))
        self.answer_a = self._browser("The answer of run A for this section")
        self.answer_b = self._browser("The answer of run B for this section")
        self.diff = self._browser("Word diff: red struck-out words only in A, green only in B")
        self.label_a, self.label_b = QLabel("A", self), QLabel("B", self)
        self.save_button = QPushButton("Save JSON and Markdown…", self)
        self.save_button.clicked.connect(lambda *_: self.save_dialog())
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        self._lay_out(close)
        self._fill()

    def _browser(self, tip: str) -> SafeTextBrowser:
        browser = SafeTextBrowser(self)
        browser.setToolTip(tip)
        return browser

    def _lay_out(self, close: QPushButton) -> None:
        sides = QSplitter(Qt.Orientation.Horizontal, self)
        for label, browser in ((self.label_a, self.answer_a), (self.label_b, self.answer_b)):
            column = QWidget(sides)
            inner = QVBoxLayout(column)
            inner.setContentsMargins(0, 0, 0, 0)
            inner.addWidget(label)
            inner.addWidget(browser, 1)
            sides.addWidget(column)
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(self.table)
        body.addWidget(sides)
        body.addWidget(self.diff)
        body.setSizes([220, 360, 140])
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(body, 1)
        layout.addLayout(buttons)

    def _fill(self) -> None:
        sections = self.comparison["sections"]
        self.table.setRowCount(len(sections))
        for row, entry in enumerate(sections):
            pages = entry.get("changed_pages") or {}
            changed = format_ranges(pages.get("b") or pages.get("a") or [])
            if entry["status"] == "changed" and not pages:
                changed = "(the answers differ)"
            cells = (
                entry["title"],
                entry["status"],
                (entry["a"] or {}).get("pages", "–"),
                (entry["b"] or {}).get("pages", "–"),
                changed,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setForeground(QColor(COLOURS.get(text, "#000000")))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        first = next((i for i, s in enumerate(sections) if s["status"] != "same"), 0)
        if sections:
            self.table.selectRow(first)
            self.show_section(first)

    def show_section(self, row: int) -> None:
        sections = self.comparison["sections"]
        if not 0 <= row < len(sections):
            return
        entry = sections[row]
        for side, label, browser in (
            ("a", self.label_a, self.answer_a),
            ("b", self.label_b, self.answer_b),
        ):
            part = entry[side]
            label.setText(
                f"{side.upper()}: {part['title']} (pages {part['pages']})"
                if part
                else f"{side.upper()}: —"
            )
            browser.setMarkdown(part["answer"] if part else "*Not in this run.*")
        runs = entry.get("word_diff") or []
        self.diff.setHtml(diff_html(runs) if runs else "<i>No difference in the answers.</i>")

    def save_dialog(self) -> QFileDialog:
        start = str(Path(self._start_folder or Path.home()) / "comparison.json")
        dialog = QFileDialog(self, "Save the comparison (JSON and Markdown)", start)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["JSON and Markdown (*.json *.md)"])
        dialog.setDefaultSuffix("json")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.fileSelected.connect(lambda path: self.save_requested.emit(Path(path)))
        self.file_dialog = dialog
        dialog.open()
        return dialog


def _side(side: dict[str, Any]) -> str:
    backend = side["processor"] + (f" ({side['model']})" if side.get("model") else "")
    return (
        f"run {side['run_id']} of {side['document']}, {backend}, prompt "
        f"'{side['prompt']['name']}', {side['started_at']}"
    )
