"""The Batch tab: a folder of PDFs through the real engine (offline backend), a row per
file, results and an index in the output folder, cancel, resume, drop, and the window's
guards while a batch runs."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMessageBox,
)

from core import events as ev
from core.batch_plan import SectionRule
from gui.state.batch_progress import BatchProgress
from tests.gui.conftest import make_pdf, open_pdf, wait_until

OUTLINE = [(1, "Part one", 1), (1, "Part two", 3), (1, "Part three", 5)]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The engine's temp directories land here, so leftovers can be counted."""
    folder = tmp_path / "engine-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three PDFs (3, 2 and 1 sections at outline level 1) and one that is not a PDF."""
    found = tmp_path / "filings"
    found.mkdir()
    make_pdf(found / "alpha.pdf", pages=6, outline=OUTLINE)
    make_pdf(found / "beta.pdf", pages=4, outline=OUTLINE[:2])
    make_pdf(found / "gamma.pdf", pages=3)  # no bookmarks: one section, with a note
    (found / "notes.pdf").write_text("this is not a PDF at all")
    (found / "readme.txt").write_text("not *.pdf: not part of the batch")
    return found


def batch_window(make_window):
    window = make_window()
    window.tabs.setCurrentWidget(window.batch_tab)
    return window, window.batch_tab, window.batch


def rows_by_name(window) -> dict:
    return {row.name: row for row in window.batch.state}


def table_text(tab, row: int, column: int) -> str:
    return tab.table.model().index(row, column).data() or ""


async def test_batch_over_a_folder_fills_rows_results_and_index(
    make_window, folder, tmp_path, private_tmp
) -> None:
    window, tab, batch = batch_window(make_window)
    tab.set_folder(str(folder))
    assert tab.output() == str(folder / "sectionflow-results")  # suggested
    out = tmp_path / "out"
    tab.set_output(str(out))

    # the preview: every PDF listed at once, inspected in the workers, bad file explained
    assert batch.preview_task is not None
    await batch.preview_task
    preview = rows_by_name(window)
    assert sorted(preview) == ["alpha.pdf", "beta.pdf", "gamma.pdf", "notes.pdf"]
    assert [preview[n].sections for n in ("alpha.pdf", "beta.pdf", "gamma.pdf")] == [3, 2, 1]
    assert preview["notes.pdf"].reason and preview["notes.pdf"].status == "will skip"
    assert "no bookmarks" in preview["gamma.pdf"].note
    tab.every_radio.setChecked(True)
    tab.every_pages.setValue(2)
    assert [rows_by_name(window)[n].sections for n in ("alpha.pdf", "beta.pdf")] == [3, 2]
    tab.outline_radio.setChecked(True)
    assert rows_by_name(window)["alpha.pdf"].sections == 3

    # cost and time of both Gemini modes, next to each other
    assert tab.estimate.isVisible()
    text = tab.estimate.text()
    assert "Interactive" in text and "Gemini Batch mode" in text and "24 h" in text
    assert "6 sections" in text

    assert tab.run_button.isEnabled(), tab.run_button.toolTip()
    tab.run_button.click()
    task = window.batch_bridge.task
    assert task is not None and batch.running
    assert not tab.run_button.isEnabled() and tab.cancel_button.isEnabled()
    assert not tab.folder_edit.isEnabled()
    outcome = await task
    await wait_until(lambda: not batch.running)

    assert outcome is not None and not outcome.cancelled
    rows = rows_by_name(window)
    for name, sections in (("alpha.pdf", 3), ("beta.pdf", 2), ("gamma.pdf", 1)):
        row = rows[name]
        assert (row.status, row.sections, row.done, row.failed) == ("done", sections, sections, 0)
    assert "no bookmarks" in rows["gamma.pdf"].note  # how it was cut, kept after the run
    bad = rows["notes.pdf"]
    assert bad.status == "skipped" and bad.reason
    names = [table_text(tab, i, 0) for i in range(tab.table.model().rowCount())]
    bad_row = names.index("notes.pdf")
    assert table_text(tab, bad_row, 4) == "skipped"
    assert bad.reason in table_text(tab, bad_row, 5)
    good_row = names.index("alpha.pdf")
    assert [table_text(tab, good_row, c) for c in (1, 2, 3, 4)] == ["3", "3", "0", "done"]

    assert tab.bar.value() == tab.bar.maximum() == 6
    assert "4 of 4 files" in tab.summary.text() and "3 done" in tab.summary.text()
    assert tab.open_folder_button.isEnabled() and tab.open_index_button.isEnabled()
    assert tab.run_button.isEnabled() and not tab.cancel_button.isEnabled()
    assert "index" in tab.status.text()

    for stem in ("alpha", "beta", "gamma"):
        data = json.loads((out / f"{stem}.json").read_text())
        assert len(data["sections"]) == {"alpha": 3, "beta": 2, "gamma": 1}[stem]
        assert (out / f"{stem}.md").read_text().strip()
    assert not (out / "notes.json").exists()
    index = json.loads((out / "index.json").read_text())
    assert [f["name"] for f in index["files"]] == [
        "alpha.pdf",
        "beta.pdf",
        "gamma.pdf",
        "notes.pdf",
    ]
    assert {f["name"]: f["status"] for f in index["files"]}["notes.pdf"] == "skipped"
    assert index["totals"]["done"] == 6 and index["rule"]["kind"] == "outline"
    assert (out / "index.md").exists() and "notes.pdf" in (out / "index.md").read_text()
    assert list(private_tmp.iterdir()) == []

    opened: list[QUrl] = []
    batch._open = lambda url: opened.append(url) or True
    tab.open_index_button.click()
    tab.open_folder_button.click()
    assert [Path(u.toLocalFile()) for u in opened] == [out / "index.md", out]

    assert not tab.grab().isNull()


async def test_cancel_mid_batch_leaves_no_temp_files(make_window, tmp_path, private_tmp) -> None:
    source = tmp_path / "big"
    source.mkdir()
    for name in ("one", "two", "three"):
        make_pdf(source / f"{name}.pdf", pages=25)
    window, tab, batch = batch_window(make_window)
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    tab.set_folder(str(source))
    tab.set_output(str(tmp_path / "out"))
    tab.every_radio.setChecked(True)
    tab.every_pages.setValue(1)
    task = batch.run()
    assert task is not None
    await wait_until(lambda: any(row.done for row in batch.state), timeout=60)

    # a slider moved during the batch moves the global limit at once
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(2)
    assert window.batch_bridge.runner.limits.sections.limit == 2
    # and the memory sliders move the throttle of the files in flight and to come
    window.settings_panel.sliders["memory_throttle_threshold_mb"].setValue(900)
    runner = window.batch_bridge.runner
    in_flight = list(runner._pipelines)
    assert in_flight and all(p.memory.limits.threshold_mb == 900 for p in in_flight)
    assert runner.settings.memory_throttle_threshold_mb == 900

    tab.cancel_button.click()
    outcome = await task
    await wait_until(lambda: not batch.running)
    assert outcome.cancelled
    statuses = {row.status for row in batch.state}
    assert "cancelled" in statuses and "running" not in statuses and "waiting" not in statuses
    assert "cancelled" in tab.summary.text()
    assert tab.run_button.isEnabled() and not tab.cancel_button.isEnabled()
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert index["cancelled"] is True and len(index["files"]) == 3
    assert list(private_tmp.iterdir()) == []


async def test_resume_keeps_finished_files(make_window, folder, tmp_path) -> None:
    window, tab, batch = batch_window(make_window)
    tab.set_folder(str(folder))
    tab.set_output(str(tmp_path / "out"))
    tab.whole_radio.setChecked(True)
    await batch.run()
    await wait_until(lambda: not batch.running)
    tab.resume_box.setChecked(True)
    await batch.run()
    await wait_until(lambda: not batch.running)
    rows = rows_by_name(window)
    assert [rows[n].status for n in ("alpha.pdf", "beta.pdf", "gamma.pdf")] == ["kept"] * 3
    assert rows["notes.pdf"].status == "skipped"
    assert (tmp_path / "out" / "alpha.json").exists()


async def test_window_guards_while_a_batch_runs(make_window, folder, pdf_factory, tmp_path) -> None:
    window, tab, batch = batch_window(make_window)
    window.open_file(pdf_factory("single.pdf", pages=4))
    await wait_until(lambda: window.document is not None)
    window.sections.add("1-2", "Start")
    assert window.run_action.isEnabled()

    tab.set_folder(str(folder))
    tab.set_output(str(tmp_path / "out"))
    task = batch.run()
    assert task is not None
    # no single-PDF run under other limits while the batch goes
    assert not window.run_action.isEnabled()
    assert "folder batch" in window.run_action.toolTip()
    assert window.start_run() is None
    # closing asks first; "No" keeps the batch going
    assert not window.close()
    guard_box = next(
        box for box in window.findChildren(QMessageBox) if "batch is still going" in box.text()
    )
    guard_box.button(QMessageBox.StandardButton.No).click()
    assert window.isVisible()
    await task
    await wait_until(lambda: not batch.running)
    assert window.run_action.isEnabled()


async def test_closing_during_a_batch_cancels_then_closes(
    make_window, tmp_path, private_tmp
) -> None:
    source = tmp_path / "many"
    source.mkdir()
    for name in ("a", "b"):
        make_pdf(source / f"{name}.pdf", pages=20)
    window, tab, batch = batch_window(make_window)
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(1)
    tab.set_folder(str(source))
    tab.set_output(str(tmp_path / "out"))
    tab.every_radio.setChecked(True)
    tab.every_pages.setValue(1)
    task = batch.run()
    await wait_until(lambda: any(row.done for row in batch.state), timeout=60)
    assert not window.close()
    box = next(b for b in window.findChildren(QMessageBox) if "batch" in b.text())
    box.button(QMessageBox.StandardButton.Yes).click()
    outcome = await task
    assert outcome.cancelled
    await wait_until(lambda: not window.isVisible())
    assert list(private_tmp.iterdir()) == []


def test_bad_input_is_explained_not_run(qtbot, make_window, tmp_path) -> None:
    window, tab, batch = batch_window(make_window)
    assert not tab.run_button.isEnabled()
    assert "choose the folder" in tab.run_button.toolTip()
    empty = tmp_path / "empty"
    empty.mkdir()
    tab.set_folder(str(empty))
    assert "no PDF files" in tab.status.text()
    assert len(batch.state) == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    tab.set_output(str(blocker))
    assert batch.run() is None
    assert "no PDF files" in window.last_error
    make_pdf(empty / "one.pdf", pages=1)
    tab.set_folder(str(empty))
    assert batch.run() is None
    assert "is a file, not a folder" in window.last_error


def test_gemini_without_a_key_asks_for_it(qtbot, make_window, folder, tmp_path) -> None:
    window, tab, batch = batch_window(make_window)
    panel = window.settings_panel
    panel.backend.setCurrentIndex(panel.backend.findData("gemini"))
    tab.set_folder(str(folder))
    tab.set_output(str(tmp_path / "out"))
    assert batch.run() is None
    assert not batch.running
    qtbot.waitUntil(lambda: getattr(window, "key_dialog", None) is not None)
    assert window.key_dialog.isVisible()
    window.key_dialog.reject()


def _drop(widget, path: Path) -> None:
    """Drop one path on a widget as the platform does: DragEnter, DragMove and Drop sent to
    the top-level QWindow at the widget's position."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    top = widget.window()
    pos = widget.mapTo(top, widget.rect().center())
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    handle = top.windowHandle()
    QApplication.sendEvent(handle, QDragEnterEvent(pos, *args))
    QApplication.sendEvent(handle, QDragMoveEvent(pos, *args))
    QApplication.sendEvent(handle, QDropEvent(QPointF(pos), *args))


def test_dropping_a_folder_on_the_tab_chooses_it(qtbot, make_window, folder) -> None:
    window, tab, batch = batch_window(make_window)
    qtbot.waitUntil(tab.isVisible)
    _drop(tab.table.viewport(), folder)
    assert tab.folder() == str(folder)
    assert sorted(row.name for row in batch.state)[0] == "alpha.pdf"
    # on an editor too (it would otherwise take the folder's path as text)
    other = folder.parent / "other"
    other.mkdir()
    before = tab.output_edit.text()
    _drop(tab.output_edit, other)
    assert tab.folder() == str(other) and tab.output_edit.text() == before
    _drop(tab.table.viewport(), folder)
    assert window.last_error == ""  # the window did not take it as a PDF to open
    # a dropped PDF is still the window's: it opens it, from an editor of the tab too
    for target in (tab.output_edit, tab.table.viewport()):
        with qtbot.waitSignal(window.service.opened, timeout=10000):
            _drop(target, folder / "alpha.pdf")
        assert window.document.path == folder / "alpha.pdf"
    assert tab.folder() == str(folder) and tab.output_edit.text() == before


def _explained(widget, tab) -> bool:
    """A tooltip on the control, or on the compound control it is part of (a spin box's
    line edit, a table's header)."""
    while widget is not None and widget is not tab:
        if widget.toolTip():
            return True
        widget = widget.parentWidget()
    return False


def test_every_batch_control_has_a_tooltip(qtbot, make_window) -> None:
    window, tab, _batch = batch_window(make_window)
    qtbot.waitUntil(tab.isVisible)
    missing = []
    for kind in (QAbstractButton, QAbstractSpinBox, QLineEdit, QAbstractItemView):
        for widget in tab.findChildren(kind):
            if widget.isVisibleTo(tab) and not _explained(widget, tab):
                missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert not missing, missing
    index = window.tabs.indexOf(tab)
    assert window.tabs.tabText(index) == "Batch" and window.tabs.tabToolTip(index)


def test_menu_action_shows_the_tab_and_asks_for_a_folder(qtbot, make_window) -> None:
    window = make_window()
    action = window.batch_action
    assert action.shortcut().toString() == "Ctrl+B" and action.toolTip()
    run_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Run")
    assert action in run_menu.actions()
    action.trigger()
    assert window.tabs.currentWidget() is window.batch_tab
    dialog = window.batch_tab.last_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.reject()


def test_rule_and_folders_are_remembered(qtbot, make_window, folder, tmp_path) -> None:
    window, tab, batch = batch_window(make_window)
    tab.set_folder(str(folder))
    tab.set_output(str(tmp_path / "out"))
    tab.set_rule(SectionRule("every", 7))
    batch._remember()
    again = make_window(store=window.store)
    assert again.batch_tab.folder() == str(folder)
    assert again.batch_tab.output() == str(tmp_path / "out")
    assert again.batch_tab.rule() == SectionRule("every", 7)


def test_state_folds_batch_events() -> None:
    clock = iter(range(100))
    state = BatchProgress(clock=lambda: float(next(clock)))
    state.begin([Path("/x/a.pdf"), Path("/x/b.pdf")])
    assert [r.status for r in state] == ["planning", "planning"]
    state.apply(ev.BatchStarted(files=("/x/a.pdf", "/x/b.pdf"), sections={"/x/a.pdf": 2}))
    assert [r.status for r in state] == ["waiting", "waiting"]
    assert state.total_sections() == 2
    started = ev.RunStarted(run_id="r1", document="a", section_ids=("s1", "s2"), processor="x")
    state.apply(ev.FileEvent(file="/x/a.pdf", event=started))
    state.apply(
        ev.FileEvent(
            file="/x/a.pdf",
            event=ev.SectionDone(section_id="s1", result=None, attempts=1, timings={}),
        )
    )
    assert state.row("/x/a.pdf").status == "running" and state.row("/x/a.pdf").done == 1
    assert state.finished_sections() == 1
    state.apply(
        ev.FileFinished(
            file="/x/b.pdf", status="skipped", done=0, failed=0, sections=0, reason="bad"
        )
    )
    state.apply(ev.FileFinished(file="/x/a.pdf", status="done", done=2, failed=0, sections=2))
    state.apply(ev.BatchFinished(files=2, statuses={}, elapsed_s=1.0, cancelled=False))
    assert state.row("/x/b.pdf").reason == "bad"
    assert state.files_finished() == 2 and state.finished_sections() == 2
    assert state.counts() == {"done": 1, "skipped": 1} and not state.running


def test_open_pdf_helper_still_works_with_the_batch_tab(qtbot, make_window, pdf_factory) -> None:
    """The window's own drop and open paths are unchanged by the tab."""
    window = make_window()
    open_pdf(qtbot, window, pdf_factory(pages=2))
    assert window.tabs.count() == 5


class CrashingRunner:
    """Plans like the engine, then fails: a bug must not leave rows 'running'."""

    limits = None

    def __init__(self, emit) -> None:
        self.emit = emit

    async def run(self, source: str, paths: list[Path]):
        self.emit(ev.BatchStarted(files=tuple(map(str, paths)), sections={}))
        first = ev.RunStarted(run_id="r", document="d", section_ids=("s1",), processor="x")
        self.emit(ev.FileEvent(file=str(paths[0]), event=first))
        raise RuntimeError("engine bug")

    def cancel(self) -> None:
        pass


async def test_a_crashing_batch_is_reported_and_rows_stop(qtbot, folder, tmp_path) -> None:
    from core.engine import Engine
    from core.settings import Settings
    from gui.batch_bridge import BatchBridge
    from gui.batch_controller import BatchController
    from gui.state.settings import AppSettings
    from gui.widgets.batch_tab import BatchTab
    from gui.widgets.settings_panel import SettingsPanel

    engine = Engine()
    bridge = BatchBridge(engine, runner_factory=lambda s, o, emit: CrashingRunner(emit))
    state = BatchProgress()
    tab = BatchTab(state)
    model = AppSettings(Settings(_env_file=None, processor="local"))
    panel = SettingsPanel(model)
    qtbot.addWidget(tab)
    qtbot.addWidget(panel)
    controller = BatchController(
        bridge, state, tab, model, panel, model.settings, engine.inspect_files
    )
    errors: list[str] = []
    controller.error.connect(errors.append)
    tab.set_folder(str(folder))
    tab.set_output(str(tmp_path / "out"))
    controller.stop_preview()
    task = controller.run()
    assert await task is None
    assert errors == ["engine bug"]
    assert not controller.running and tab.run_button.isEnabled()
    assert state.row(str(folder / "alpha.pdf")).status == "failed"
    assert "stopped" in state.row(str(folder / "alpha.pdf")).reason
    assert not state.running and "stopped early" in tab.status.text()
    engine.close()
