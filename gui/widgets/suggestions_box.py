"""Suggested limits from past runs, each with an "Apply" button; nothing changes by itself.

The suggestions come from :func:`core.suggest.suggest` over the journal's recent runs
(computed off the GUI thread by :class:`gui.suggestions.SuggestionService`). A limit
that moved without the analyst's say-so would be a surprise at the worst moment, so this
box only offers: "Apply" asks the settings panel to move the control, like a hand would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from core.suggest import MIN_SAMPLES

NO_HISTORY = "No suggestions yet: they come from the timings of finished runs."


@dataclass(frozen=True, slots=True)
class History:
    """How much the suggestions rest on: recent finished runs and their finished sections."""

    runs: int = 0
    sections: int = 0

    def note(self) -> str:
        """What to say when there is nothing to suggest."""
        if not self.runs:
            return NO_HISTORY
        runs = "1 run" if self.runs == 1 else f"{self.runs} runs"
        if self.sections < MIN_SAMPLES:
            return (
                f"Your limits look right for your last {runs}; timeouts are suggested once "
                f"{MIN_SAMPLES} sections have finished ({self.sections} so far)."
            )
        return f"Your limits fit your last {runs} ({self.sections} finished sections)."


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    field: str  # the Settings field the control is bound to
    label: str  # what the settings panel calls it
    current: str
    suggested: str
    why: str
    value: float  # what "Apply" sets


class SuggestionsBox(QGroupBox):
    #: field, value: the user pressed "Apply"
    apply_requested = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Suggested from past runs", parent)
        self.setToolTip(
            "Limits suggested by the timings of your recent runs (a stage's slowest times "
            "with a margin, rate limits, memory throttling). Nothing changes until you "
            "press Apply."
        )
        self.rows: list[SuggestionRow] = []
        self.buttons: dict[str, QPushButton] = {}
        self._row_widgets: list[QWidget] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 4, 6, 4)
        self._grid.setVerticalSpacing(4)
        self.note = QLabel(NO_HISTORY, self)
        self.note.setWordWrap(True)
        self.note.setEnabled(False)
        self.note.setToolTip(self.toolTip())
        self._grid.addWidget(self.note, 0, 0, 1, 2)

    def set_rows(self, rows: Sequence[SuggestionRow], history: History) -> None:
        for widget in self._row_widgets:
            self._grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self._row_widgets = []
        self.buttons = {}
        self.rows = list(rows)
        self.note.setText(history.note())
        self.note.setVisible(not self.rows)
        for index, row in enumerate(self.rows, start=1):
            text = QLabel(f"{row.label}: {row.current} → <b>{row.suggested}</b>", self)
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            text.setToolTip(f"Why: {row.why}")
            button = QPushButton("Apply", self)
            button.setToolTip(f"Set {row.label} to {row.suggested} ({row.why})")
            button.setAccessibleName(f"Apply {row.label} {row.suggested}")
            button.clicked.connect(lambda *_, r=row: self._apply(r))
            self._grid.addWidget(text, index, 0)
            self._grid.addWidget(button, index, 1)
            self.buttons[row.field] = button
            self._row_widgets += [text, button]

    def _apply(self, row: SuggestionRow) -> None:
        button = self.buttons.get(row.field)
        if button is not None:
            button.setEnabled(False)
            button.setText("Applied")
        self.apply_requested.emit(row.field, row.value)
