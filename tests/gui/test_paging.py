"""Paging fast through a long document renders only the pages in sight once it stops,
never every page passed on the way."""

from __future__ import annotations

from gui.widgets.thumbnail_view import LOOKAHEAD
from tests.gui.conftest import open_pdf


def test_rapid_page_changes_render_only_the_final_visible_pages(
    qtbot, make_window, pdf_factory
) -> None:
    window = make_window()
    window.resize(1024, 768)
    window.show()
    open_pdf(qtbot, window, pdf_factory(pages=400))
    view, model = window.pages.view, window.pages.model
    qtbot.waitUntil(lambda: 1 in model.rendered_pages(), timeout=10000)
    first_batch = set(model.requested_pages)
    bar = view.verticalScrollBar()
    for value in range(0, bar.maximum() + 1, max(1, bar.pageStep() // 2)):
        bar.setValue(value)
        view.viewport().repaint()  # painted at once, as each step of a held Page Down is
    first, last = view.visible_pages()
    qtbot.waitUntil(lambda: set(range(first, last + 1)) <= model.rendered_pages(), timeout=10000)
    asked = set(model.requested_pages) - first_batch
    assert asked and min(asked) >= first - LOOKAHEAD and max(asked) <= last
    assert last == model.page_count  # the grid did reach the end
