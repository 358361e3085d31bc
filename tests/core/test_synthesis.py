"""The whole document: a synthesis over the section answers, offline and with Gemini,
journaled, resumable, cached and exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import export
from core.citations.model import Citation
from core.engine import Engine
from core.events import SynthesisDone
from core.journal import Journal
from core.pdf import inspect
from core.pipeline import Pipeline
from core.processors.local import LocalProcessor
from core.prompts import get_prompt
from core.remote_ledger import RemoteLedger
from core.run_types import RunOutcome, RunRequest
from core.sections import Section, from_outline
from core.settings import Settings
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, make_pipeline, settings_for
from tests.fakes.gemini import FakeGemini

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample.pdf"


def section_of(page: int, sections: list[Section]) -> str:
    return next(s.id for s in sections if page in s.pages)


async def offline_sample(tmp_path: Path, workers: PdfWorkers) -> tuple[RunOutcome, Journal]:
    info = inspect(SAMPLE)
    sections = from_outline(info.outline, info.page_count, 1)
    settings = Settings(_env_file=None, processor="local", enable_memory_monitoring=False)
    journal = Journal(tmp_path / "journal.sqlite3")
    pipeline = Pipeline(settings, LocalProcessor(workers), workers, journal=journal)
    request = RunRequest(pdf_path=SAMPLE, sections=sections, prompt=get_prompt("summary", None))
    return await pipeline.run(request), journal


async def test_offline_synthesis_of_the_sample_cites_pages_of_several_sections(
    tmp_path: Path, workers: PdfWorkers
) -> None:
    outcome, journal = await offline_sample(tmp_path, workers)
    try:
        synthesis = outcome.synthesis
        assert synthesis is not None and synthesis.title == "Whole document"
        cited = {section_of(c.page, outcome.sections) for c in synthesis.citations}
        assert len(cited) >= 2
        # each claim keeps its page: the quote is on the page it cites
        assert synthesis.citations and all(c.verified for c in synthesis.citations)
        assert "Group revenue grew by nine percent" in synthesis.markdown
        assert "[p. 4]" in synthesis.markdown
        # journaled with the run
        assert journal.load(outcome.run_id).synthesis == synthesis
    finally:
        journal.close()
    data = export.to_json_dict(outcome)
    assert data["synthesis"]["markdown"] == synthesis.markdown
    assert data["synthesis"]["citations"] == [c.export() for c in synthesis.citations]
    markdown = export.render_markdown(outcome)
    chapters = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert chapters[0] == "## Whole document"
    assert len(chapters) == 1 + len(outcome.sections)


async def test_no_synthesis_when_turned_off(tmp_path: Path, workers: PdfWorkers) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    settings = Settings(_env_file=None, processor="local", enable_memory_monitoring=False)
    with Engine(journal_path=tmp_path / "j.sqlite3", workers=workers) as engine:
        request = RunRequest(
            pdf_path=pdf, sections=sections, prompt=get_prompt(None, None), synthesis=False
        )
        outcome = await engine.pipeline(settings).run(request)
    assert outcome.synthesis is None
    assert export.to_json_dict(outcome)["synthesis"] is None
    assert "## Whole document" not in export.render_markdown(outcome)


async def gemini_run(
    settings: Settings,
    workers: PdfWorkers,
    ledger: RemoteLedger,
    journal: Journal,
    request: RunRequest,
) -> tuple[RunOutcome, list[object]]:
    events: list[object] = []
    pipeline, _ = make_pipeline(settings, workers, ledger, events)  # type: ignore[arg-type]
    pipeline.journal = journal
    return await pipeline.run(request), events


async def test_gemini_synthesis_is_one_text_only_request_holding_every_answer(
    tmp_path: Path, workers: PdfWorkers, remote_ledger: RemoteLedger, fake_gemini: FakeGemini
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [2, 1, 2])
    settings = settings_for(fake_gemini)
    journal = Journal(tmp_path / "journal.sqlite3")
    request = RunRequest(pdf_path=pdf, sections=sections, prompt=get_prompt("summary", None))
    try:
        outcome, events = await gemini_run(settings, workers, remote_ledger, journal, request)
        assert outcome.ok
        text_only = fake_gemini.stats.text_only_calls()
        assert len(text_only) == 1
        assert len(fake_gemini.stats.generate_records()) == len(sections) + 1
        prompt = text_only[0].prompt
        for section in sections:
            answer = outcome.results[section.id].raw_text or ""
            assert answer.splitlines()[0] in prompt  # the section's own answer
            assert section.title in prompt
        synthesis = outcome.synthesis
        assert synthesis is not None and synthesis.processor == "gemini"
        # one point per section, each citing a page of its section, checked on the PDF
        cited = [section_of(c.page, sections) for c in synthesis.citations]
        assert cited == [s.id for s in sections]
        assert all(c.verified for c in synthesis.citations)
        assert synthesis.tokens.total > 0
        assert [e.source for e in events if isinstance(e, SynthesisDone)] == ["run"]

        # resumed: every section and the synthesis are kept, nothing is sent
        fake_gemini.reset_stats()
        again = RunRequest(
            pdf_path=pdf, sections=sections, prompt=request.prompt, resume_run_id=outcome.run_id
        )
        resumed, events = await gemini_run(settings, workers, remote_ledger, journal, again)
        assert fake_gemini.stats.generate_records() == []
        assert resumed.synthesis == synthesis
        assert [e.source for e in events if isinstance(e, SynthesisDone)] == ["journal"]

        # started again from scratch: answers and synthesis come from the cache
        fresh = RunRequest(pdf_path=pdf, sections=sections, prompt=request.prompt)
        rerun, _ = await gemini_run(settings, workers, remote_ledger, journal, fresh)
        assert fake_gemini.stats.generate_records() == []
        assert rerun.synthesis is not None and rerun.synthesis.markdown == synthesis.markdown
    finally:
        journal.close()


@pytest.mark.parametrize("again_on", [True, False], ids=["made-on-resume", "turned-off"])
async def test_a_failed_synthesis_keeps_the_run_unfinished_until_made_or_turned_off(
    again_on: bool,
    tmp_path: Path,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    fake_gemini: FakeGemini,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    settings = settings_for(fake_gemini)
    journal = Journal(tmp_path / "journal.sqlite3")
    fake_gemini.add_fault("invalid_argument", match="Whole-document synthesis", times=1)
    request = RunRequest(pdf_path=pdf, sections=sections, prompt=get_prompt("summary", None))
    try:
        outcome, _ = await gemini_run(settings, workers, remote_ledger, journal, request)
        assert len(outcome.results) == len(sections)
        assert outcome.synthesis is None and outcome.synthesis_failure
        assert not outcome.ok  # so the run is worth retrying
        assert "Failed:" in export.render_markdown(outcome).split("## Section")[0]
        assert journal.load(outcome.run_id).synthesis_failure == outcome.synthesis_failure
        # every section is done, yet `process --resume` (and the app) finds the run unfinished
        unfinished = journal.unfinished_run(outcome.document_sha256)
        assert unfinished is not None and unfinished.run_id == outcome.run_id

        fake_gemini.reset_stats()
        again = RunRequest(
            pdf_path=pdf,
            sections=sections,
            prompt=request.prompt,
            resume_run_id=outcome.run_id,
            synthesis=again_on,
        )
        resumed, _ = await gemini_run(settings, workers, remote_ledger, journal, again)
        assert resumed.ok and (resumed.synthesis is not None) == again_on
        calls = fake_gemini.stats.generate_records()  # the synthesis alone, or nothing
        assert len(calls) == int(again_on) and calls == fake_gemini.stats.text_only_calls()
        assert journal.unfinished_run(outcome.document_sha256) is None
    finally:
        journal.close()


def test_json_export_round_trips_the_synthesis_citations(tmp_path: Path) -> None:
    cited = Citation(page=3, label="iii", quote="Revenue grew.", verified=True, claim="Growth")
    outcome = RunOutcome(
        run_id="r1",
        document=tmp_path / "x.pdf",
        document_sha256="0" * 64,
        page_count=3,
        sections=[],
        prompt=get_prompt(None, None),
        processor="local",
        model=None,
        settings={},
        started_at="2024-01-01T00:00:00+00:00",
    )
    from core.results import SectionResult

    outcome.synthesis = SectionResult(
        section_id="__document__",
        title="Whole document",
        pages="1-3",
        processor="local",
        markdown="- Growth [p. iii]",
        citations=[cited],
    )
    path = export.write_json(outcome, tmp_path / "out.json")
    data = json.loads(path.read_text())
    assert data["synthesis"]["citations"] == [
        {"page": 3, "label": "iii", "quote": "Revenue grew.", "verified": True, "claim": "Growth"}
    ]


def test_the_synthesis_key_changes_with_any_answer_and_only_then() -> None:
    """A resumed run keeps its synthesis only while the answers it was made from stand:
    any changed text, cited page or section changes the key, and where one answer ends
    and the next begins counts too."""
    from core.results import SectionResult
    from core.synthesis.inputs import inputs_key

    def answers(*texts: str, page: int = 1) -> list[tuple[Section, SectionResult]]:
        made = []
        for number, text in enumerate(texts, start=1):
            section = Section(id=f"s{number:02d}", title=f"Part {number}", pages=(number,))
            result = SectionResult(
                section_id=section.id,
                title=section.title,
                pages=section.page_spec,
                processor="local",
                markdown=text,
                citations=[Citation(page=page, label=str(page), quote=text[:5])],
            )
            made.append((section, result))
        return made

    def key(*texts: str, page: int = 1, prompt: str = "Summarise") -> str:
        return inputs_key(prompt, "local", None, answers(*texts, page=page))

    assert key("ab", "c") == key("ab", "c")
    assert len({key("ab", "c"), key("a", "bc"), key("ab", "d"), key("abc")}) == 4
    assert key("ab", "c", page=2) != key("ab", "c")
    assert key("ab", "c", prompt="List the risks") != key("ab", "c")
