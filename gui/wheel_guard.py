"""The mouse wheel scrolls panels; it changes a value only in the control being edited.

Rolling the wheel to scroll the Settings panel once changed every slider, spin box and
combo box it passed over, and the panel saved them (the memory limits went from 768/1024
to 128/128 MB in one roll). So a value control takes the wheel only while it has
keyboard focus (a click or Tab gives it focus, never the wheel itself); otherwise the
wheel goes to the scroll area around it.

One small filter object watches each value control, installed by :func:`guard_wheel`:
not a filter on the whole application, which would run Python for every event of the
app (docs/ARCHITECTURE.md, "Keeping the window smooth").
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

_VALUE_CONTROLS = (QAbstractSlider, QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """Sends the wheel past a value control that is not being edited."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        if has_keyboard_focus(watched):
            return False
        area = scroll_area_around(watched)
        if area is not None:
            QCoreApplication.sendEvent(area.viewport(), event)
        else:
            event.ignore()
        return True


def has_keyboard_focus(widget: QWidget) -> bool:
    """The control, or its own line edit, has the keyboard focus."""
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))


def scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def guard_wheel(root: QWidget, guard: WheelGuard | None = None) -> WheelGuard:
    """Watch every slider, spin box and combo box under ``root`` (scroll bars excepted).

    Each gets ``StrongFocus``: with Qt's default ``WheelFocus`` the wheel itself would
    give the control focus, and the value would change on the first turn.
    """
    guard = guard or WheelGuard(root)
    for kind in _VALUE_CONTROLS:
        for control in root.findChildren(kind):
            if isinstance(control, QScrollBar) or control.property("wheelGuarded"):
                continue
            control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            control.installEventFilter(guard)
            control.setProperty("wheelGuarded", True)
    return guard
