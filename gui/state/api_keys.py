"""The Gemini key the window uses, and where it comes from.

In order: the environment or ``.env`` (explicit, and what the CLI and CI use), a key the
user gave for this session only, then the OS keyring. A machine without a keyring
backend (headless Linux, some containers) once had no way forward: the key dialog's Save
did nothing and Run reopened the dialog. Now the dialog says why and offers the key for
this session only: held in memory, never written to the keyring, the settings file, a
log, an export or the journal, and scrubbed from the logs like any other key. The status
bar says which source the key in use came from.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from core.settings import Source

if TYPE_CHECKING:
    from gui.state.settings import AppSettings


class KeyStore(Protocol):
    """The OS keyring as the window sees it (:mod:`gui.keystore`, or a stand-in)."""

    def load_key(self) -> str | None: ...

    def save_key(self, key: str) -> None: ...


class KeySource(StrEnum):
    ENVIRONMENT = "the environment"
    DOTENV = ".env"
    SESSION = "this session only"
    KEYRING = "the system keyring"
    NONE = "none"


_FIELDS = ("gemini_api_key", "google_api_key")


class ApiKeys:
    """``on_secret`` hears every key as it becomes known, so logs can scrub it."""

    def __init__(
        self,
        store: KeyStore,
        settings: AppSettings,
        on_secret: Callable[[str], None] = lambda key: None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._on_secret = on_secret
        self._session: str | None = None
        self._stored: str | None = None
        self._loaded = False

    def watch_secrets(self, listener: Callable[[str], None]) -> None:
        """Also tell ``listener`` every key, the ones known already first."""
        before = self._on_secret

        def both(key: str) -> None:
            before(key)
            listener(key)

        self._on_secret = both
        for known in (self._settings.base.api_key(), self._session, self._stored):
            if known:
                listener(known)

    # ----------------------------------------------------------------- reading
    def key(self) -> str | None:
        return self.current()[0]

    def source(self) -> KeySource:
        return self.current()[1]

    def current(self) -> tuple[str | None, KeySource]:
        configured = self._settings.base.api_key()
        if configured:
            return configured, self._configured_source()
        if self._session:
            return self._session, KeySource.SESSION
        stored = self._keyring_key()
        return (stored, KeySource.KEYRING) if stored else (None, KeySource.NONE)

    def keyring_available(self) -> bool:
        probe = getattr(self._store, "available", None)
        return bool(probe()) if callable(probe) else True

    def describe(self) -> str:
        """For the status bar: "Gemini key: from .env", "Gemini key: none"."""
        source = self.source()
        if source is KeySource.NONE:
            return "Gemini key: none"
        if source is KeySource.SESSION:
            return "Gemini key: this session only"
        return f"Gemini key: from {source.value}"

    # ----------------------------------------------------------------- changing
    def save(self, key: str) -> None:
        """Into the keyring ("" removes it); raises the keyring's error when it cannot."""
        self._store.save_key(key)
        self._stored, self._loaded = (key.strip() or None), True
        if key.strip():
            self._on_secret(key.strip())

    def use_for_session(self, key: str) -> None:
        """Held in memory until the app closes; never written anywhere."""
        key = key.strip()
        if not key:
            raise ValueError("The API key is empty")
        self._session = key
        self._on_secret(key)

    # ----------------------------------------------------------------- plumbing
    def _keyring_key(self) -> str | None:
        if not self._loaded:
            self._loaded = True
            self._stored = self._store.load_key() or None
            if self._stored:
                self._on_secret(self._stored)
        return self._stored

    def _configured_source(self) -> KeySource:
        """The source of the field that gave the key (GEMINI_API_KEY before GOOGLE_API_KEY)."""
        base = self._settings.base
        for name in _FIELDS:
            secret = getattr(base, name)
            if secret is not None and secret.get_secret_value().strip():
                source = self._settings.source(name)
                return KeySource.DOTENV if source is Source.DOTENV else KeySource.ENVIRONMENT
        return KeySource.ENVIRONMENT
