"""Opening PDFs: drop anywhere, bad drops, damaged files, encrypted files, recent files."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from gui.widgets.thumbnail_model import BOX_ASPECT
from tests.gui.conftest import open_pdf


def drop(widget, paths: list[Path | str]) -> None:
    """Drop files on a widget the way the platform does: DragEnter, DragMove and Drop sent
    to the top-level QWindow at the widget's position (Qt delivers drag events sent
    straight to a widget only when they come from its drag manager)."""
    mime = QMimeData()
    mime.setUrls(
        [QUrl(str(p)) if str(p).startswith("http") else QUrl.fromLocalFile(str(p)) for p in paths]
    )
    top = widget.window()
    pos = widget.mapTo(top, widget.rect().center())
    handle = top.windowHandle()
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(handle, QDragEnterEvent(pos, *args))
    QApplication.sendEvent(handle, QDragMoveEvent(pos, *args))
    QApplication.sendEvent(handle, QDropEvent(QPointF(pos), *args))


def test_drop_pdf_shows_thumbnails_and_page_count(qtbot, make_window, pdf_factory) -> None:
    path = pdf_factory(pages=14)
    window = make_window()
    drop(window.pages.view.viewport(), [path])  # a child: "anywhere on the window"
    qtbot.waitUntil(lambda: window.document is not None, timeout=10000)
    assert window.pages.model.rowCount() == 14
    assert window.pages.page_count_label.text() == "14 pages"
    assert window.sections.page_count == 14
    qtbot.waitUntil(lambda: 1 in window.pages.model.rendered_pages(), timeout=10000)
    # lazy: only pages near the visible ones are rendered, not all at once
    first, last = window.pages.view.visible_pages()
    assert first == 1 and last >= 2
    assert str(path.name) in window.windowTitle()


def test_pages_are_drawn_outside_the_window_process(qtbot, make_window, pdf_factory) -> None:
    """MuPDF holds the GIL while it draws, so pages drawn on a thread of the app would
    stall the window: they come from the render process, and the right size."""
    from core import pdf
    from gui.pdf_thread import renderer

    path = pdf_factory(pages=3)
    window = make_window()
    open_pdf(qtbot, window, path)
    qtbot.waitUntil(lambda: 1 in window.pages.model.rendered_pages(), timeout=10000)
    assert renderer().pids() and os.getpid() not in renderer().pids()
    assert not any(key[0] == str(path) for key in pdf._open_cache)  # never opened here
    # exactly the box it goes in: as wide as asked, or as tall as allowed
    want = window.pages.model.wanted_width()
    high = int(want * BOX_ASPECT)
    image = window.pages.model.image(1)
    assert image.width() <= want and image.height() <= high
    assert want - image.width() <= 1 or high - image.height() <= 1


def test_drop_on_an_editor_still_opens(qtbot, make_window, pdf_factory) -> None:
    path = pdf_factory(pages=3)
    window = make_window()
    drop(window.settings_panel.prompt_edit.viewport(), [path])
    qtbot.waitUntil(lambda: window.document is not None, timeout=10000)
    assert "Summar" in window.settings_panel.prompt_edit.toPlainText()


def test_drop_of_several_files_says_one_at_a_time(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    drop(window, [pdf_factory("a.pdf", pages=1), pdf_factory("b.pdf", pages=1)])
    assert "2 files were dropped" in window.last_error
    assert window.document is None


def test_drop_of_a_non_pdf_says_so(qtbot, make_window, tmp_path) -> None:
    text = tmp_path / "notes.pdf"
    text.write_text("just some text, not a PDF")
    window = make_window()
    drop(window, [text])
    qtbot.waitUntil(lambda: "not a PDF" in window.last_error, timeout=10000)
    assert window.document is None


def test_drop_of_a_web_link_is_refused(qtbot, make_window) -> None:
    window = make_window()
    drop(window, ["https://example.org/a.pdf"])
    assert "not a file on this computer" in window.last_error


def test_damaged_pdf_says_what_is_wrong(qtbot, make_window, tmp_path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    window = make_window()
    window.open_file(bad)
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10000)
    assert "broken.pdf" in window.last_error
    assert window.document is None


def test_encrypted_pdf_opens_after_password(qtbot, make_window, pdf_factory) -> None:
    path = pdf_factory("secret.pdf", pages=4, password="s3cret")
    window = make_window()
    window.open_file(path)
    qtbot.waitUntil(lambda: getattr(window, "password_dialog", None) is not None, timeout=10000)
    dialog = window.password_dialog
    assert dialog.isVisible()
    assert "password" in dialog.label.text().lower()
    # a wrong password asks again, with core's message
    dialog.edit.setText("wrong")
    dialog._on_accept()
    qtbot.waitUntil(
        lambda: window.password_dialog is not dialog and window.password_dialog.isVisible(),
        timeout=10000,
    )
    assert "not right" in window.password_dialog.label.text()
    window.password_dialog.edit.setText("s3cret")
    window.password_dialog._on_accept()
    qtbot.waitUntil(lambda: window.document is not None, timeout=10000)
    assert window.document.info.page_count == 4
    assert window.document.password == "s3cret"
    qtbot.waitUntil(lambda: 1 in window.pages.model.rendered_pages(), timeout=10000)


def test_recent_files_and_last_folder_are_remembered(qtbot, make_window, pdf_factory) -> None:
    path = pdf_factory(pages=2)
    window = make_window()
    open_pdf(qtbot, window, path)
    assert window.store.recent_files()[0] == str(path.resolve())
    assert window.store.last_folder() == str(path.resolve().parent)
    names = [a.text() for a in window.recent_menu.actions()]
    assert path.name in names


def test_open_sample(qtbot, make_window) -> None:
    from gui.main_window import SAMPLE_PDF

    window = make_window()
    window.open_sample()
    if SAMPLE_PDF.exists():
        qtbot.waitUntil(lambda: window.document is not None, timeout=10000)
        assert window.document.path == SAMPLE_PDF
    else:
        assert "sample PDF is missing" in window.last_error


def test_double_click_opens_large_preview(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=3))
    window.pages.view.preview_requested.emit(2)
    qtbot.waitUntil(
        lambda: (
            window.preview.image.pixmap() is not None and not window.preview.image.pixmap().isNull()
        ),
        timeout=10000,
    )
    assert window.preview.page == 2
    assert window.preview.image.pixmap().width() >= 900
    window.preview.close()
