"""The journal in the window: File ▸ History…, what comes back when a PDF is reopened,
and the offer to resume an unfinished run.

Opening a PDF hashes it (a worker thread) and asks the journal (its own thread) for the
last run of those bytes. The sections drafted for the document last time come back (or
that run's sections), and that run's results are shown, so closing a PDF loses nothing;
if the run left work undone a non-blocking box offers to resume it: a run with
``resume_run_id`` keeps the finished sections and runs the rest. The drafted sections are
kept per document (by content) as they change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from gui.state.outcome_words import outcome_tally, run_tally
from gui.state.result_text import RunLabel
from gui.tasks import TaskKeeper
from gui.widgets.compare_dialog import CompareDialog
from gui.widgets.history_dialog import HistoryDialog

if TYPE_CHECKING:
    from pathlib import Path

    from core.compare.report import Comparison
    from core.engine import Engine
    from core.journal import RunInfo
    from core.run_types import RunOutcome
    from gui.bridge import EngineBridge
    from gui.pdf_thread import OpenedDocument
    from gui.run_controller import RunController
    from gui.state.sections import SectionsState
    from gui.widgets.results_view import ResultsView
    from gui.widgets.run_report import RunReport

log = logging.getLogger("sectionflow.gui.history")


class SavedDrafts(Protocol):
    """Where the sections drafted for each document are kept (the window's Store)."""

    def document_sections(self, sha256: str) -> list[dict[str, str]] | None: ...

    def set_document_sections(self, sha256: str, drafts: list[dict[str, str]]) -> None: ...


def resume_text(info: RunInfo) -> str:
    word = "section" if info.sections == 1 else "sections"
    if info.status == "finished":
        ended = f"ended with {run_tally(info).text()} of {info.sections} {word}"
    else:
        ended = f"stopped with {info.done} of {info.sections} {word} done"
    return f"The last run of this PDF {ended}. Resume it?"


class HistoryController(QObject):
    #: a line for the status bar
    message = Signal(str)
    #: something the user must read
    error = Signal(str)
    #: a past run's results are in the Results view now
    results_shown = Signal()
    #: a run resumed from the journal has started
    resumed = Signal()

    def __init__(
        self,
        engine: Engine,
        bridge: EngineBridge,
        run: RunController,
        sections: SectionsState,
        results: ResultsView,
        report: RunReport,
        *,
        document: Callable[[], OpenedDocument | None],
        last_folder: Callable[[], str],
        keep: Callable[[QWidget], None],
        drafts: SavedDrafts,
        parent: QWidget,
    ) -> None:
        """``keep`` holds a dialog until it closes; ``parent`` owns the dialogs."""
        super().__init__(parent)
        self.engine = engine
        self.bridge = bridge
        self.run = run
        self.sections = sections
        self.results = results
        self.report = report
        self._document = document
        self._last_folder = last_folder
        self._keep = keep
        self._parent = parent
        self.dialog: HistoryDialog | None = None
        self.resume_box: QMessageBox | None = None
        self.check_task: asyncio.Task | None = None
        self.offered: RunInfo | None = None
        self._drafts = drafts
        #: the open document and its content hash, once known
        self._known: tuple[OpenedDocument, str] | None = None
        self._keeper = TaskKeeper()
        sections.subscribe(lambda *_: self._keep_drafts())
        self.action = QAction("&History…", parent)
        self.action.setShortcut(QKeySequence("Ctrl+H"))
        tip = "Past runs: show or export their results again; the journal's size"
        self.action.setToolTip(f"{tip} (Ctrl+H)")
        self.action.setStatusTip(tip)
        self.action.triggered.connect(lambda *_: self.open_dialog())
        bridge.running_changed.connect(self._on_running)

    def _on_running(self, running: bool) -> None:
        """A run that ends while History is open shows up in it."""
        if not running and self.dialog is not None and self.dialog.isVisible():
            self.dialog.refresh()

    # -- History ----------------------------------------------------------------------

    def open_dialog(self) -> HistoryDialog:
        dialog = HistoryDialog(
            lambda: self.engine.journal,
            self._parent,
            start_folder=self._last_folder,
            forget_uploads=lambda: self.engine.forget_kept_uploads(self.run.gemini_settings()),
        )
        dialog.show_requested.connect(self.show_outcome)
        dialog.compare_requested.connect(self.compare)
        dialog.message.connect(self.message)
        dialog.error.connect(self.error)
        self._keep(dialog)
        self.dialog = dialog
        dialog.open()
        dialog.refresh()
        return dialog

    def show_outcome(self, outcome: RunOutcome, *, switch: bool = True) -> None:
        """Show a journaled run as a finished run's outcome is shown: results, report,
        and the window's Export (``switch``: and bring the Results tab forward)."""
        if self.bridge.running:
            self.error.emit("Wait for the run to end before showing another run's results")
            return
        self.results.begin(list(outcome.sections), keep_results=False)
        backend = outcome.processor + (f" ({outcome.model})" if outcome.model else "")
        self.results.set_run(RunLabel(outcome.run_id, outcome.document.name, backend))
        self.results.set_estimate(None)
        for sid, result in outcome.results.items():
            self.results.add_result(sid, result)
        for sid, failure in outcome.failures.items():
            self.results.add_failure(sid, failure.reason or "Cancelled", failure.cancelled)
        if outcome.synthesis is not None:
            self.results.set_synthesis(outcome.synthesis)
        self.run.outcome = outcome
        self.run.outcome_changed.emit(outcome)
        self.report.show_report(
            outcome.summary.get("report", {}),
            processor=outcome.processor,
            elapsed_s=outcome.elapsed_s,
        )
        if switch:
            self.results_shown.emit()
        self.message.emit(
            f"Showing run {outcome.run_id} of {outcome.document.name}: "
            f"{outcome_tally(outcome).text()}"
        )

    # -- Compare ----------------------------------------------------------------------

    def compare(self, a: str, b: str) -> asyncio.Task | None:
        """Compare two journaled runs (PDFs read in the workers) and show the result."""
        self.message.emit(f"Comparing run {a} with run {b}…")
        self.compare_task = self._keeper.spawn(self._compare(a, b), "compare")
        return self.compare_task

    async def _compare(self, a: str, b: str) -> CompareDialog | None:
        from core.compare.report import to_json_dict

        try:
            comparison = await self.engine.compare_runs(a, b)
        except Exception as exc:
            log.exception("Could not compare runs %s and %s", a, b)
            self.error.emit(f"Could not compare the runs: {exc}")
            return None
        dialog = CompareDialog(
            to_json_dict(comparison), self._parent, start_folder=self._last_folder()
        )
        dialog.save_requested.connect(lambda target: self.save_comparison(comparison, target))
        self._keep(dialog)
        self.compare_dialog = dialog
        dialog.open()
        counts = ", ".join(f"{n} {s}" for s, n in comparison.counts().items() if n)
        self.message.emit(f"Compared run {a} with run {b}: {counts}")
        return dialog

    def save_comparison(self, comparison: Comparison, target: Path) -> asyncio.Task | None:
        return self._keeper.spawn(self._save(comparison, target), "save-comparison")

    async def _save(self, comparison: Comparison, target: Path) -> list[Path]:
        from core.compare.report import write_comparison
        from core.export import pair_paths

        json_path, md_path = pair_paths(target)
        try:
            written = await asyncio.to_thread(write_comparison, comparison, json_path, md_path)
        except Exception as exc:
            log.exception("Could not save the comparison")
            self.error.emit(f"Could not save the comparison: {exc}")
            return []
        self.message.emit(f"Saved {json_path.name} and {md_path.name} to {json_path.parent}")
        return written

    # -- Resume -----------------------------------------------------------------------

    def check_resume(self, document: OpenedDocument) -> asyncio.Task | None:
        self.check_task = self._keeper.spawn(self._check(document), "resume-check")
        return self.check_task

    async def _check(self, document: OpenedDocument) -> None:
        try:
            sha = await self.engine.fingerprint_async(document.path)
            info = await self.engine.last_run_async(sha)
            last = await self.engine.journal.load_async(info.run_id) if info else None
        except Exception:  # what comes back is a convenience: never an error for the user
            log.debug("No history check for %s", document.path, exc_info=True)
            return
        if self._document() is not document or self.bridge.running:
            return
        self._known = (document, sha)
        self._bring_back(document, self._drafts.document_sections(sha), last)
        if info is not None and not info.complete:
            self.offer(info)

    def _bring_back(
        self,
        document: OpenedDocument,
        drafts: list[dict[str, str]] | None,
        last: RunOutcome | None,
    ) -> None:
        """The sections drafted last time (else the last run's) and the last run's results,
        unless the user has begun new ones meanwhile."""
        name = document.path.name
        if len(self.sections) == 0 and (drafts or last is not None):
            if drafts:
                count = self.sections.restore_drafts(drafts)
            else:
                self.sections.replace_all(last.sections)
                count = len(last.sections)
            self.message.emit(f"The {count} sections of {name} from last time are back")
        if last is not None and self.run.outcome is None:
            self.show_outcome(last, switch=False)

    def _keep_drafts(self) -> None:
        """Remember the open document's sections as they change (for its next opening)."""
        known = self._known
        if known is not None and known[0] is self._document():
            self._drafts.set_document_sections(known[1], self.sections.drafts())

    def offer(self, info: RunInfo) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Question, "Resume", resume_text(info), parent=self._parent
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        resume: QPushButton = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
        fresh: QPushButton = box.addButton("Start fresh", QMessageBox.ButtonRole.RejectRole)
        resume.setToolTip("Keep the finished sections; run the unfinished and failed ones")
        fresh.setToolTip("Keep the sections table as it is; the next Run starts from scratch")
        box.setDefaultButton(resume)
        resume.clicked.connect(lambda *_: self.resume(info.run_id))
        self.resume_button, self.fresh_button = resume, fresh
        self._keep(box)
        self.resume_box = box
        self.offered = info
        box.open()
        return box

    def resume(self, run_id: str) -> asyncio.Task | None:
        self.resume_task = self._keeper.spawn(self._resume(run_id), "resume")
        return self.resume_task

    async def _resume(self, run_id: str) -> RunOutcome | None:
        try:
            previous = await self.engine.journal.load_async(run_id)
        except Exception as exc:
            log.exception("Could not load run %s", run_id)
            self.error.emit(f"Could not load the run to resume: {exc}")
            return None
        if self.bridge.running:
            self.error.emit("A run is going: resume the earlier run once it has ended")
            return None
        self.sections.replace_all(previous.sections)
        task = self.run.resume(previous)
        if task is None:
            return None
        self.resumed.emit()
        return await task
