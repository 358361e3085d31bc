"""Sections are hard work: reopening a PDF brings its sections and last results back, a
replacement or deletion can be undone (Ctrl+Z), overlapping ranges are flagged, and
choosing a section brings its pages into view."""

from __future__ import annotations

from core.synthesis.inputs import SYNTHESIS_ID
from tests.gui.conftest import make_pdf, open_pdf, wait_until

OUTLINE = [(1, "One", 1), (1, "Two", 4), (1, "Three", 7)]


async def open_and_wait(window, path) -> None:
    window.open_file(path)
    await wait_until(lambda: window.document is not None and window.document.path == path)
    await wait_until(lambda: window.history.check_task is not None)
    await window.history.check_task


async def test_reopening_brings_sections_and_results_back(make_window, tmp_path) -> None:
    first = make_pdf(tmp_path / "first.pdf", pages=10)
    other = make_pdf(tmp_path / "other.pdf", pages=3)
    window = make_window()
    await open_and_wait(window, first)
    window.sections.add("1-4", "Hand-made intro")
    window.sections.add("5-10", "The rest", prompt="Only the tables")
    outcome = await window.start_run()
    assert len(outcome.results) == 2

    await open_and_wait(window, other)
    assert len(window.sections) == 0 and window.results.list.count() == 0
    window.tabs.setCurrentIndex(0)

    await open_and_wait(window, first)
    rows = [(row.title, row.spec, row.prompt) for row in window.sections]
    assert rows == [("Hand-made intro", "1-4", None), ("The rest", "5-10", "Only the tables")]
    assert set(window.results.results) == {*outcome.results, SYNTHESIS_ID}
    assert window.run.outcome.run_id == outcome.run_id
    assert window.export_action.isEnabled()
    assert window.tabs.currentIndex() == 0  # shown, not pushed in front of the user
    assert "from last time are back" in window.last_message or "Showing run" in window.last_message


async def test_drafted_sections_come_back_without_a_run(make_window, tmp_path) -> None:
    first = make_pdf(tmp_path / "drafts.pdf", pages=8)
    window = make_window()
    await open_and_wait(window, first)
    window.sections.add("2-3", "Draft")
    window.sections.add("9-99", "Typo")  # a bad range is kept as typed
    await open_and_wait(window, make_pdf(tmp_path / "b.pdf", pages=2))
    await open_and_wait(window, first)
    assert [(r.title, r.spec) for r in window.sections] == [("Draft", "2-3"), ("Typo", "9-99")]
    assert window.sections[1].error and window.results.list.count() == 0


async def test_replacing_and_deleting_sections_can_be_undone(make_window, tmp_path) -> None:
    window = make_window()
    await open_and_wait(window, make_pdf(tmp_path / "b.pdf", pages=9, outline=OUTLINE))
    window.sections.add("2-3", "Mine")
    window.sections.add("5", "Also mine")
    assert not window.sections.can_undo
    window.sections_panel.bookmarks_button.click()
    assert [r.title for r in window.sections] == ["One", "Two", "Three"]
    assert "Ctrl+Z" in window.last_message
    assert window.undo_action.isEnabled()
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    window.undo_action.trigger()
    assert [r.title for r in window.sections] == ["Mine", "Also mine"]
    window.sections_panel.select_row(0)
    window.sections_panel.delete_selected()
    assert [r.title for r in window.sections] == ["Also mine"]
    window.undo_action.trigger()
    assert [r.title for r in window.sections] == ["Mine", "Also mine"]
    assert not window.undo_action.isEnabled()


def test_overlapping_ranges_are_allowed_and_flagged(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=12))
    window.sections.add("1-5", "Overview")
    window.sections.add("4-8", "Chapter")
    window.sections.add("10-12", "Annex")
    model = window.sections_panel.model
    assert model.index(0, 1).data() == "⚠ 1-5" and model.index(2, 1).data() == "10-12"
    assert "Overlaps 'Chapter' on pages 4-5" in model.index(0, 1).data(3)  # tooltip role
    assert "Overlaps 'Overview' on pages 4-5" in model.index(1, 1).data(3)
    assert "2 overlapping" in window.sections_panel.count_label.text()
    assert window.run_action.isEnabled()  # allowed
    window.sections.set_spec(1, "6-8")
    assert "overlapping" not in window.sections_panel.count_label.text()
    assert model.index(0, 1).data() == "1-5"


def test_choosing_a_section_shows_its_pages(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    window.resize(1200, 800)
    open_pdf(qtbot, window, pdf_factory("long.pdf", pages=80))
    view = window.pages.view
    qtbot.waitUntil(lambda: view.visible_pages()[1] > 0)
    window.sections.add("1-2", "Start")
    window.sections.add("70-75", "Near the end")
    window.sections_panel.select_row(1)
    qtbot.waitUntil(lambda: view.visible_pages()[0] <= 70 <= view.visible_pages()[1])
    assert view.verticalScrollBar().value() > 0
    # another PDF starts at its first page, not where the last one was scrolled to
    open_pdf(qtbot, window, pdf_factory("next.pdf", pages=80))
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() == 0)
    assert view.visible_pages()[0] == 1
