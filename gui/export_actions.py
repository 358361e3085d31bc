"""File ▸ Export… and Export tables…: the dialogs (``open()``, never ``exec()``) and what
is said afterwards. What gets written is the run controller's (and the engine's) job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from gui.persistence import Store
from gui.run_controller import RunController
from gui.tasks import TaskKeeper

log = logging.getLogger("sectionflow.gui")
NOTHING_YET = "There is nothing to export yet: run the sections first"


class ExportActions(QObject):
    """``message`` and ``error`` carry what to tell the user."""

    message = Signal(str)
    error = Signal(str)

    def __init__(
        self,
        run: RunController,
        store: Store,
        *,
        stem: Callable[[], str],
        keep: Callable[[QWidget], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.run = run
        self.store = store
        self._stem = stem
        self._keep = keep
        self._window = parent
        self._tasks = TaskKeeper("export")

    def dialog(self) -> QFileDialog | None:
        """Choose where the JSON and Markdown pair goes."""
        if self.run.outcome is None:
            self.error.emit(NOTHING_YET)
            return None
        folder = Path(self.store.last_folder() or Path.home())
        start = str(folder / f"{self._stem()}-results.json")
        dialog = QFileDialog(self._window, "Export results (JSON and Markdown)", start)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["JSON and Markdown (*.json *.md)"])
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(lambda path: self.export_to(Path(path)))
        self._keep(dialog)
        dialog.open()
        return dialog

    def export_to(self, target: Path) -> tuple[Path, Path] | None:
        try:
            paths = self.run.export(target)
        except Exception as exc:
            log.exception("Export failed")
            self.error.emit(f"Could not export: {exc}")
            return None
        self.store.set_last_folder(str(paths[0].parent))
        self.message.emit(f"Exported {paths[0].name} and {paths[1].name} to {paths[0].parent}")
        return paths

    def tables_dialog(self) -> QFileDialog | None:
        """Choose a folder for the tables (CSV files and tables.xlsx)."""
        if self.run.outcome is None:
            self.error.emit(NOTHING_YET)
            return None
        title = "Export tables (CSV and Excel)"
        dialog = QFileDialog(self._window, title, self.store.last_folder())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda path: self.export_tables_to(Path(path)))
        self._keep(dialog)
        dialog.open()
        return dialog

    def export_tables_to(self, folder: Path) -> asyncio.Task | None:
        return self._tasks.spawn(self._export_tables(folder), "export-tables")

    async def _export_tables(self, folder: Path) -> None:
        try:
            written = await self.run.export_tables(folder)
        except Exception as exc:
            log.exception("Table export failed")
            self.error.emit(f"Could not export the tables: {exc}")
            return
        if written.workbook is None:
            self.message.emit("These results have no tables: nothing was written")
            return
        self.store.set_last_folder(str(folder))
        self.message.emit(f"Exported {written.count} table(s) to {folder} (CSV and tables.xlsx)")
