"""Forward log records to the GUI thread as a signal, with secrets scrubbed.

Records may come from any thread (executor jobs, the PDF thread); a Qt signal emitted
from another thread is queued to the receiver's thread, so the log pane is only touched
on the GUI thread. The API key is removed *here*, before the text leaves the handler,
so no widget can ever show it — whether it is the key we know (registered with
:meth:`QtLogHandler.add_secret`) or anything shaped like a Google key or a ``key=`` query.
"""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QObject, Signal

from core.redact import hide_url_credentials

_KEY_SHAPES = (
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"(?i)((?:api[_-]?key|key|x-goog-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s&\"',;]+"),
)
REDACTED = "[redacted]"


class _Emitter(QObject):
    record = Signal(int, str, str)  # levelno, logger name, formatted text


class QtLogHandler(logging.Handler):
    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self.emitter = _Emitter()
        self._secrets: set[str] = set()
        self.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )

    def add_secret(self, secret: str | None) -> None:
        if secret and len(secret) >= 6:
            self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        text = hide_url_credentials(text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _KEY_SHAPES[0].sub(REDACTED, text)
        return _KEY_SHAPES[1].sub(lambda m: m.group(1) + REDACTED, text)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.scrub(self.format(record))
            self.emitter.record.emit(record.levelno, record.name, text)
        except RuntimeError:  # the emitter was deleted at shutdown
            pass
        except Exception:
            self.handleError(record)
