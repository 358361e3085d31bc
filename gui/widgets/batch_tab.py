"""The Batch tab: a folder of PDFs, one sectioning rule, a row per file.

Layout and input only: the tab says what the user asked for (``run_requested``,
``folder_changed``, ...) and shows what it is told; :class:`gui.batch_controller.BatchController`
decides what happens. Its rows come from :class:`gui.state.batch_progress.BatchProgress` through the
generic table adapter.

A folder may be dropped anywhere on the tab. The window watches the whole application for
dropped files (to open a PDF dropped on any child widget), so the tab puts its own
application-wide filter in front of the window's while it is shown and takes only drops of
one folder; files still go to the window.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.batch_plan import SectionRule
from gui.icons import icon
from gui.state.batch_progress import NOT_RUN, WILL_SKIP, BatchProgress, FileRow
from gui.state.observable import Change
from gui.state.run_progress import format_seconds
from gui.widgets.list_model import Column
from gui.widgets.progress_bar import ProgressBar
from gui.widgets.state_table_view import StateTableView

STATUS_COLORS = {
    "done": QColor("#2e7d32"),
    "kept": QColor("#2e7d32"),
    "partial": QColor("#ef6c00"),
    "failed": QColor("#c62828"),
    "skipped": QColor("#c62828"),
    "will skip": QColor("#c62828"),
    "cancelled": QColor("#8d6e63"),
    "running": QColor("#1565c0"),
    "waiting": QColor("#6d6d6d"),
    "planning": QColor("#6d6d6d"),
}
IDLE = (NOT_RUN, WILL_SKIP)
STATUS_HELP = (
    "not run (will skip: the file cannot be used), planning (inspecting the file), "
    "waiting (for a free file slot), running, then done, kept (complete in the history, "
    "not sent again), partial (some sections failed), failed, skipped (not a usable PDF) "
    "or cancelled"
)


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _why(row: FileRow) -> str:
    return " · ".join(part for part in (row.reason, row.note) if part)


COLUMNS: list[Column[FileRow]] = [
    Column("File", lambda r: r.name, "The PDF's file name", tooltip=lambda r: r.path),
    Column(
        "Sections",
        lambda r: _count(r.sections),
        "Sections the rule makes of this file",
        align_right=True,
    ),
    Column(
        "Done",
        lambda r: "" if r.status in IDLE else str(r.done),
        "Sections analysed",
        align_right=True,
    ),
    Column(
        "Failed",
        lambda r: "" if r.status in IDLE else str(r.failed),
        "Sections that failed or were cancelled",
        align_right=True,
    ),
    Column(
        "Status",
        lambda r: r.status,
        STATUS_HELP,
        color=lambda r: STATUS_COLORS.get(r.status),
    ),
    Column(
        "Reason",
        _why,
        "Why a file is not done (a bad file's problem, failed sections), or a note on how "
        "it was sectioned",
        tooltip=lambda r: _why(r) or None,
    ),
]
WIDTHS = (220, 66, 54, 54, 80)


class BatchTable(StateTableView):
    """One row per file of the batch."""

    def __init__(self, state: BatchProgress, parent: QWidget | None = None) -> None:
        super().__init__(state, COLUMNS, WIDTHS, parent)
        self.setWordWrap(False)
        self.setToolTip("One row per file of the batch: its sections, progress and status")
        self.setAccessibleName("Batch files")


class BatchTab(QWidget):
    folder_changed = Signal(str)
    output_changed = Signal(str)
    #: a path is being typed (not finished yet): whether Run is possible may change
    paths_edited = Signal()
    #: the rule or its number changed (the preview's section counts follow)
    rule_changed = Signal()
    run_requested = Signal()
    cancel_requested = Signal()
    open_folder_requested = Signal()
    open_index_requested = Signal()

    def __init__(self, state: BatchProgress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setAcceptDrops(True)
        self.setToolTip("Analyse every PDF of a folder; drop a folder here to choose it")
        self._dialogs: list[QFileDialog] = []

        # -- where from, where to ------------------------------------------------------
        paths = QGroupBox("Folder", self)
        paths.setToolTip("Which PDFs to analyse and where their results go")
        grid = QGridLayout(paths)
        self.folder_edit = QLineEdit(paths)
        self.folder_edit.setPlaceholderText("A folder of PDF files (or drop one on this tab)")
        self.folder_edit.setToolTip(
            "Every *.pdf file directly in this folder is analysed (sub-folders are not); "
            "type a path or use Choose…, or drop a folder on this tab"
        )
        self.folder_edit.setAccessibleName("PDF folder")
        self.folder_edit.editingFinished.connect(
            lambda: self.folder_changed.emit(self.folder_edit.text().strip())
        )
        self.folder_button = QPushButton(icon("open"), "Choose…", paths)
        self.folder_button.setToolTip("Pick the folder of PDFs")
        self.folder_button.clicked.connect(self._choose_folder)
        self.output_edit = QLineEdit(paths)
        self.output_edit.setPlaceholderText("Where <name>.json, <name>.md and index.md go")
        self.output_edit.setToolTip(
            "The output folder (created if missing): a JSON and a Markdown file per PDF, "
            "plus index.json and index.md listing every file with its status"
        )
        self.output_edit.setAccessibleName("Output folder")
        self.output_edit.editingFinished.connect(
            lambda: self.output_changed.emit(self.output_edit.text().strip())
        )
        for edit in (self.folder_edit, self.output_edit):
            edit.textChanged.connect(lambda *_: self.paths_edited.emit())
        self.output_button = QPushButton(icon("export"), "Choose…", paths)
        self.output_button.setToolTip("Pick the folder the results are written to")
        self.output_button.clicked.connect(self._choose_output)
        grid.addWidget(self._label("PDFs in", self.folder_edit.toolTip()), 0, 0)
        grid.addWidget(self.folder_edit, 0, 1)
        grid.addWidget(self.folder_button, 0, 2)
        grid.addWidget(self._label("Results to", self.output_edit.toolTip()), 1, 0)
        grid.addWidget(self.output_edit, 1, 1)
        grid.addWidget(self.output_button, 1, 2)
        grid.setColumnStretch(1, 1)

        # -- how each file is cut ------------------------------------------------------
        rule = QGroupBox("Sections of each file", self)
        rule.setToolTip("One rule for every file of the folder")
        row = QGridLayout(rule)  # two rows: one was wider than a small screen
        self.rule_group = QButtonGroup(self)
        self.outline_radio = QRadioButton("Outline level", rule)
        self.outline_radio.setToolTip(
            "One section per bookmark at this level; a file without such bookmarks is "
            "analysed as one section (its row says so)"
        )
        self.outline_level = QSpinBox(rule)
        self.outline_level.setRange(1, 9)
        self.outline_level.setToolTip("The bookmark level: 1 is the top level (chapters)")
        self.outline_level.setAccessibleName("Outline level")
        self.every_radio = QRadioButton("Every", rule)
        self.every_radio.setToolTip("Cut each file into sections of this many pages")
        self.every_pages = QSpinBox(rule)
        self.every_pages.setRange(1, 10_000)
        self.every_pages.setValue(10)
        self.every_pages.setSuffix(" pages")
        self.every_pages.setToolTip("Pages per section (the last section may be shorter)")
        self.every_pages.setAccessibleName("Pages per section")
        self.whole_radio = QRadioButton("Whole document", rule)
        self.whole_radio.setToolTip("Each file is analysed as one section")
        for number, button in enumerate((self.outline_radio, self.every_radio, self.whole_radio)):
            self.rule_group.addButton(button, number)
        self.outline_radio.setChecked(True)
        self.rule_group.idToggled.connect(self._rule_toggled)
        self.outline_level.valueChanged.connect(lambda *_: self.rule_changed.emit())
        self.every_pages.valueChanged.connect(lambda *_: self.rule_changed.emit())
        self.resume_box = QCheckBox("Resume", rule)
        self.resume_box.setToolTip(
            "Files whose last run is complete are kept (their results are written again "
            "from the history, nothing is sent); unfinished runs continue where they "
            "stopped; other files run fresh"
        )
        row.addWidget(self.outline_radio, 0, 0)
        row.addWidget(self.outline_level, 0, 1)
        row.addWidget(self.every_radio, 0, 2)
        row.addWidget(self.every_pages, 0, 3)
        row.addWidget(self.whole_radio, 1, 0)
        row.addWidget(self.resume_box, 1, 2, 1, 2)
        row.setColumnStretch(4, 1)
        self._sync_spins()

        # -- cost and time -------------------------------------------------------------
        self.estimate_box = QGroupBox("Cost and time on Gemini", self)
        self.estimate_box.setToolTip(
            "Rough cost and time of the batch on Gemini, two ways: interactive calls now "
            "(under the section limit) or Gemini's Batch mode (half the price, up to a "
            "day's turnaround). From page counts and the price table's date; not a quote"
        )
        self.estimate = QLabel(self.estimate_box)
        self.estimate.setTextFormat(Qt.TextFormat.RichText)
        self.estimate.setWordWrap(True)
        self.estimate.setToolTip(self.estimate_box.toolTip())
        box = QVBoxLayout(self.estimate_box)
        box.addWidget(self.estimate)
        self.estimate_box.setVisible(False)

        # -- actions -------------------------------------------------------------------
        self.run_button = QPushButton(icon("run"), "Run batch", self)
        self.run_button.setToolTip("Analyse every PDF of the folder with the current settings")
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button = QPushButton(icon("cancel"), "Cancel", self)
        self.cancel_button.setToolTip(
            "Stop the batch: running sections are stopped and cleaned up (temporary and "
            "remote files), files not started are listed as cancelled"
        )
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.setEnabled(False)
        self.open_folder_button = QPushButton(icon("open"), "Results folder", self)
        self.open_folder_button.setToolTip("Show the output folder in the file manager")
        self.open_folder_button.clicked.connect(self.open_folder_requested)
        self.open_index_button = QPushButton(icon("export"), "index.md", self)
        self.open_index_button.setToolTip(
            "Open the batch index: every file, its status, section counts and links to its results"
        )
        self.open_index_button.clicked.connect(self.open_index_requested)
        self.set_results_available(False)
        actions = QGridLayout()  # two rows: one was wider than a small screen
        actions.addWidget(self.run_button, 0, 0)
        actions.addWidget(self.cancel_button, 0, 1)
        actions.addWidget(self.open_folder_button, 1, 0)
        actions.addWidget(self.open_index_button, 1, 1)
        actions.setColumnStretch(2, 1)

        # -- progress ------------------------------------------------------------------
        self.bar = ProgressBar(self)
        self.bar.setTextVisible(True)
        self.bar.setToolTip("Sections finished (done or failed) out of all sections of all files")
        self.bar.setAccessibleName("Batch progress")
        self.summary = QLabel("No batch yet", self)
        self.summary.setToolTip("Files finished, files per status and the time so far")
        self.summary.setMinimumWidth(160)
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        progress = QHBoxLayout()
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.summary)

        self.table = BatchTable(state, self)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setToolTip("What the batch did last")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # in a scroll area: on a small screen the tab would otherwise squeeze the rest of
        # the window (the sections table) to make room for all of itself
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(paths)
        layout.addWidget(rule)
        layout.addWidget(self.estimate_box)
        layout.addLayout(actions)
        layout.addLayout(progress)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

        self._ticker = QTimer(self)
        self._ticker.setInterval(500)
        self._ticker.timeout.connect(self.refresh)
        state.subscribe(self._on_change)
        self.refresh()

    def _label(self, text: str, tip: str) -> QLabel:
        label = QLabel(text, self)
        label.setToolTip(tip)
        return label

    # -- what the user chose -------------------------------------------------------------

    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def output(self) -> str:
        return self.output_edit.text().strip()

    def set_folder(self, folder: str) -> None:
        self.folder_edit.setText(folder)
        self.folder_changed.emit(folder)

    def set_output(self, folder: str) -> None:
        self.output_edit.setText(folder)
        self.output_changed.emit(folder)

    def rule(self) -> SectionRule:
        checked = self.rule_group.checkedId()
        if checked == 1:
            return SectionRule("every", self.every_pages.value())
        if checked == 2:
            return SectionRule("whole")
        return SectionRule("outline", self.outline_level.value())

    def set_rule(self, rule: SectionRule) -> None:
        if rule.kind == "every":
            self.every_pages.setValue(rule.value)
            self.every_radio.setChecked(True)
        elif rule.kind == "whole":
            self.whole_radio.setChecked(True)
        else:
            self.outline_level.setValue(rule.value)
            self.outline_radio.setChecked(True)

    def resume(self) -> bool:
        return self.resume_box.isChecked()

    def _rule_toggled(self, _id: int, checked: bool) -> None:
        self._sync_spins()
        if checked:
            self.rule_changed.emit()

    def _sync_spins(self) -> None:
        """Only the chosen rule's number can be edited."""
        self.outline_level.setEnabled(self.outline_radio.isChecked())
        self.every_pages.setEnabled(self.every_radio.isChecked())

    def _choose_folder(self) -> None:
        self._dialog("Choose a folder of PDFs", self.folder(), self.set_folder)

    def _choose_output(self) -> None:
        self._dialog("Choose the results folder", self.output() or self.folder(), self.set_output)

    def _dialog(self, title: str, start: str, chosen) -> None:
        dialog = QFileDialog(self, title, start)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda *_: self._dialogs.remove(dialog))
        self.last_dialog = dialog
        dialog.open()

    # -- what the tab is told -----------------------------------------------------------

    def set_running(self, running: bool) -> None:
        for widget in (
            self.folder_edit,
            self.folder_button,
            self.output_edit,
            self.output_button,
            self.outline_radio,
            self.every_radio,
            self.whole_radio,
            self.resume_box,
        ):
            widget.setEnabled(not running)
        if running:
            self.outline_level.setEnabled(False)
            self.every_pages.setEnabled(False)
            self.set_results_available(False)
            self._ticker.start()
        else:
            self._sync_spins()
            self._ticker.stop()
            self.table.model_.flush()
        self.cancel_button.setEnabled(running)
        self.refresh()

    def set_can_run(self, problems: Sequence[str]) -> None:
        self.run_button.setEnabled(not problems)
        self.run_button.setToolTip(
            "Analyse every PDF of the folder with the current settings (limits, backend, "
            "model and prompt from the Settings panel)"
            if not problems
            else "Cannot run yet: " + "; ".join(problems)
        )

    def set_results_available(self, available: bool) -> None:
        self.open_folder_button.setEnabled(available)
        self.open_index_button.setEnabled(available)

    def show_modes(
        self, heading: str, rows: Sequence[tuple[str, str, str]], note: str = ""
    ) -> None:
        """The cost and time of each way to run (mode, cost, time); none: hidden."""
        if not rows:
            self.estimate.clear()
            self.estimate_box.setVisible(False)
            return
        cells = "".join(
            f"<tr><td style='padding-right:18px'><b>{html.escape(mode)}</b></td>"
            f"<td style='padding-right:18px' align='right'>{html.escape(cost)}</td>"
            f"<td>{html.escape(time)}</td></tr>"
            for mode, cost, time in rows
        )
        foot = f"<div style='margin-top:3px'><i>{html.escape(note)}</i></div>" if note else ""
        self.estimate.setText(
            f"<div>{html.escape(heading)}</div>"
            f"<table cellspacing='0' style='margin-top:3px'>{cells}</table>{foot}"
        )
        self.estimate_box.setVisible(True)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def _on_change(self, change: Change, index: int) -> None:
        if not self._ticker.isActive():
            self.refresh()

    def refresh(self) -> None:
        state = self.state
        total = state.total_sections()
        if not len(state):
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
            self.bar.setFormat("No files yet")
            self.summary.setText("No batch yet")
            return
        if state.started_at is None:
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
            self.bar.setFormat("Not run")
            known = [r.sections for r in state if r.sections is not None]
            files = f"{len(state)} PDF file{'s' if len(state) != 1 else ''}"
            self.summary.setText(f"{files} · {sum(known)} sections" if known else f"{files} found")
            return
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(state.finished_sections(), max(total, 1)))
        self.bar.setFormat("%v of %m sections" if total else "Planning…")
        counts = state.counts()
        parts = [f"{state.files_finished()} of {len(state)} files"]
        parts += [f"{n} {status}" for status, n in sorted(counts.items())]
        elapsed = state.elapsed()
        if elapsed is not None:
            parts.append(f"elapsed {format_seconds(elapsed)}")
        if state.cancelled:
            parts.append("cancelled")
        self.summary.setText(" · ".join(parts))

    # -- dropping a folder ----------------------------------------------------------------

    def _drop_targets(self) -> list[QWidget]:
        """This tab and the children that take drops themselves (editors)."""
        return [w for w in (self, *self.findChildren(QWidget)) if w.acceptDrops()]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        for widget in self._drop_targets():
            widget.installEventFilter(self)  # (again): in front of the window's filter

    def hideEvent(self, event) -> None:
        for widget in self._drop_targets():
            widget.removeEventFilter(self)
        super().hideEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        if not isinstance(watched, QWidget) or not (watched is self or self.isAncestorOf(watched)):
            return False
        folder = dropped_folder(event.mimeData().urls() if event.mimeData().hasUrls() else [])
        if folder is None:
            return False  # files (a PDF to open) are the window's business
        if not self.folder_edit.isEnabled():
            event.ignore()
            return True
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self.set_folder(str(folder))
        return True


def dropped_folder(urls: Sequence[QUrl]) -> Path | None:
    """The folder when exactly one local folder is dropped, else None."""
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.is_dir() else None
