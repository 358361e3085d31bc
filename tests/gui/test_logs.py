"""Logs: a rotating file that never holds a key, and a Help menu item that opens its folder."""

from __future__ import annotations

import logging
from typing import ClassVar

import pytest
from PySide6.QtCore import QUrl

from core.logs import LOG_FILE
from core.paths import log_dir
from gui import log_files


class FakeDesktop:
    opened: ClassVar[list[QUrl]] = []

    @classmethod
    def openUrl(cls, url: QUrl) -> bool:
        cls.opened.append(url)
        return True


def test_help_menu_opens_the_log_folder(make_window, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeDesktop.opened = []
    monkeypatch.setattr("gui.main_window.QDesktopServices", FakeDesktop)
    window = make_window()
    action = window.log_folder_action
    assert action in window.help_menu.actions()
    assert window.help_menu.title() == "&Help"
    assert str(log_dir()) in action.toolTip()
    assert not log_dir().exists()
    action.trigger()
    assert FakeDesktop.opened == [QUrl.fromLocalFile(str(log_dir()))]
    assert log_dir().is_dir()  # created, so the file manager shows a folder


def test_log_file_scrubs_the_configured_and_the_keyring_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-from-the-env-123")
    root = logging.getLogger()
    handler = log_files.install(log_files.configured_key())
    assert handler is not None and handler in root.handlers
    try:
        assert log_files.install() is handler  # once only
        log_files.add_secret("AIza-from-the-keyring-456")
        logging.getLogger("sectionflow.test").warning(
            "calling with %s, then %s", "AIza-from-the-env-123", "AIza-from-the-keyring-456"
        )
        handler.flush()
        text = (log_dir() / LOG_FILE).read_text(encoding="utf-8")
        assert "calling with ***, then ***" in text and "AIza" not in text
    finally:
        root.removeHandler(handler)
        handler.close()
