"""The window's actions, menus and tool bar, in the manner of a Designer ``setupUi``:
one place that says what the user can do and where it is found, apart from what each
action does (the window's and the controllers' methods)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from core.paths import log_dir
from gui.icons import icon

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def make_action(
    window: MainWindow,
    text: str,
    slot: Callable[[], object],
    *,
    shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    tip: str = "",
    icon_name: str = "",
) -> QAction:
    """An action of the window: its shortcut named in its tool tip, and working from the
    keyboard even when no menu or tool bar shows it."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(shortcut)
    hint = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({hint})" if hint else tip)
    action.setStatusTip(tip)
    if icon_name:
        action.setIcon(icon(icon_name))
    action.triggered.connect(lambda *_: slot())
    window.addAction(action)
    return action


def build_actions(w: MainWindow) -> None:
    """The actions, as attributes of the window (tests and the menus find them there)."""
    w.open_action = make_action(
        w,
        "&Open…",
        w.open_dialog,
        shortcut=QKeySequence.StandardKey.Open,
        tip="Open a PDF",
        icon_name="open",
    )
    w.sample_action = make_action(
        w, "Open &sample", w.open_sample, tip="Open the bundled sample PDF", icon_name="sample"
    )
    w.run_action = make_action(
        w,
        "&Run",
        w.start_run,
        shortcut=QKeySequence("F5"),
        tip="Analyse every section",
        icon_name="run",
    )
    w.cancel_action = make_action(
        w,
        "&Cancel",
        w.run.cancel,
        shortcut=QKeySequence("Esc"),
        tip="Stop the run; temporary and remote files are still cleaned up",
        icon_name="cancel",
    )
    w.export_action = make_action(
        w,
        "&Export…",
        w.exports.dialog,
        shortcut=QKeySequence("Ctrl+E"),
        tip="Save the results as JSON and Markdown",
        icon_name="export",
    )
    w.tables_action = make_action(
        w,
        "Export &tables…",
        w.exports.tables_dialog,
        tip="Save every table of the results as CSV files and one Excel workbook",
    )
    w.key_action = make_action(
        w,
        "Gemini API &key…",
        w.open_key_dialog,
        tip="Enter the Gemini API key (kept in the system keyring)",
        icon_name="key",
    )
    w.quit_action = make_action(
        w, "&Quit", w.close, shortcut=QKeySequence.StandardKey.Quit, tip="Close SectionFlow"
    )
    w.retry_action = make_action(
        w,
        "Retry &failed sections",
        w.retry_failed,
        shortcut=QKeySequence("Ctrl+R"),
        tip="Run the failed sections again",
        icon_name="retry",
    )
    w.batch_action = make_action(
        w,
        "Batch a &folder…",
        w.show_batch,
        shortcut=QKeySequence("Ctrl+B"),
        tip="Analyse every PDF of a folder under one rule and one set of limits",
        icon_name="open",
    )
    w.undo_action = make_action(
        w,
        "&Undo sections change",
        w.undo_sections,
        shortcut=QKeySequence.StandardKey.Undo,
        tip="Bring back the sections a replacement or deletion removed",
    )
    w.log_folder_action = make_action(
        w,
        "Open &log folder",
        w.open_log_folder,
        tip=f"Show the folder of SectionFlow's log files ({log_dir()})",
    )
    w.about_action = make_action(
        w,
        "&About SectionFlow",
        w.open_about,
        tip="The version, where data and logs are kept, and the licences",
    )
    w.addAction(w.history.action)
    _build_menus(w)
    _build_toolbar(w)


def _build_menus(w: MainWindow) -> None:
    bar = w.menuBar()
    menu = w.file_menu = bar.addMenu("&File")
    menu.addAction(w.open_action)
    w.recent_menu = menu.addMenu(icon("recent"), "Open &recent")
    w.recent_menu.setToolTipsVisible(True)
    menu.addAction(w.sample_action)
    menu.addSeparator()
    for action in (w.history.action, w.export_action, w.tables_action):
        menu.addAction(action)
    menu.addSeparator()
    menu.addAction(w.quit_action)
    bar.addMenu("&Edit").addAction(w.undo_action)
    run_menu = bar.addMenu("&Run")
    for action in (w.run_action, w.cancel_action, w.retry_action):
        run_menu.addAction(action)
    run_menu.addSeparator()
    run_menu.addAction(w.batch_action)
    bar.addMenu("&Settings").addAction(w.key_action)
    w.view_menu = bar.addMenu("&View")
    w.help_menu = bar.addMenu("&Help")
    w.help_menu.addAction(w.log_folder_action)
    w.help_menu.addAction(w.about_action)


def _build_toolbar(w: MainWindow) -> None:
    toolbar = w.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for group in (
        (w.open_action, w.sample_action),
        (w.run_action, w.cancel_action),
        (w.export_action, w.key_action),
    ):
        if toolbar.actions():
            toolbar.addSeparator()
        for action in group:
            toolbar.addAction(action)
