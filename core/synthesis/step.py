"""The synthesis step of a run: after the sections, before the run is reported finished.

Made once per set of section answers: the key of the answers (:func:`.inputs.inputs_key`)
is kept in the synthesis, so a resumed run whose answers are unchanged keeps the
journaled synthesis and sends nothing, and a run whose answers changed (a failed section
done now) makes it again from the journal's answers, never running a section again. Its
citations are checked against the run's copy of the PDF like a section's. A synthesis
that cannot be made is reported and recorded as failed; it never touches a section.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from core import events as ev
from core.citations.check import check_citations
from core.errors import ProcessingError
from core.results import SectionResult, TokenUsage
from core.retry import timed_stage, with_settings_retries
from core.synthesis.extractive import extractive_markdown
from core.synthesis.inputs import (
    SYNTHESIS_ID,
    SYNTHESIS_TITLE,
    answered,
    covered_pages,
    inputs_key,
)
from core.synthesis.prompt import read_answer, synthesis_prompt

if TYPE_CHECKING:
    from core.journal import Journal
    from core.processors.base import Processor
    from core.run_types import RunOutcome
    from core.settings import Settings
    from core.workers import PdfWorkers

log = logging.getLogger("sectionflow.synthesis")
T = TypeVar("T")
#: the synthesis's entries in the journal's result cache (a section's key is a bare hash)
_CACHE_PREFIX = "synthesis:"


@dataclass(slots=True)
class SynthesisStep:
    """What the step needs from the run: its backend, workers, journal and listener."""

    settings: Settings
    processor: Processor
    workers: PdfWorkers
    journal: Journal | None
    emit: Callable[[ev.Event], None]

    async def run(
        self,
        outcome: RunOutcome,
        source: Path,
        password: str | None,
        *,
        make: bool = True,
        use_cache: bool = True,
    ) -> None:
        """Make (or keep) ``outcome.synthesis``; a failure is recorded, never raised.
        ``make`` False (turned off) only drops a kept synthesis whose answers changed.
        With ``use_cache``, a synthesis of the very same answers is reused."""
        answers = answered(outcome)
        model = _model(self.processor)
        key = await asyncio.to_thread(
            inputs_key, outcome.prompt.text, self.processor.name, model, answers
        )
        kept = outcome.synthesis
        current = kept is not None and kept.stats.get("inputs") == key
        if not current:
            outcome.synthesis = None
        if not make and outcome.synthesis_failure is not None:
            await self._forget_failure(outcome)
        if not make or not answers:
            return
        if kept is not None and current:
            log.info("Whole-document synthesis kept from run %s", outcome.run_id)
            self.emit(ev.SynthesisDone(result=kept, source="journal"))
            return
        if use_cache and (hit := await self._cached(key)) is not None:
            await self._record(outcome, hit, "cache")
            return
        self.emit(ev.SynthesisStarted(sections=len(answers)))
        begun = time.monotonic()
        try:
            made = await self._make(outcome, key)
            pages = tuple(range(1, outcome.page_count + 1))
            result = await check_citations(self.workers, made, source, pages, password)
        except ProcessingError as exc:
            await self._failed(outcome, exc.reason)
            return
        result.stats["elapsed_s"] = round(time.monotonic() - begun, 3)
        if self.journal is not None:
            await self.journal.cache_put(_CACHE_PREFIX + key, result)
        log.info("Whole-document synthesis made from %d section answers", len(answers))
        await self._record(outcome, result, "run")

    async def _cached(self, key: str) -> SectionResult | None:
        """The synthesis of these very answers made before (a run started again), if any."""
        if self.journal is None:
            return None
        return await self.journal.cache_get(_CACHE_PREFIX + key)

    async def _record(self, outcome: RunOutcome, result: SectionResult, source: str) -> None:
        """Journaled before it is reported, as a section's result is."""
        outcome.synthesis, outcome.synthesis_failure = result, None
        if self.journal is not None:
            await asyncio.shield(self.journal.record_synthesis(outcome.run_id, result, None))
        self.emit(ev.SynthesisDone(result=result, source=source))

    async def _forget_failure(self, outcome: RunOutcome) -> None:
        """Turned off now: the run no longer waits for the synthesis that failed (else it
        would stay unfinished, and every ``--resume`` would offer it again)."""
        outcome.synthesis_failure = None
        if self.journal is not None:
            await asyncio.shield(self.journal.record_synthesis(outcome.run_id, None, None))

    async def _failed(self, outcome: RunOutcome, reason: str) -> None:
        log.warning("The whole-document synthesis failed: %s", reason)
        outcome.synthesis, outcome.synthesis_failure = None, reason
        if self.journal is not None:
            await asyncio.shield(self.journal.record_synthesis(outcome.run_id, None, reason))
        self.emit(ev.SynthesisFailed(reason=reason))

    async def _make(self, outcome: RunOutcome, key: str) -> SectionResult:
        answers = answered(outcome)
        tokens, raw, notes = TokenUsage(), None, []
        if self.processor.name == "gemini":
            from core.processors.gemini import GeminiProcessor
            from core.processors.gemini_synthesis import generate_synthesis

            assert isinstance(self.processor, GeminiProcessor)
            gemini = self.processor
            title = outcome.title or outcome.document.stem
            text = synthesis_prompt(outcome.prompt.text, title, outcome.page_count, answers)
            answer = await self._with_retries(lambda: generate_synthesis(gemini, text))
            markdown, citations = read_answer(answer.text, outcome.page_count, answers)
            tokens, raw, notes = answer.tokens, answer.text, list(answer.notes)
            how = "gemini"
        else:
            markdown, citations = extractive_markdown(answers)
            how = "extractive"
        return SectionResult(
            section_id=SYNTHESIS_ID,
            title=SYNTHESIS_TITLE,
            pages=covered_pages(outcome),
            processor=self.processor.name,
            model=_model(self.processor),
            markdown=markdown,
            raw_text=raw,
            tokens=tokens,
            stats={"inputs": key, "sections": len(answers), "method": how},
            notes=notes,
            citations=citations,
        )

    async def _with_retries(self, work: Callable[[], Awaitable[T]]) -> T:
        """One request under the analysis timeout and retries, as a section's analysis."""
        s = self.settings
        timings: dict[str, float] = {}

        async def attempt() -> T:
            return await timed_stage(
                "process", SYNTHESIS_TITLE, s.processing_timeout_seconds, timings, work
            )

        def on_retry(number: int, delay: float, exc: ProcessingError) -> None:
            log.info(
                "Retrying 1 failed tasks... (the synthesis, attempt %d in %.1f s: %s)",
                number + 1,
                delay,
                exc.reason,
            )

        return await with_settings_retries(attempt, s, s.process_max_retries, on_retry)


def _model(processor: Processor) -> str | None:
    return getattr(processor, "model", None)
