"""The offline backend gives a real result: Markdown text, counts, keywords, a summary."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from core import extract
from core.pipeline import Pipeline
from core.processors import make_processor
from core.processors.base import Handle, Prompt, SplitPart
from core.processors.local import LocalProcessor
from core.run_types import RunRequest
from core.sections import Section, from_outline
from core.settings import ProcessorKind, Settings
from core.workers import PdfWorkers
from tests.helpers.documents import (
    BULLETS,
    FOOTER,
    RISKS,
    TABLE_NOTE,
    ReportPdf,
    make_report_pdf,
)

PROMPT = Prompt(name="summary", text="Summarise")


@pytest.fixture
def report(tmp_path: Path) -> ReportPdf:
    return make_report_pdf(tmp_path / "report.pdf", blank_page=True)


@pytest.fixture
def analysis(report: ReportPdf) -> extract.LocalAnalysis:
    # the section is pages 10-14 of a bigger document: notes must name those pages
    return extract.analyze_section_pdf(str(report.path), (10, 11, 12, 13, 14))


def settings(**values: object) -> Settings:
    base: dict[str, object] = {"enable_memory_monitoring": False, "processor": "local"}
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


def _part(path: Path, pages: int) -> SplitPart:
    return SplitPart(path=path, page_count=pages, size_bytes=path.stat().st_size, sha256="x")


# ------------------------------------------------------------------------ extraction
def test_headings_by_size_and_weight(analysis: extract.LocalAnalysis, report: ReportPdf) -> None:
    lines = analysis.text_markdown.splitlines()
    assert f"# {report.title}" in lines  # the biggest font: the top heading
    assert f"## {report.subtitle}" in lines  # the next size down
    bold = [line for line in lines if line.endswith(report.bold_heading)]
    assert bold == [f"### {report.bold_heading}"]  # bold at body size: the lowest level
    assert lines.index(f"# {report.title}") < lines.index(f"## {report.subtitle}")


def test_paragraphs_keep_their_sentences(
    analysis: extract.LocalAnalysis, report: ReportPdf
) -> None:
    for sentence in report.sentences:
        assert sentence in analysis.text_markdown


def test_ruled_table_becomes_a_markdown_table(analysis: extract.LocalAnalysis) -> None:
    text = analysis.text_markdown
    assert "| Region | Turbines | Revenue |" in text
    assert "| --- | --- | --- |" in text
    assert "| North | 41 | 1,230 |" in text
    assert "| South \\| Coast | 28 | 840 |" in text  # a '|' in a cell is escaped
    assert analysis.tables == 1
    # the cells appear once, in the table, not again as loose paragraphs
    assert text.count("Revenue |") == 1
    assert text.count("West") == 1


def test_word_and_page_counts(analysis: extract.LocalAnalysis, report: ReportPdf) -> None:
    expected = sum(len(extract.WORD_RE.findall(text)) for text in report.drawn_text)
    assert analysis.words == expected  # the running footer is not counted
    assert analysis.pages == 5


def test_running_footer_is_dropped(analysis: extract.LocalAnalysis) -> None:
    assert "Confidential" not in analysis.text_markdown
    assert FOOTER.split("·")[0].strip() not in analysis.text_markdown


def test_keywords_are_frequent_content_words(analysis: extract.LocalAnalysis) -> None:
    assert analysis.keywords[0] == "turbine"  # 'turbine' and 'turbines' folded together
    assert not set(analysis.keywords) & extract.STOPWORDS
    assert 1 <= len(analysis.keywords) <= 10


def test_summary_sentences_come_from_the_text_in_order(
    analysis: extract.LocalAnalysis, report: ReportPdf
) -> None:
    summary = [sentence.text for sentence in analysis.summary]
    assert 3 <= len(summary) <= 5
    assert all(sentence in report.sentences for sentence in summary)
    positions = [report.sentences.index(sentence) for sentence in summary]
    assert positions == sorted(positions)


def test_scanned_and_blank_pages_are_noted_with_document_numbers(
    analysis: extract.LocalAnalysis,
) -> None:
    assert analysis.scanned_pages == [12]
    assert analysis.blank_pages == [14]
    assert f"> Page 12: {extract.SCANNED_NOTE}" in analysis.text_markdown
    assert "> Page 14 is blank." in analysis.text_markdown


def test_bullets_become_a_tight_list(analysis: extract.LocalAnalysis) -> None:
    assert f"- {BULLETS[0]}\n- {BULLETS[1]}" in analysis.text_markdown


def test_markdown_layout(analysis: extract.LocalAnalysis) -> None:
    markdown = extract.render_local_markdown(analysis)
    order = [markdown.index(h) for h in ("## Summary\n", "## Keywords\n", "## Text\n")]
    assert order == sorted(order)
    for sentence in analysis.summary:
        assert f"- {sentence.text}" in markdown
    assert ", ".join(analysis.keywords) in markdown
    assert "_5 pages, 146 words, 1 table, 1 scanned page._" in markdown


def test_a_scan_only_section_still_has_a_result(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    with pymupdf.open() as doc:
        page = doc.new_page()
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 20, 20), False)
        page.insert_image(page.rect, pixmap=pix)
        doc.save(path)
    analysis = extract.analyze_section_pdf(str(path), (7,))
    markdown = extract.render_local_markdown(analysis)
    assert analysis.words == 0 and analysis.summary == [] and analysis.scanned_pages == [7]
    assert "_No sentences to summarise in this section._" in markdown
    assert f"> Page 7: {extract.SCANNED_NOTE}" in markdown


# ------------------------------------------------------------------- pure helpers
def test_table_to_markdown_pads_rows_and_cleans_cells() -> None:
    markdown = extract.table_to_markdown([["A", "B"], ["1\n2", None, "x"], [None, None]])
    assert markdown.splitlines() == [
        "| A | B |  |",
        "| --- | --- | --- |",
        "| 1 2 |  | x |",
    ]
    assert extract.table_to_markdown([[None, ""]]) == ""


def test_join_lines_rejoins_hyphenated_words() -> None:
    assert extract.join_lines(["the instru-", "ments work", "well-", "Known"]) == (
        "the instruments work well- Known"
    )


def test_split_sentences_and_prose_filter() -> None:
    text = 'Revenue rose 9%. "Costs fell," she said. Margins improved to 15.6 percent!'
    assert extract.split_sentences(text) == [
        "Revenue rose 9%.",
        '"Costs fell," she said.',
        "Margins improved to 15.6 percent!",
    ]
    code = "int * len) der: DER data to decode with value_of(x) = {y}."
    assert not extract.is_prose(code, extract.tokenize(code))
    prose = "The plant in Tampere reached its planned output in June."
    assert extract.is_prose(prose, extract.tokenize(prose))


def test_may_have_table_needs_a_grid_not_a_frame() -> None:
    def line(x0: float, y0: float, x1: float, y1: float) -> tuple[str, tuple, tuple]:
        return ("l", (x0, y0), (x1, y1))

    frames = [{"items": [("re", (50, y, 550, y + 40), 1)]} for y in (100, 200, 300)]
    underscores = [{"items": [line(x, 100, x + 4, 100) for x in range(50, 500, 10)]}]
    grid = [
        {"items": [line(50, y, 350, y) for y in (100, 120, 140)]},
        {"items": [line(x, 100, x, 140) for x in (50, 200, 350)]},
    ]
    assert not extract.may_have_table(frames)
    assert not extract.may_have_table(underscores)
    assert extract.may_have_table(grid)


def test_term_frequencies_fold_plurals_and_skip_numbers() -> None:
    freq = extract.term_frequencies("Risks and a risk; 2024 revenue, the company's revenue")
    assert freq["risk"] == 2 and "risks" not in freq
    assert freq["company"] == 1 and freq["revenue"] == 2
    assert "2024" not in freq and "and" not in freq


# ------------------------------------------------------------------- the processor
async def test_local_processor_runs_in_a_worker(report: ReportPdf, workers: PdfWorkers) -> None:
    processor = LocalProcessor(workers)
    section = Section(id="s3", title="Review", pages=(10, 11, 12, 13, 14))
    await processor.open()
    result = await processor.analyze(section, Handle(part=_part(report.path, 5)), PROMPT)
    await processor.cleanup(Handle(part=_part(report.path, 5)))
    await processor.close()
    assert (result.section_id, result.title, result.pages) == ("s3", "Review", "10-14")
    assert result.processor == "local" and result.model is None
    assert result.markdown.startswith("## Summary\n")
    assert {"pages", "words", "keywords", "summary", "scanned_pages"} <= set(result.stats)
    assert result.stats["scanned_pages"] == [12]
    assert result.notes == ["Pages without a text layer (12): scanned page: use Gemini."]
    assert processor.uses_upload is False and processor.name == "local"


async def test_local_processor_notes_a_prompt_it_cannot_run(
    report: ReportPdf, workers: PdfWorkers
) -> None:
    section = Section(id="s1", title="Review", pages=(1, 2, 3, 4, 5))
    result = await LocalProcessor(workers).analyze(
        section, Handle(part=_part(report.path, 5)), Prompt(name="risks", text="List risks")
    )
    assert any("'risks' prompt needs a model" in note for note in result.notes)


async def test_unreadable_part_fails_with_a_plain_reason(
    tmp_path: Path, workers: PdfWorkers
) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    section = Section(id="s1", title="Broken", pages=(1,))
    with pytest.raises(Exception) as caught:
        await LocalProcessor(workers).analyze(section, Handle(part=_part(bad, 1)), PROMPT)
    assert "Could not extract the text of section 'Broken'" in str(caught.value)
    assert getattr(caught.value, "retryable", None) is False


async def test_whole_run_offline_through_the_pipeline(
    workers: PdfWorkers, private_tmp: Path
) -> None:
    sample = Path(__file__).resolve().parents[2] / "resources" / "sample.pdf"
    from core.pdf import inspect

    info = inspect(sample)
    sections = from_outline(info.outline, info.page_count, 1)
    pipeline = Pipeline(settings(), make_processor(settings(), workers), workers)
    outcome = await pipeline.run(RunRequest(pdf_path=sample, sections=sections, prompt=PROMPT))
    assert outcome.ok, outcome.failures
    assert set(outcome.results) == {s.id for s in sections}
    financial = next(r for r in outcome.results.values() if "Financial" in r.title)
    assert "| Segment | Revenue 2024 | Revenue 2023 | Operating profit |" in financial.markdown
    appendix = next(r for r in outcome.results.values() if "Appendix" in r.title)
    assert appendix.stats["scanned_pages"] == [info.page_count]
    assert list(private_tmp.iterdir()) == []


# ------------------------------------------------------------------ make_processor
def test_make_processor_picks_local_without_a_key(workers: PdfWorkers) -> None:
    processor = make_processor(settings(processor="auto"), workers)
    assert isinstance(processor, LocalProcessor)
    assert settings(processor="auto").resolved_processor() is ProcessorKind.LOCAL


def test_make_processor_picks_gemini_with_a_key(workers: PdfWorkers) -> None:
    pytest.importorskip("core.processors.gemini")
    processor = make_processor(settings(processor="auto", gemini_api_key="k-123"), workers)
    assert processor.name == "gemini"


def test_numbered_headings_in_the_margin_are_kept(tmp_path: Path) -> None:
    """Masking digits finds running footers; it must not eat 'Chapter N' headings."""
    path = tmp_path / "chapters.pdf"
    with pymupdf.open() as doc:
        for number in (1, 2, 3):
            page = doc.new_page()
            page.insert_text((72, 40), f"Chapter {number}", fontname="hebo", fontsize=20)
            page.insert_textbox(
                pymupdf.Rect(72, 100, 520, 300),
                "The chapter explains how the turbine works in plain words.",
                fontsize=11,
            )
            page.insert_text((72, 820), f"Field Guide - page {number}", fontsize=8)
        doc.save(path)
    text = extract.analyze_section_pdf(str(path)).text_markdown
    assert [line for line in text.splitlines() if line.startswith("#")] == [
        "# Chapter 1",
        "# Chapter 2",
        "# Chapter 3",
    ]
    assert "Field Guide" not in text


def test_a_scan_with_a_stamped_line_is_still_a_scan(tmp_path: Path) -> None:
    path = tmp_path / "stamped.pdf"
    with pymupdf.open() as doc:
        page = doc.new_page()
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 30, 40), False)
        page.insert_image(pymupdf.Rect(20, 20, 575, 800), pixmap=pix)
        page.insert_text((40, 830), "Received 3 March 2025", fontsize=8)
        doc.save(path)
    analysis = extract.analyze_section_pdf(str(path), (4,))
    assert analysis.scanned_pages == [4]
    assert f"> Page 4: {extract.SCANNED_NOTE} (it is mostly a picture)." in analysis.text_markdown
    assert "Received 3 March 2025" in analysis.text_markdown  # the text is kept too


# ------------------------------------------------------------------------ citations
async def test_offline_summary_and_key_facts_cite_their_pages(
    workers: PdfWorkers, tmp_path: Path
) -> None:
    """Pages 2 and 4 of the report are one non-contiguous section: each summary bullet
    and key fact cites the page it was taken from, checked on that page of the source."""
    report = make_report_pdf(tmp_path / "report.pdf")
    section = Section(id="s1", title="Table and risks", pages=(2, 4))
    pipeline = Pipeline(settings(), LocalProcessor(workers), workers)
    request = RunRequest(pdf_path=report.path, sections=[section], prompt=PROMPT)

    outcome = await pipeline.run(request)

    result = outcome.results["s1"]
    assert result.citations, result.markdown
    drawn = {2: TABLE_NOTE, 4: RISKS}
    for citation in result.citations:
        assert citation.verified and citation.reason is None
        assert citation.quote in drawn[citation.page], citation  # from that very page
        assert citation.label == str(citation.page) and citation.claim == citation.quote
        assert f"- {citation.quote} [p. {citation.page}]" in result.markdown
    assert result.stats["summary_pages"] + result.stats["key_fact_pages"] == [
        c.page for c in result.citations
    ]


def test_key_facts_are_sentences_with_figures_outside_the_summary() -> None:
    from core.extraction.model import Block, Sentence
    from core.extraction.text import key_facts

    blocks = [
        Block("paragraph", "Sales rose by 12 percent to 4.1 million pounds in 2024. It rained.", 3),
        Block("paragraph", "The plant opened in 1998 and employs 40 people on two sites.", 5),
        Block("paragraph", "Nothing in this sentence has a figure of any kind at all.", 6),
    ]
    summary = [Sentence("The plant opened in 1998 and employs 40 people on two sites.", 5)]
    assert key_facts(blocks, summary) == [
        Sentence("Sales rose by 12 percent to 4.1 million pounds in 2024.", 3)
    ]
