"""The main window: wiring only.

Widgets come from ``gui.widgets``, the drafts and the run rows are plain-Python state,
PyMuPDF work goes to the PDF thread, runs go through the run controller and the bridge.
What is left here is layout, opening files (menu, recent, command line, sample), dialogs
(always ``open()``, never ``exec()``), what is remembered, and closing. The actions and
menus are in :mod:`gui.window_actions`, drops in :mod:`gui.drop_catcher`, the API key in
:mod:`gui.key_controller`, exports in :mod:`gui.export_actions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.citations.model import Citation
from core.engine import Engine
from core.errors import EncryptedPdfError
from core.memory import own_memory_label, process_tree_rss_mb
from core.run_types import RunOutcome
from core.settings import ProcessorKind
from gui import log_files
from gui.batch_bridge import BatchBridge
from gui.batch_controller import BatchController
from gui.bridge import EngineBridge
from gui.close_guard import CloseGuard
from gui.drop_catcher import DropCatcher
from gui.export_actions import ExportActions
from gui.history_controller import HistoryController
from gui.icons import icon
from gui.key_controller import HELD_BACK, KeyController
from gui.log_handler import QtLogHandler
from gui.pdf_thread import OpenedDocument, PdfService
from gui.persistence import Store
from gui.run_controller import RunController, missing_text
from gui.state.about import about_facts
from gui.state.api_keys import ApiKeys
from gui.state.batch_progress import BatchProgress
from gui.state.outcome_words import badge, outcome_statuses, outcome_tally, retry_text
from gui.state.run_progress import RunProgress
from gui.state.sections import SectionsState
from gui.state.settings import AppSettings
from gui.suggestions import SuggestionService
from gui.wheel_guard import guard_wheel
from gui.widgets.about_dialog import AboutDialog
from gui.widgets.batch_tab import BatchTab
from gui.widgets.drop_overlay import DropOverlay
from gui.widgets.elided_label import ElidedLabel
from gui.widgets.log_view import LogView
from gui.widgets.memory_graph import MemoryGraph
from gui.widgets.overall_progress import OverallProgress
from gui.widgets.page_preview import PagePreview
from gui.widgets.pages_panel import PagesPanel
from gui.widgets.password_dialog import PasswordDialog
from gui.widgets.progress_table import ProgressTable
from gui.widgets.results_view import ResultsView
from gui.widgets.run_report import RunReport
from gui.widgets.sections_panel import SectionsPanel
from gui.widgets.settings_panel import SettingsPanel
from gui.window_actions import build_actions
from gui.window_fit import fit_geometry, fits

log = logging.getLogger("sectionflow.gui")

APP_NAME = "SectionFlow"
SAMPLE_PDF = Path(__file__).resolve().parent.parent / "resources" / "sample.pdf"
RUN_TAB, RESULTS_TAB, REPORT_TAB, LOG_TAB, BATCH_TAB = range(5)


class MainWindow(QMainWindow):
    """The window: made by :func:`gui.compose.build_window`, which gives it the engine,
    the settings model, the store, the key store and the two bridges."""

    #: the app's memory in MB, read on a thread between runs (-1: could not be read)
    rss_read = Signal(float)

    def __init__(
        self,
        *,
        engine: Engine,
        settings: AppSettings,
        store: Store,
        keys: ApiKeys,
        bridge: EngineBridge,
        batch_bridge: BatchBridge,
        log_handler: QtLogHandler | None = None,
        startup_error: str = "",
    ) -> None:
        super().__init__()
        self.engine = engine
        self.settings = settings
        self.store = store
        self.keys = keys
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(icon("app"))
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)
        self.document: OpenedDocument | None = None
        self.last_message = ""
        self.last_error = ""
        self._dialogs: list[QWidget] = []

        self.service = PdfService(self)
        self.sections = SectionsState()
        self.progress = RunProgress()
        self.batch_state = BatchProgress()
        self.bridge = bridge
        self.batch_bridge = batch_bridge
        for owned in (bridge, batch_bridge):
            owned.setParent(self)

        self._build_widgets()
        self.run = RunController(
            self.bridge,
            self.sections,
            self.settings,
            self.settings_panel,
            self.progress,
            self.results,
            self.memory_graph,
            document=lambda: self.document,
            api_key=self.api_key,
            blocked=lambda: ["A folder batch is going"] if self.batch_bridge.running else [],
            parent=self,
        )
        self.batch = BatchController(
            self.batch_bridge,
            self.batch_state,
            self.batch_tab,
            self.settings,
            self.settings_panel,
            self.run.build_settings,
            self.engine.inspect_files,
            other_run=lambda: self.bridge.running,
            store=self.store,
            parent=self,
        )
        self.history = HistoryController(
            self.engine,
            self.bridge,
            self.run,
            self.sections,
            self.results,
            self.report,
            document=lambda: self.document,
            last_folder=self.store.last_folder,
            keep=self._keep,
            drafts=self.store,
            parent=self,
        )
        self.suggestion_service = SuggestionService(
            lambda: self.engine.journal, self.run.build_settings, parent=self
        )
        self.close_guard = CloseGuard(self, (self.bridge, self.batch_bridge), self._keep)
        self.key = KeyController(
            self.keys, self.settings, self.key_label, keep=self._keep, parent=self
        )
        self.exports = ExportActions(
            self.run,
            self.store,
            stem=lambda: self.document.path.stem if self.document else "results",
            keep=self._keep,
            parent=self,
        )
        self._build_actions()
        self._fill_recent()
        self._build_layout()
        self._connect()
        self._attach_log(log_handler)
        self._restore()
        self._update_actions()
        self.key.show_source()
        if self.settings.value("processor") == ProcessorKind.GEMINI.value:
            Engine.warm_gemini()
        if startup_error:
            self.show_error(startup_error)
        elif self.settings.held_back:
            self.last_message = HELD_BACK
            self.statusBar().showMessage(HELD_BACK, 30000)
        self.drops = DropCatcher(
            self,
            self.drop_overlay,
            area=self._drop_area,
            open_path=self.open_file,
            refuse=self.show_error,
        )
        self.wheel_guard = guard_wheel(self)

    # ------------------------------------------------------------------ building

    def _build_widgets(self) -> None:
        self.pages = PagesPanel(self.service, self)
        self.sections_panel = SectionsPanel(self.sections, self)
        self.settings_panel = SettingsPanel(self.settings, self)
        self.batch_tab = BatchTab(self.batch_state, self)
        self.progress_table = ProgressTable(self.progress, self)
        self.overall = OverallProgress(self.progress, self)
        self.memory_graph = MemoryGraph(self)
        self.results = ResultsView(self)
        self.report = RunReport(self)
        self.log_view = LogView(self)
        self.preview = PagePreview(self.service, self)
        self.drop_overlay = DropOverlay(self)
        self.estimate_label = QLabel(self)
        self.estimate_label.setToolTip(
            "Rough tokens and cost of a Gemini run of these sections (pages × tokens per "
            "page, plus the prompt); shown before you run"
        )
        self.estimate_label.setWordWrap(True)
        self.rss_label = QLabel("RSS —", self)
        self.rss_label.setToolTip("Memory used now by SectionFlow and its worker processes")
        self.rss_label.setMinimumWidth(110)
        self.key_label = QLabel(self)
        self.key_label.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome_label = QLabel(self)
        self.outcome_label.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome_label.setVisible(False)
        self.doc_label = ElidedLabel("", self, min_chars=12)
        self.doc_label.setToolTip("The open document")

    def _build_actions(self) -> None:
        """The actions as ``<name>_action`` attributes (tests and menus find them there)."""
        slots = {
            "open": self.open_dialog,
            "sample": self.open_sample,
            "run": self.start_run,
            "cancel": self.run.cancel,
            "export": self.exports.dialog,
            "tables": self.exports.tables_dialog,
            "key": self.open_key_dialog,
            "quit": self.close,
            "retry": self.retry_failed,
            "batch": self.show_batch,
            "undo": self.undo_sections,
            "log_folder": self.open_log_folder,
            "about": self.open_about,
        }
        built = build_actions(self, slots, self.history.action)
        for name, action in built.actions.items():
            setattr(self, f"{name}_action", action)
        self.recent_menu = built.recent_menu
        self.view_menu, self.help_menu = built.menus["&View"], built.menus["&Help"]

    def _build_layout(self) -> None:
        run_page = QWidget(self)
        run_layout = QVBoxLayout(run_page)
        run_layout.setContentsMargins(4, 4, 4, 4)
        run_layout.addWidget(self.overall)
        self.run_split = QSplitter(Qt.Orientation.Vertical, run_page)
        self.run_split.setObjectName("runSplit")
        self.run_split.addWidget(self.progress_table)
        self.run_split.addWidget(self.memory_graph)
        self.run_split.setStretchFactor(0, 3)
        self.run_split.setStretchFactor(1, 2)
        self.run_split.setSizes([300, 220])
        run_layout.addWidget(self.run_split, 1)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(run_page, "Progress")
        self.tabs.addTab(self.results, "Results")
        self.tabs.addTab(self.report, "Report")
        self.tabs.addTab(self.log_view, "Log")
        self.tabs.setTabToolTip(RUN_TAB, "Per-section progress and the memory graph")
        self.tabs.setTabToolTip(RESULTS_TAB, "Each section's result, and failures with reasons")
        self.tabs.setTabToolTip(
            REPORT_TAB,
            "Where the last run's time went: stages, slot waits, retries, memory, cost, "
            "and a chart of the sections over time",
        )
        self.tabs.setTabToolTip(LOG_TAB, "Log lines of the engine, filterable by level")
        self.tabs.addTab(self.batch_tab, "Batch")
        self.tabs.setTabToolTip(
            BATCH_TAB,
            "Analyse every PDF of a folder under one rule and one set of limits; a row per "
            "file, results per file and an index in the output folder",
        )

        sections_box = QWidget(self)
        box_layout = QVBoxLayout(sections_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.sections_panel, 1)
        box_layout.addWidget(self.estimate_label)

        self.right_split = QSplitter(Qt.Orientation.Vertical, self)
        self.right_split.setObjectName("rightSplit")
        self.right_split.addWidget(sections_box)
        self.right_split.addWidget(self.tabs)
        self.right_split.setStretchFactor(0, 2)
        self.right_split.setStretchFactor(1, 3)

        self.main_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_split.setObjectName("mainSplit")
        self.main_split.addWidget(self.pages)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(0, 2)
        self.main_split.setStretchFactor(1, 3)
        self.main_split.setSizes([520, 780])
        self.setCentralWidget(self.main_split)

        scroll = QScrollArea(self)
        scroll.setWidget(self.settings_panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # never narrower than the panel (values were clipped): it scrolls up and down only
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(self.settings_panel.minimumSizeHint().width() + bar)
        self.settings_dock = QDockWidget("Settings", self)
        self.settings_dock.setObjectName("settingsDock")
        self.settings_dock.setWidget(scroll)
        self.settings_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.settings_dock)
        for button in self.settings_dock.findChildren(QAbstractButton):
            if button.objectName() == "qt_dockwidget_closebutton":
                button.setToolTip("Hide the settings (View ▸ Settings shows them again)")
            elif button.objectName() == "qt_dockwidget_floatbutton":
                button.setToolTip("Detach the settings into their own window")
        self.view_menu.addAction(self.settings_dock.toggleViewAction())

        status = self.statusBar()
        status.addPermanentWidget(self.outcome_label)
        status.addPermanentWidget(self.key_label)
        status.addPermanentWidget(self.doc_label)
        status.addPermanentWidget(self.rss_label)

    def _connect(self) -> None:
        self.service.opened.connect(self._on_opened)
        self.service.open_failed.connect(self._on_open_failed)
        self.service.document_missing.connect(self._on_document_missing)
        self.pages.add_section_requested.connect(self.add_section)
        self.pages.preview_requested.connect(self.preview.show_page)
        self.pages.hint.open_requested.connect(self.open_dialog)
        self.pages.hint.sample_requested.connect(self.open_sample)
        self.sections_panel.highlight_changed.connect(self.pages.model.set_highlight)
        self.sections_panel.highlight_changed.connect(self.pages.show_pages)
        self.sections_panel.message.connect(self.show_message)
        self.sections.subscribe(lambda *_: self._update_actions())
        self.settings.subscribe(self._on_setting_changed)
        self.settings_panel.error.connect(self.show_error)
        self.settings_panel.prompt_changed.connect(self._update_estimate)
        self.settings_panel.synthesis.toggled.connect(self._update_estimate)
        self.run.message.connect(self.show_message)
        self.run.error.connect(self.show_error)
        self.run.key_needed.connect(self.open_key_dialog)
        self.key.message.connect(self.show_message)
        self.key.changed.connect(self._update_actions)
        self.exports.message.connect(self.show_message)
        self.exports.error.connect(self.show_error)
        self.run.outcome_changed.connect(lambda *_: self._update_actions())
        self.run.outcome_changed.connect(self._show_outcome_badge)
        self.bridge.running_changed.connect(self._on_running)
        self.bridge.running_changed.connect(self.batch.update_can_run)
        self.batch.running_changed.connect(lambda *_: self._update_actions())
        self.batch.message.connect(self.show_message)
        self.batch.error.connect(self.show_error)
        self.batch.key_needed.connect(self.open_key_dialog)
        self.tabs.currentChanged.connect(
            lambda index: self.batch.first_shown() if index == BATCH_TAB else None
        )
        self.service.opened.connect(self.history.check_resume)
        self.history.message.connect(self.show_message)
        self.history.error.connect(self.show_error)
        self.history.results_shown.connect(lambda: self.tabs.setCurrentIndex(RESULTS_TAB))
        self.history.resumed.connect(lambda: self.tabs.setCurrentIndex(RUN_TAB))
        self.bridge.completed.connect(self._on_run_completed)
        self.suggestion_service.updated.connect(self.settings_panel.show_suggestions)
        self.run.memory_changed.connect(self._show_rss)
        self.results.retry_requested.connect(self.retry_failed)
        self.results.link_clicked.connect(
            lambda url: self.show_message(f"Links are not opened from results: {url}")
        )
        self.results.citation_clicked.connect(self.show_citation)
        self.results.citations.document_name = lambda: getattr(self._results_pdf(), "name", "")
        self._rss_reading = False
        self.rss_read.connect(self._on_rss_read)
        self._rss_timer = QTimer(self)
        self._rss_timer.setInterval(1000)
        self._rss_timer.timeout.connect(self._sample_rss_idle)
        self._rss_timer.start()

    def _attach_log(self, handler: QtLogHandler | None) -> None:
        self.log_handler = handler or QtLogHandler()
        self.log_handler.emitter.record.connect(self.log_view.append)
        root = logging.getLogger()
        if self.log_handler not in root.handlers:
            root.addHandler(self.log_handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
        self.log_handler.add_secret(self.settings.base.api_key())
        self.keys.watch_secrets(self._add_secret)

    # ------------------------------------------------------------------ settings

    def _add_secret(self, key: str) -> None:
        """Scrub this key from the Log pane and the log file from now on."""
        self.log_handler.add_secret(key)
        log_files.add_secret(key)

    def _on_setting_changed(self, name: str, value: Any) -> None:
        if name == "processor" and value == ProcessorKind.GEMINI.value:
            Engine.warm_gemini()
        if name == "processor":
            self.suggestion_service.refresh()  # from that backend's past runs
            self.key.show_source()
        self._update_estimate()

    # ------------------------------------------------------------------ opening

    def open_dialog(self) -> None:
        dialog = QFileDialog(self, "Open a PDF", self.store.last_folder(), "PDF files (*.pdf)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.open_file)
        self._keep(dialog)
        dialog.open()

    def open_sample(self) -> None:
        if not SAMPLE_PDF.exists():
            self.show_error(
                "The sample PDF is missing from this installation "
                f"(expected at {SAMPLE_PDF}); open your own PDF instead."
            )
            return
        self.open_file(str(SAMPLE_PDF))

    def open_file(self, path: str | Path, password: str | None = None) -> None:
        if self.bridge.running:
            self.show_error("Wait for the run to end (or cancel it) before opening another PDF")
            return
        path = Path(path)
        self.show_message(f"Opening {path.name}…")
        self.service.open(path, password)

    def _on_opened(self, document: OpenedDocument) -> None:
        self.document = document
        info = document.info
        self.pages.model.set_document(document)
        self.pages.set_document_title(info.title, info.page_count)
        self.sections.set_document(info.page_count)
        self.sections_panel.set_outline(info.outline)
        self.progress.reset([])
        self.results.begin([], keep_results=False)
        self.memory_graph.clear()
        self.report.clear()
        self.run.outcome = None
        self._show_outcome_badge(None)
        # one worker, for the first section: the others start when a run has jobs for
        # them (0.3 s), as each idle one holds 25-60 MB (docs/ARCHITECTURE.md, "Footprint")
        self.prewarm_thread = self.bridge.prestart_workers(1)
        self.store.add_recent(info.path)
        self._fill_recent()
        self.setWindowTitle(f"{info.path.name} — {APP_NAME}")
        pages = f"{info.page_count} page{'' if info.page_count == 1 else 's'}"
        self.doc_label.setText(f"{info.path.name} · {pages}")
        note = " (it was damaged and has been repaired)" if info.repaired else ""
        self.show_message(f"Opened {info.path.name}: {pages}{note}")
        self._update_actions()

    def _on_open_failed(self, path: str, error: Exception) -> None:
        if isinstance(error, EncryptedPdfError):
            dialog = PasswordDialog(path, str(error), self)
            dialog.password_entered.connect(lambda p, pw: self.open_file(p, pw))
            self._keep(dialog)
            self.password_dialog = dialog
            dialog.open()
            return
        self.show_error(str(error) or f"Could not open {Path(path).name}")

    def _on_document_missing(self, path: str) -> None:
        if self.document is not None and str(self.document.path) == path:
            self.show_error(missing_text(Path(path)))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.store.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda *_, p=path: self.open_file(p))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear list")
            clear.triggered.connect(lambda: (self.store.clear_recent(), self._fill_recent()))
        self.recent_menu.setEnabled(bool(recent))

    def _drop_area(self) -> QRect:
        """Where a drop lands: the window's middle, and the settings when docked."""
        area = self.centralWidget().geometry()
        if self.settings_dock.isVisible() and not self.settings_dock.isFloating():
            area = area.united(self.settings_dock.geometry())
        return area

    # ------------------------------------------------------------------ sections

    def show_batch(self) -> None:
        """Run ▸ Batch a folder…: the Batch tab, asking for the folder if none is chosen."""
        self.tabs.setCurrentWidget(self.batch_tab)
        if not self.batch_tab.folder() and self.batch_tab.folder_button.isEnabled():
            self.batch_tab.folder_button.click()

    def undo_sections(self) -> None:
        if self.bridge.running or not self.sections.can_undo:
            return
        count = self.sections.undo()
        self.show_message(f"Back to the {count} sections before the last change")

    def add_section(self, pages: list[int]) -> None:
        row = self.sections.add_pages(pages)
        self.sections_panel.select_row(len(self.sections) - 1)
        self.show_message(f"Added '{row.title}'")

    def show_citation(self, citation: Citation) -> None:
        """A citation link: its page in the grid and in the preview, the quote marked."""
        source = self._results_pdf()
        if self.document is None or source is None or not _same_file(source, self.document.path):
            name = source.name if source is not None else "the results' PDF"
            self.show_message(f"Open {name} to see page {citation.label}")
            return
        self.pages.view.scroll_to_page(citation.page)
        self.preview.show_page(citation.page, citation.quote)

    def _results_pdf(self) -> Path | None:
        """The PDF of the results on show: the last run's (or History's), else the open one."""
        if self.run.outcome is not None:
            return Path(self.run.outcome.document)
        return self.document.path if self.document is not None else None

    # ------------------------------------------------------------------ running

    def start_run(self) -> asyncio.Task | None:
        task = self.run.run()
        if task is not None:
            self.tabs.setCurrentIndex(RUN_TAB)
        return task

    def retry_failed(self) -> asyncio.Task | None:
        task = self.run.retry_failed()
        if task is not None:
            self.tabs.setCurrentIndex(RUN_TAB)
        return task

    def _on_running(self, running: bool) -> None:
        if running:
            self.report.clear(running=True)
        else:
            self.memory_graph.fit()
        self.progress_table.set_running(running)
        self.overall.set_running(running)
        self._update_actions()
        finished = not running and self.run.outcome is not None
        if finished and self.run.outcome.results and not self.close_guard.closing:
            self.tabs.setCurrentIndex(RESULTS_TAB)

    def _on_run_completed(self, outcome: RunOutcome) -> None:
        """The run's own report (a retry's covers the retried sections), and fresh
        suggestions now that the journal holds one more run."""
        self.report.show_report(
            outcome.summary.get("report", {}),
            processor=outcome.processor,
            elapsed_s=outcome.elapsed_s,
        )
        self.suggestion_service.refresh()

    def _update_actions(self) -> None:
        running = self.bridge.running
        problems = self.run.problems()
        self.run_action.setEnabled(not problems)
        self.run_action.setToolTip(
            "Analyse every section (F5)" if not problems else "Cannot run: " + "; ".join(problems)
        )
        self.cancel_action.setEnabled(running)
        has_outcome = self.run.outcome is not None
        self.export_action.setEnabled(has_outcome and not running)
        self.tables_action.setEnabled(has_outcome and not running)
        self._update_retry(running)
        for action in (self.open_action, self.sample_action):
            action.setEnabled(not running)
        self.recent_menu.setEnabled(not running and bool(self.store.recent_files()))
        self.sections_panel.setEnabled(not running)
        self.undo_action.setEnabled(self.sections.can_undo and not running)
        self.pages.add_button.setEnabled(not running and bool(self.pages.view.selected_pages()))
        self._update_estimate()

    def _update_retry(self, running: bool) -> None:
        """Retry runs the failed, cut-off and cancelled sections; its words say which."""
        results = self.results
        counts = (len(results.failed_ids()), len(results.cancelled_ids()))
        partial = len(results.partial_ids())
        text = retry_text(*counts, partial)
        for target in (self.retry_action, results.retry_button):
            target.setEnabled(bool(sum(counts) + partial) and not running)
            target.setText(text)
        self.retry_action.setToolTip(f"{text} (Ctrl+R)")

    def _show_outcome_badge(self, outcome: RunOutcome | None) -> None:
        """The status bar keeps how the shown run ended, with the badge of the ending that
        most needs a look (a message would be gone in seconds)."""
        if outcome is None:
            self.outcome_label.clear()
            self.outcome_label.setVisible(False)
            return
        tally = outcome_tally(outcome)
        found = badge(tally.worst() or "")
        self.outcome_label.setText(f"{found.mark} {tally.text()}" if found else tally.text())
        self.outcome_label.setStyleSheet(
            f"color: {found.color}; font-weight: bold;" if found and found.word != "done" else ""
        )
        statuses = outcome_statuses(outcome)
        partial = [s.title for s in outcome.sections if statuses[s.id][0] == "partial"]
        tip = f"Run {outcome.run_id}: {tally.text()}"
        if partial:
            tip += "\n⚠ Cut off (partial): " + ", ".join(partial)
        self.outcome_label.setToolTip(tip)
        self.outcome_label.setVisible(True)

    def _update_estimate(self, *_: object) -> None:
        text = self.run.estimate_text()
        self.estimate_label.setText(text)
        self.estimate_label.setVisible(bool(text))

    # ------------------------------------------------------------------ export, key

    def export_dialog(self) -> None:
        self.exports.dialog()

    def export_to(self, target: Path) -> tuple[Path, Path] | None:
        return self.exports.export_to(target)

    def export_tables_to(self, folder: Path) -> asyncio.Task | None:
        return self.exports.export_tables_to(folder)

    def open_key_dialog(self) -> None:
        self.key_dialog = self.key.open_dialog()

    def api_key(self) -> str | None:
        return self.key.api_key()

    # ------------------------------------------------------------------ help

    def open_log_folder(self) -> Path | None:
        """Show the log folder in the file manager (created first if missing)."""
        try:
            folder = log_files.folder()
        except OSError as exc:
            self.show_error(f"Could not create the log folder: {exc}")
            return None
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.show_message(f"Logs are in {folder}")
        return folder

    def open_about(self) -> AboutDialog:
        dialog = AboutDialog(about_facts(self.store.qs.fileName()), self)
        self._keep(dialog)
        self.about_dialog = dialog
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ messages

    def show_message(self, text: str) -> None:
        self.last_message = text
        self.statusBar().showMessage(text, 8000)

    def show_error(self, text: str) -> None:
        """Tell the user in a non-blocking message box (``open()``, not ``exec()``)."""
        self.last_error = text
        self.statusBar().showMessage(text, 15000)
        log.warning("%s", text)
        box = QMessageBox(
            QMessageBox.Icon.Warning, APP_NAME, text, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        self._keep(box)
        self.error_box = box
        box.open()

    def _keep(self, dialog: QWidget) -> None:
        """Hold a reference until the dialog closes, then let Qt delete it."""
        self._dialogs.append(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.destroyed.connect(
            lambda *_: self._dialogs.remove(dialog) if dialog in self._dialogs else None
        )
        if hasattr(dialog, "finished"):
            dialog.finished.connect(lambda *_: dialog.close())

    def _show_rss(self, rss_mb: float) -> None:
        self.rss_label.setText(f"RSS {rss_mb:,.0f} MB")

    def _sample_rss_idle(self) -> None:
        """Between runs, the app's memory once a second, read on a thread: psutil reads
        /proc for every process of the machine to find our children, which took up to
        70 ms on the GUI thread of a loaded machine (a run samples on its own)."""
        if self.bridge.running or self._rss_reading:
            return
        self._rss_reading = True
        threading.Thread(target=self._read_rss, name="idle-rss", daemon=True).start()

    def _read_rss(self) -> None:
        """(On its thread) the reading, handed to the GUI thread by a queued signal."""
        try:
            rss = process_tree_rss_mb()
        except Exception:  # a process that ended while being read: the next tick reads
            rss = -1.0
        with contextlib.suppress(RuntimeError):  # the window is gone: nothing to show
            self.rss_read.emit(rss)

    def _on_rss_read(self, rss: float) -> None:
        self._rss_reading = False
        if rss < 0 or self.bridge.running:
            return
        self._show_rss(rss)
        threshold = self.settings.value("memory_throttle_threshold_mb")
        self.settings_panel.show_own_memory(*own_memory_label(rss, threshold))

    # ------------------------------------------------------------------ persistence

    def fit_to_screen(self, available: QRect | None = None) -> QRect:
        """Size and centre the window within 90% of ``available`` (the screen's area
        without task bars by default); the rectangle it was given."""
        if available is None:
            screen = self.screen() or QGuiApplication.primaryScreen()
            available = screen.availableGeometry()
        wanted = fit_geometry(available, minimum=self.minimumSizeHint())
        self.setGeometry(wanted)
        return wanted

    def _restore(self) -> None:
        geometry = self.store.bytes("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.fit_to_screen()
        else:
            screen = self.screen() or QGuiApplication.primaryScreen()
            if not fits(self.frameGeometry(), screen.availableGeometry()):
                self.fit_to_screen()  # remembered from a bigger screen
        state = self.store.bytes("window/state")
        if state is not None:
            self.restoreState(state)
        else:  # a first start: the settings get room for their prompt on a wide window
            least = self.settings_dock.minimumSizeHint().width()
            wide = max(least, min(340, int(self.width() * 0.24)))
            self.resizeDocks([self.settings_dock], [wide], Qt.Orientation.Horizontal)
        for splitter in (self.main_split, self.right_split, self.run_split):
            sizes = self.store.bytes(f"splitters/{splitter.objectName()}")
            if sizes is not None:
                splitter.restoreState(sizes)
        zoom = self.store.get("thumbs/zoom")
        if zoom is not None:
            self.pages.zoom.setValue(int(zoom))
        for key, box in self._run_options().items():
            chosen = self.store.get(key)
            if chosen is not None:  # ini files give "true"/"false" back
                box.setChecked(str(chosen).lower() in ("true", "1"))
        template = self.store.get("prompt/template")
        if template:
            self.settings_panel.select_template(str(template), self.store.get("prompt/text"))

    def _run_options(self) -> dict[str, QCheckBox]:
        """The run options the window remembers between sessions, by their store key."""
        panel = self.settings_panel
        return {"run/use_cache": panel.use_cache, "run/synthesis": panel.synthesis}

    def save_state(self) -> None:
        self.store.set("window/geometry", self.saveGeometry())
        self.store.set("window/state", self.saveState())
        for splitter in (self.main_split, self.right_split, self.run_split):
            self.store.set(f"splitters/{splitter.objectName()}", splitter.saveState())
        self.store.set("thumbs/zoom", self.pages.zoom.value())
        self.store.set("prompt/template", self.settings_panel.template_name())
        self.store.set("prompt/text", self.settings_panel.prompt_edit.toPlainText())
        for key, box in self._run_options().items():
            self.store.set(key, box.isChecked())
        self.store.sync()

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.close_guard.allow_close():
            event.ignore()
            return
        self.batch.stop_preview()  # the workers are about to stop
        self.save_state()
        self._rss_timer.stop()
        self.service.shutdown()
        if not any(bridge.cleaning for bridge in (self.bridge, self.batch_bridge)):
            self.engine.close()  # else gui.app ends it, within its bound, at exit
        logging.getLogger().removeHandler(self.log_handler)
        event.accept()


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except OSError:
        return False
