"""Enter, replace or remove the Gemini API key: in the OS keyring, or for this session only.

The dialog is opened with ``open()`` (never ``exec()``: a nested loop inside a qasync
coroutine breaks it) and reports through ``key_saved`` (stored in the keyring) or
``key_for_session`` (kept in memory only). When the keyring cannot store the key (none
on this computer, or it refused) the dialog says why and offers the session; the key is
shown as dots unless the user asks to see it, and it is never logged.
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
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import keystore

SESSION_HINT = (
    "Use for this session only keeps the key in memory until SectionFlow closes: it is "
    "not written anywhere."
)


class ApiKeyDialog(QDialog):
    #: the key as saved in the keyring ("" when removed)
    key_saved = Signal(str)
    #: the key to use until the app closes, stored nowhere
    key_for_session = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        save: Callable[[str], None] = keystore.save_key,
        has_key: bool = False,
        keyring_available: bool | None = None,
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
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Store the key in the system keyring")
        self.session_button: QPushButton = self.buttons.addButton(
            "Use for this session only", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.session_button.setToolTip(SESSION_HINT)
        self.session_button.clicked.connect(self._on_session)
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.edit)
        layout.addWidget(self.show_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if keyring_available is None:
            keyring_available = save is not keystore.save_key or keystore.available()
        if not keyring_available:
            self._no_keyring(keystore.NO_BACKEND)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)

    def _no_keyring(self, why: str) -> None:
        """Say why the key cannot be stored, and make the session the way forward."""
        self.show_error(f"{why}.\n\n{SESSION_HINT}")
        self.save_button.setEnabled(False)
        self.session_button.setDefault(True)

    def _on_save(self) -> None:
        key = self.edit.text().strip()
        try:
            self._save(key)
        except keystore.KeyringUnavailable as exc:
            self._no_keyring(str(exc).rstrip("."))
            return
        self.edit.clear()
        self.key_saved.emit(key)
        self.accept()

    def _on_session(self) -> None:
        key = self.edit.text().strip()
        if not key:
            self.show_error("Enter the key first")
            return
        self.edit.clear()
        self.key_for_session.emit(key)
        self.accept()
