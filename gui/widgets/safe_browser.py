"""A QTextBrowser that renders Markdown but loads nothing.

Model output is untrusted text: an image URL in it would make the app fetch from any
server (a tracking pixel, or a leak of what is being analysed) and a ``file:`` URL would
read local files. Every resource request is refused and links are not followed; a clicked
link is only reported so the window can show where it points.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser, QWidget


class SafeTextBrowser(QTextBrowser):
    link_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(lambda url: self.link_clicked.emit(url.toString()))
        self.blocked: list[str] = []

    def loadResource(self, kind: int, url: QUrl | str):
        """Refuse every image, style sheet or document the text refers to."""
        self.blocked.append(url.toString() if isinstance(url, QUrl) else str(url))
        return None
