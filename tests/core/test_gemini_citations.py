"""Gemini answers cite their pages: through the real SDK to the fake Gemini, whose quotes
come from the pages it received and whose mistakes are made by rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.citations.model import NOT_FOUND
from core.citations.prompting import FREE_FORM
from core.journal import Journal
from core.prompts import get_prompt
from core.remote_ledger import RemoteLedger
from core.run_types import RunRequest
from core.sections import Section
from core.workers import PdfWorkers
from tests.core.gemini_support import run_sections, settings_for
from tests.core.test_gemini_batch import make_batch, submit_and_wait
from tests.fakes.gemini import CitationRule, FakeGemini
from tests.fakes.gemini_citations import INVENTED
from tests.helpers.cited import CitedPdf, make_cited_pdf

pytestmark = pytest.mark.usefixtures("transport")

#: document pages 4, 5, 7, 8 (labels 1, 2, 4, 5): a section with a gap
GAPPED = Section(id="s1", title="Body with a gap", pages=(4, 5, 7, 8))


@pytest.fixture
def cited(tmp_path: Path) -> CitedPdf:
    return make_cited_pdf(tmp_path / "cited.pdf")


def _sentence_page(cited: CitedPdf, quote: str) -> int:
    return next(page for page, sentence in cited.sentences.items() if quote in sentence)


async def test_structured_claims_are_mapped_checked_and_corrected(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, cited: CitedPdf
) -> None:
    fake_gemini.citation_rule = CitationRule(wrong_page=frozenset({2}), invented=frozenset({3}))
    run = await run_sections(
        settings_for(fake_gemini),
        workers,
        remote_ledger,
        cited.path,
        [GAPPED],
        get_prompt("key_facts"),
    )

    result = run.outcome.results["s1"]
    first, moved, invented, last = result.citations
    # excerpt page 1 is document page 4 (label 1): right as given
    assert (first.page, first.label, first.verified, first.corrected_from) == (4, "1", True, None)
    # cited as excerpt page 3 (document page 7), written on excerpt page 2 (document 5)
    assert (moved.page, moved.label, moved.verified, moved.corrected_from) == (5, "2", True, 7)
    assert _sentence_page(cited, moved.quote) == 5
    assert (invented.quote, invented.verified, invented.reason) == (INVENTED, False, NOT_FOUND)
    assert (last.page, last.label, last.verified) == (8, "5", True)
    facts = result.fields["facts"]  # the claims carry their checked document pages
    assert [fact["page"] for fact in facts] == [c.page for c in result.citations]
    assert "[p. 1]" in result.markdown and "[p. 2]" in result.markdown
    assert "[p. 4, unverified]" in result.markdown  # the invented quote, on page 7
    sent = fake_gemini.stats.generate_records()[0]
    assert "'quote'" in sent.prompt and sent.generation_config["responseJsonSchema"]


async def test_free_form_answers_cite_with_markers(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, cited: CitedPdf
) -> None:
    fake_gemini.citation_rule = CitationRule(invented=frozenset({1}))
    section = Section(id="s1", title="Preface and body", pages=(2, 3, 4, 5))
    run = await run_sections(
        settings_for(fake_gemini), workers, remote_ledger, cited.path, [section], get_prompt()
    )

    result = run.outcome.results["s1"]
    assert FREE_FORM in fake_gemini.stats.generate_records()[0].prompt
    assert [(c.page, c.label, c.verified) for c in result.citations] == [
        (2, "ii", False),  # invented, cited on page ii
        (3, "iii", True),
        (4, "1", True),
        (5, "2", True),
    ]
    assert result.citations[0].reason == NOT_FOUND
    assert result.citations[1].claim == "Point 2 of the excerpt."
    lines = [line for line in result.markdown.splitlines() if line.startswith("- Point")]
    assert lines == [
        "- Point 1 of the excerpt. [p. ii, unverified]",
        "- Point 2 of the excerpt. [p. iii]",
        "- Point 3 of the excerpt. [p. 1]",
        "- Point 4 of the excerpt. [p. 2]",
    ]
    assert '[p. 1: "' in (result.raw_text or "")  # the model's own words are kept


async def test_parts_of_an_oversized_section_cite_their_own_pages(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, cited: CitedPdf
) -> None:
    section = Section(id="s1", title="Everything", pages=(1, 3, 4, 6, 8, 9))
    run = await run_sections(
        settings_for(fake_gemini),
        workers,
        remote_ledger,
        cited.path,
        [section],
        get_prompt("risks"),
        max_pages=2,  # three parts: (1, 3), (4, 6), (8, 9)
    )

    result = run.outcome.results["s1"]
    assert result.stats["parts"] == 3
    assert [c.page for c in result.citations] == [1, 3, 4, 6, 8, 9]
    assert all(c.verified and c.corrected_from is None for c in result.citations)
    for citation in result.citations:
        if citation.page in cited.sentences:
            assert citation.quote in " ".join(cited.sentences[citation.page].split())


async def test_batch_mode_checks_the_quotes_when_the_answers_come_back(
    tmp_path: Path, workers: PdfWorkers, remote_ledger: RemoteLedger, cited: CitedPdf
) -> None:
    with FakeGemini(processing_delay=0.02, batch_pending_s=0.0, batch_running_s=0.0) as fake:
        fake.citation_rule = CitationRule(wrong_page=frozenset({1}))
        batch, journal = make_batch(tmp_path, fake, workers, remote_ledger, [])
        try:
            _, outcome = await submit_and_wait(batch, cited.path, [GAPPED], get_prompt("key_facts"))
            stored = journal.load(outcome.run_id).results["s1"]
        finally:
            journal.close()
    citations = outcome.results["s1"].citations
    assert (citations[0].page, citations[0].corrected_from, citations[0].verified) == (4, 5, True)
    assert all(c.verified for c in citations)
    assert stored.citations == citations  # recorded checked


async def test_a_cached_answer_is_checked_again_for_its_section(
    fake_gemini: FakeGemini,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    cited: CitedPdf,
    tmp_path: Path,
) -> None:
    from core.pipeline import Pipeline
    from core.processors.gemini import GeminiProcessor

    settings = settings_for(fake_gemini)
    journal = Journal(tmp_path / "data" / "journal.sqlite3")
    try:
        outcomes = []
        for _ in range(2):
            processor = GeminiProcessor(settings, remote_ledger, workers=workers)
            pipeline = Pipeline(settings, processor, workers, journal=journal)
            request = RunRequest(cited.path, [GAPPED], get_prompt("key_facts"))
            outcomes.append(await pipeline.run(request))
    finally:
        journal.close()
    first, second = (o.results["s1"] for o in outcomes)
    assert outcomes[1].summary["cache_hits"] == 1
    assert second.citations == first.citations and all(c.verified for c in second.citations)
    assert second.markdown == first.markdown
