"""Widgets that draw their content when they are on screen, not when it arrives.

A run ends with its report panel behind the Results tab. Laying out its figures and
putting a few hundred sections' bars on the charts at that moment costs tens of
milliseconds on the GUI thread, at the busiest moment of the run's end, for a panel
nobody is looking at yet. Such widgets call :meth:`DrawnWhenShown.request_draw` when
their content changes and implement ``redraw``; it runs at once if the widget is
visible, else on its next ``showEvent``.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent


class DrawnWhenShown:
    """Mixin for a QWidget subclass (list it before the Qt base class)."""

    _stale = False

    def redraw(self) -> None:
        raise NotImplementedError

    def request_draw(self) -> None:
        self._stale = True
        if self.isVisible():  # type: ignore[attr-defined]
            self.draw_now()

    def draw_now(self) -> None:
        """Draw pending content now, shown or not (for callers that need it at once)."""
        if self._stale:
            self._stale = False
            self.redraw()

    def is_drawn(self) -> bool:
        return not self._stale

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)  # type: ignore[misc]
        self.draw_now()
