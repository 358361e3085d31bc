"""Fixtures for the GUI tests: offscreen Qt, one qasync loop per async test, isolated
QSettings, no real keyring, and PDFs made on the spot with PyMuPDF."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pymupdf
import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from core.settings import Settings


def pytest_asyncio_loop_factories(config, item) -> dict[str, Callable[[], Any]]:
    """Every async test here runs on a fresh qasync loop over the one QApplication."""

    def factory() -> asyncio.AbstractEventLoop:
        app = QApplication.instance() or QApplication([])
        return qasync.QEventLoop(app)

    return {"qasync": factory}


@pytest.fixture(autouse=True, scope="session")
def gc_on_the_gui_thread():
    """As the app does (gui/gc_guard.py): no automatic collection, which could run in a
    worker thread and destroy GUI-thread QObjects there (a later timer event then
    segfaults); the per-test fixture below collects on the main thread instead."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True, scope="session")
def no_quit_on_last_window(qapp):
    """As gui.app does: closing the last window does not stop the event loop (the app's
    coroutine ends it after the clean-up); else a test that closes its window lost its
    loop before its next await, whenever no other window happened to be open."""
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(True)


@pytest.fixture(autouse=True)
def collect_after_test(gc_on_the_gui_thread):
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path, qapp) -> QSettings:
    """Each test gets its own ini file: no test sees another's (or the user's) settings."""
    QCoreApplication.setOrganizationName("SectionFlowTests")
    QCoreApplication.setApplicationName("SectionFlowTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    folder = tmp_path / "qsettings"
    folder.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return QSettings(str(folder / "sectionflow.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def no_env_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key, limit or backend from the developer's environment; the journal and the
    remote-file ledger go to the test's folder, never the analyst's real ones."""
    monkeypatch.setenv("SECTIONFLOW_DATA_DIR", str(tmp_path / "data"))
    for name in list(os.environ):
        if name.startswith(("GEMINI_", "GOOGLE_API", "MAX_CONCURRENT", "PROCESSOR")):
            monkeypatch.delenv(name, raising=False)


class FakeKeys:
    """Stands in for the OS keyring."""

    def __init__(self, key: str | None = None, available: bool = True) -> None:
        self.key = key
        self.is_available = available

    def available(self) -> bool:
        return self.is_available

    def load_key(self) -> str | None:
        return self.key

    def save_key(self, key: str) -> None:
        from gui.keystore import NO_BACKEND, KeyringUnavailable

        if not self.is_available:
            raise KeyringUnavailable(NO_BACKEND)
        self.key = key or None


@pytest.fixture
def fake_keys() -> FakeKeys:
    return FakeKeys()


def make_pdf(
    path: Path,
    pages: int = 12,
    outline: Iterable[tuple[int, str, int]] = (),
    password: str | None = None,
) -> Path:
    """A PDF with numbered pages of text and an optional outline [(level, title, page)]."""
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 100), f"Page {number}", fontsize=36)
        page.insert_text(
            (72, 160),
            f"This is the text of page {number}. It talks about topic {number % 5}.",
            fontsize=12,
        )
    toc = [list(entry) for entry in outline]
    if toc:
        doc.set_toc(toc)
    if password:
        doc.save(
            path,
            encryption=pymupdf.PDF_ENCRYPT_AES_256,
            user_pw=password,
            owner_pw=password + "-owner",
        )
    else:
        doc.save(path)
    doc.close()
    return path


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    def factory(name: str = "doc.pdf", **kwargs: Any) -> Path:
        return make_pdf(tmp_path / name, **kwargs)

    return factory


@pytest.fixture
def make_window(qtbot, isolated_qsettings: QSettings, fake_keys: FakeKeys):
    """Build MainWindows over the test's QSettings; each is closed (and cleaned) after."""
    from gui.compose import build_window
    from gui.main_window import MainWindow
    from gui.persistence import Store

    def factory(**kwargs: Any) -> MainWindow:
        kwargs.setdefault("store", Store(isolated_qsettings))
        kwargs.setdefault("keys", fake_keys)
        kwargs.setdefault("base", Settings(_env_file=None))
        window = build_window(**kwargs)
        qtbot.addWidget(window)
        window.show()
        return window

    return factory


def open_pdf(qtbot, window, path: Path, password: str | None = None) -> None:
    """Open a PDF the way the menu does and wait until the window shows it."""
    window.open_file(path, password)
    qtbot.waitUntil(
        lambda: window.document is not None and window.document.path == Path(path), timeout=10000
    )


async def wait_signal(signal, timeout: float = 10.0) -> tuple:
    """Await one emission of a Qt signal inside a coroutine (qtbot.waitSignal would start
    a nested Qt loop, which qasync forbids inside a task)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def handler(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(handler)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        signal.disconnect(handler)


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition from a coroutine, yielding to the loop between checks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def window_over(
    make_window,
    processor: Any,
    pdf: Path,
    *,
    every: int | None = None,
    at_once: int | None = None,
):
    """A window whose engine runs ``processor`` (an instrumented backend), with ``pdf``
    open, cut every ``every`` pages, ``at_once`` sections at a time."""
    from core.engine import Engine

    window = make_window(engine=Engine(processor_factory=lambda settings, engine: processor))
    window.open_file(pdf)
    await wait_until(lambda: window.document is not None)
    if every is not None:
        window.sections.every_n(every)
    if at_once is not None:
        window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(at_once)
    return window
