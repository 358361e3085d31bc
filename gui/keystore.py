"""The window's view of the API key store; the rules live in :mod:`core.keys`.

core.keys decides where a key comes from (environment and ``.env`` first, then the OS
keyring) and what to say when there is no keyring; this adapter only gives the window
four small calls it can swap out in tests.
"""

from __future__ import annotations

from typing import Protocol

from core import keys
from core.settings import Settings

NO_BACKEND = (
    "This computer has no keyring to store the API key in. Put GEMINI_API_KEY=<your key> "
    "in the .env file or the environment instead"
)
KeyringUnavailable = keys.KeyringUnavailableError


class KeyStore(Protocol):
    """What the window needs of a key store: this module, or a stand-in in tests."""

    def load_key(self) -> str | None: ...

    def save_key(self, key: str) -> None: ...


def available() -> bool:
    keyring = keys._keyring()
    return keyring is not None and keys._usable(keyring)


def load_key() -> str | None:
    """The key stored in the keyring (the environment is checked by the caller)."""
    return keys.get_key(Settings.model_construct())


def save_key(key: str) -> None:
    """Store the key, or forget it when empty; raises KeyringUnavailable with advice."""
    if key.strip():
        keys.set_key(key)
    else:
        keys.delete_key()
