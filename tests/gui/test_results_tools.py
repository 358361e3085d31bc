"""What an analyst does with results: search them, show one status, copy one with its
title, pages and run, and see what the answers cost beside the estimate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from tests.gui.conftest import make_pdf, window_over
from tests.gui.test_run_gemini import fake, gemini_env, gemini_window  # noqa: F401
from tests.helpers.processors import InstrumentedProcessor

SECTIONS = [("Intro", "1-3"), ("Body", "4-8"), ("End", "9-10")]


async def finished_run(make_window, pdf_factory):
    processor = InstrumentedProcessor(uses_upload=False, analyze_s=0.0, permanent_failures={"s2"})
    window = await window_over(make_window, processor, pdf_factory("filing.pdf", pages=10))
    for title, spec in SECTIONS:
        window.sections.add(spec, title)
    window.settings_panel.synthesis.setChecked(False)  # the sections alone
    outcome = await window.start_run()
    assert set(outcome.results) == {"s1", "s3"} and set(outcome.failures) == {"s2"}
    return window, outcome


async def test_search_and_filter_by_status(make_window, pdf_factory) -> None:
    window, _ = await finished_run(make_window, pdf_factory)
    results = window.results
    assert results.shown_ids() == ["s1", "s2", "s3"]

    results.filter.search.setText("page 10")  # in End's text only
    assert results.shown_ids() == ["s3"]
    assert results.summary.text() == "2 done, 1 failed · 1 shown"
    assert results.current_id() == "s3"  # the shown section follows the search
    assert results.browser.textCursor().selectedText().lower() == "page"
    results.filter.search.setText("bad request")  # the failure's reason
    assert results.shown_ids() == ["s2"]
    results.filter.search.clear()

    status = results.filter.status
    status.setCurrentIndex(status.findData("failed"))
    assert results.shown_ids() == ["s2"]
    status.setCurrentIndex(status.findData("done"))
    assert results.shown_ids() == ["s1", "s3"]
    results.filter.search.setText("page 2")  # in Intro only
    assert results.shown_ids() == ["s1"]
    status.setCurrentIndex(status.findData(""))
    results.filter.search.clear()
    assert results.shown_ids() == ["s1", "s2", "s3"]
    assert results.summary.text() == "2 done, 1 failed"


async def test_copy_one_result_with_title_pages_and_run(make_window, pdf_factory) -> None:
    window, outcome = await finished_run(make_window, pdf_factory)
    results = window.results
    results.list.setCurrentRow(2)
    results.list.setFocus()
    QGuiApplication.clipboard().clear()
    QTest.keyClick(results.list, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    lines = text.splitlines()
    assert lines[0] == "End (pages 9-10)"
    assert f"Run {outcome.run_id}" in lines[1] and "filing.pdf" in lines[1]
    assert "done" in lines[1]
    assert "Page 9" in text and "Page 10" in text
    assert results.copy_button.isEnabled()
    results.list.setCurrentRow(1)
    results.copy_button.click()
    failed = QGuiApplication.clipboard().text()
    assert failed.startswith("Body (pages 4-8)") and "failed" in failed and "bad request" in failed


async def test_cost_per_section_and_in_all_beside_the_estimate(
    make_window,
    fake,  # noqa: F811
    gemini_env,  # noqa: F811
    tmp_path,
) -> None:
    pdf = make_pdf(tmp_path / "g.pdf", pages=6)
    window = await gemini_window(make_window, pdf, [("One", "1-3"), ("Two", "4-6")])
    outcome = await window.start_run()
    assert len(outcome.results) == 2
    results = window.results
    summary = results.summary.text()
    assert summary.startswith("2 done · cost $") and "(estimate $" in summary
    results.show_section("s1")
    assert "tokens · cost $" in results.meta.text()
    cost = results.total_cost()
    assert cost is not None and cost > 0
    assert f"${cost:.4f}" in summary
