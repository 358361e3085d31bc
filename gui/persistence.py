"""What the window remembers between sessions, in QSettings.

Engine settings are stored only once the user changes them in the window, so values from
``.env`` and the environment still apply to everything the user never touched. Secrets
are never stored here (the API key lives in the keyring).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from core.settings import Settings

ENGINE_GROUP = "engine"
MAX_RECENT = 10
_SECRET = {"gemini_api_key", "google_api_key"}


class Store:
    def __init__(self, settings: QSettings | None = None) -> None:
        self.qs = settings if settings is not None else QSettings()

    # -- engine overrides -------------------------------------------------------------

    def engine_overrides(self) -> dict[str, Any]:
        fields = Settings.model_fields
        result: dict[str, Any] = {}
        self.qs.beginGroup(ENGINE_GROUP)
        try:
            for key in self.qs.childKeys():
                if key not in fields or key in _SECRET:
                    continue
                result[key] = _typed(self.qs.value(key), fields[key].annotation)
        finally:
            self.qs.endGroup()
        return result

    def set_engine_value(self, field: str, value: Any) -> None:
        if field in _SECRET or field not in Settings.model_fields:
            return
        self.qs.setValue(f"{ENGINE_GROUP}/{field}", getattr(value, "value", value))

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


def _typed(value: Any, annotation: Any) -> Any:
    """QSettings ini files give strings back; turn them into what the field wants
    (pydantic validates the result when the run's Settings are built)."""
    if annotation is bool:
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    if annotation is int:
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return value
    if annotation is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    return str(value)
