"""Tables out to CSV and a workbook: read back from the answers with their pages, and
joined when a page break or a section boundary cut them."""

from __future__ import annotations

import csv
from pathlib import Path

import pymupdf
from openpyxl import load_workbook

from core.citations.model import Citation
from core.pipeline import Pipeline
from core.processors.local import LocalProcessor
from core.prompts import get_prompt
from core.results import SectionResult
from core.run_types import RunOutcome, RunRequest
from core.sections import Section
from core.settings import Settings
from core.tables.collect import result_tables
from core.tables.export import export_tables, outcome_tables
from core.tables.join import join_continued
from core.workers import PdfWorkers
from tests.helpers.documents import ruled_table

HEADER = ["Depot", "Trucks", "Drivers"]
FIRST_PART = [[f"Depot {n}", str(10 + n), str(20 + n)] for n in range(1, 9)]
SECOND_PART = [[f"Depot {n}", str(10 + n), str(20 + n)] for n in range(9, 14)]
OTHER = [
    ["Supplier", "Country", "Share"],
    ["Ironworks", "Finland", "40%"],
    ["Alu", "Norway", "60%"],
]
TEXT = "The fleet grew in every region this year, and the depots below hold the trucks."


def fleet_pdf(path: Path) -> Path:
    """Page 1: a paragraph, then a table that runs to the bottom of the page; page 2: the
    same table goes on (no header printed again), then a paragraph; page 3: another
    table with other columns."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(72, 72, 520, 200), TEXT, fontsize=11)
    ruled_table(page, 842 - 72 - 20 * (1 + len(FIRST_PART)), [HEADER, *FIRST_PART])
    page = doc.new_page()
    ruled_table(page, 72, SECOND_PART)
    page.insert_textbox(pymupdf.Rect(72, 200, 520, 300), TEXT, fontsize=11)
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(72, 72, 520, 200), TEXT, fontsize=11)
    ruled_table(page, 200, OTHER)
    doc.save(path)
    doc.close()
    return path


async def offline_run(pdf: Path, sections: list[Section], workers: PdfWorkers) -> RunOutcome:
    settings = Settings(_env_file=None, processor="local", enable_memory_monitoring=False)
    pipeline = Pipeline(settings, LocalProcessor(workers), workers)
    request = RunRequest(pdf_path=pdf, sections=sections, prompt=get_prompt(None, None))
    return await pipeline.run(request)


async def test_a_table_continued_across_a_page_break_is_one_table(
    tmp_path: Path, workers: PdfWorkers
) -> None:
    pdf = fleet_pdf(tmp_path / "fleet.pdf")
    outcome = await offline_run(pdf, [Section("s1", "Fleet", (1, 2, 3))], workers)
    tables = outcome_tables(outcome)
    assert [t.rows for t in tables] == [[HEADER, *FIRST_PART, *SECOND_PART], OTHER]
    assert tables[0].pages == [1, 2] and tables[1].pages == [3]


async def test_a_table_cut_by_a_section_boundary_is_one_table(
    tmp_path: Path, workers: PdfWorkers
) -> None:
    pdf = fleet_pdf(tmp_path / "fleet.pdf")
    sections = [Section("s1", "Depots", (1,)), Section("s2", "Suppliers", (2, 3))]
    outcome = await offline_run(pdf, sections, workers)
    tables = outcome_tables(outcome)
    assert [t.rows for t in tables] == [[HEADER, *FIRST_PART, *SECOND_PART], OTHER]
    assert tables[0].sections == ["s1", "s2"]
    written = export_tables(outcome, tmp_path / "tables")
    with written.csv_files[0].open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == [HEADER, *FIRST_PART, *SECOND_PART]
    assert written.workbook is not None
    book = load_workbook(written.workbook)
    assert book.sheetnames[0] == "Index" and len(book.sheetnames) == 3


def cited_answer(markdown: str, pages: list[int]) -> SectionResult:
    """An answer as the Tables template gets it back: each table cited below it."""
    citations = [Citation(page=p, label=str(p), quote="q", verified=True) for p in pages]
    return SectionResult(
        section_id="s1",
        title="Annex",
        pages="7-9",
        processor="gemini",
        markdown=markdown,
        citations=citations,
    )


def test_a_repeated_header_on_the_next_page_joins_and_is_dropped() -> None:
    table = "| Year | Sales |\n| --- | --- |\n| {a} | {b} |"
    markdown = "\n\n".join(
        [
            "### Sales by year",
            table.format(a="2022", b="1\\|2") + "\n[p. 7]",
            "### Sales by year (continued)",
            table.format(a="2023", b="5") + "\n[p. 8]",
        ]
    )
    found = result_tables(cited_answer(markdown, [7, 8]), (7, 8, 9))
    assert [t.pages for t in found] == [[7], [8]]
    assert found[0].caption == "Sales by year"
    joined = join_continued(found)
    assert len(joined) == 1
    assert joined[0].rows == [["Year", "Sales"], ["2022", "1|2"], ["2023", "5"]]
    assert joined[0].pages == [7, 8]


def test_tables_two_pages_apart_or_with_other_columns_stay_apart() -> None:
    two = "| Year | Sales |\n| --- | --- |\n| 2022 | 1 |\n[p. 7]"
    three = "| Year | Sales | Staff |\n| --- | --- | --- |\n| 2023 | 5 | 2 |\n[p. 8]"
    far = "| Year | Sales |\n| --- | --- |\n| 2024 | 6 |\n[p. 9]"
    found = result_tables(cited_answer(f"{two}\n\n{three}\n\n{far}", [7, 8, 9]), (7, 8, 9))
    assert len(join_continued(found)) == 3
    gap = result_tables(cited_answer(f"{two}\n\n{far}", [7, 9]), (7, 8, 9))
    assert len(join_continued(gap)) == 2
