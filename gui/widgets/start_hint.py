"""What the empty window says where the pages will be: how to begin."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.icons import icon


class StartHint(QWidget):
    open_requested = Signal()
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startHint")
        self.label = QLabel("Drop a PDF here, or open the sample", self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.label.setFont(font)
        self.detail = QLabel(
            "Then mark its sections: from its bookmarks, every N pages, or by selecting "
            "pages here; pick what to ask in Settings, and press Run (F5).",
            self,
        )
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.open_button = QPushButton(icon("open"), "Open a PDF…", self)
        self.open_button.setToolTip("Choose a PDF file (Ctrl+O)")
        self.open_button.clicked.connect(self.open_requested)
        self.sample_button = QPushButton(icon("sample"), "Open the sample", self)
        self.sample_button.setToolTip("Open the short report that comes with SectionFlow")
        self.sample_button.clicked.connect(self.sample_requested)
        buttons = QVBoxLayout()  # one above the other: the pages pane may be narrow
        for button in (self.open_button, self.sample_button):
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(button)
            row.addStretch(1)
            buttons.addLayout(row)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.detail)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(2)
