"""The launch screen, on screen while the window is being made.

A bare PySide6 window is up 0.2-0.3 s after launch on the 2-core machine; ours took
1.0-1.3 s, most of it importing the engine, the settings and the window's widgets and
building them (docs/ARCHITECTURE.md, "Start-up"). For that second a double-click showed
nothing. This splash is drawn right after the QApplication exists, before any of that
is imported, and the window takes its place once it is shown.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEventLoop, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

#: the longest the launch waits for the window system to put the splash on screen
EXPOSE_WAIT_S = 0.3
_SIZE = (440, 150)


def show_splash(app: QApplication) -> QLabel:
    """The splash, shown and painted: the imports that follow hold the GUI thread, so
    the window system's expose is waited for (at most EXPOSE_WAIT_S) and answered now.

    A frameless label rather than QSplashScreen: that waits up to a second for the
    window manager to confirm the window is exposed, which under Xvfb (no window
    manager) was a whole second added to the launch.
    """
    splash = QLabel()
    splash.setObjectName("launch-splash")
    splash.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
    splash.setPixmap(_picture())
    splash.adjustSize()
    if (screen := QGuiApplication.primaryScreen()) is not None:
        splash.move(screen.availableGeometry().center() - splash.rect().center())
    splash.show()
    deadline = time.monotonic() + EXPOSE_WAIT_S
    while not _exposed(splash) and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    splash.repaint()
    app.processEvents()  # what the expose brought (a paint, a timer) runs now, not in 1 s
    return splash


def _exposed(splash: QLabel) -> bool:
    handle = splash.windowHandle()
    return handle is not None and handle.isExposed()


def _picture() -> QPixmap:
    palette = QGuiApplication.palette()
    screen = QGuiApplication.primaryScreen()
    ratio = screen.devicePixelRatio() if screen is not None else 1.0  # sharp on HiDPI
    width, height = _SIZE
    pixmap = QPixmap(int(width * ratio), int(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(palette.color(QPalette.ColorRole.Window))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _draw_icon(painter, 34, 35)
    painter.setPen(palette.color(QPalette.ColorRole.WindowText))
    title = QFont(painter.font())
    title.setPointSizeF(title.pointSizeF() * 2.0)
    title.setBold(True)
    painter.setFont(title)
    painter.drawText(QRectF(128, 38, 290, 44), Qt.AlignmentFlag.AlignVCenter, "SectionFlow")
    painter.setFont(QFont(painter.font().family()))
    painter.drawText(QRectF(130, 84, 290, 30), Qt.AlignmentFlag.AlignVCenter, "Opening…")
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(0.5, 0.5, width - 1, height - 1))
    painter.end()
    return pixmap


def _draw_icon(painter: QPainter, x: float, y: float) -> None:
    """The app's icon (resources/icons/app.svg: a blue page with lines), drawn with the
    painter: QtSvg's import alone was a tenth of the time to the splash."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#1e88e5"))
    painter.drawRoundedRect(QRectF(x, y, 50, 65), 6, 6)
    painter.setBrush(QColor(255, 255, 255, 220))
    for row, width in enumerate((35, 27, 32)):
        painter.drawRoundedRect(QRectF(x + 8, y + 10 + row * 11, width, 5), 2, 2)
