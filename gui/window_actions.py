"""The window's actions, menus and tool bar, as a table: one place that says what the
user can do and where it is found, apart from what each action does (the window's and
the controllers' methods, handed in by name)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from core.paths import log_dir
from gui.icons import icon

Shortcut = str | QKeySequence.StandardKey | None


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action: ``name`` keys its slot and makes the window's ``<name>_action``."""

    name: str
    text: str
    tip: str
    shortcut: Shortcut = None
    icon: str = ""


SPECS = (
    ActionSpec("open", "&Open…", "Open a PDF", QKeySequence.StandardKey.Open, "open"),
    ActionSpec("sample", "Open &sample", "Open the bundled sample PDF", None, "sample"),
    ActionSpec("run", "&Run", "Analyse every section", "F5", "run"),
    ActionSpec(
        "cancel",
        "&Cancel",
        "Stop the run; temporary and remote files are still cleaned up",
        "Esc",
        "cancel",
    ),
    ActionSpec("export", "&Export…", "Save the results as JSON and Markdown", "Ctrl+E", "export"),
    ActionSpec(
        "tables",
        "Export &tables…",
        "Save every table of the results as CSV files and one Excel workbook",
    ),
    ActionSpec(
        "key",
        "Gemini API &key…",
        "Enter the Gemini API key (kept in the system keyring)",
        None,
        "key",
    ),
    ActionSpec("quit", "&Quit", "Close SectionFlow", QKeySequence.StandardKey.Quit),
    ActionSpec(
        "retry", "Retry &failed sections", "Run the failed sections again", "Ctrl+R", "retry"
    ),
    ActionSpec(
        "batch",
        "Batch a &folder…",
        "Analyse every PDF of a folder under one rule and one set of limits",
        "Ctrl+B",
        "open",
    ),
    ActionSpec(
        "undo",
        "&Undo sections change",
        "Bring back the sections a replacement or deletion removed",
        QKeySequence.StandardKey.Undo,
    ),
    ActionSpec("log_folder", "Open &log folder", "Show the folder of SectionFlow's log files"),
    ActionSpec(
        "about", "&About SectionFlow", "The version, where data and logs are kept, and the licences"
    ),
)
#: the menus and what each holds, in order (None: a separator; "recent": that submenu)
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    ("&File", ("open", "recent", "sample", None, "history", "export", "tables", None, "quit")),
    ("&Edit", ("undo",)),
    ("&Run", ("run", "cancel", "retry", None, "batch")),
    ("&Settings", ("key",)),
    ("&View", ()),
    ("&Help", ("log_folder", "about")),
)
TOOLBAR = (("open", "sample"), ("run", "cancel"), ("export", "key"))


@dataclass(slots=True)
class WindowActions:
    actions: dict[str, QAction]
    menus: dict[str, QMenu]
    recent_menu: QMenu


def make_action(
    window: QMainWindow, spec: ActionSpec, slot: Callable[[], object], tip: str = ""
) -> QAction:
    """An action of the window: its shortcut named in its tool tip, and working from the
    keyboard even when no menu or tool bar shows it."""
    action = QAction(spec.text, window)
    if spec.shortcut is not None:
        shortcut = spec.shortcut
        action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
    tip = tip or spec.tip
    hint = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(f"{tip} ({hint})" if hint else tip)
    action.setStatusTip(tip)
    if spec.icon:
        action.setIcon(icon(spec.icon))
    action.triggered.connect(lambda *_: slot())
    window.addAction(action)
    return action


def build_actions(
    window: QMainWindow, slots: Mapping[str, Callable[[], object]], history: QAction
) -> WindowActions:
    """The actions (each ``slots[name]``), the menus and the tool bar of ``window``."""
    tips = {"log_folder": f"Show the folder of SectionFlow's log files ({log_dir()})"}
    actions = {s.name: make_action(window, s, slots[s.name], tips.get(s.name, "")) for s in SPECS}
    window.addAction(history)
    actions_and_history = {**actions, "history": history}
    menus: dict[str, QMenu] = {}
    recent: QMenu | None = None
    for title, names in MENUS:
        menu = menus[title] = window.menuBar().addMenu(title)
        for name in names:
            if name is None:
                menu.addSeparator()
            elif name == "recent":
                recent = menu.addMenu(icon("recent"), "Open &recent")
                recent.setToolTipsVisible(True)
            else:
                menu.addAction(actions_and_history[name])
    _build_toolbar(window, actions)
    assert recent is not None  # MENUS places it
    return WindowActions(actions, menus, recent)


def _build_toolbar(window: QMainWindow, actions: Mapping[str, QAction]) -> None:
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for group in TOOLBAR:
        if toolbar.actions():
            toolbar.addSeparator()
        for name in group:
            toolbar.addAction(actions[name])
