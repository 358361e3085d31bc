"""The citations of the result on show: one row per claim, led by its page link.

"p. 12 ✓" means the quote was found on that page, "p. 12 ?" that it was not (the tooltip
says why). Clicking a row asks the window to show the page with the quote marked; "Copy
with citation" (or Ctrl+C) copies the claim with its section, page label and document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.citations.model import Citation
from core.citations.render import citation_text, link_text

VERIFIED, UNVERIFIED = QColor("#1565c0"), QColor("#b26a00")
_CLAIM_CHARS = 160


class CitationList(QWidget):
    #: the Citation whose page should be shown
    citation_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        #: the name of the document the results are of (set by the window)
        self.document_name: Callable[[], str] = lambda: ""
        self.citations: list[Citation] = []
        self.heading = QLabel("Citations", self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Citations")
        self.list.setToolTip(
            "Where each claim is written: click one to see its page with the quote marked. "
            "✓ the quote was found on that page, ? it was not"
        )
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)
        self.list.itemClicked.connect(self._on_clicked)
        self.list.itemActivated.connect(self._on_clicked)
        self.copy_button = QPushButton("Copy with citation", self)
        self.copy_button.setToolTip(
            "Copy the selected claim with its section, page label and document name (Ctrl+C)"
        )
        self.copy_button.clicked.connect(self.copy_selected)
        QShortcut(QKeySequence.StandardKey.Copy, self.list, activated=self.copy_selected)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.heading, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        self.setVisible(False)

    def show_citations(self, citations: Sequence[Citation], title: str) -> None:
        """The citations of one section's result (none: the list hides)."""
        self.citations = list(citations)
        self.title = title
        self.list.clear()
        for index, citation in enumerate(self.citations):
            self.list.addItem(self._item(index, citation))
        verified = sum(1 for c in self.citations if c.verified)
        self.heading.setText(f"Citations: {verified} of {len(self.citations)} found on their page")
        self.copy_button.setEnabled(bool(self.citations))
        self.setVisible(bool(self.citations))

    def _item(self, index: int, citation: Citation) -> QListWidgetItem:
        claim = citation.claim or citation.quote
        if len(claim) > _CLAIM_CHARS:
            claim = claim[: _CLAIM_CHARS - 1].rstrip() + "…"
        item = QListWidgetItem(f"{link_text(citation)}   {claim}")
        item.setData(Qt.ItemDataRole.UserRole, index)
        item.setForeground(VERIFIED if citation.verified else UNVERIFIED)
        item.setToolTip(_tooltip(citation))
        return item

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.citation_clicked.emit(self.citations[item.data(Qt.ItemDataRole.UserRole)])

    def copy_selected(self) -> str:
        """Put the selected (else the first) claim on the clipboard; returns the text."""
        if not self.citations:
            return ""
        row = max(self.list.currentRow(), 0)
        text = citation_text(self.citations[row], self.title, self.document_name())
        QGuiApplication.clipboard().setText(text)
        return text


def _tooltip(citation: Citation) -> str:
    lines = [f"“{citation.quote}”" if citation.quote else "(no quote given)"]
    if citation.verified:
        lines.append(f"Found on page {citation.page} (printed {citation.label}).")
    else:
        lines.append(f"Not verified: {citation.reason or 'not checked'}.")
    if citation.corrected_from is not None:
        lines.append(f"The answer said page {citation.corrected_from}.")
    return "\n".join(lines)
