"""The launch splash: something on screen at once after a double-click."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.splash import show_splash


def test_the_launch_splash_is_painted_on_screen_before_the_window_is_made(
    qtbot: QtBot, qapp: QApplication
) -> None:
    splash = show_splash(qapp)
    qtbot.addWidget(splash)
    assert splash.isVisible() and not splash.windowTitle()  # the bench tells it apart so
    screen = qapp.primaryScreen().availableGeometry()
    assert screen.contains(splash.geometry())
    assert abs(splash.geometry().center().x() - screen.center().x()) <= 1
    image = splash.grab().toImage()
    assert image.pixelColor(40, 90).name() == "#1e88e5"  # the app's icon, not a blank box
    assert image.pixelColor(5, 5) == qapp.palette().window().color()
