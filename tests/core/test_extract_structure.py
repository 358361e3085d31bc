"""The offline Markdown keeps each kind of structure a reader sees on the page.

The documents are the benchmark's (bench/extract_corpus.py): PDFs laid out by PyMuPDF's
Story API from known HTML, so each test checks against what was drawn.
"""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest

from bench.extract_corpus import (
    BORDERLESS,
    CODE,
    COLUMNS_ONLY,
    CSS,
    RULED,
    Truth,
    manual,
    newsletter,
    paper,
    tables,
    write_story,
)
from core import export, extract
from core.results import SectionResult


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Truth, str]]:
    folder = tmp_path_factory.mktemp("structure")
    out = {}
    for build in (paper, newsletter, manual, tables):
        truth = build(folder)
        out[truth.name] = (truth, extract.analyze_section_pdf(str(truth.path)).text_markdown)
    return out


def md_rows(markdown: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        for line in markdown.splitlines()
        if line.startswith("| ") and not line.startswith("| ---")
    ]


# ---------------------------------------------------------------------- columns
def test_two_columns_read_one_after_the_other(docs: dict[str, tuple[Truth, str]]) -> None:
    truth, markdown = docs["paper"]
    text = " ".join(re.sub(r"<!-- page \d+ -->", " ", markdown).split())
    positions = [text.find(sentence) for sentence in truth.sentences]
    assert -1 not in positions
    assert positions == sorted(positions)


def test_sections_of_a_two_column_paper_keep_their_order(
    docs: dict[str, tuple[Truth, str]],
) -> None:
    truth, markdown = docs["paper"]
    headings = [line.lstrip("# ") for line in markdown.splitlines() if line.startswith("#")]
    assert headings == [text for _, text in truth.headings]


def test_three_justified_columns_read_in_order_in_whole_paragraphs(
    docs: dict[str, tuple[Truth, str]],
) -> None:
    truth, markdown = docs["newsletter"]
    text = " ".join(re.sub(r"<!-- page \d+ -->", " ", markdown).split())
    positions = [text.find(sentence) for sentence in truth.sentences]
    assert -1 not in positions and positions == sorted(positions)
    # the words of a widely spread justified line stay on one line of one paragraph (a
    # page's first paragraph may be the end of one begun on the page before)
    pages = re.split(r"<!-- page \d+ -->", markdown)
    paragraphs = [
        paragraph
        for page in pages
        for paragraph in [p for p in page.split("\n\n") if p.strip() and p[0] != "#"][1:]
    ]
    assert len(paragraphs) > len(truth.sentences) // 4
    assert min(len(p.split()) for p in paragraphs) >= 5


# ----------------------------------------------------------------------- tables
@pytest.mark.parametrize(
    "source", [RULED, COLUMNS_ONLY, BORDERLESS], ids=["ruled", "columns", "none"]
)
def test_table_cells_stay_in_their_rows(
    source: list[list[str]], docs: dict[str, tuple[Truth, str]]
) -> None:
    rows = md_rows(docs["tables"][1])
    for row in source:
        assert [cell.replace("|", "\\|") for cell in row] in rows


def test_a_borderless_table_ends_where_the_next_paragraph_begins(tmp_path: Path) -> None:
    rows = [
        ["Term", "Value", "Meaning"],
        ["Net revenue after all deductions<br>and rebates", "412", "What the group kept"],
        ["Operating margin before one-off items", "12%", "Profit over revenue"],
        ["Staff", "900", "People employed at the year end"],
    ]
    cells = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    path = tmp_path / "borderless.pdf"
    body = f"<p>Before the table.</p><table>{cells}</table><p>After the table, aligned.</p>"
    write_story(path, body)
    markdown = extract.analyze_section_pdf(str(path)).text_markdown
    assert md_rows(markdown)[1:] == [  # after the header
        ["Net revenue after all deductions and rebates", "412", "What the group kept"],
        ["Operating margin before one-off items", "12%", "Profit over revenue"],
        ["Staff", "900", "People employed at the year end"],
    ]
    assert markdown.endswith("|\n\nAfter the table, aligned.")


def test_a_boxed_note_is_a_paragraph_not_a_table(docs: dict[str, tuple[Truth, str]]) -> None:
    truth, markdown = docs["tables"]
    separators = [line for line in markdown.splitlines() if line.startswith("| --- ")]
    assert len(separators) == len(truth.tables)
    for note in truth.not_tables:
        assert f"\n{note}\n" in f"\n{markdown}\n"


# ------------------------------------------------------------------------- code
def test_code_is_fenced_with_its_lines_and_indentation(
    docs: dict[str, tuple[Truth, str]],
) -> None:
    markdown = docs["manual"][1]
    for listing in CODE:
        body = "\n".join(line for line in listing)
        assert f"```\n{body}\n```" in markdown


def test_code_placed_by_position_gets_its_indentation_back(tmp_path: Path) -> None:
    """Many PDFs draw no spaces: each code line starts at its own x."""
    path = tmp_path / "placed.pdf"
    listing = ["def area(r):", "    if r < 0:", "        raise ValueError(r)", "    return r * r"]
    with pymupdf.open() as doc:
        page = doc.new_page()
        page.insert_text((72, 72), "The function below squares a radius.", fontsize=11)
        width = pymupdf.get_text_length("x", "cour", 10)
        for row, line in enumerate(listing):
            indent = len(line) - len(line.lstrip())
            page.insert_text(
                (90 + indent * width, 100 + row * 13), line.lstrip(), fontname="cour", fontsize=10
            )
        doc.save(path)
    markdown = extract.analyze_section_pdf(str(path)).text_markdown
    assert "```\n" + "\n".join(listing) + "\n```" in markdown


# ------------------------------------------------------------------------ lists
def test_bullets_numbers_and_inline_bullets_are_list_items(
    docs: dict[str, tuple[Truth, str]],
) -> None:
    truth, markdown = docs["manual"]
    lines = markdown.splitlines()
    for item in truth.list_items:
        assert f"- {item}" in lines or any(re.fullmatch(rf"\d+\. {item}", ln) for ln in lines)
    assert "1. Open the ledger panel and check it" in lines


# --------------------------------------------------------------------- headings
def test_heading_levels_follow_the_documents_sizes(docs: dict[str, tuple[Truth, str]]) -> None:
    for name in ("paper", "manual", "tables"):
        truth, markdown = docs[name]
        found = [
            (len(m.group(1)), m.group(2))
            for m in re.finditer(r"^(#+) (.*)$", markdown, flags=re.MULTILINE)
        ]
        assert found == truth.headings, name


def test_a_contents_page_gives_no_headings_and_no_summary(tmp_path: Path) -> None:
    truth = manual(tmp_path)
    analysis = extract.analyze_section_pdf(str(truth.path))
    headings = [b.markdown for b in analysis.blocks if b.kind == "heading" and b.page == 1]
    assert headings == ["# Contents"]
    assert "- 2.1 Basic Concepts · 7" in analysis.text_markdown
    assert not any(". . ." in sentence.text for sentence in analysis.summary)


def test_bold_author_line_is_not_a_heading(docs: dict[str, tuple[Truth, str]]) -> None:
    markdown = docs["paper"][1]
    assert "\nAda Lind, Bo Strand and Cy Vale, Harbour Institute\n" in markdown


def test_large_author_and_affiliation_lines_are_not_headings(tmp_path: Path) -> None:
    body = (
        "<h1>Steady Sensors in Quiet Harbours</h1>"
        "<p class='by'>J. R. Smith, Ana de la Cruz and Li Wei</p>"
        "<p class='by'>Harbour Institute, Northport</p>"
        "<h3>Risk Management, Controls and Audit</h3>"
        f"<p>{'Sensors in the harbour report the tide every hour of the day. ' * 5}</p>"
    )
    path = tmp_path / "byline.pdf"
    write_story(path, body, css=CSS + "p.by { font-size: 13pt; }")
    markdown = extract.analyze_section_pdf(str(path)).text_markdown
    headings = re.findall(r"^#+ .*$", markdown, flags=re.MULTILINE)
    # the byline is text; the real heading below keeps the next level under the title
    assert headings == [
        "# Steady Sensors in Quiet Harbours",
        "## Risk Management, Controls and Audit",
    ]
    assert "\nJ. R. Smith, Ana de la Cruz and Li Wei\n" in markdown
    assert "\nHarbour Institute, Northport\n" in markdown


# -------------------------------------------------------------------- ligatures
def test_ligatures_come_out_as_plain_letters(docs: dict[str, tuple[Truth, str]]) -> None:
    for truth, markdown in docs.values():
        assert not re.search("[\ufb00-\ufb06]", markdown)
        assert "difficult" in markdown and "workflow" in markdown, truth.name


# ---------------------------------------------------------------- running lines
def test_running_headers_and_footers_are_removed(docs: dict[str, tuple[Truth, str]]) -> None:
    for truth, markdown in docs.values():
        for line in set(truth.running):
            assert line not in markdown, (truth.name, line)


def test_alternating_page_numbers_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    with pymupdf.open() as doc:
        for number in range(41, 47):
            page = doc.new_page()
            head = f"gnuplot 5.4 {number}" if number % 2 else f"{number} gnuplot 5.4"
            page.insert_text((72, 40), head, fontsize=9)
            page.insert_text((72, 120), f"Plot number {number * 7} draws a curve.", fontsize=11)
        doc.save(path)
    markdown = extract.analyze_section_pdf(str(path)).text_markdown
    assert "gnuplot" not in markdown
    assert markdown.count("draws a curve.") == 6


# ----------------------------------------------------------- pages, provenance
def test_page_markers_and_blocks_use_whole_document_pages(tmp_path: Path) -> None:
    truth = tables(tmp_path)
    numbers = tuple(range(30, 30 + truth.pages))
    analysis = extract.analyze_section_pdf(str(truth.path), numbers)
    markers = re.findall(r"^<!-- page (\d+) -->$", analysis.text_markdown, flags=re.MULTILINE)
    assert [int(n) for n in markers] == list(numbers)
    assert {block.page for block in analysis.blocks} == set(numbers)
    table = next(block for block in analysis.blocks if block.kind == "table")
    assert table.page == 30 and "Date of service" in table.markdown
    for sentence in analysis.summary:
        page_text = _page_text(analysis.text_markdown, sentence.page)
        assert sentence.text in page_text
    assert analysis.stats()["summary_pages"] == [s.page for s in analysis.summary]


def _page_text(markdown: str, number: int) -> str:
    return markdown.split(f"<!-- page {number} -->", 1)[1].split("<!-- page ", 1)[0]


# ------------------------------------------------------------------- export
def test_exported_section_nests_the_text_headings(tmp_path: Path) -> None:
    truth = manual(tmp_path)
    analysis = extract.analyze_section_pdf(str(truth.path))
    local = extract.render_local_markdown(analysis)
    assert "\n### 1 A Brief Introduction\n" in local  # '#' under '## Text'
    result = SectionResult(
        section_id="s1", title="Guide", pages="1-4", processor="local", model=None, markdown=local
    )
    body = export.demote_headings(result.markdown, top=3)
    levels = {
        text: len(hashes) for hashes, text in re.findall(r"^(#+) (.*)$", body, flags=re.MULTILINE)
    }
    assert levels["Text"] == 3
    assert levels["1 A Brief Introduction"] == 4
    assert levels["1.1 Basic Concepts"] == 5
    assert levels["1.1.1 Steps to record"] == 6
