"""Turns "Run" and "Retry failed sections" into engine requests, and keeps the outcome.

Kept apart from the window so the run logic (which settings a run uses, how a retry's
outcome merges into the previous one, what may be exported) reads in one place. A run
uses exactly what the settings panel shows: :meth:`AppSettings.settings`, the model every
control is bound to, plus the API key; moving a control during a run moves the running
limit (:meth:`gui.task_bridge.TaskBridge.follow`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core import events as ev
from core.limits import MEMORY_FIELDS
from core.processors.base import Prompt
from core.processors.gemini_client import needs_key
from core.run_types import RunOutcome, RunRequest
from core.sections import Section
from core.settings import ProcessorKind, Settings, SettingsError
from gui.bridge import EngineBridge
from gui.pdf_thread import OpenedDocument
from gui.state.outcome_words import outcome_tally
from gui.state.result_text import RunLabel
from gui.state.run_progress import RunProgress
from gui.state.sections import SectionsState
from gui.state.settings import AppSettings
from gui.widgets.memory_graph import MemoryGraph
from gui.widgets.results_view import ResultsView
from gui.widgets.settings_panel import SettingsPanel

if TYPE_CHECKING:
    from core.cost import Estimate
    from core.tables.write import TablesWritten

log = logging.getLogger("sectionflow.gui.run")


class RunController(QObject):
    #: a line for the status bar
    message = Signal(str)
    #: something the user must read (cannot start, run crashed)
    error = Signal(str)
    #: a Gemini run was asked for but there is no key: the window opens the key dialog
    key_needed = Signal()
    #: the merged outcome changed (a run or a retry ended); export becomes possible
    outcome_changed = Signal(object)
    #: the app's memory during a run, MB (the status bar shows it)
    memory_changed = Signal(float)

    def __init__(
        self,
        bridge: EngineBridge,
        sections: SectionsState,
        settings: AppSettings,
        panel: SettingsPanel,
        progress: RunProgress,
        results: ResultsView,
        graph: MemoryGraph,
        *,
        document: Callable[[], OpenedDocument | None],
        api_key: Callable[[], str | None],
        blocked: Callable[[], list[str]] = list,
        parent: QObject | None = None,
    ) -> None:
        """``blocked``: reasons another part of the window forbids a run now (a folder
        batch going)."""
        super().__init__(parent)
        self.bridge = bridge
        self.sections = sections
        self.settings = settings
        self.panel = panel
        self.progress = progress
        self.results = results
        self.graph = graph
        self._document = document
        self._api_key = api_key
        self._blocked = blocked
        self.outcome: RunOutcome | None = None
        self.last_settings: Settings | None = None
        self.last_request: RunRequest | None = None
        self._retrying = False
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.RunStarted: self._on_started,
            ev.SectionDone: lambda e: self.results.add_result(e.section_id, e.result),
            ev.SectionFailed: self._on_failed,
            ev.MemorySample: self._on_memory,
            ev.SynthesisDone: lambda e: self.results.set_synthesis(e.result),
            ev.SynthesisFailed: lambda e: self.message.emit(
                f"The whole-document synthesis failed: {e.reason}"
            ),
        }
        bridge.event.connect(self._on_event)
        bridge.event.connect(progress.apply)
        bridge.completed.connect(self._on_completed)
        bridge.failed.connect(self._on_run_failed)
        bridge.let_go.connect(self._on_let_go)
        bridge.follow(settings, self.message.emit)
        settings.subscribe(self._on_setting_changed)

    # -- settings ---------------------------------------------------------------------

    def build_settings(self) -> Settings:
        """What the panel shows, with the key when Gemini is chosen."""
        gemini = self.settings.value("processor") == ProcessorKind.GEMINI.value
        return self.settings.settings(api_key=self._api_key() if gemini else None)

    def gemini_settings(self) -> Settings:
        """What the panel shows, with the key whichever backend is chosen: deleting what
        an earlier Gemini run kept there needs it even while the offline one is chosen."""
        return self.settings.settings(api_key=self._api_key())

    def _on_setting_changed(self, name: str, value: Any) -> None:
        """During a run the memory graph's lines follow the memory sliders."""
        if self.bridge.running and name in MEMORY_FIELDS:
            self.graph.set_limits(
                self.settings.value("memory_throttle_threshold_mb"),
                self.settings.value("max_memory_usage_mb"),
                self.settings.value("enable_memory_monitoring"),
            )

    # -- running ----------------------------------------------------------------------

    def problems(self) -> list[str]:
        if self.bridge.running:
            return ["A run is going"]
        return [*self._blocked(), *self.sections.problems()]

    def estimate(self) -> Estimate | None:
        """What a Gemini run of the sections should cost; None offline or not runnable."""
        if self.settings.value("processor") != ProcessorKind.GEMINI.value:
            return None
        if not self.sections.all_valid:
            return None
        from core.cost import estimate_for

        try:
            return estimate_for(
                self.settings.settings(),
                self.sections.to_sections(),
                self.panel.prompt().text,
                synthesis=self.panel.synthesis.isChecked(),
            )
        except Exception:
            log.debug("No estimate", exc_info=True)
            return None

    def estimate_text(self) -> str:
        """The estimate line under the sections, with how far a budget cap reaches."""
        guess = self.estimate()
        if guess is None:
            return ""
        from core.budget import describe_reach

        prompt = self.panel.prompt().text
        reach = describe_reach(self.settings.settings(), self.sections.to_sections(), prompt)
        text = f"Gemini estimate: {guess.describe()}"
        return f"{text}; {reach}" if reach else text

    def run(self) -> asyncio.Task | None:
        """Run every section; returns the task, or None with the reason emitted."""
        if self.problems():
            self.error.emit("Cannot run yet: " + "; ".join(self.problems()))
            return None
        self._retrying = False
        return self._start(self.sections.to_sections())

    def retry_failed(self) -> asyncio.Task | None:
        """Continue the run on show with its failed, cut-off and cancelled sections, as
        ``sectionflow retry`` does: the same journaled run, its done sections kept, and
        its whole-document synthesis made again from the new answers."""
        results = self.results
        again = {*results.failed_ids(), *results.cancelled_ids(), *results.partial_ids()}
        if not again or self.outcome is None or self.bridge.running:
            return None
        retried = [s for s in self.outcome.sections if s.id in again]
        if not retried:
            return None
        document = self._document()
        if (
            document is None
            or Path(document.path).resolve() != Path(self.outcome.document).resolve()
        ):
            # a run shown from History may belong to another PDF than the one open
            self.error.emit(
                f"These results are from {Path(self.outcome.document).name}: open that PDF "
                "to retry its failed sections"
            )
            return None
        self._retrying = True
        return self._start(
            list(self.outcome.sections),
            prompt=self.outcome.prompt,
            resume_run_id=self.outcome.run_id,
            shown=retried,
        )

    def resume(self, previous: RunOutcome) -> asyncio.Task | None:
        """Continue a journaled run: its finished sections are kept, the rest run."""
        if self.bridge.running:
            return None
        self._retrying = False
        sections = list(previous.sections)
        return self._start(sections, prompt=previous.prompt, resume_run_id=previous.run_id)

    def _start(
        self,
        sections: list[Section],
        prompt: Prompt | None = None,
        resume_run_id: str | None = None,
        shown: list[Section] | None = None,
    ) -> asyncio.Task | None:
        """``sections`` run (those a resumed run finished are kept); ``shown`` are the
        rows that start over in Progress and Results (a retry's), all by default."""
        document = self._document()
        if document is None:
            self.error.emit("Open a PDF first")
            return None
        if not Path(document.path).is_file():
            self.error.emit(missing_text(Path(document.path)))
            return None
        try:
            settings = self.build_settings()
        except SettingsError as exc:
            self.error.emit(f"The settings are not usable: {exc}")
            return None
        if settings.resolved_processor() is ProcessorKind.GEMINI and needs_key(settings):
            self.message.emit("Gemini needs an API key: enter it, then press Run again")
            self.key_needed.emit()
            return None
        request = RunRequest(
            pdf_path=document.path,
            sections=list(sections),
            prompt=prompt or self.panel.prompt(),
            password=document.password,
            resume_run_id=resume_run_id,
            use_cache=self.panel.use_cache.isChecked(),
            synthesis=self.panel.synthesis.isChecked(),
        )
        if settings.resolved_processor() is ProcessorKind.GEMINI:
            log.info("Starting a Gemini run: %s", self.estimate_text() or "no estimate")
        self.last_settings = settings
        self.last_request = request
        keep = list(self.progress) if self._retrying else []
        self.progress.reset(shown or sections, keep=keep)
        self.results.begin(shown or sections, keep_results=self._retrying)
        self.graph.clear()  # a retry is a run of its own: its time axis starts at 0
        if not self._retrying:
            guess = (
                self.estimate() if settings.resolved_processor() is ProcessorKind.GEMINI else None
            )
            self.results.set_estimate(guess.cost_usd if guess is not None else None)
        self.graph.set_limits(
            settings.memory_throttle_threshold_mb,
            settings.max_memory_usage_mb,
            settings.enable_memory_monitoring,
        )
        try:
            task = self.bridge.start(request, settings)
        except Exception as exc:
            log.exception("Could not start the run")
            self.error.emit(f"Could not start the run: {exc}")
            return None
        word = "section" if len(sections) == 1 else "sections"
        verb = "Retrying" if self._retrying else "Running"
        self.message.emit(f"{verb} {len(shown or sections)} {word}…")
        return task

    def cancel(self) -> None:
        if self.bridge.running:
            self.message.emit("Cancelling… (cleaning up temporary and remote files)")
            self.bridge.cancel()

    def _on_let_go(self) -> None:
        """The run is still cleaning up after Cancel, in the background: the window is
        idle and the sections it had not finished are cancelled."""
        count = self.progress.cancel_unfinished()
        word = "section" if count == 1 else "sections"
        self.message.emit(
            f"Cancelled: {count} {word} not finished; temporary and remote files are "
            "cleaned up in the background"
        )

    # -- events -----------------------------------------------------------------------

    def _on_event(self, event: ev.Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _on_memory(self, sample: ev.MemorySample) -> None:
        self.graph.add_sample(sample)
        self.memory_changed.emit(sample.rss_mb)

    def _on_started(self, event: ev.RunStarted) -> None:
        self.message.emit(f"Run {event.run_id} started with the {event.processor} backend")
        document = self._document()
        if not self._retrying:  # a retry's results merge into the run they retry
            name = document.path.name if document is not None else ""
            self.results.set_run(RunLabel(event.run_id, name, event.processor))

    def _on_run_failed(self, text: str) -> None:
        """The run could not start or crashed: its rows say so, and the user is told."""
        self.progress.abandon(text)
        self.error.emit(text)

    def _on_failed(self, event: ev.SectionFailed) -> None:
        reason = event.reason or ("Cancelled" if event.cancelled else "Failed")
        self.results.add_failure(event.section_id, reason, cancelled=event.cancelled)

    def _on_completed(self, outcome: RunOutcome) -> None:
        # this run's own time: a retry's message does not count the first run's
        elapsed = outcome.elapsed_s
        self.outcome = outcome
        state = "cancelled" if outcome.cancelled else "finished"
        what = "Retry" if self._retrying else "Run"
        tally = outcome_tally(outcome)
        note = " (⚠ partial: an answer was cut off)" if tally.partial else ""
        self.message.emit(f"{what} {state}: {tally.text()} in {elapsed:.1f} s{note}")
        self.outcome_changed.emit(outcome)

    # -- export -----------------------------------------------------------------------

    def export(self, target: Path) -> tuple[Path, Path]:
        """Write ``<target>.json`` and ``<target>.md`` as every front end writes them."""
        from core.export import pair_paths, write_exports

        if self.outcome is None:
            raise RuntimeError("There is nothing to export yet: run the sections first")
        json_path, md_path = pair_paths(target)
        write_exports(self.outcome, json_path, md_path)
        log.info("Exported results to %s and %s", json_path, md_path)
        return json_path, md_path

    async def export_tables(self, folder: Path) -> TablesWritten:
        """Every table of the results on show as CSV files and one workbook (a thread)."""
        from core.tables.export import export_tables

        if self.outcome is None:
            raise RuntimeError("There is nothing to export yet: run the sections first")
        written = await asyncio.to_thread(export_tables, self.outcome, folder)
        log.info("Exported %d table(s) to %s", written.count, folder)
        return written


def missing_text(path: Path) -> str:
    """What the user reads when the open PDF is no longer where it was opened from."""
    return (
        f"'{path.name}' is no longer where it was opened from (moved, renamed or deleted?): "
        "open it again from where it is now"
    )
