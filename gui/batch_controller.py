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

The window adds the tab, its menu action and its close guard; this controller only
drives them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from core.batch_plan import (
    BatchError,
    FilePlan,
    Inspection,
    SectionRule,
    find_pdfs,
    output_folder_problem,
    plan_files,
)
from core.events import Slot
from core.limits import SLOT_FIELDS
from core.processors.gemini_client import needs_key
from core.settings import ProcessorKind, Settings, SettingsError
from gui.batch_bridge import BatchBridge
from gui.state.batch_progress import BatchProgress
from gui.widgets.batch_tab import BatchTab

if TYPE_CHECKING:
    from core.batch_outcome import BatchOutcome
    from core.sections import Section
    from gui.persistence import Store
    from gui.state.settings import AppSettings
    from gui.widgets.settings_panel import SettingsPanel

log = logging.getLogger("sectionflow.gui.batch")

#: the output folder suggested for a folder of PDFs (inside it: the batch lists only
#: the folder's own *.pdf files, never a sub-folder)
DEFAULT_OUTPUT = "sectionflow-results"
#: files inspected at once for the preview
PREVIEW_CONCURRENCY = 2
ESTIMATE_FIELDS = {"processor", "gemini_model", SLOT_FIELDS[Slot.SECTION]}


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
        settings: AppSettings,
        panel: SettingsPanel,
        build_settings: Callable[[], Settings],
        inspect_files: Callable[..., Awaitable[list[Inspection]]],
        *,
        other_run: Callable[[], bool] = lambda: False,
        store: Store | None = None,
        opener: Callable[[QUrl], bool] = QDesktopServices.openUrl,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.state = state
        self.tab = tab
        self.settings = settings
        self.panel = panel
        self._build_settings = build_settings
        self._inspect_files = inspect_files
        self._other_run = other_run
        self._store = store
        self._open = opener
        self.outcome: BatchOutcome | None = None
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
        bridge.follow(settings, self.message.emit)
        settings.subscribe(self._on_setting_changed)
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
        from core.batch_outcome import BatchOptions

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
        if settings.resolved_processor() is ProcessorKind.GEMINI and needs_key(settings):
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

    def _on_completed(self, outcome: BatchOutcome) -> None:
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

    def _on_setting_changed(self, name: str, value: Any) -> None:
        if name in ESTIMATE_FIELDS:
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

        model = str(self.settings.value("gemini_model"))
        try:
            interactive, batch = compare_modes(
                sections,
                model,
                section_limit=self.settings.settings().effective_section_limit(),
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
        if self.settings.value("processor") != ProcessorKind.GEMINI.value:
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
