"""The Gemini API key as the window shows it: the key dialog, where the key in use comes
from (the status bar), and Gemini chosen again once a key is there.

Which key wins and where it is kept is :class:`gui.state.api_keys.ApiKeys`' business;
this wires it to the dialog and the label.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QWidget

from core.settings import ProcessorKind
from gui.state.api_keys import ApiKeys, KeySource
from gui.state.settings import AppSettings
from gui.widgets.api_key_dialog import ApiKeyDialog

HELD_BACK = (
    "Gemini was chosen last time, but no API key is available: using the offline "
    "backend. Enter a key (Settings ▸ Gemini API key…) to go back to Gemini."
)
SESSION_ONLY = (
    "The API key is used for this session only: it is not stored anywhere, so "
    "enter it again next time (or put it in .env)"
)
_SOURCE_TIP = (
    "Where the Gemini API key in use comes from: the environment, .env, the "
    "system keyring, or this session only (kept in memory, stored nowhere). "
    "Settings ▸ Gemini API key… changes it"
)


class KeyController(QObject):
    """``message`` says what happened; ``changed`` fires when the key in use changed."""

    message = Signal(str)
    changed = Signal()

    def __init__(
        self,
        keys: ApiKeys,
        settings: AppSettings,
        label: QLabel,
        *,
        keep: Callable[[QWidget], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.keys = keys
        self.settings = settings
        self.label = label
        self._keep = keep
        self._window = parent
        self.dialog: ApiKeyDialog | None = None

    def api_key(self) -> str | None:
        """The key in use (see :class:`gui.state.api_keys.ApiKeys` for the order)."""
        key = self.keys.key()
        self.show_source()
        return key

    def open_dialog(self) -> ApiKeyDialog:
        dialog = ApiKeyDialog(
            self._window,
            save=self.keys.save,
            has_key=self.keys.source() is KeySource.KEYRING,
            keyring_available=self.keys.keyring_available(),
        )
        dialog.key_saved.connect(self._on_saved)
        dialog.key_for_session.connect(self._on_session_key)
        self._keep(dialog)
        self.dialog = dialog
        dialog.open()
        return dialog

    def show_source(self) -> None:
        """Where the key in use comes from; nothing to say offline with no key at all."""
        text = self.keys.describe()
        gemini = self.settings.value("processor") == ProcessorKind.GEMINI.value
        self.label.setVisible(gemini or self.keys.source() is not KeySource.NONE)
        if self.label.text() != text:
            self.label.setText(text)
            self.label.setToolTip(_SOURCE_TIP)

    def _on_saved(self, key: str) -> None:
        self.message.emit("API key saved in the system keyring" if key else "API key removed")
        self._on_changed()

    def _on_session_key(self, key: str) -> None:
        self.keys.use_for_session(key)
        self.message.emit(SESSION_ONLY)
        self._on_changed()

    def _on_changed(self) -> None:
        self.show_source()
        if self.api_key() and self.settings.restore_held_back():
            self.message.emit("Gemini is chosen again, as last time, now that a key is available")
        self.changed.emit()
