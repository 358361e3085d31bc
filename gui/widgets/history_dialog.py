"""File ▸ History…: the journal's past runs, newest first.

A selected run can be shown in the window's Results view or exported again (JSON and
Markdown, as the CLI's ``sectionflow export`` writes them). The journal's size is shown and
its cache or history can be cleared, each after a (non-blocking) confirmation. Every
journal read or write runs on the journal's own thread or a worker thread: the GUI thread
never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.state.outcome_words import badge, marked, run_status, run_tally
from gui.tasks import TaskKeeper
from gui.widgets.row_table import row_table

log = logging.getLogger("sectionflow.gui.history")

COLUMNS = (
    "Started",
    "Document",
    "Status",
    "Backend",
    "Model",
    "Sections",
    "Done",
    "Partial",
    "Failed",
    "Cancelled",
)
STATUS, COUNTS = 2, 5
RUN_LIMIT = 200


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def export_outcome(outcome: Any, target: Path) -> tuple[Path, Path]:
    """``<target>.json`` and ``<target>.md``, written as every front end writes them."""
    from core.export import pair_paths, write_exports

    json_path, md_path = pair_paths(target)
    write_exports(outcome, json_path, md_path)
    return json_path, md_path


class HistoryDialog(QDialog):
    #: a run's outcome, loaded from the journal, to show in the Results view
    show_requested = Signal(object)
    #: two runs (ids, the older first) to compare section by section
    compare_requested = Signal(str, str)
    #: a status-bar line
    message = Signal(str)
    #: something the user must read
    error = Signal(str)

    def __init__(
        self,
        journal: Callable[[], Any],
        parent: QWidget | None = None,
        start_folder: Callable[[], str] = lambda: str(Path.home()),
        forget_uploads: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        """``forget_uploads``: delete the uploads kept for re-asks (how many there were),
        as clearing the history does."""
        super().__init__(parent)
        self.setWindowTitle("History")
        self.resize(900, 420)
        self._journal = journal
        self._start_folder = start_folder
        self._forget_uploads = forget_uploads
        self._keeper = TaskKeeper("sectionflow-history")
        self.task: asyncio.Task | None = None
        self.runs: list[Any] = []
        self.size = 0

        self.table = row_table(COLUMNS, self, stretch=1, several=True)
        self.table.setToolTip(
            "Past runs from the journal, newest first; double-click to show; select two "
            "(Ctrl+click) to compare them"
        )
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda *_: self.show_selected())

        self.size_label = QLabel("Journal size: …", self)
        self.size_label.setToolTip("Disk space of the run journal and the result cache")
        self.show_button = QPushButton("Show results", self)
        self.show_button.setToolTip("Show the selected run's results in the Results view")
        self.show_button.clicked.connect(lambda *_: self.show_selected())
        self.compare_button = QPushButton("Compare", self)
        self.compare_button.setToolTip(
            "Compare the two selected runs section by section: which pages' text changed "
            "between two versions of a PDF, or both answers side by side"
        )
        self.compare_button.clicked.connect(lambda *_: self.compare_selected())
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Save the selected run's results as JSON and Markdown")
        self.export_button.clicked.connect(lambda *_: self.export_dialog())
        self.clear_cache_button = QPushButton("Clear cache", self)
        self.clear_cache_button.setToolTip(
            "Forget the cached answers: the next run asks (and is billed) again"
        )
        self.clear_cache_button.clicked.connect(lambda *_: self.confirm_clear("cache"))
        self.clear_history_button = QPushButton("Clear history", self)
        self.clear_history_button.setToolTip(
            "Forget every past run (their results can no longer be shown or resumed) and "
            "delete the uploads kept on Gemini for re-asks"
        )
        self.clear_history_button.clicked.connect(lambda *_: self.confirm_clear("history"))
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)

        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.compare_button)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_cache_button)
        buttons.addWidget(self.clear_history_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.size_label)
        layout.addLayout(buttons)
        self._update_buttons()

    # -- background work ------------------------------------------------------------

    def _spawn(self, coro: Any, name: str) -> asyncio.Task | None:
        self.task = self._keeper.spawn(coro, name)
        return self.task

    def refresh(self) -> asyncio.Task | None:
        return self._spawn(self._refresh(), "refresh")

    async def _refresh(self) -> None:
        journal = self._journal()
        try:
            runs = await journal.runs_async(RUN_LIMIT)
            size = await asyncio.to_thread(journal.size_bytes)
        except Exception as exc:
            log.exception("Could not read the journal")
            self.error.emit(f"Could not read the run history: {exc}")
            return
        self.runs, self.size = list(runs), size
        self._fill()

    def _fill(self) -> None:
        chosen = self.selected_run_id()  # kept across a refresh (e.g. when a run ends)
        self.table.setRowCount(len(self.runs))
        for row, info in enumerate(self.runs):
            tally = run_tally(info)
            cells = (
                info.started_at,
                info.document_name,
                marked(run_status(info)),
                info.processor,
                info.model or "",
                *(str(n) for n in (info.sections, tally.done, tally.partial, tally.failed)),
                str(tally.cancelled),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == STATUS:
                    self._badge(item, info)
                if column >= COUNTS:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 1:
                    item.setToolTip(info.document_path)
                item.setData(Qt.ItemDataRole.UserRole, info.run_id)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        ids = [info.run_id for info in self.runs]
        if ids:
            self.table.selectRow(ids.index(chosen) if chosen in ids else 0)
        self.size_label.setText(f"Journal size: {human_size(self.size)} ({len(self.runs)} runs)")
        self._update_buttons()

    @staticmethod
    def _badge(item: QTableWidgetItem, info: Any) -> None:
        found = badge(run_status(info))
        if found is None:
            item.setToolTip(f"The run is {info.status}")
            return
        item.setForeground(QColor(found.color))
        item.setToolTip(f"{found.mark} {found.word}: {run_tally(info).text()} ({found.meaning})")

    def _update_buttons(self) -> None:
        chosen = len(self.selected_run_ids())
        self.show_button.setEnabled(chosen == 1)
        self.export_button.setEnabled(chosen == 1)
        self.compare_button.setEnabled(chosen == 2)

    def selected_run_id(self) -> str | None:
        """The one selected run (None when none or several are selected)."""
        ids = self.selected_run_ids()
        return ids[0] if len(ids) == 1 else None

    def selected_run_ids(self) -> list[str]:
        """The selected runs, oldest first (the table lists the newest first)."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        items = [self.table.item(row, 0) for row in reversed(rows)]
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item is not None]

    def compare_selected(self) -> bool:
        ids = self.selected_run_ids()
        if len(ids) != 2:
            self.error.emit("Select two runs to compare (Ctrl+click the second)")
            return False
        self.compare_requested.emit(*ids)
        return True

    # -- show / export ----------------------------------------------------------------

    def show_selected(self) -> asyncio.Task | None:
        run_id = self.selected_run_id()
        return self._spawn(self._show(run_id), "show") if run_id else None

    async def _show(self, run_id: str) -> None:
        try:
            outcome = await self._journal().load_async(run_id)
        except Exception as exc:
            log.exception("Could not load run %s", run_id)
            self.error.emit(f"Could not load run {run_id}: {exc}")
            return
        self.show_requested.emit(outcome)

    def export_dialog(self) -> QFileDialog | None:
        run_id = self.selected_run_id()
        if run_id is None:
            return None
        info = next((r for r in self.runs if r.run_id == run_id), None)
        stem = Path(info.document_path).stem if info else "results"
        start = str(Path(self._start_folder() or Path.home()) / f"{stem}-results.json")
        dialog = QFileDialog(self, "Export results (JSON and Markdown)", start)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["JSON and Markdown (*.json *.md)"])
        dialog.setDefaultSuffix("json")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.fileSelected.connect(lambda path: self.export_to(run_id, Path(path)))
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def export_to(self, run_id: str, target: Path) -> asyncio.Task | None:
        return self._spawn(self._export(run_id, target), "export")

    async def _export(self, run_id: str, target: Path) -> tuple[Path, Path] | None:
        try:
            outcome = await self._journal().load_async(run_id)
            paths = await asyncio.to_thread(export_outcome, outcome, target)
        except Exception as exc:
            log.exception("Export of run %s failed", run_id)
            self.error.emit(f"Could not export: {exc}")
            return None
        self.message.emit(f"Exported {paths[0].name} and {paths[1].name} to {paths[0].parent}")
        return paths

    # -- clearing ---------------------------------------------------------------------

    async def _forget_kept(self) -> int:
        """End the keeping of uploads kept for re-asks; a failure is said, not raised
        (their time runs out anyway, and the next Gemini run deletes them then)."""
        if self._forget_uploads is None:
            return 0
        try:
            return await self._forget_uploads()
        except Exception as exc:
            log.warning("Could not delete the uploads kept for re-asks", exc_info=True)
            self.error.emit(f"Could not delete the uploads kept for re-asks now: {exc}")
            return 0

    def confirm_clear(self, what: str) -> QMessageBox:
        text = (
            "Forget every cached answer? The next run of an unchanged section asks the "
            "backend (and is billed) again."
            if what == "cache"
            else "Forget every past run? Their results can no longer be shown, exported "
            "or resumed from here, and the sections kept on Gemini for re-asks are "
            "deleted now."
        )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Clear " + what,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(lambda *_: self.clear(what))
        self.confirm_box = box
        box.open()
        return box

    def clear(self, what: str) -> asyncio.Task | None:
        return self._spawn(self._clear(what), f"clear-{what}")

    async def _clear(self, what: str) -> None:
        try:
            kept = await asyncio.to_thread(self._journal().clear, what)
        except Exception as exc:
            log.exception("Could not clear the %s", what)
            self.error.emit(f"Could not clear the {what}: {exc}")
            return
        text = "Cache cleared" if what == "cache" else "History cleared"
        if kept:
            text += f"; kept {kept} run(s) whose Gemini batch job is still pending"
        if what == "history" and (uploads := await self._forget_kept()):
            text += f"; deleted {uploads} upload(s) kept on Gemini for re-asks"
        self.message.emit(text)
        await self._refresh()
