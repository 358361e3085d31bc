"""Turns the Batch tab's "Run batch" into an engine batch, and keeps the tab in step.

The batch uses exactly what a single-PDF run would: settings built fresh by the run
controller (environment and ``.env``, plus the panel's limits, backend and model), the
panel's prompt, the window's API key. What is the batch's own: the folder, the output
folder, the sectioning rule and Resume, all from the tab, and remembered between sessions.

Before a run, choosing a folder lists its PDFs at once and then inspects them in the PDF
worker processes (off the GUI thread), so the table shows each file's section count under
the chosen rule, a bad file shows its reason, and the estimate shows what the batch would
cost and take on Gemini, interactively and in Gemini's Batch mode
(:func:`core.cost.compare_modes`).

:func:`install_batch_tab` puts all of it into the main window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMessageBox

from core.batch_plan import (
    BatchError,
    FilePlan,
    Inspection,
    SectionRule,
    find_pdfs,
    output_folder_problem,
    plan_files,
)
from core.settings import ProcessorKind, SettingsError
from gui.batch_bridge import BatchBridge
from gui.batch_state import BatchProgress
from gui.icons import icon
from gui.run_controller import LIMIT_SLOTS, MEMORY_FIELDS
from gui.widgets.batch_tab import BatchTab

if TYPE_CHECKING:
    from core.sections import Section
    from gui.widgets.settings_panel import SettingsPanel

log = logging.getLogger("sectionflow.gui.batch")

#: the output folder suggested for a folder of PDFs (inside it: the batch lists only
#: the folder's own *.pdf files, never a sub-folder)
DEFAULT_OUTPUT = "sectionflow-results"
#: files inspected at once for the preview
PREVIEW_CONCURRENCY = 2
ESTIMATE_FIELDS = {"processor", "gemini_model", "max_concurrent_section_tasks"}


class BatchController(QObject):
    #: a line for the status bar
    message = Signal(str)
    #: something the user must read (cannot start, the batch crashed)
    error = Signal(str)
    #: a Gemini batch was asked for but there is no key
    key_needed = Signal()
    #: True when a batch starts, False once it has ended and the index is written
    running_changed = Signal(bool)

    def __init__(
        self,
        bridge: BatchBridge,
        state: BatchProgress,
        tab: BatchTab,
        panel: SettingsPanel,
        build_settings: Callable[[], Any],
        inspect_files: Callable[..., Any],
        *,
        other_run: Callable[[], bool] = lambda: False,
        store: Any = None,
        opener: Callable[[QUrl], bool] = QDesktopServices.openUrl,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.state = state
        self.tab = tab
        self.panel = panel
        self._build_settings = build_settings
        self._inspect_files = inspect_files
        self._other_run = other_run
        self._store = store
        self._open = opener
        self.outcome: Any = None
        self.preview_task: asyncio.Task | None = None
        self._inspected: dict[Path, Inspection] = {}
        self._preview_folder: str | None = None
        self._paths: list[Path] = []
        self._shown = False

        bridge.event.connect(state.apply)
        bridge.running_changed.connect(self._on_running)
        bridge.completed.connect(self._on_completed)
        bridge.failed.connect(self.error)
        tab.run_requested.connect(self.run)
        tab.cancel_requested.connect(self.cancel)
        tab.folder_changed.connect(self._on_folder)
        tab.output_changed.connect(lambda *_: self._on_output())
        tab.paths_edited.connect(self.update_can_run)
        tab.rule_changed.connect(self._on_rule)
        tab.open_folder_requested.connect(self.open_output_folder)
        tab.open_index_requested.connect(self.open_index)
        panel.changed.connect(self._on_setting_changed)
        panel.prompt_changed.connect(self.update_estimate)
        self._restore()
        self.update_can_run()

    # -- state ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.bridge.running

    def problems(self) -> list[str]:
        found = []
        if self.bridge.running:
            found.append("A batch is going")
        if self._other_run():
            found.append("A single-PDF run is going")
        if not self.tab.folder():
            found.append("choose the folder of PDFs")
        elif not Path(self.tab.folder()).expanduser().is_dir():
            found.append(f"{self.tab.folder()} is not a folder")
        if not self.tab.output():
            found.append("choose the results folder")
        return found

    def update_can_run(self, *_: object) -> None:
        self.tab.set_can_run(self.problems())

    # -- running ----------------------------------------------------------------------

    def run(self) -> asyncio.Task | None:
        """Start the batch; returns its task, or None with the reason emitted."""
        from core.batch import BatchOptions

        problems = self.problems()
        if problems:
            self.error.emit("Cannot run the batch yet: " + "; ".join(problems))
            return None
        source = str(Path(self.tab.folder()).expanduser())
        try:
            paths = find_pdfs(source)
            out = prepare_output(Path(self.tab.output()).expanduser())
        except BatchError as exc:
            self.error.emit(str(exc))
            return None
        try:
            settings = self._build_settings()
        except SettingsError as exc:
            self.error.emit(f"The settings are not usable: {exc}")
            return None
        if settings.resolved_processor() is ProcessorKind.GEMINI and not settings.api_key():
            self.message.emit("Gemini needs an API key: enter it, then press Run batch again")
            self.key_needed.emit()
            return None
        options = BatchOptions(
            rule=self.tab.rule(),
            prompt=self.panel.prompt(),
            out_dir=out,
            resume=self.tab.resume(),
        )
        self.stop_preview()
        self.outcome = None
        self.state.begin(paths)
        try:
            task = self.bridge.start(settings, options, source, paths)
        except Exception as exc:
            log.exception("Could not start the batch")
            self.error.emit(f"Could not start the batch: {exc}")
            return None
        self._remember()
        self.tab.set_status(
            f"Running {len(paths)} file(s) from {source}, sections: {options.rule.describe()}, "
            f"at most {settings.effective_section_limit()} sections at once across all files"
        )
        self.message.emit(f"Batch of {len(paths)} file(s) started")
        return task

    def cancel(self) -> None:
        if self.bridge.running:
            self.message.emit("Cancelling the batch… (cleaning up temporary and remote files)")
            self.tab.set_status("Cancelling… running sections are stopped and cleaned up")
            self.bridge.cancel()

    def _on_running(self, running: bool) -> None:
        if not running and self.bridge.last_outcome is None:
            self.state.abandon("The batch stopped before this file finished (see the log)")
            self.tab.set_status("The batch stopped early; the log says why")
        self.tab.set_running(running)
        self.update_can_run()
        self.running_changed.emit(running)

    def _on_completed(self, outcome: Any) -> None:
        self.outcome = outcome
        self.state.set_notes({str(f.path): f.note for f in outcome.files})
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(outcome.statuses().items()))
        state = "cancelled" if outcome.cancelled else "finished"
        where = outcome.index_paths[1] if outcome.index_paths else outcome.out_dir
        text = (
            f"Batch {state}: {len(outcome.files)} file(s) ({statuses}) in "
            f"{outcome.elapsed_s:.1f} s; index: {where}"
        )
        self.tab.set_status(text)
        self.tab.set_results_available(outcome.index_paths is not None)
        if outcome.index_error is not None:
            self.error.emit(outcome.index_error)
        self.message.emit(text)

    def _on_setting_changed(self, field: str, value: Any) -> None:
        """A slider moved during the batch: the global limit moves at once."""
        if self.bridge.running and field in LIMIT_SLOTS:
            self.bridge.set_limit(LIMIT_SLOTS[field], int(value))
            self.message.emit(f"Batch {LIMIT_SLOTS[field].value} limit is now {int(value)}")
        elif self.bridge.running and field in MEMORY_FIELDS:
            values = self.panel.values()
            self.bridge.set_memory_limits(
                threshold_mb=values["memory_throttle_threshold_mb"],
                max_mb=values["max_memory_usage_mb"],
                enabled=values["enable_memory_monitoring"],
            )
        if field in ESTIMATE_FIELDS:
            self.update_estimate()

    # -- opening the results ------------------------------------------------------------

    def output_folder(self) -> Path | None:
        if self.outcome is not None:
            return Path(self.outcome.out_dir)
        return Path(self.tab.output()).expanduser() if self.tab.output() else None

    def open_output_folder(self) -> None:
        folder = self.output_folder()
        if folder is None:
            return
        if not self._open(QUrl.fromLocalFile(str(folder))):
            self.message.emit(f"The results are in {folder}")

    def open_index(self) -> None:
        paths = self.outcome.index_paths if self.outcome is not None else None
        if paths is None:
            return
        index = paths[1]
        if not self._open(QUrl.fromLocalFile(str(index))):
            self.message.emit(f"The index is {index}")

    # -- choosing a folder: listing, preview, estimate ----------------------------------

    def _on_folder(self, folder: str) -> None:
        self.update_can_run()
        if not folder or self.bridge.running:
            return
        path = Path(folder).expanduser()
        if not self.tab.output() and path.is_dir():
            self.tab.set_output(str(path / DEFAULT_OUTPUT))
        self.preview(path)

    def first_shown(self) -> None:
        """The tab is shown for the first time: list (and inspect) the remembered folder
        now rather than at start-up, when nobody is looking at it."""
        if self._shown:
            return
        self._shown = True
        folder = self.tab.folder()
        if folder and not self._paths and not self.bridge.running and Path(folder).is_dir():
            self.preview(Path(folder))

    def _on_output(self) -> None:
        self.update_can_run()

    def _on_rule(self) -> None:
        if not self.bridge.running:
            self._show_preview()

    def preview(self, folder: Path) -> asyncio.Task | None:
        """List the folder's PDFs now, then inspect them in the workers for the section
        counts and the estimate; returns the inspection task (None: nothing to inspect)."""
        self.stop_preview()
        try:
            paths = find_pdfs(str(folder))
        except BatchError as exc:
            self._paths, self._inspected, self._preview_folder = [], {}, None
            self.state.show_files([])
            self.tab.set_status(str(exc))
            self.update_estimate()
            return None
        self._paths = paths
        self._preview_folder = str(folder)
        self._inspected = {}
        self.state.show_files(paths)
        self.tab.set_status(f"{len(paths)} PDF file(s) in {folder}")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None  # no loop (a bare widget test): the listing is enough
        self.preview_task = loop.create_task(self._inspect(paths), name="batch-preview")
        return self.preview_task

    async def _inspect(self, paths: list[Path]) -> None:
        found = await self._inspect_files(paths, None, PREVIEW_CONCURRENCY)
        self._inspected = dict(zip(paths, found, strict=True))
        if not self.bridge.running:
            self._show_preview()

    def stop_preview(self) -> None:
        task, self.preview_task = self.preview_task, None
        if task is not None and not task.done():
            task.cancel()

    def _plans(self) -> list[FilePlan]:
        """The inspected files planned under the tab's current rule."""
        paths = [path for path in self._paths if path in self._inspected]
        found = [self._inspected[path] for path in paths]
        return plan_files(paths, found, self.tab.rule())

    def _show_preview(self) -> None:
        """Section counts under the current rule for the inspected files."""
        if not self._paths:
            return
        sections: dict[str, int | None] = {str(path): None for path in self._paths}
        problems: dict[str, str] = {}
        notes: dict[str, str | None] = {}
        for plan in self._plans():
            sections[str(plan.path)] = len(plan.sections)
            notes[str(plan.path)] = plan.note
            if plan.problem is not None:
                problems[str(plan.path)] = plan.problem
        self.state.show_files(self._paths, sections=sections, problems=problems, notes=notes)
        self.update_estimate()

    def preview_sections(self) -> list[Section]:
        """Every section of every inspected good file, under the current rule."""
        return [section for plan in self._plans() for section in plan.sections]

    def update_estimate(self, *_: object) -> None:
        sections = self.preview_sections()
        if not sections:
            self.tab.show_modes("", [])
            return
        from core.cost import compare_modes

        values = self.panel.values()
        model = str(values.get("gemini_model") or "")
        try:
            interactive, batch = compare_modes(
                sections,
                model,
                section_limit=int(values.get("max_concurrent_section_tasks", 1)),
                prompt_text=self.panel.prompt().text,
            )
        except Exception:
            log.debug("No batch estimate", exc_info=True)
            self.tab.show_modes("", [])
            return
        guess = interactive.estimate
        heading = (
            f"{model} · {len(sections)} sections · {guess.pages:,} pages · "
            f"≈ {guess.input_tokens:,} input tokens"
        )
        note = f"Prices of {guess.price_date}; a rough guess, not a quote."
        if values.get("processor") != ProcessorKind.GEMINI.value:
            note = "The offline backend costs nothing: this is what Gemini would take. " + note
        self.tab.show_modes(
            heading,
            [
                ("Interactive", _cost(guess.cost_usd), interactive.time),
                ("Gemini Batch mode", _cost(batch.estimate.cost_usd), batch.time),
            ],
            note,
        )

    # -- remembered between sessions ----------------------------------------------------

    def _restore(self) -> None:
        if self._store is None:
            return
        kind = str(self._store.get("batch/rule", "outline") or "outline")
        try:
            value = int(self._store.get("batch/rule_value", 1) or 1)
        except (TypeError, ValueError):
            value = 1
        if kind in ("outline", "every", "whole"):
            self.tab.set_rule(SectionRule(kind, max(1, value)))
        output = str(self._store.get("batch/output", "") or "")
        if output:
            self.tab.output_edit.setText(output)
        folder = str(self._store.get("batch/folder", "") or "")
        if folder and Path(folder).is_dir():
            self.tab.folder_edit.setText(folder)  # listed when first shown, not now

    def _remember(self) -> None:
        if self._store is None:
            return
        rule = self.tab.rule()
        self._store.set("batch/folder", self.tab.folder())
        self._store.set("batch/output", self.tab.output())
        self._store.set("batch/rule", rule.kind)
        self._store.set("batch/rule_value", rule.value)


def _cost(value: float | None) -> str:
    return "price unknown" if value is None else f"≈ ${value:,.4f}"


def prepare_output(out: Path) -> Path:
    """The output folder, created and writable, or BatchError with the reason."""
    problem = output_folder_problem(out)
    if problem is not None:
        raise BatchError(f"The results folder {out} {problem}")
    return out


# ---------------------------------------------------------------------- the window


class _CloseGuard(QObject):
    """Closing the window during a batch asks first, then cancels and closes once the
    batch has cleaned up: the window's own close would stop the worker processes under
    the running files."""

    def __init__(self, window: Any, controller: BatchController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.closing = False
        self.box: QMessageBox | None = None
        controller.running_changed.connect(self._on_running)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Close:
            return False
        if not self.controller.running:
            self.controller.stop_preview()  # the window is about to stop the workers
            return False
        event.ignore()
        if not self.closing:
            self._ask()
        return True

    def _ask(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.window.windowTitle(),
            "A folder batch is still going. Stop it and close? Finished files keep their "
            "results and the index lists them; temporary and remote files are cleaned up "
            "first.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).clicked.connect(self._stop_and_close)
        box.finished.connect(lambda *_: box.deleteLater())
        self.box = box
        box.open()

    def _stop_and_close(self) -> None:
        if self.closing:
            return
        self.closing = True
        self.controller.cancel()

    def _on_running(self, running: bool) -> None:
        if not running and self.closing:
            QTimer.singleShot(0, self.window.close)


def install_batch_tab(window: Any) -> BatchController:
    """Add the Batch tab to the main window and wire it to the window's settings, API key,
    messages and closing. Call once the window's tabs, settings panel, run controller and
    store exist."""
    state = BatchProgress()
    tab = BatchTab(state, window)
    bridge = BatchBridge(window.bridge.engine, parent=window)
    controller = BatchController(
        bridge,
        state,
        tab,
        window.settings_panel,
        window.run.build_settings,
        window.bridge.engine.inspect_files,
        other_run=lambda: window.bridge.running,
        store=window.store,
        parent=window,
    )
    index = window.tabs.addTab(tab, "Batch")
    window.tabs.setTabToolTip(
        index,
        "Analyse every PDF of a folder under one rule and one set of limits; a row per file, "
        "results per file and an index in the output folder",
    )
    controller.message.connect(window.show_message)
    controller.error.connect(window.show_error)
    controller.key_needed.connect(window.open_key_dialog)
    window.bridge.running_changed.connect(controller.update_can_run)
    window.batch_tab, window.batch_bridge = tab, bridge
    window.installEventFilter(_CloseGuard(window, controller))
    _block_single_runs_during_batches(window, controller)
    window.tabs.currentChanged.connect(
        lambda current: controller.first_shown() if current == index else None
    )
    _add_menu_action(window, tab)
    return controller


def _add_menu_action(window: Any, tab: BatchTab) -> None:
    """Run ▸ Batch a folder…: shows the tab, and asks for the folder if none is chosen."""
    action = QAction(icon("open"), "Batch a &folder…", window)
    action.setShortcut(QKeySequence("Ctrl+B"))
    tip = "Analyse every PDF of a folder under one rule and one set of limits"
    action.setToolTip(f"{tip} (Ctrl+B)")
    action.setStatusTip(tip)

    def show() -> None:
        window.tabs.setCurrentWidget(tab)
        if not tab.folder() and tab.folder_button.isEnabled():
            tab.folder_button.click()

    action.triggered.connect(lambda *_: show())
    window.addAction(action)
    window.batch_action = action
    for item in window.menuBar().actions():
        if item.menu() is not None and item.text().replace("&", "") == "Run":
            item.menu().addSeparator()
            item.menu().addAction(action)
            break


def _block_single_runs_during_batches(window: Any, controller: BatchController) -> None:
    """A single-PDF run during a batch would not be under the batch's global limits: the
    run controller's problems gain "a batch is going" while one is, which disables Run.

    Interim: wrapping the instance's method keeps main_window.py untouched while it is
    being edited elsewhere; the lasting form is a hook in RunController.problems()."""
    original = window.run.problems

    def problems() -> list[str]:
        found = list(original())
        if controller.running:
            found.insert(0, "A folder batch is going")
        return found

    window.run.problems = problems

    def refresh(*_: object) -> None:
        update = getattr(window, "_update_actions", None)
        if update is not None:
            update()

    controller.running_changed.connect(refresh)
