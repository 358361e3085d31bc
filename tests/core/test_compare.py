"""Comparing runs: two versions of a PDF (which pages' text changed) and one PDF under two
prompts (both answers side by side, with a word diff)."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf

from core import export
from core.compare.report import render_markdown, to_json_dict
from core.compare.sources import CompareError, load_side
from core.engine import Engine
from core.pdf import inspect
from core.prompts import get_prompt
from core.run_types import RunOutcome, RunRequest
from core.sections import Section, from_outline
from core.settings import Settings
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, settings_for
from tests.fakes.gemini import FakeGemini

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample.pdf"
EDITED_PAGE = 9
LOCAL = Settings(_env_file=None, processor="local", enable_memory_monitoring=False)


def edited_copy(path: Path) -> Path:
    """The sample with one sentence added to one page."""
    with pymupdf.open(SAMPLE) as doc:
        doc[EDITED_PAGE - 1].insert_text((72, 760), "A late note: the Lisbon team moved.")
        doc.save(path)
    return path


async def run(engine: Engine, pdf: Path, sections: list[Section], settings: Settings, prompt):
    request = RunRequest(pdf_path=pdf, sections=sections, prompt=prompt)
    return await engine.pipeline(settings).run(request)


async def two_versions(
    engine: Engine, tmp_path: Path
) -> tuple[RunOutcome, RunOutcome, list[Section]]:
    """Offline runs of the sample and of its copy with one page edited, by bookmarks."""
    info = inspect(SAMPLE)
    sections = from_outline(info.outline, info.page_count, 1)
    first = await run(engine, SAMPLE, sections, LOCAL, get_prompt(None, None))
    copy = edited_copy(tmp_path / "sample-v2.pdf")
    second = await run(engine, copy, sections, LOCAL, get_prompt(None, None))
    return first, second, sections


async def test_an_edited_page_marks_only_its_section_changed(
    tmp_path: Path, workers: PdfWorkers
) -> None:
    with Engine(journal_path=tmp_path / "journal.sqlite3", workers=workers) as engine:
        first, second, sections = await two_versions(engine, tmp_path)
        comparison = await engine.compare_runs(first.run_id, second.run_id)
        # the same from the exports, whose PDFs are read again
        exported = export.write_json(second, tmp_path / "b.json")
        from_file = await engine.compare_runs(first.run_id, str(exported))
    data = to_json_dict(comparison)
    statuses = {s["title"]: s["status"] for s in data["sections"]}
    edited = next(s.title for s in sections if EDITED_PAGE in s.pages)
    assert statuses[edited] == "changed"
    assert {t for t, status in statuses.items() if status != "same"} == {edited}
    changed = next(s for s in data["sections"] if s["status"] == "changed")
    assert changed["changed_pages"] == {"a": [EDITED_PAGE], "b": [EDITED_PAGE]}
    assert data["compared_by"] == "page text"
    assert to_json_dict(from_file)["sections"] == data["sections"]
    markdown = render_markdown(comparison)
    assert f"## {edited}: changed" in markdown
    assert f"Pages whose text changed: A {EDITED_PAGE}, B {EDITED_PAGE}." in markdown


async def test_without_the_pdfs_the_offline_answers_show_the_changed_page(
    tmp_path: Path, workers: PdfWorkers
) -> None:
    with Engine(journal_path=tmp_path / "journal.sqlite3", workers=workers) as engine:
        first, second, _ = await two_versions(engine, tmp_path)
        second.document.unlink()
        comparison = await engine.compare_runs(first.run_id, second.run_id)
    changed = [d for d in comparison.sections if d.status == "changed"]
    assert [d.changed_pages["b"] for d in changed] == [[EDITED_PAGE]]


async def test_two_prompts_on_one_document_show_both_answers(
    tmp_path: Path, workers: PdfWorkers, fake_gemini: FakeGemini
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    settings = settings_for(fake_gemini)
    with Engine(journal_path=tmp_path / "journal.sqlite3", workers=workers) as engine:
        summary = await run(engine, pdf, sections, settings, get_prompt("summary", None))
        facts = await run(engine, pdf, sections, settings, get_prompt("key_facts", None))
        comparison = await engine.compare_runs(summary.run_id, facts.run_id)
    data = to_json_dict(comparison)
    assert data["same_document"] and data["compared_by"] == "answers"
    assert [s["status"] for s in data["sections"]] == ["changed", "changed"]
    markdown = render_markdown(comparison)
    for section in sections:
        for outcome in (summary, facts):
            answer = outcome.results[section.id].markdown
            first_line = answer.strip().splitlines()[0]
            assert " ".join(first_line.split()).replace("|", "\\|") in markdown
            assert answer in [s[side]["answer"] for s in data["sections"] for side in "ab"]
    assert "~~" in markdown and "**Word diff**" in markdown
    runs = data["sections"][0]["word_diff"]
    assert {r["op"] for r in runs} >= {"delete", "insert"}


def outcome_with(titles: list[str], answers: list[str]) -> RunOutcome:
    sections = [Section(f"s{i}", t, (i + 1,)) for i, t in enumerate(titles)]
    run = RunOutcome(
        run_id="r",
        document=Path("x.pdf"),
        document_sha256="same",
        page_count=len(titles),
        sections=sections,
        prompt=get_prompt(None, None),
        processor="local",
        model=None,
        settings={},
        started_at="",
    )
    from core.results import SectionResult

    for section, answer in zip(sections, answers, strict=True):
        run.results[section.id] = SectionResult(
            section_id=section.id,
            title=section.title,
            pages=section.page_spec,
            processor="local",
            markdown=answer,
        )
    return run


def test_sections_match_by_title_then_by_text_and_the_rest_are_added_or_removed() -> None:
    from core.compare.report import compare

    body = "Revenue grew by nine percent and the order book is the largest ever recorded."
    a = outcome_with(["Intro", "Money", "Old annex"], ["Hello there.", body, "Gone stuff here."])
    b = outcome_with(["Intro", "Finance", "New annex"], ["Hello there.", body, "Brand new text."])
    diffs = compare(a, b, None, None).sections
    assert [(d.title, d.status, d.matched_by) for d in diffs] == [
        ("Intro", "same", "title"),
        ("Finance", "same", "text"),
        ("New annex", "added", ""),
        ("Old annex", "removed", ""),
    ]


def test_a_side_that_is_neither_a_run_nor_an_export_is_a_plain_error(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text(json.dumps({"schema": "something/1"}))
    with Engine(journal_path=tmp_path / "journal.sqlite3") as engine:
        for spec, words in (
            ("nope", "neither a run id"),
            (str(tmp_path / "other.json"), "not a SectionFlow JSON export"),
            (str(tmp_path / "missing.json"), "no such file"),
        ):
            try:
                load_side(spec, engine.journal)
            except CompareError as exc:
                assert words in str(exc)
            else:
                raise AssertionError(f"{spec} was accepted")
