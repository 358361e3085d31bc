"""Citations in the window: a result's claims link to their pages; a click scrolls the
thumbnails there and opens the preview with the quote marked; a claim copies with its
section, page label and document name."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import wait_until
from tests.helpers.cited import make_cited_pdf


async def test_clicking_a_citation_shows_its_page_with_the_quote_marked(
    make_window, qtbot, tmp_path: Path
) -> None:
    cited = make_cited_pdf(tmp_path / "Harbour report.pdf")
    window = make_window()
    window.pages.zoom.setValue(240)  # big thumbnails: the cited page starts out of view
    window.open_file(cited.path)
    await wait_until(lambda: window.document is not None)
    window.sections.add("4-9", "Operations")
    outcome = await window.start_run()
    assert outcome is not None and outcome.results["s1"].citations

    panel = window.results.citations
    await wait_until(panel.isVisible)
    last = max(range(len(panel.citations)), key=lambda row: panel.citations[row].page)
    citation = panel.citations[last]
    assert citation.verified and citation.page >= 6
    assert panel.list.item(last).text().startswith(f"p. {citation.label} ✓")
    assert window.pages.view.visible_pages()[1] < citation.page

    rect = panel.list.visualItemRect(panel.list.item(last))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    preview = window.preview
    await wait_until(lambda: preview.page == citation.page and bool(preview.highlights))
    assert preview.isVisible() and preview.quote == citation.quote
    assert all(rect.width() > 0 and rect.height() > 0 for rect in preview.highlights)
    first_shown, last_shown = window.pages.view.visible_pages()
    assert first_shown <= citation.page <= last_shown

    copied = panel.copy_selected()
    assert QApplication.clipboard().text() == copied
    assert copied.startswith(citation.claim or "")
    assert f"(Operations, p. {citation.label}, Harbour report.pdf)" in copied
