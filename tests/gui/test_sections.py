"""Marking sections: page selection, the range box, bookmarks, bad ranges, highlight."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.widgets.list_model import INVALID_FG
from gui.widgets.sections_panel import PAGES, TITLE
from tests.gui.conftest import open_pdf

OUTLINE = [
    (1, "Introduction", 1),
    (2, "Background", 2),
    (1, "Methods", 4),
    (2, "Data", 5),
    (2, "Models", 6),
    (1, "Results", 8),
    (1, "Discussion", 11),
]


def click_page(qtbot, window, page: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    view = window.pages.view
    rect = view.visualRect(view.model().index(page - 1))
    assert rect.isValid() and view.viewport().rect().intersects(rect), f"page {page} not shown"
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_click_shift_ctrl_then_add_section(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    window.resize(1400, 1000)
    window.pages.zoom.setValue(64)
    open_pdf(qtbot, window, pdf_factory(pages=12))
    click_page(qtbot, window, 2)
    click_page(qtbot, window, 4, Qt.KeyboardModifier.ShiftModifier)
    click_page(qtbot, window, 7, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.view.selected_pages() == [2, 3, 4, 7]
    assert window.pages.range_box.text() == "2-4,7"
    assert window.pages.add_button.isEnabled()
    QTest.mouseClick(window.pages.add_button, Qt.MouseButton.LeftButton)
    assert len(window.sections) == 1
    row = window.sections[0]
    assert row.spec == "2-4,7" and row.pages == (2, 3, 4, 7) and row.valid
    assert window.sections_panel.model.index(0, PAGES).data() == "2-4,7"
    assert window.run_action.isEnabled()


def test_range_box_selects_pages_and_enter_adds(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=10))
    box = window.pages.range_box
    box.setFocus()
    QTest.keyClicks(box, "1-3,5")
    assert window.pages.view.selected_pages() == [1, 2, 3, 5]
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert [r.spec for r in window.sections] == ["1-3,5"]
    box.clear()
    QTest.keyClicks(box, "8-")
    assert window.pages.view.selected_pages() == [8, 9, 10]
    box.clear()
    QTest.keyClicks(box, "3-99")
    assert box.property("invalid") is True
    assert "past the last page" in box.toolTip()
    assert not window.pages.add_button.isEnabled()


def test_from_bookmarks_one_section_per_entry(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=12, outline=OUTLINE))
    panel = window.sections_panel
    assert panel.bookmarks_button.isEnabled()
    assert [panel.level_combo.itemData(i) for i in range(panel.level_combo.count())] == [1, 2]
    QTest.mouseClick(panel.bookmarks_button, Qt.MouseButton.LeftButton)
    assert [(r.title, r.spec) for r in window.sections] == [
        ("Introduction", "1-3"),
        ("Methods", "4-7"),
        ("Results", "8-10"),
        ("Discussion", "11-12"),
    ]
    panel.level_combo.setCurrentIndex(1)
    panel.apply_bookmarks()
    titles = [r.title for r in window.sections]
    assert titles == ["Front matter", "Background", "Data", "Models"]


def test_no_bookmarks_disables_the_button(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=3))
    assert not window.sections_panel.bookmarks_button.isEnabled()
    assert window.sections_panel.level_combo.currentText() == "No bookmarks"


def test_every_n_and_whole_document(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=25))
    panel = window.sections_panel
    panel.every_spin.setValue(10)
    QTest.mouseClick(panel.every_button, Qt.MouseButton.LeftButton)
    assert [r.spec for r in window.sections] == ["1-10", "11-20", "21-25"]
    QTest.mouseClick(panel.whole_button, Qt.MouseButton.LeftButton)
    assert [r.spec for r in window.sections] == ["1-25"]


def test_invalid_range_is_marked_and_blocks_run(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=12))
    window.sections.add("1-3", "Intro")
    window.sections.add("4-6", "Body")
    assert window.run_action.isEnabled()
    model = window.sections_panel.model
    index = model.index(1, PAGES)
    # edit in place through the view's editor, as a user would
    view = window.sections_panel.table
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.indexWidget(index)
    editor.selectAll()
    QTest.keyClicks(editor, "9-40")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on a queued call
    qtbot.waitUntil(lambda: window.sections[1].spec == "9-40")
    assert window.sections[1].error and "past the last page" in window.sections[1].error
    assert model.index(1, PAGES).data(Qt.ItemDataRole.ForegroundRole).color() == INVALID_FG
    assert "past the last page" in model.index(1, PAGES).data(Qt.ItemDataRole.ToolTipRole)
    assert not window.run_action.isEnabled()
    assert "Body" in window.run_action.toolTip()
    assert window.start_run() is None  # F5 cannot sneak past it either
    assert "Cannot run" in window.last_error
    model.setData(model.index(1, PAGES), "9-12")
    assert window.sections[1].valid
    assert window.run_action.isEnabled()


def test_selecting_a_section_highlights_its_pages_and_edits_move_it(
    qtbot, make_window, pdf_factory
) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=12))
    window.sections.add("1-3", "Intro")
    window.sections.add("5,7", "Odd")
    panel = window.sections_panel
    panel.select_row(1)
    assert window.pages.model.highlight == {5, 7}
    panel.model.setData(panel.model.index(1, PAGES), "8-10")
    assert window.pages.model.highlight == {8, 9, 10}
    panel.model.setData(panel.model.index(1, PAGES), "8-99")  # invalid: no pages to show
    assert window.pages.model.highlight == frozenset()
    panel.select_row(0)
    assert window.pages.model.highlight == {1, 2, 3}


def test_delete_and_reorder(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=12))
    for spec, title in (("1-2", "A"), ("3-4", "B"), ("5-6", "C")):
        window.sections.add(spec, title)
    panel = window.sections_panel
    panel.select_row(2)
    panel.move_current(-1)
    assert [r.title for r in window.sections] == ["A", "C", "B"]
    assert panel.table.currentIndex().row() == 1
    panel.select_row(0)
    panel.table.setFocus()
    QTest.keyClick(panel.table, Qt.Key.Key_Delete)
    assert [r.title for r in window.sections] == ["C", "B"]
    panel.model.setData(panel.model.index(0, TITLE), "Chapter C")
    assert window.sections[0].title == "Chapter C"
