"""Icons drawn from the SVGs in resources/icons, tinted with the current palette.

The SVGs use ``currentColor``; replacing it with the palette's text colour before
rendering makes the same files right on light and dark themes, and rendering each size
at the screen's device pixel ratio keeps them sharp on high-DPI displays.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 20, 24, 32, 48, 64)


def _text_color() -> str:
    app = QGuiApplication.instance()
    if app is None:
        return "#444444"
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()


def icon(name: str) -> QIcon:
    return _icon(name, _text_color())


@cache
def _icon(name: str, color: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    if not path.exists():
        return QIcon()
    data = path.read_text(encoding="utf-8").replace("currentColor", color)
    renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
    result = QIcon()
    ratio = 2.0
    app = QGuiApplication.instance()
    if app is not None and QGuiApplication.primaryScreen() is not None:
        ratio = max(ratio, QGuiApplication.primaryScreen().devicePixelRatio())
    for size in SIZES:
        pixmap = QPixmap(int(size * ratio), int(size * ratio))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, pixmap.width(), pixmap.height()))
        painter.end()
        pixmap.setDevicePixelRatio(ratio)
        result.addPixmap(pixmap)
    return result
