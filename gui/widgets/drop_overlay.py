"""Shown over the window while a file is dragged over it: where it can be dropped, and
what the drop will do (or why it will not work).

It lets every mouse and drag event through to the widgets under it, so the drop still
lands where it always did.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget

OK_COLOR, BAD_COLOR = QColor("#1565c0"), QColor("#c62828")


class DropOverlay(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.text = ""
        self.ok = True
        self.hide()

    def show_for(self, text: str, ok: bool, area: QRect) -> None:
        """Cover ``area`` (in the window's coordinates) with the message."""
        self.text, self.ok = text, ok
        self.setGeometry(area)
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = OK_COLOR if self.ok else BAD_COLOR
        shade = QColor(self.palette().color(QPalette.ColorRole.Window))
        shade.setAlpha(200)
        painter.fillRect(self.rect(), shade)
        frame = QRectF(self.rect()).adjusted(12, 12, -12, -12)
        painter.setPen(QPen(accent, 3, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(frame, 14, 14)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(accent)
        painter.drawText(
            frame.adjusted(24, 24, -24, -24),
            int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
            self.text,
        )
