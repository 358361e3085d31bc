"""The empty window says how to begin, shows where a dragged file can go, and Help ▸
About says the version, where data and logs live, and the licences."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent
from PySide6.QtWidgets import QApplication

from core.paths import data_dir, log_dir
from gui.main_window import SAMPLE_PDF
from gui.state.about import version


def drag_over(window, widget, paths) -> None:
    """A file dragged over ``widget`` (not dropped), as the platform delivers it."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = widget.mapTo(window, widget.rect().center())
    QApplication.sendEvent(
        window.windowHandle(),
        QDragEnterEvent(
            pos,
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        ),
    )


def test_empty_window_says_how_to_begin(qtbot, make_window) -> None:
    window = make_window()
    hint = window.pages.hint
    assert window.pages.stack.currentWidget() is hint and hint.isVisible()
    assert hint.label.text() == "Drop a PDF here, or open the sample"
    assert window.overall.bar.text() == "No run yet"  # not "0 of 1 sections"
    hint.sample_button.click()
    qtbot.waitUntil(lambda: window.document is not None, timeout=10000)
    assert window.document.path == SAMPLE_PDF
    assert window.pages.stack.currentWidget() is window.pages.view and not hint.isVisible()


def test_dragging_a_file_shows_where_it_goes(qtbot, make_window, pdf_factory, tmp_path) -> None:
    window = make_window()
    overlay = window.drop_overlay
    assert not overlay.isVisible()
    path = pdf_factory("report.pdf", pages=2)
    drag_over(window, window.pages.view.viewport(), [path])
    assert overlay.isVisible() and overlay.ok
    assert overlay.text == "Drop to open report.pdf"
    assert overlay.geometry().contains(window.centralWidget().geometry())
    QApplication.sendEvent(window.windowHandle(), QDragLeaveEvent())
    qtbot.waitUntil(lambda: not overlay.isVisible())

    # over an editor too (it would take the path as text); a folder is refused in advance
    drag_over(window, window.settings_panel.prompt_edit.viewport(), [tmp_path])
    assert overlay.isVisible() and not overlay.ok
    assert "is a folder" in overlay.text
    assert window.document is None  # nothing was dropped
    drag_over(window, window.pages, [path, path])
    assert "drop one PDF at a time" in overlay.text


def test_about_says_version_places_and_licences(qtbot, make_window) -> None:
    window = make_window()
    assert window.about_action in window.help_menu.actions()
    window.about_action.trigger()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.text.toPlainText()
    assert f"SectionFlow {version()}" in text and version() != "unknown"
    assert str(data_dir()) in text and str(log_dir()) in text
    assert window.store.qs.fileName() in text
    assert "Licence: MIT" in text
    assert "PySide6-Essentials" in text and "LGPL-3.0-only" in text
    assert "pymupdf" in text and "AFFERO" in text.upper()
