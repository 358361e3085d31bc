"""Rolling the wheel over the Settings panel scrolls it and changes no value: a control
takes the wheel only once it has keyboard focus (click or Tab)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QScrollArea,
    QScrollBar,
    QWidget,
)

from gui.state.settings import APP_FIELDS

DOWN = QPoint(0, -120)


def value_controls(root: QWidget) -> list[QWidget]:
    found: list[QWidget] = []
    for kind in (QAbstractSlider, QAbstractSpinBox, QComboBox):
        found += [w for w in root.findChildren(kind) if not isinstance(w, QScrollBar)]
    return found


def shown_value(control: QWidget) -> object:
    if isinstance(control, QComboBox):
        return (control.currentIndex(), control.currentText())
    if isinstance(control, QAbstractSpinBox):
        return control.text()
    return control.value()


def roll(window, control: QWidget, delta: QPoint = DOWN) -> None:
    """A real wheel turn (through the window system) over the control's middle."""
    where = control.mapTo(window, control.rect().center())
    QTest.wheelEvent(window.windowHandle(), where, delta)


def test_wheel_over_the_settings_scrolls_and_changes_nothing(qtbot, make_window) -> None:
    window = make_window()
    window.resize(1024, 600)
    qtbot.waitExposed(window)
    area = window.settings_dock.widget()
    assert isinstance(area, QScrollArea)
    bar = area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    window.tabs.setFocus()
    controls = value_controls(window.settings_panel)
    assert len(controls) >= 12  # 5 sliders + 5 spins of them, 4 timeouts, 3 combos
    before = {id(c): shown_value(c) for c in controls}
    settings_before = {name: window.settings.value(name) for name in APP_FIELDS}
    scrolled = 0
    for control in controls:
        area.ensureWidgetVisible(control)
        if not control.isVisible() or not control.isEnabled():
            continue
        start = bar.value()
        for delta in (DOWN, DOWN, QPoint(0, 120)):
            roll(window, control, delta)
        scrolled += bar.value() != start
        assert shown_value(control) == before[id(control)], control.accessibleName()
    assert {name: window.settings.value(name) for name in APP_FIELDS} == settings_before
    assert window.settings.changed_fields() == []
    assert scrolled > 0  # the panel moved under the wheel instead


def test_a_focused_control_takes_the_wheel(qtbot, make_window) -> None:
    window = make_window()
    window.resize(1024, 600)
    qtbot.waitExposed(window)
    spin = window.settings_panel.sliders["max_concurrent_section_tasks"].spin
    window.settings_dock.widget().ensureWidgetVisible(spin)
    before = spin.value()
    roll(window, spin, QPoint(0, 120))
    assert spin.value() == before
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel gives no focus
    QTest.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    assert spin.hasFocus()
    roll(window, spin, QPoint(0, 120))
    assert spin.value() == before + 1
    assert window.settings.value("max_concurrent_section_tasks") == before + 1
