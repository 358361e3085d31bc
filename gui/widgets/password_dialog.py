"""Ask for an encrypted PDF's password, without a nested event loop.

Opened with ``open()``; ``password_entered`` carries the answer. A wrong password reopens
the dialog with core's message ("The password for ... is not right").
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class PasswordDialog(QDialog):
    password_entered = Signal(str, str)  # path, password

    def __init__(self, path: str, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle("Password needed")
        self.label = QLabel(message, self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setToolTip("The document's password (used only to open it)")
        self.edit.setAccessibleName("Password")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.edit)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def _on_accept(self) -> None:
        self.accept()
        self.password_entered.emit(self.path, self.edit.text())
