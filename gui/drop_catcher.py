"""A PDF dropped anywhere on the window opens; while it is dragged, the window says what
the drop will do (:mod:`gui.state.drops` decides; this only watches the events).

One filter object watches the window and the children that take drops themselves
(editors take a dropped file as its path in text): never the whole application, which
would run Python for every event of the app (docs/ARCHITECTURE.md, "Keeping the window
smooth").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRect, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWidget

from gui.state.drops import Dropped, DropVerdict, verdict
from gui.widgets.drop_overlay import DropOverlay

_DRAGS = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)


class DropCatcher(QObject):
    """Turns drags over ``window`` into feedback on ``overlay`` and a drop into
    ``open_path`` (or ``refuse`` with the reason)."""

    def __init__(
        self,
        window: QWidget,
        overlay: DropOverlay,
        *,
        area: Callable[[], QRect],
        open_path: Callable[[Path], None],
        refuse: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._overlay = overlay
        self._area = area
        self._open_path = open_path
        self._refuse = refuse
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        for widget in window.findChildren(QWidget):
            if widget.acceptDrops():
                widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.DragLeave and isinstance(watched, QWidget):
            self._overlay.hide()
            return watched is self._window
        if kind not in _DRAGS or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self._window:
            return False
        assert isinstance(event, QDropEvent)  # the base of DragEnter and DragMove
        if not event.mimeData().hasUrls():
            return False
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self._overlay.hide()
            self.open_urls(event.mimeData().urls())
        elif kind == QEvent.Type.DragEnter:
            self.show_feedback(event.mimeData().urls())
        return True

    def show_feedback(self, urls: list[QUrl]) -> None:
        """While a file is dragged over the window: where it goes and what it will do."""
        found = _verdict(urls)
        self._overlay.show_for(found.text, found.ok, self._area())

    def open_urls(self, urls: list[QUrl]) -> None:
        found = _verdict(urls)
        if not found.ok or found.path is None:
            self._refuse(found.text)
            return
        self._open_path(found.path)


def _verdict(urls: list[QUrl]) -> DropVerdict:
    return verdict(
        [
            Dropped(Path(url.toLocalFile()) if url.isLocalFile() else None, url.toString())
            for url in urls
        ]
    )
