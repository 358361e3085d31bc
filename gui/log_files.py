"""The rotating log file for the desktop app, and the folder the Help menu opens.

The file itself is :mod:`core.logs` (shared with the command line); here the app installs
it at start with the configured key as a secret, adds a key that is loaded later from
the keyring, and finds the folder to show. A log folder the user cannot find is no use
when something went wrong, hence the menu item.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core.logs import SecretFilter, install_file_logging
from core.paths import log_dir


def configured_key() -> str | None:
    """The Gemini key from the environment or .env, without failing on a bad setting."""
    try:
        from core.settings import load_settings

        return load_settings().api_key()
    except Exception:
        return os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY") or None


def install(secret: str | None = None) -> logging.Handler | None:
    """Attach the rotating file (once); the secret never reaches it."""
    return install_file_logging(secrets=(secret,) if secret else ())


def add_secret(secret: str | None) -> None:
    """Scrub one more secret (a key loaded from the keyring later) from the log file."""
    if not secret or len(secret) < 4:
        return
    for handler in logging.getLogger().handlers:
        for item in handler.filters:
            if isinstance(item, SecretFilter) and secret not in item.secrets:
                item.secrets = (*item.secrets, secret)


def folder() -> Path:
    """The log folder, created if missing (so opening it always shows something)."""
    path = log_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path
