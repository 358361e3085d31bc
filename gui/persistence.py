"""What the window remembers between sessions, in QSettings.

Engine settings are stored only while the user's choice differs from ``.env`` and the
environment (see :mod:`gui.state.settings`), so those still apply to everything the user
never changed. Values come back as QSettings gives them (an ini file gives text); the
settings model parses them. Secrets are never stored here (the API key lives in the
keyring).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from core.settings import Settings

ENGINE_GROUP = "engine"
MAX_RECENT = 10
#: documents whose drafted sections are remembered (the oldest are forgotten)
MAX_DOCUMENTS = 50
_SECRET = {"gemini_api_key", "google_api_key"}


class Store:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.qs = settings if settings is not None else QSettings()

    # -- the user's settings choices (gui.state.settings.SavedChoices) ----------------

    def load_choices(self) -> dict[str, Any]:
        fields = Settings.model_fields
        result: dict[str, Any] = {}
        self.qs.beginGroup(ENGINE_GROUP)
        try:
            for key in self.qs.childKeys():
                if key in fields and key not in _SECRET:
                    result[key] = self.qs.value(key)
        finally:
            self.qs.endGroup()
        return result

    def save_choice(self, name: str, value: Any) -> None:
        if name in _SECRET or name not in Settings.model_fields:
            return
        self.qs.setValue(f"{ENGINE_GROUP}/{name}", getattr(value, "value", value))

    def forget_choice(self, name: str) -> None:
        self.qs.remove(f"{ENGINE_GROUP}/{name}")

    # -- files ------------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.qs.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent(self, path: Path) -> list[str]:
        text = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != text]
        recent.insert(0, text)
        recent = recent[:MAX_RECENT]
        self.qs.setValue("files/recent", recent)
        self.qs.setValue("files/last_folder", str(Path(text).parent))
        return recent

    def clear_recent(self) -> None:
        self.qs.setValue("files/recent", [])

    def last_folder(self) -> str:
        return str(self.qs.value("files/last_folder", "") or "")

    def set_last_folder(self, folder: str) -> None:
        self.qs.setValue("files/last_folder", folder)

    # -- sections drafted per document (gui.history_controller.SavedDrafts) -----------

    def document_sections(self, sha256: str) -> list[dict[str, str]] | None:
        """The sections last drafted for the document with this content, or None."""
        text = self.qs.value(f"documents/{sha256}")
        try:
            drafts = json.loads(str(text)) if text else None
        except ValueError:
            return None
        return drafts if isinstance(drafts, list) else None

    def set_document_sections(self, sha256: str, drafts: list[dict[str, str]]) -> None:
        order = [sha256, *(s for s in self._documents() if s != sha256)]
        for dropped in order[MAX_DOCUMENTS:]:
            self.qs.remove(f"documents/{dropped}")
        self.qs.setValue("documents_order", order[:MAX_DOCUMENTS])
        self.qs.setValue(f"documents/{sha256}", json.dumps(drafts, ensure_ascii=False))

    def _documents(self) -> list[str]:
        value = self.qs.value("documents_order", [])
        return [value] if isinstance(value, str) else [str(v) for v in value or []]

    # -- window -----------------------------------------------------------------------

    def bytes(self, key: str) -> QByteArray | None:
        value = self.qs.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set(self, key: str, value: Any) -> None:
        self.qs.setValue(key, value)

    def get(self, key: str, default: Any = None) -> Any:
        return self.qs.value(key, default)

    def sync(self) -> None:
        self.qs.sync()
