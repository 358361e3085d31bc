"""Every control explains itself (tooltip) and the app starts from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QToolButton,
)

from tests.gui.conftest import open_pdf

ROOT = Path(__file__).resolve().parents[2]
CONTROLS = (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
)


def _explained(widget) -> bool:
    """A tooltip on the control, or on the compound control it is part of."""
    while widget is not None:
        if widget.toolTip():
            return True
        if widget.isWindow():
            return False
        widget = widget.parentWidget()
    return False


def test_every_control_has_a_tooltip(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=3))
    missing = []
    for kind in CONTROLS:
        for widget in window.findChildren(kind):
            if isinstance(widget, QScrollBar | QTabBar):
                continue
            action = widget.defaultAction() if isinstance(widget, QToolButton) else None
            if action is not None and action.toolTip():
                continue
            if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QComboBox):
                continue  # an editable combo's own line edit
            if type(widget).__name__ in ("QCalendarWidget", "QColumnViewGrip"):
                continue
            if not widget.isVisibleTo(window):
                continue
            if not _explained(widget):
                missing.append(
                    f"{type(widget).__name__} {widget.objectName()!r} "
                    f"{getattr(widget, 'text', lambda: '')()!r}"
                )
    assert not missing, "controls without a tooltip:\n" + "\n".join(missing)


def test_actions_have_shortcuts_and_tips(qtbot, make_window) -> None:
    window = make_window()
    assert window.run_action.shortcut().toString() == "F5"
    assert window.cancel_action.shortcut().toString() == "Esc"
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    for action in window.actions():
        assert action.toolTip(), action.text()


def test_app_self_test_starts_and_quits() -> None:
    """``python -m gui --self-test`` from source: the window, an offline run of the
    sample, both exports checked, exit 0 (the bundle's own run is in test_bundle.py)."""
    proc = subprocess.run(
        [sys.executable, "-m", "gui", "--self-test"],
        cwd=str(ROOT),
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "FAIL" not in proc.stdout
    for check in (
        "the window opens",
        "every section done offline (7 of 7",
        "the run report shows a bar for every section",
        "the JSON export has every section, done (7)",
        "the Markdown export has a heading per section (7)",
        "the rotating log file is written",
    ):
        assert f"self-test: ok    {check}" in proc.stdout
    assert "self-test passed in" in proc.stdout
