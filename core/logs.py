"""Log files: a rotating file in the user's log folder, so a problem can be looked at later.

The app and the CLI both log here (as well as to the window or the terminal). The API
key can never reach these files: a filter scrubs any configured key from every record,
as a last line of defence behind the engine's own care.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
from pathlib import Path

from core.paths import log_dir
from core.redact import hide_url_credentials

LOG_FILE = "sectionflow.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class SecretFilter(logging.Filter):
    """Replaces each secret, and the credentials of any URL, in a record's final message
    with '***'."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = hide_url_credentials(message)
        for secret in self.secrets:
            scrubbed = scrubbed.replace(secret, "***")
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


class _LogFile(logging.handlers.RotatingFileHandler):
    """The rotating file, quiet when it cannot be written (a full or read-only disk): a
    record that cannot be written is dropped, where logging would print a traceback to
    the terminal for every record; the terminal and the window still show them."""

    def handleError(self, record: logging.LogRecord) -> None:
        self.failed = True

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            super().flush()

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the last buffered lines: no room for them
            super().close()


def file_handler(
    folder: Path | None = None, secrets: tuple[str, ...] = (), level: int = logging.DEBUG
) -> logging.Handler:
    """A handler writing to <log dir>/sectionflow.log, rotated at 2 MB, 5 files kept."""
    folder = folder or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = _LogFile(
        folder / LOG_FILE, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level)
    handler.addFilter(SecretFilter(secrets))
    return handler


def install_file_logging(secrets: tuple[str, ...] = ()) -> logging.Handler | None:
    """Attach the rotating file to the root logger once; None if the folder is unusable."""
    root = logging.getLogger()
    for existing in root.handlers:
        if isinstance(existing, logging.handlers.RotatingFileHandler):
            return existing
    try:
        handler = file_handler(secrets=secrets)
    except OSError:
        return None
    root.addHandler(handler)
    return handler
