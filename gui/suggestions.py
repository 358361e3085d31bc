"""Suggested limits, computed off the GUI thread from the journal's recent runs.

Reading the history is SQLite work on the journal's own thread (``Journal.history`` waits
for it synchronously), and :func:`core.suggest.suggest` sorts every recent section's
timings; both run in a worker thread through ``asyncio.to_thread`` so a long history
never stalls the window. The result goes out as a signal; the settings panel shows it
with "Apply" buttons. Refreshed when the app starts and after each run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.settings import Settings
from core.suggest import Suggestion, suggest
from gui.widgets.suggestions_box import History

log = logging.getLogger("sectionflow.gui.suggest")

RECENT_RUNS = 20


def compute(
    journal: Any, settings: Settings, runs: int = RECENT_RUNS
) -> tuple[list[Suggestion], History]:
    """The suggestions and how much history they rest on, from past runs of the backend
    these settings choose only; blocking: call it from a thread."""
    backend = settings.resolved_processor().value
    timings, summaries = journal.history(runs, processor=backend)
    return suggest(timings, summaries, settings), History(len(summaries), len(timings))


class SuggestionService(QObject):
    #: list[core.suggest.Suggestion], and the History they come from
    updated = Signal(list, object)

    def __init__(
        self,
        journal: Callable[[], Any],
        settings: Callable[[], Settings],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._journal = journal
        self._settings = settings
        self._task: asyncio.Task | None = None
        self.suggestions: list[Suggestion] = []

    @property
    def task(self) -> asyncio.Task | None:
        return self._task

    def refresh(self) -> asyncio.Task | None:
        """Recompute in the background; None when no event loop runs (nothing to do)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = loop.create_task(self._refresh(), name="sectionflow-suggestions")
        return self._task

    async def _refresh(self) -> None:
        try:
            settings = self._settings()
        except Exception as exc:  # the panel holds values Settings rejects: nothing to compare
            log.debug("No suggestions: %s", exc)
            return
        try:
            found, history = await asyncio.to_thread(compute, self._journal(), settings)
        except Exception:  # a closed or unreadable journal: suggestions are optional
            log.debug("Could not read the run history for suggestions", exc_info=True)
            return
        self.suggestions = found
        self.updated.emit(found, history)
