"""Enter, replace or remove the Gemini API key; stored in the OS keyring.

The dialog is opened with ``open()`` (never ``exec()``: a nested loop inside a qasync
coroutine breaks it) and reports through ``key_saved``. The key is shown as dots unless
the user asks to see it, and it is never logged.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui import keystore


class ApiKeyDialog(QDialog):
    #: the key as saved ("" when removed)
    key_saved = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        save: Callable[[str], None] = keystore.save_key,
        has_key: bool = False,
    ) -> None:
        super().__init__(parent)
        self._save = save
        self.setWindowTitle("Gemini API key")
        self.setMinimumWidth(460)
        intro = QLabel(
            "SectionFlow sends sections to Gemini with your API key. It is stored in your "
            "system's keyring, never in the settings file or the log."
            + (
                "\n\nA key is already stored; enter a new one to replace it, or leave the "
                "field empty and press Save to remove it."
                if has_key
                else ""
            ),
            self,
        )
        intro.setWordWrap(True)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText("AIza…")
        self.edit.setToolTip("Your Gemini API key (from Google AI Studio)")
        self.edit.setAccessibleName("API key")
        self.show_box = QCheckBox("Show the key", self)
        self.show_box.setToolTip("Show the characters instead of dots while typing")
        self.show_box.toggled.connect(
            lambda on: self.edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.edit)
        layout.addWidget(self.show_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if not keystore.available() and save is keystore.save_key:
            self.show_error(keystore.NO_BACKEND)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)

    def _on_save(self) -> None:
        key = self.edit.text().strip()
        try:
            self._save(key)
        except keystore.KeyringUnavailable as exc:
            self.show_error(str(exc))
            return
        self.edit.clear()
        self.key_saved.emit(key)
        self.accept()
