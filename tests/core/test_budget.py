"""The budget cap: no new section starts once spent + in flight would pass it; the rest
are ``skipped`` (journaled as such, exported as such), and a resumed run continues them
under a new cap."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.budget import Budget, describe_reach, reach
from core.export import section_status, to_json_dict
from core.journal import Journal
from core.pipeline import Pipeline
from core.processors.gemini import GeminiProcessor
from core.remote_ledger import RemoteLedger
from core.run_types import RunOutcome, RunRequest
from core.sections import Section
from core.settings import Settings
from core.workers import PdfWorkers
from tests.core.gemini_support import PROMPT, build_document, settings_for
from tests.fakes.gemini import FakeGemini

#: the fake bills this many tokens a page: well above the estimate's 560, so one
#: section's real cost uses up more of the cap than its estimate held
FAKE_TOKENS_PER_PAGE = 5000


async def _run(
    settings: Settings,
    workers: PdfWorkers,
    ledger: RemoteLedger,
    journal: Journal,
    request: RunRequest,
) -> RunOutcome:
    processor = GeminiProcessor(settings, ledger, workers=workers, poll_initial_s=0.02)
    return await Pipeline(settings, processor, workers, journal=journal).run(request)


async def test_a_cap_stops_new_sections_and_a_resume_finishes_them(
    fake_gemini: FakeGemini,
    transport: str,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    fake_gemini.tokens_per_page = FAKE_TOKENS_PER_PAGE
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [2] * 6)
    probe = settings_for(fake_gemini, max_cost_usd=1)
    budget = Budget.for_run(probe, "gemini")
    assert budget is not None
    per_section = budget.estimate(sections[0], PROMPT.text)
    assert per_section is not None
    settings = settings_for(
        fake_gemini, max_cost_usd=2.5 * per_section, max_concurrent_section_tasks=1
    )
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        outcome = await _run(
            settings,
            workers,
            remote_ledger,
            journal,
            RunRequest(pdf_path=pdf, sections=sections, prompt=PROMPT),
        )
        calls = fake_gemini.stats.count("generate")
        assert 1 <= len(outcome.results) < len(sections)
        # no whole-document synthesis either: the cap was reached
        assert calls == len(outcome.results) < len(sections)
        assert outcome.synthesis is None
        skipped = [outcome.failures[s.id] for s in sections if s.id not in outcome.results]
        assert skipped and all(f.skipped and f.attempts == 0 for f in skipped)
        assert all(f.reason.startswith("budget reached (") for f in skipped)
        assert "cap)" in skipped[0].reason
        assert not outcome.ok  # exit code 1
        statuses = [section_status(outcome, s)[0] for s in sections]
        assert statuses.count("skipped") == len(skipped)
        assert {s["status"] for s in to_json_dict(outcome)["sections"]} == {"done", "skipped"}
        assert outcome.summary["skipped"] == len(skipped)

        loaded = await journal.load_async(outcome.run_id)
        assert {sid for sid, f in loaded.failures.items() if f.skipped} == {
            sid for sid, f in outcome.failures.items() if f.skipped
        }
        assert not journal.runs()[0].complete

        fake_gemini.reset_stats()
        again = settings.model_copy(update={"max_cost_usd": 0.0})  # a new cap: none
        finished = await _run(
            again,
            workers,
            remote_ledger,
            journal,
            RunRequest(
                pdf_path=pdf, sections=sections, prompt=PROMPT, resume_run_id=outcome.run_id
            ),
        )
        assert finished.run_id == outcome.run_id
        assert finished.ok and not finished.failures
        # only the rest ran, then the whole-document synthesis (one text-only request)
        assert len(fake_gemini.stats.document_calls()) == len(skipped)
        assert len(fake_gemini.stats.text_only_calls()) == 1
        assert journal.runs()[0].complete
    finally:
        journal.close()


async def test_sections_in_flight_count_against_the_cap(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    """Three at once and a cap of 2.5 estimates: the third never starts, even though
    nothing has been spent yet when it asks."""
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1] * 5)
    budget = Budget.for_run(settings_for(fake_gemini, max_cost_usd=1), "gemini")
    assert budget is not None
    per_section = budget.estimate(sections[0], PROMPT.text) or 0.0
    settings = settings_for(
        fake_gemini, max_cost_usd=2.5 * per_section, max_concurrent_section_tasks=3
    )
    fake_gemini.pause("generate")  # the first two stay in flight
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        processor = GeminiProcessor(settings, remote_ledger, workers=workers)
        pipeline = Pipeline(settings, processor, workers, journal=journal)
        run = asyncio.create_task(pipeline.run(RunRequest(pdf, sections, PROMPT)))
        await asyncio.to_thread(fake_gemini.wait_for_in_flight, 2, 10)
        fake_gemini.resume()
        outcome = await run
    finally:
        fake_gemini.resume()
        journal.close()
    assert fake_gemini.stats.max_generate_in_flight == 2
    assert len(outcome.results) == 2
    assert sum(f.skipped for f in outcome.failures.values()) == 3


def test_no_cap_no_budget_and_how_far_a_cap_reaches() -> None:
    assert Budget.for_run(Settings(_env_file=None), "gemini") is None
    assert Budget.for_run(Settings(_env_file=None, max_cost_usd=5), "local") is None
    assert reach(1.0, [0.4, 0.4, 0.4]) == 2
    assert reach(10.0, [0.4, 0.4]) == 2
    sections = [Section(id=f"s{i}", title=f"S{i}", pages=tuple(range(1, 41))) for i in range(10)]
    line = describe_reach(Settings(_env_file=None, max_cost_usd=0.05), sections, "Summarise.")
    assert line.startswith("budget $0.05: the run is estimated at $")
    assert "the cap covers about " in line and " of 10 sections" in line
    assert describe_reach(Settings(_env_file=None), sections, "x") == ""
