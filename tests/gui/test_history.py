"""File ▸ History…, the resume offer and the cache checkbox, through real offline runs."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.events import SectionDone
from core.synthesis.inputs import SYNTHESIS_ID
from tests.gui.conftest import wait_until
from tests.gui.test_run_offline import open_and_mark


async def test_history_lists_shows_exports_and_clears(
    make_window, pdf_factory, tmp_path: Path
) -> None:
    window = make_window()
    await open_and_mark(window, pdf_factory("history.pdf", pages=10))
    outcome = await window.start_run()
    assert outcome is not None and len(outcome.results) == 3

    window.history.action.trigger()
    dialog = window.history.dialog
    assert dialog is not None and dialog.isVisible()
    await dialog.task
    assert dialog.table.rowCount() == 1
    row = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert row[1] == "history.pdf" and row[2] == "✓ done" and row[3] == outcome.processor
    assert row[5:] == ["3", "3", "0", "0", "0"]
    assert dialog.selected_run_id() == outcome.run_id
    assert dialog.size > 0 and "Journal size:" in dialog.size_label.text()

    # show: the results view is filled from the journal, as after a run
    window.results.begin([], keep_results=False)
    window.run.outcome = None
    window.tabs.setCurrentIndex(0)
    await dialog.show_selected()
    assert set(window.results.results) == {"s1", "s2", "s3", SYNTHESIS_ID}
    assert window.results.list.count() == 4
    assert window.results.results[SYNTHESIS_ID] == outcome.synthesis
    assert window.run.outcome.run_id == outcome.run_id
    assert window.tabs.currentIndex() == 1 and window.export_action.isEnabled()

    # export again: the JSON equals core's export of the journal's record
    paths = await dialog.export_to(outcome.run_id, tmp_path / "again.json")
    assert paths is not None and all(p.exists() for p in paths)
    from core.export import write_json

    reference = tmp_path / "reference.json"
    loaded = await window.bridge.engine.journal.load_async(outcome.run_id)
    write_json(loaded, reference)
    assert json.loads(paths[0].read_text()) == json.loads(reference.read_text())

    # clearing asks first, without blocking
    box = dialog.confirm_clear("cache")
    assert box.isVisible() and "cached" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    assert not box.isVisible() and dialog.table.rowCount() == 1
    box = dialog.confirm_clear("history")
    box.button(QMessageBox.StandardButton.Yes).click()
    await wait_until(lambda: dialog.table.rowCount() == 0)
    assert window.bridge.engine.journal.runs() == []


async def test_reopening_a_cancelled_run_offers_resume(make_window, pdf_factory) -> None:
    pdf = pdf_factory("resume.pdf", pages=16)
    window = make_window()
    await open_and_mark(window, pdf, sections=[])
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    task = window.start_run()
    await wait_until(lambda: any(r.state == "done" for r in window.progress), timeout=60)
    window.cancel_action.trigger()
    first = await task
    assert first.cancelled and len(first.results) < 16

    history = window.history
    window.open_file(pdf)
    await wait_until(lambda: history.resume_box is not None and history.resume_box.isVisible())
    info = history.offered
    assert info.run_id == first.run_id and info.sections == 16
    done_before = info.done
    assert 0 < done_before < 16
    assert f"stopped with {done_before} of 16 sections done" in history.resume_box.text()

    sources: list[str] = []
    window.bridge.event.connect(
        lambda event: sources.append(event.source) if isinstance(event, SectionDone) else None
    )
    history.resume_button.click()
    await wait_until(lambda: getattr(history, "resume_task", None) is not None)
    outcome = await history.resume_task
    assert outcome is not None and not outcome.cancelled
    assert outcome.run_id == first.run_id
    assert len(outcome.results) == 16 and not outcome.failures
    assert len(window.sections) == 16
    assert window.run.last_request.resume_run_id == first.run_id
    # only the unfinished sections ran; the finished ones came back from the journal
    assert sources.count("journal") == done_before
    assert len([s for s in sources if s != "journal"]) == 16 - done_before
    assert set(window.results.results) == {*outcome.results, SYNTHESIS_ID}
    runs = await window.bridge.engine.journal.runs_async()
    assert len(runs) == 1 and runs[0].complete

    # once complete, reopening offers nothing
    history.resume_box = None
    window.open_file(pdf)
    await wait_until(lambda: history.check_task is not None and history.check_task.done())
    await history.check_task
    assert history.resume_box is None


async def test_start_fresh_closes_the_offer(make_window, pdf_factory) -> None:
    pdf = pdf_factory("fresh.pdf", pages=12)
    window = make_window()
    await open_and_mark(window, pdf, sections=[])
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    task = window.start_run()
    await wait_until(lambda: any(r.state == "done" for r in window.progress), timeout=60)
    window.cancel_action.trigger()
    await task
    window.open_file(pdf)
    history = window.history
    await wait_until(lambda: history.resume_box is not None and history.resume_box.isVisible())
    history.fresh_button.click()
    await wait_until(lambda: history.resume_box is None or not history.resume_box.isVisible())
    # nothing runs; the sections of last time are back in the table, as drafted
    assert not window.bridge.running and len(window.sections) == 12


async def test_cache_checkbox_maps_to_the_request(make_window, pdf_factory) -> None:
    window = make_window()
    box = window.settings_panel.use_cache
    assert box.isChecked() and "billed again" in box.toolTip()
    await open_and_mark(window, pdf_factory(pages=10))
    await window.start_run()
    assert window.run.last_request.use_cache is True
    box.setChecked(False)
    outcome = await window.start_run()
    assert window.run.last_request.use_cache is False
    assert outcome is not None and len(outcome.results) == 3


async def test_open_history_shows_a_run_that_ends_meanwhile(make_window, pdf_factory) -> None:
    window = make_window()
    await open_and_mark(window, pdf_factory("live.pdf", pages=10))
    first = await window.start_run()
    window.history.action.trigger()
    dialog = window.history.dialog
    await dialog.task
    assert dialog.table.rowCount() == 1 and dialog.selected_run_id() == first.run_id
    second = await window.start_run()  # while the dialog stays open
    await wait_until(lambda: dialog.table.rowCount() == 2)
    ids = {dialog.table.item(row, 0).data(Qt.ItemDataRole.UserRole) for row in range(2)}
    assert ids == {first.run_id, second.run_id}
    assert dialog.selected_run_id() == first.run_id  # the user's choice is kept
