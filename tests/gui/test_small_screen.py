"""The window on a small screen: it opens within 90% of the screen, centred, and at
1024×768 every control can be reached and read."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar

from gui.window_fit import fit_geometry
from tests.gui.conftest import open_pdf

SMALL = QRect(0, 0, 1024, 768)


def test_fit_geometry_keeps_to_ninety_percent_centred() -> None:
    assert fit_geometry(QRect(0, 0, 2560, 1440)) == QRect(560, 270, 1440, 900)
    small = fit_geometry(QRect(0, 0, 1280, 720))
    assert small.size() == QSize(1152, 648) and small.center() == QRect(0, 0, 1280, 720).center()
    # a second screen to the right, with a task bar on top
    right = fit_geometry(QRect(1920, 40, 1024, 728))
    assert QRect(1920, 40, 1024, 728).contains(right) and right.width() <= 922
    # the window's own minimum wins over 90%, the screen over both
    assert fit_geometry(SMALL, minimum=QSize(950, 500)).width() == 950
    assert fit_geometry(SMALL, minimum=QSize(2000, 500)).width() == 1024


def test_window_fits_1024x768_and_everything_is_reachable(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    qtbot.waitExposed(window)
    window.fit_to_screen(SMALL)
    qtbot.waitUntil(lambda: window.size().width() <= 1024)
    # within 90% of the screen, centred: the window's own minimum is no bigger
    assert window.minimumSizeHint().width() <= 0.9 * 1024
    assert window.minimumSizeHint().height() <= 0.9 * 768
    assert window.width() <= 0.9 * 1024 + 1 and window.height() <= 0.9 * 768 + 1
    assert SMALL.contains(window.geometry())
    assert abs(window.geometry().center().x() - SMALL.center().x()) <= 1

    # the settings dock scrolls, and is wide enough to show the panel whole
    area = window.settings_dock.widget()
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    panel = window.settings_panel
    assert area.viewport().width() >= panel.minimumSizeHint().width()
    controls = [
        w
        for kind in (QAbstractSlider, QAbstractSpinBox, QComboBox)
        for w in panel.findChildren(kind)
        if not isinstance(w, QScrollBar)
    ]
    for control in controls:
        area.ensureWidgetVisible(control)
        assert not control.visibleRegion().isEmpty(), control.accessibleName()
        assert control.width() >= control.minimumSizeHint().width(), control.accessibleName()

    # the page-range box shows its hint, not "P…"
    box = window.pages.range_box
    assert box.width() >= box.fontMetrics().horizontalAdvance(box.placeholderText())

    # long titles and ranges show whole in the progress table
    open_pdf(qtbot, window, pdf_factory(pages=140))
    window.sections.add("106-120,131-140", "A rather long chapter title about the markets")
    window.progress.reset(window.sections.to_sections())
    table = window.progress_table
    metrics = table.fontMetrics()
    assert table.columnWidth(1) >= metrics.horizontalAdvance("106-120,131-140")
    assert table.columnWidth(0) >= metrics.horizontalAdvance(window.sections[0].title)

    # and a long title in the results list wraps onto more lines instead of ending in "…"
    results = window.results
    results.begin(window.sections.to_sections())
    results.add_failure("s1", "stopped")
    results.list.setFixedWidth(140)
    rect = results.list.visualItemRect(results.list.item(0))
    assert rect.height() >= 2 * results.list.fontMetrics().height()


def test_a_geometry_remembered_from_a_bigger_screen_is_fitted(
    qtbot, make_window, isolated_qsettings
) -> None:
    from gui.persistence import Store

    store = Store(isolated_qsettings)
    first = make_window(store=store)
    first.setGeometry(QRect(-3000, -2000, 5000, 3000))  # off any screen we have
    first.save_state()
    first.close()
    second = make_window(store=store)
    screen = second.screen().availableGeometry()
    # (this test screen is narrower than the window's minimum, which then wins)
    assert second.height() <= screen.height()
    assert second.width() <= max(screen.width(), second.minimumSizeHint().width())
    assert second.geometry().top() >= screen.top() and second.geometry().left() >= screen.left()
