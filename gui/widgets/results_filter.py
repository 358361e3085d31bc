"""The bar above the results list: search the results' text and show one status only."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QVBoxLayout, QWidget

from gui.state.outcome_words import BADGES, ENDINGS

ALL = ""


class ResultsFilter(QWidget):
    #: (query, status or "" for every status)
    changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search results…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(
            "Show the sections whose title, answer, fields or reason contain every word "
            "typed here (Ctrl+F)"
        )
        self.search.setAccessibleName("Search results")
        self.status = QComboBox(self)
        self.status.addItem("All", ALL)
        for status in ENDINGS:
            found = BADGES[status]
            self.status.addItem(f"{found.mark} {found.word.capitalize()}", status)
        self.status.setToolTip("Show only the sections that ended this way")
        self.status.setAccessibleName("Status filter")
        layout = QVBoxLayout(self)  # one above the other: the list may be narrow
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.search)
        layout.addWidget(self.status)
        self.search.textChanged.connect(self._emit)
        self.status.currentIndexChanged.connect(self._emit)

    def query(self) -> str:
        return self.search.text().strip()

    def wanted_status(self) -> str:
        return str(self.status.currentData() or ALL)

    def _emit(self, *_: object) -> None:
        self.changed.emit(self.query(), self.wanted_status())
