"""The result cache in front of Gemini: an unchanged section is not sent again."""

from __future__ import annotations

from pathlib import Path

from core.journal import Journal
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.processors.gemini import GeminiProcessor
from core.remote_ledger import RemoteLedger
from core.run_types import RunOutcome, RunRequest
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, settings_for
from tests.fakes.gemini import FakeGemini
from tests.helpers.leaks import assert_nothing_leaked


async def run_once(
    fake: FakeGemini, workers: PdfWorkers, journal: Journal, pdf: Path, sections, use_cache: bool
) -> RunOutcome:
    settings = settings_for(fake)
    processor = GeminiProcessor(
        settings, RemoteLedger(pdf.parent / "ledger.sqlite3"), workers=workers
    )
    pipeline = Pipeline(settings, processor, workers, journal=journal)
    request = RunRequest(
        pdf_path=pdf, sections=sections, prompt=Prompt("summary", "Summarise"), use_cache=use_cache
    )
    return await pipeline.run(request)


async def test_cache_hit_makes_zero_calls_to_the_server(
    fake_gemini: FakeGemini, workers: PdfWorkers, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [2, 1, 3])
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        first = await run_once(fake_gemini, workers, journal, pdf, sections, use_cache=True)
        # three sections, then the whole-document synthesis (text only)
        assert first.ok and fake_gemini.stats.count("generate") == 3 + 1
        assert len(fake_gemini.stats.text_only_calls()) == 1
        fake_gemini.reset_stats()
        second = await run_once(fake_gemini, workers, journal, pdf, sections, use_cache=True)
        assert second.ok
        assert sum(fake_gemini.stats.calls.values()) == 0  # no upload, no generate, nothing
        assert {k: r.markdown for k, r in second.results.items()} == {
            k: r.markdown for k, r in first.results.items()
        }
        assert second.summary["cache_hits"] == 3
        third = await run_once(fake_gemini, workers, journal, pdf, sections, use_cache=False)
        assert third.ok and fake_gemini.stats.count("generate") == 3 + 1  # --no-cache asks again
        assert fake_gemini.stats.count("upload") == 0  # the first run's uploads, kept
        await assert_nothing_leaked(
            fake_gemini, tmp_path / "ledger.sqlite3", settings_for(fake_gemini)
        )
    finally:
        journal.close()
