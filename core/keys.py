"""Where the Gemini API key comes from: the settings first, then the OS keyring.

The environment (GEMINI_API_KEY, GOOGLE_API_KEY) and ``.env`` win because they are explicit
and are what the CLI and CI use; the keyring is for the desktop app's key dialog, so an
analyst never has to keep the key in a plain file. A machine without a keyring backend
(headless Linux, some containers) must still run, so every keyring call is guarded.
"""

from __future__ import annotations

import logging

from core.errors import SectionFlowError
from core.settings import Settings

log = logging.getLogger("sectionflow.keys")

SERVICE = "SectionFlow"
ACCOUNT = "gemini"


class KeyringUnavailableError(SectionFlowError):
    """No usable OS keyring: the key has to go in GEMINI_API_KEY or .env instead."""


def _keyring():  # imported lazily: the keyring package probes backends at import
    try:
        import keyring
    except Exception:
        return None
    return keyring


def _usable(keyring_module: object) -> bool:
    try:
        backend = keyring_module.get_keyring()  # type: ignore[attr-defined]
        priority = getattr(backend, "priority", 0)
        name = type(backend).__module__ + "." + type(backend).__name__
    except Exception:
        return False
    return bool(priority and priority > 0) and "fail" not in name.lower()


def get_key(settings: Settings) -> str | None:
    """The key from settings (env / .env), else from the OS keyring, else None."""
    key = settings.api_key()
    if key:
        return key
    keyring = _keyring()
    if keyring is None or not _usable(keyring):
        return None
    try:
        stored = keyring.get_password(SERVICE, ACCOUNT)
    except Exception as exc:  # locked keychain, D-Bus errors, no backend after all
        log.info("The OS keyring could not be read: %s", type(exc).__name__)
        return None
    return stored.strip() if stored and stored.strip() else None


def set_key(key: str) -> None:
    """Store the key in the OS keyring, or raise KeyringUnavailableError saying what to do."""
    key = key.strip()
    if not key:
        raise ValueError("The API key is empty")
    keyring = _keyring()
    if keyring is None or not _usable(keyring):
        raise KeyringUnavailableError(
            "This computer has no keyring to store the API key in. Put "
            "GEMINI_API_KEY=<your key> in the .env file or the environment instead"
        )
    try:
        keyring.set_password(SERVICE, ACCOUNT, key)
    except Exception as exc:
        raise KeyringUnavailableError(
            f"The OS keyring refused to store the API key ({type(exc).__name__}). Put "
            "GEMINI_API_KEY=<your key> in the .env file or the environment instead"
        ) from None


def delete_key() -> None:
    """Forget a stored key; no error if there was none or there is no keyring."""
    keyring = _keyring()
    if keyring is None or not _usable(keyring):
        return
    try:
        keyring.delete_password(SERVICE, ACCOUNT)
    except Exception:
        return
