"""The window's view of the API key store; the rules live in :mod:`core.keys`.

core.keys decides where a key comes from (environment and ``.env`` first, then the OS
keyring) and what to say when there is no keyring; this adapter only gives the window
four small calls it can swap out in tests.
"""

from __future__ import annotations

from core import keys
from core.settings import Settings
from gui.state.api_keys import KeyStore

NO_BACKEND = (
    "This computer has no keyring to store the API key in. Use it for this session only, "
    "or put GEMINI_API_KEY=<your key> in the .env file or the environment"
)
KeyringUnavailable = keys.KeyringUnavailableError
__all__ = ["KeyStore", "KeyringUnavailable", "available", "load_key", "save_key"]


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
