"""The whole document in the window: the synthesis checkbox (remembered), History ▸
Compare of two runs, and File ▸ Export tables…"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pymupdf

from core.synthesis.inputs import SYNTHESIS_ID
from gui.widgets.compare_dialog import CompareDialog
from tests.gui.conftest import wait_until
from tests.gui.test_run_offline import open_and_mark

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample.pdf"


async def test_synthesis_checkbox_is_remembered_and_turns_the_step_off(
    make_window, pdf_factory
) -> None:
    window = make_window()
    panel = window.settings_panel
    assert panel.synthesis.isChecked()
    panel.synthesis.setChecked(False)
    await open_and_mark(window, pdf_factory("off.pdf", pages=4), sections=[("All", "1-4")])
    outcome = await window.start_run()
    assert outcome is not None and outcome.synthesis is None
    assert window.run.last_request is not None and not window.run.last_request.synthesis
    assert SYNTHESIS_ID not in window.results.results
    window.save_state()
    again = make_window()
    assert not again.settings_panel.synthesis.isChecked()


async def test_history_compares_two_versions_of_a_pdf(make_window, tmp_path: Path) -> None:
    first_pdf = tmp_path / "report.pdf"
    shutil.copy(SAMPLE, first_pdf)
    second_pdf = tmp_path / "report-v2.pdf"
    with pymupdf.open(SAMPLE) as doc:
        doc[8].insert_text((72, 760), "A late note: the Lisbon team moved.")
        doc.save(second_pdf)
    window = make_window()
    for pdf in (first_pdf, second_pdf):
        window.open_file(pdf)
        await wait_until(lambda p=pdf: window.document is not None and window.document.path == p)
        window.sections.from_bookmarks(window.document.info.outline, 1)
        assert (await window.start_run()) is not None

    window.history.action.trigger()
    dialog = window.history.dialog
    await dialog.task
    assert not dialog.compare_button.isEnabled()
    dialog.table.selectAll()
    assert dialog.compare_button.isEnabled() and not dialog.show_button.isEnabled()
    dialog.compare_button.click()
    shown = await window.history.compare_task
    assert isinstance(shown, CompareDialog) and shown.isVisible()
    statuses = [shown.table.item(r, 1).text() for r in range(shown.table.rowCount())]
    assert statuses.count("changed") == 1 and statuses.count("same") == len(statuses) - 1
    row = statuses.index("changed")
    assert shown.table.item(row, 0).text() == "3. Operations"
    assert shown.table.item(row, 4).text() == "9"
    assert "Lisbon team moved" in shown.answer_b.toPlainText()
    assert "Lisbon team moved" not in shown.answer_a.toPlainText()
    assert "Lisbon" in shown.diff.toPlainText()

    shown.save_requested.emit(tmp_path / "diff.json")
    await wait_until(lambda: (tmp_path / "diff.md").is_file())
    assert "## 3. Operations: changed" in (tmp_path / "diff.md").read_text()


async def test_export_tables_writes_the_sample_segment_table(make_window, tmp_path: Path) -> None:
    window = make_window()
    await open_and_mark(window, SAMPLE, sections=[("Finance", "4-7")])
    assert not window.tables_action.isEnabled()
    assert (await window.start_run()) is not None
    await wait_until(lambda: window.tables_action.isEnabled())
    window.tables_action.trigger()
    await window.export_tables_to(tmp_path / "tables")
    files = sorted((tmp_path / "tables").glob("*.csv"))
    assert len(files) == 1 and (tmp_path / "tables" / "tables.xlsx").is_file()
    with files[0].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Segment", "Revenue 2024", "Revenue 2023", "Operating profit"]
    assert "Exported 1 table(s)" in window.statusBar().currentMessage()
