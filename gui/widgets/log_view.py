"""The log pane: the engine's log lines, filterable by level.

Lines are kept in a bounded deque; changing the level filter re-renders from it, so
lowering the level later still shows the earlier debug lines.
"""

from __future__ import annotations

import logging
from collections import deque

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MAX_LINES = 5000
LEVELS = (
    ("Debug", logging.DEBUG),
    ("Info", logging.INFO),
    ("Warning", logging.WARNING),
    ("Error", logging.ERROR),
)
COLORS = {logging.WARNING: QColor("#ef6c00"), logging.ERROR: QColor("#c62828")}


class LogView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: deque[tuple[int, str]] = deque(maxlen=MAX_LINES)
        self._pending: list[tuple[int, str]] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(150)
        self._flush_timer.timeout.connect(self.flush)
        self.level = QComboBox(self)
        for text, value in LEVELS:
            self.level.addItem(text, value)
        self.level.setCurrentIndex(1)
        self._threshold = int(self.level.currentData())  # read per line: kept as an int
        self.level.setToolTip("Show lines at this level and above")
        self.level.setAccessibleName("Log level")
        self.level.currentIndexChanged.connect(self._rerender)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setToolTip("Empty the log pane (the log file, if any, is kept)")
        self.clear_button.clicked.connect(self.clear)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_LINES)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setToolTip("Log lines of the engine and the app; API keys are never shown")
        self.text.setAccessibleName("Log")
        font = self.text.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self.text.setFont(font)
        top = QHBoxLayout()
        label = QLabel("Level", self)
        label.setBuddy(self.level)
        top.addWidget(label)
        top.addWidget(self.level)
        top.addStretch(1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)

    def threshold(self) -> int:
        return self._threshold

    def append(self, levelno: int, name: str, text: str) -> None:
        """Queue a line; lines are written in batches (a run starting hundreds of
        sections logs hundreds of lines at once, and one edit per line stalls the GUI)."""
        self._lines.append((levelno, text))
        if levelno >= self.threshold():
            self._pending.append((levelno, text))
            if not self._flush_timer.isActive():
                self._flush_timer.start()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        self._write_many(pending)

    def _write_many(self, lines: list[tuple[int, str]]) -> None:
        if not lines:
            return
        bar = self.text.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        plain = QTextCharFormat()
        for levelno, text in lines:
            color = COLORS.get(levelno if levelno < logging.ERROR else logging.ERROR)
            fmt = plain
            if color is not None:
                fmt = QTextCharFormat()
                fmt.setForeground(color)
            if not self.text.document().isEmpty():
                cursor.insertBlock()
            cursor.insertText(text, fmt)
        cursor.endEditBlock()
        if at_end:
            bar.setValue(bar.maximum())

    def _rerender(self, *_: object) -> None:
        self._pending = []
        self.text.clear()
        threshold = self._threshold = int(self.level.currentData())
        self._write_many([(lv, tx) for lv, tx in self._lines if lv >= threshold])

    def clear(self) -> None:
        self._lines.clear()
        self._pending = []
        self.text.clear()

    def visible_text(self) -> str:
        self.flush()
        return self.text.toPlainText()
