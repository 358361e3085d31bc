"""The journal in the window: File ▸ History…, and the offer to resume an unfinished run.

Kept out of the main window, which only calls :func:`install_history`. Opening a PDF
hashes it (a worker thread) and asks the journal (its own thread) whether the last run of
those bytes left work undone; if so a non-blocking box offers to resume it: the run's
sections come back into the sections table and a run with ``resume_run_id`` keeps the
finished sections and runs the rest.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QPushButton

from gui.tasks import TaskKeeper
from gui.widgets.history_dialog import HistoryDialog

log = logging.getLogger("sectionflow.gui.history")


def resume_text(info: Any) -> str:
    word = "section" if info.sections == 1 else "sections"
    if info.status == "finished":
        ended = f"ended with {info.done} of {info.sections} {word} done ({info.failed} failed)"
    else:
        ended = f"stopped with {info.done} of {info.sections} {word} done"
    return f"The last run of this PDF {ended}. Resume it?"


class HistoryController(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: HistoryDialog | None = None
        self.resume_box: QMessageBox | None = None
        self.check_task: asyncio.Task | None = None
        self.offered: Any = None
        self._keeper = TaskKeeper()
        self.action = QAction("&History…", window)
        self.action.setShortcut(QKeySequence("Ctrl+H"))
        tip = "Past runs: show or export their results again; the journal's size"
        self.action.setToolTip(f"{tip} (Ctrl+H)")
        self.action.setStatusTip(tip)
        self.action.triggered.connect(lambda *_: self.open_dialog())
        window.addAction(self.action)
        window.file_menu.insertAction(window.export_action, self.action)
        window.service.opened.connect(self.check_resume)
        window.bridge.running_changed.connect(self._on_running)

    def _on_running(self, running: bool) -> None:
        """A run that ends while History is open shows up in it."""
        if not running and self.dialog is not None and self.dialog.isVisible():
            self.dialog.refresh()

    def _spawn(self, coro: Any, name: str) -> asyncio.Task | None:
        return self._keeper.spawn(coro, name)

    # -- History ----------------------------------------------------------------------

    def open_dialog(self) -> HistoryDialog:
        window = self.window
        dialog = HistoryDialog(
            lambda: window.bridge.engine.journal, window, start_folder=window.store.last_folder
        )
        dialog.show_requested.connect(self.show_outcome)
        dialog.message.connect(window.show_message)
        dialog.error.connect(window.show_error)
        window._keep(dialog)
        self.dialog = dialog
        dialog.open()
        dialog.refresh()
        return dialog

    def show_outcome(self, outcome: Any) -> None:
        """Show a journaled run as a finished run's outcome is shown: results, report,
        and the window's Export."""
        window = self.window
        if window.bridge.running:
            window.show_error("Wait for the run to end before showing another run's results")
            return
        results = window.results
        results.begin(list(outcome.sections), keep_results=False)
        for sid, result in outcome.results.items():
            results.add_result(sid, result)
        for sid, failure in outcome.failures.items():
            results.add_failure(sid, "Cancelled" if failure.cancelled else failure.reason)
        window.run.outcome = outcome
        window.run.outcome_changed.emit(outcome)
        window.report.show_report(
            outcome.summary.get("report", {}),
            processor=outcome.processor,
            elapsed_s=outcome.elapsed_s,
        )
        from gui.main_window import RESULTS_TAB

        window.tabs.setCurrentIndex(RESULTS_TAB)
        window.show_message(
            f"Showing run {outcome.run_id} of {outcome.document.name}: "
            f"{len(outcome.results)} done, {len(outcome.failures)} failed"
        )

    # -- Resume -----------------------------------------------------------------------

    def check_resume(self, document: Any) -> asyncio.Task | None:
        self.check_task = self._spawn(self._check(document), "resume-check")
        return self.check_task

    async def _check(self, document: Any) -> None:
        from core.pdf import file_sha256

        journal = self.window.bridge.engine.journal
        try:
            sha = await asyncio.to_thread(file_sha256, document.path)
            info = await asyncio.to_thread(journal.unfinished_run, sha)
        except Exception:  # the offer is a convenience: never an error for the user
            log.debug("No resume check for %s", document.path, exc_info=True)
            return
        if info is None or self.window.document is not document or self.window.bridge.running:
            return
        self.offer(info)

    def offer(self, info: Any) -> QMessageBox:
        window = self.window
        box = QMessageBox(QMessageBox.Icon.Question, "Resume", resume_text(info), parent=window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        resume: QPushButton = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
        fresh: QPushButton = box.addButton("Start fresh", QMessageBox.ButtonRole.RejectRole)
        resume.setToolTip("Keep the finished sections; run the unfinished and failed ones")
        fresh.setToolTip("Keep the sections table as it is; the next Run starts from scratch")
        box.setDefaultButton(resume)
        resume.clicked.connect(lambda *_: self.resume(info.run_id))
        self.resume_button, self.fresh_button = resume, fresh
        window._keep(box)
        self.resume_box = box
        self.offered = info
        box.open()
        return box

    def resume(self, run_id: str) -> asyncio.Task | None:
        self.resume_task = self._spawn(self._resume(run_id), "resume")
        return self.resume_task

    async def _resume(self, run_id: str) -> Any:
        window = self.window
        try:
            previous = await window.bridge.engine.journal.load_async(run_id)
        except Exception as exc:
            log.exception("Could not load run %s", run_id)
            window.show_error(f"Could not load the run to resume: {exc}")
            return None
        if window.bridge.running:
            window.show_error("A run is going: resume the earlier run once it has ended")
            return None
        window.sections.replace_all(previous.sections)
        task = window.run.resume(previous)
        if task is None:
            return None
        from gui.main_window import RUN_TAB

        window.tabs.setCurrentIndex(RUN_TAB)
        return await task


def install_history(window: Any) -> HistoryController:
    """Add File ▸ History… and the resume offer; call once the window's menus, service,
    bridge and run controller exist."""
    controller = HistoryController(window)
    window._update_actions()
    return controller
