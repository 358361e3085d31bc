"""A real run through the engine with the offline backend: progress, results, memory
graph, export equal to the CLI's, cancel and close mid-run leaving no temp files."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from core.synthesis.inputs import SYNTHESIS_ID
from tests.gui.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = [("Intro", "1-3"), ("Body", "4-8"), ("End", "9-10")]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The engine's temp directories land here, so leftovers can be counted."""
    folder = tmp_path / "engine-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


async def open_and_mark(window, path: Path, sections=SECTIONS) -> None:
    window.open_file(path)
    await wait_until(lambda: window.document is not None)
    for title, spec in sections:
        window.sections.add(spec, title)
    if not sections:
        window.sections.every_n(1)
    assert window.run_action.isEnabled()


async def test_offline_run_fills_progress_results_and_graph(
    make_window, pdf_factory, private_tmp
) -> None:
    window = make_window()
    await open_and_mark(window, pdf_factory(pages=10))
    task = window.start_run()
    assert task is not None and window.bridge.running
    outcome = await task
    assert outcome is not None and not outcome.cancelled
    assert set(outcome.results) == {"s1", "s2", "s3"}

    progress = window.progress
    assert [row.state for row in progress] == ["done", "done", "done"]
    model = window.progress_table.model()
    assert model.rowCount() == 3
    assert model.index(0, 0).data() == "Intro"
    assert model.index(1, 2).data() == "✓ done"
    assert model.index(1, 4).data() == "1"  # attempts
    assert model.index(1, 5).data()  # split time shown
    assert model.index(1, 7).data()  # analysis time shown
    assert window.overall.bar.value() == 3 and window.overall.bar.maximum() == 3
    assert "3 done" in window.overall.label.text()

    results = window.results
    assert set(results.results) == {"s1", "s2", "s3", SYNTHESIS_ID}
    assert results.list.count() == 4  # the whole document first
    assert results.list.item(0).text().endswith("Whole document")
    results.list.setCurrentRow(0)
    assert results.heading.text() == "Whole document"
    assert "[p. " in results.browser.toPlainText() and results.citations.citations
    assert "3 done" in results.summary.text()
    results.show_section("s2")
    assert "Page 4" in results.browser.toPlainText() or results.browser.toPlainText()
    assert not results.retry_button.isEnabled()

    assert window.memory_graph.samples_received > 0
    await wait_until(lambda: window.memory_graph.redraws > 0)
    assert window.rss_label.text().startswith("RSS ")
    assert window.export_action.isEnabled()
    assert window.tabs.currentIndex() == 1  # results shown when the run ends
    assert list(private_tmp.iterdir()) == []


def _normalise_json(data: dict) -> dict:
    data["run"].pop("id")
    data["run"].pop("started_at")
    data["run"].pop("elapsed_s")
    data.pop("summary")
    for section in data["sections"]:
        section.pop("timings")
    return data


def _normalise_md(text: str) -> str:
    lines = text.splitlines()
    assert lines[2].startswith("_Run ")
    lines[2] = "_run line_"
    return "\n".join(lines)


async def test_export_equals_the_cli(make_window, pdf_factory, tmp_path, private_tmp) -> None:
    pdf = pdf_factory("report.pdf", pages=10)
    window = make_window()
    await open_and_mark(window, pdf)
    await window.start_run()
    json_path, md_path = window.export_to(tmp_path / "gui-export.json")
    assert json_path.exists() and md_path.exists()

    cli_json, cli_md = tmp_path / "cli.json", tmp_path / "cli.md"
    spec = ";".join(f"{title}:{pages}" for title, pages in SECTIONS)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from cli.main import entry; sys.exit(entry())",
        "process",
        str(pdf),
        "--sections",
        spec,
        "--processor",
        "local",
        "--json",
        str(cli_json),
        "--markdown",
        str(cli_md),
        cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        # its own journal: with the GUI's, the CLI would take the results from its cache
        env={**os.environ, "SECTIONFLOW_DATA_DIR": str(tmp_path / "cli-data")},
    )
    _out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    gui_data = _normalise_json(json.loads(json_path.read_text()))
    cli_data = _normalise_json(json.loads(cli_json.read_text()))
    for gui_section, cli_section in zip(gui_data["sections"], cli_data["sections"], strict=True):
        for key in sorted(set(gui_section) | set(cli_section)):
            assert gui_section.get(key) == cli_section.get(key), (gui_section["id"], key)
    assert gui_data == cli_data
    assert _normalise_md(md_path.read_text()) == _normalise_md(cli_md.read_text())


async def test_cancel_mid_run_leaves_no_temp_files(make_window, pdf_factory, private_tmp) -> None:
    window = make_window()
    await open_and_mark(window, pdf_factory(pages=40), sections=[])
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    task = window.start_run()
    await wait_until(lambda: any(r.state == "done" for r in window.progress), timeout=60)
    assert window.cancel_action.isEnabled()
    window.cancel_action.trigger()
    outcome = await task
    assert outcome.cancelled
    assert any(r.state == "cancelled" for r in window.progress)
    assert not window.bridge.running and window.run_action.isEnabled()
    assert list(private_tmp.iterdir()) == []


async def test_close_mid_run_asks_then_cancels_cleanly(
    make_window, pdf_factory, private_tmp
) -> None:
    window = make_window()
    await open_and_mark(window, pdf_factory(pages=40), sections=[])
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    task = window.start_run()
    await wait_until(lambda: any(r.state == "done" for r in window.progress), timeout=60)
    assert not window.close()  # refused: it asks first
    box = window.close_guard.box
    assert box.isVisible() and "still going" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    outcome = await task
    assert outcome.cancelled
    await wait_until(lambda: not window.isVisible())
    assert list(private_tmp.iterdir()) == []


async def test_close_mid_run_answer_no_keeps_running(make_window, pdf_factory) -> None:
    window = make_window()
    await open_and_mark(window, pdf_factory(pages=30), sections=[])
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    task = window.start_run()
    assert not window.close()
    window.close_guard.box.button(QMessageBox.StandardButton.No).click()
    assert window.isVisible() and window.bridge.running
    window.bridge.cancel()
    await task
