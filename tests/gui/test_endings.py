"""How sections end, shown alike everywhere: a cut-off answer is "⚠ partial", never a
plain ✓; a cancelled section is "⊘ cancelled", never a failure."""

from __future__ import annotations

from tests.gui.conftest import make_pdf, wait_until, window_over
from tests.gui.test_run_gemini import fake, gemini_env, gemini_window  # noqa: F401
from tests.helpers.processors import InstrumentedProcessor

CUT = "<<CUT>>"


async def history_row(window) -> list[str]:
    window.history.action.trigger()
    dialog = window.history.dialog
    await dialog.task
    table = dialog.table
    return [table.item(0, c).text() for c in range(table.columnCount())]


async def test_a_cut_off_answer_is_partial_everywhere(
    make_window,
    fake,  # noqa: F811
    gemini_env,  # noqa: F811
    tmp_path,
) -> None:
    pdf = make_pdf(tmp_path / "g.pdf", pages=6)
    window = await gemini_window(
        make_window, pdf, [("Part one", "1-2"), (f"Part {CUT}", "3-4"), ("Part three", "5-6")]
    )
    fake.add_fault("max_tokens", match=CUT, times=None)
    outcome = await window.start_run()
    assert set(outcome.results) == {"s1", "s2", "s3"} and not outcome.ok

    # Progress: the row's state carries the badge and the reason
    row = window.progress.row("s2")
    assert row.state == "partial" and row.reason
    model = window.progress_table.model()
    assert model.index(1, 2).data() == "⚠ partial"
    assert model.index(0, 2).data() == "✓ done"
    assert "1 partial" in window.overall.label.text()

    # Results: the item's mark, the warning above the text, the summary
    results = window.results
    assert results.status("s2") == "partial" and results.status("s1") == "done"
    items = [results.list.item(i).text() for i in range(results.list.count())]
    sections = [text for text in items if "Part" in text]  # below the whole-document answer
    assert sections[1].startswith("⚠") and sections[0].startswith("✓")
    results.show_section("s2")
    assert results.meta.text().startswith("⚠ Partial:")
    assert results.summary.text().startswith("2 done, 1 partial · cost $")
    results.show_section("s1")
    assert "Partial" not in results.meta.text()

    # the status bar keeps the badge after the message is gone
    assert window.outcome_label.isVisible()
    assert window.outcome_label.text() == "⚠ 2 done, 1 partial"
    assert f"Part {CUT}" in window.outcome_label.toolTip()
    assert "partial" in window.last_message

    # History
    row = await history_row(window)
    assert row[2] == "⚠ partial" and row[5:] == ["3", "2", "1", "0", "0"]

    # Retry asks the cut-off section again, and says so
    assert window.retry_action.isEnabled()
    assert window.retry_action.text() == "Ask the 1 cut-off section again"
    fake.clear_faults()
    fake.reset_stats()
    await window.retry_failed()
    assert window.run.outcome.ok and results.status("s2") == "done"
    assert window.outcome_label.text() == "✓ 3 done"
    asked = fake.stats.generate_records()
    assert len(asked) == 2 and len(fake.stats.text_only_calls()) == 1  # s2 and the synthesis
    assert not window.retry_action.isEnabled()


async def test_cancelled_sections_are_their_own_state(make_window, pdf_factory) -> None:
    """One section at a time, the second hangs: Cancel leaves one done and three
    cancelled, none of them failed."""
    processor = InstrumentedProcessor(uses_upload=False, analyze_s=0.0, hang={"s2"})
    window = await window_over(make_window, processor, pdf_factory(pages=8), every=2, at_once=1)
    task = window.start_run()
    await wait_until(lambda: processor.analyses.now == 1 and "s2" in processor.calls)
    window.cancel_action.trigger()
    outcome = await task
    assert outcome.cancelled

    assert [r.state for r in window.progress] == ["done", "cancelled", "cancelled", "cancelled"]
    assert window.overall.bar.value() == 1 and window.overall.bar.maximum() == 4
    assert "3 cancelled" in window.overall.label.text()
    assert "failed" not in window.overall.label.text()

    results = window.results
    assert results.failed_ids() == [] and results.cancelled_ids() == ["s2", "s3", "s4"]
    assert results.summary.text() == "1 done, 3 cancelled"
    assert results.list.item(1).text().startswith("⊘")
    results.show_section("s3")
    assert "was cancelled" in results.browser.toPlainText()
    assert "failed" not in results.browser.toPlainText()
    assert results.meta.text() == "⊘ Cancelled"
    assert window.last_message.startswith("Run cancelled: 1 done, 3 cancelled")
    assert "failed" not in window.last_message
    assert window.outcome_label.text() == "⊘ 1 done, 3 cancelled"

    # Retry offers to run the cancelled ones, by that name
    assert window.retry_action.isEnabled()
    assert window.retry_action.text() == "Run the 3 cancelled sections"
    assert results.retry_button.text() == window.retry_action.text()

    row = await history_row(window)
    assert row[2] == "⊘ cancelled" and row[5:] == ["4", "1", "0", "0", "3"]

    processor.hang.clear()
    retry = window.retry_failed()
    assert retry is not None
    await retry
    assert results.summary.text() == "4 done"
    assert not window.retry_action.isEnabled()
    assert window.outcome_label.text() == "✓ 4 done"
