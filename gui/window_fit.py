"""The window's size on the screen it opens on.

The window once opened at 1440×900 whatever the screen: at 1280×720 the Settings panel,
the memory graph and the status bar were off-screen. Now its first size is what it likes
(:data:`PREFERRED`) but never more than 90% of the screen's available area (without task
bars and docks), centred there; a remembered geometry that no longer fits (the laptop
left its big monitor) is fitted the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize

PREFERRED = QSize(1440, 900)
SHARE = 0.9


def fit_geometry(
    available: QRect,
    preferred: QSize = PREFERRED,
    share: float = SHARE,
    minimum: QSize | None = None,
) -> QRect:
    """At most ``share`` of ``available`` each way, ``preferred`` if smaller, centred;
    never under ``minimum`` (the window's own) unless the screen itself is smaller."""
    minimum = minimum or QSize(0, 0)
    width = min(preferred.width(), int(available.width() * share))
    height = min(preferred.height(), int(available.height() * share))
    width = min(max(width, minimum.width()), available.width())
    height = min(max(height, minimum.height()), available.height())
    left = available.left() + (available.width() - width) // 2
    top = available.top() + (available.height() - height) // 2
    return QRect(left, top, width, height)


def fits(frame: QRect, available: QRect) -> bool:
    return available.contains(frame)
