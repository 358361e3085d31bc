"""Details an analyst noticed in a run: a PDF deleted while open, "1 page", a retry's own
time and memory graph, and the progress table keeping the running rows in sight."""

from __future__ import annotations

import asyncio
import re

from PySide6.QtWidgets import QAbstractSlider

from core.errors import NotAPdfError
from tests.gui.conftest import open_pdf, wait_signal, wait_until, window_over
from tests.helpers.processors import InstrumentedProcessor


def test_a_pdf_deleted_while_open_says_so(qtbot, make_window, pdf_factory) -> None:
    path = pdf_factory("gone.pdf", pages=30)
    window = make_window()
    open_pdf(qtbot, window, path)
    window.sections.every_n(5)
    path.unlink()
    window.pages.zoom.setValue(window.pages.zoom.value() + 48)  # pages are drawn again
    qtbot.waitUntil(lambda: "no longer where it was opened" in window.last_error, timeout=10000)
    window.last_error = ""
    assert window.start_run() is None  # refused before any row is queued
    assert "'gone.pdf' is no longer where it was opened" in window.last_error
    assert len(window.progress) == 0 and not window.bridge.running
    assert "Traceback" not in window.log_view.visible_text()


class RefusingPipeline:
    """A run the engine refuses once it has begun (as it does for a file gone meanwhile)."""

    def __init__(self, settings, emit) -> None:
        from core.limits import Limits

        self.limits = Limits.from_settings(settings, shared=False)

    async def run(self, request):
        raise NotAPdfError(f"'{request.pdf_path.name}' does not exist (was it moved or deleted?)")

    def cancel(self) -> None: ...

    def set_memory_limits(self, *args) -> None: ...


async def test_a_refused_run_leaves_no_row_queued_and_no_traceback(
    make_window, pdf_factory
) -> None:
    window = make_window(pipeline_factory=RefusingPipeline)
    window.open_file(pdf_factory("doc.pdf", pages=4))
    await wait_until(lambda: window.document is not None)
    window.sections.every_n(2)
    task = window.start_run()
    assert task is not None
    await task
    assert [row.state for row in window.progress] == ["failed", "failed"]
    assert window.progress.row("s1").reason.startswith("Not run: 'doc.pdf' does not exist")
    assert "does not exist" in window.last_error
    log = window.log_view.visible_text()
    assert "could not go on: 'doc.pdf' does not exist" in log and "Traceback" not in log


def test_one_page_is_one_page(qtbot, make_window, pdf_factory) -> None:
    window = make_window()
    open_pdf(qtbot, window, pdf_factory("memo.pdf", pages=1))
    assert window.last_message == "Opened memo.pdf: 1 page"
    assert window.doc_label.text() == "memo.pdf · 1 page"


async def test_a_retry_has_its_own_time_and_memory_graph(make_window, pdf_factory) -> None:
    processor = InstrumentedProcessor(uses_upload=False, analyze_s=0.4, permanent_failures={"s2"})
    window = await window_over(make_window, processor, pdf_factory(pages=6), every=2, at_once=1)
    first = await window.start_run()
    assert set(first.failures) == {"s2"} and first.elapsed_s >= 1.0

    processor.permanent_failures.clear()
    processor.analyze_s = 0.0
    own = asyncio.ensure_future(wait_signal(window.bridge.completed, timeout=30))
    await window.retry_failed()
    (retry,) = await own
    shown = float(re.search(r" in ([0-9.]+) s", window.last_message).group(1))
    assert window.last_message.startswith("Retry finished: 3 done")
    assert shown == round(retry.elapsed_s, 1) and shown < first.elapsed_s
    (low, high), _ = window.memory_graph.plot.viewRange()
    assert low <= 0.05 and high < first.elapsed_s  # the retry's own axis, from 0


async def test_progress_table_keeps_the_running_rows_in_sight(make_window, pdf_factory) -> None:
    processor = InstrumentedProcessor(uses_upload=False, analyze_s=0.05)
    window = await window_over(make_window, processor, pdf_factory(pages=40), every=1, at_once=1)
    window.run_split.setSizes([90, 400])  # a table with room for three rows or so
    table = window.progress_table
    task = window.start_run()

    def running_row_shown() -> bool:
        rows = [i for i, r in enumerate(window.progress) if r.state == "running"]
        if not rows or rows[0] < 15:
            return False
        rect = table.visualRect(table.model().index(rows[0], 0))
        return table.viewport().rect().intersects(rect)

    await wait_until(running_row_shown, timeout=30)
    assert table.verticalScrollBar().value() > 0
    # the user scrolls back to the top: the table stays where they put it
    table.verticalScrollBar().triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    assert not table.following
    await task
    assert table.verticalScrollBar().value() == 0


async def test_a_live_eta_while_the_run_goes(make_window, pdf_factory) -> None:
    processor = InstrumentedProcessor(uses_upload=False, analyze_s=0.2)
    window = await window_over(make_window, processor, pdf_factory(pages=8), every=1, at_once=1)
    task = window.start_run()
    bar = window.overall.bar
    await wait_until(lambda: "ETA" in bar.text(), timeout=30)
    assert re.search(r"ETA [0-9:.]+", bar.text())  # sections left × time per section so far
    assert "ETA" in window.overall.label.text()
    await task
    assert "ETA" not in bar.text() and bar.text() == "8 of 8 sections"
