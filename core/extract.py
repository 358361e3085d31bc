"""Offline analysis of a section's PDF: Markdown that keeps the document's structure.

This is what the local backend returns when there is no Gemini key (or no network), so it
must be a real result and not a placeholder: the section's text as Markdown (columns in
reading order, headings ranked by the document's own sizes, lists, code, tables, page
markers, running headers and footers left out), word and page counts, the most frequent
content words and an extractive summary whose sentences know their page.

:func:`analyze_section_pdf` is the one entry point that touches PyMuPDF; it is top level
so a worker *process* can run it (PyMuPDF is not thread-safe and must stay off the event
loop thread). The parts live in :mod:`core.extraction`; the names the rest of the
program and the tests use are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pymupdf

from core.extraction.blocks import join_lines, page_blocks
from core.extraction.headings import (
    body_size,
    heading_levels,
    is_heading_size,
    mark_bylines,
    mark_contents_pages,
)
from core.extraction.markdown import (
    join_blocks,
    join_code,
    page_marker,
    render_local_markdown,
)
from core.extraction.model import Block, LocalAnalysis, PageText, Sentence
from core.extraction.reading import read_page
from core.extraction.running import drop_running_lines
from core.extraction.tables import may_have_table, table_to_markdown
from core.extraction.text import (
    STOPWORDS,
    WORD_RE,
    extractive_summary,
    is_prose,
    key_facts,
    split_sentences,
    term_frequencies,
    tokenize,
    top_keywords,
)

__all__ = [
    "SCANNED_NOTE",
    "STOPWORDS",
    "WORD_RE",
    "Block",
    "LocalAnalysis",
    "Sentence",
    "analyze_pages",
    "analyze_section_pdf",
    "is_prose",
    "join_lines",
    "may_have_table",
    "render_local_markdown",
    "split_sentences",
    "table_to_markdown",
    "term_frequencies",
    "tokenize",
]

SCANNED_NOTE = "scanned page: use Gemini"


def analyze_section_pdf(path: str, page_numbers: Sequence[int] | None = None) -> LocalAnalysis:
    """Read a section's PDF and analyse it. Runs in a worker process.

    ``page_numbers`` are the section's pages in the whole document, so page markers,
    notes ("page 12 is scanned") and every block's page name the page the user sees,
    not its index in the split file.
    """
    with pymupdf.open(path) as doc:
        numbers = list(page_numbers or range(1, doc.page_count + 1))
        if len(numbers) != doc.page_count:
            numbers = list(range(1, doc.page_count + 1))
        pages = [read_page(page, number) for page, number in zip(doc, numbers, strict=True)]
    return analyze_pages(pages)


def analyze_pages(pages: Sequence[PageText]) -> LocalAnalysis:
    """Turn read pages into the analysis; pure, so tests can feed it synthetic pages."""
    body = body_size(line for page in pages for line in page.lines)
    mark_bylines(pages, body)
    drop_running_lines(pages, lambda line: is_heading_size(line, body))
    mark_contents_pages(pages)
    levels = heading_levels(pages, body)
    chunks: list[str] = []
    blocks: list[Block] = []
    scanned: list[int] = []
    blank: list[int] = []
    for page in pages:
        chunks.append(page_marker(page.number))
        if page.mostly_image and not page.empty:
            scanned.append(page.number)
            chunks.append(f"> Page {page.number}: {SCANNED_NOTE} (it is mostly a picture).")
        if page.empty:
            if page.has_images or page.has_drawings:
                scanned.append(page.number)
                chunks.append(
                    f"> Page {page.number}: {SCANNED_NOTE} (this page has no text layer)."
                )
            else:
                blank.append(page.number)
                chunks.append(f"> Page {page.number} is blank.")
            continue
        found = page_blocks(page, body, levels)
        if found and blocks and _code_runs_on(blocks[-1], found[0], chunks):
            blocks[-1] = join_code(blocks[-1], found.pop(0))
            chunks[-2] = blocks[-1].markdown
        blocks += found
        chunks += join_blocks(found)
    prose = [block for block in blocks if block.is_prose]
    freq = term_frequencies("\n".join(block.markdown for block in prose))
    summary = extractive_summary(prose, freq)
    return LocalAnalysis(
        text_markdown="\n\n".join(chunks).strip(),
        pages=len(pages),
        words=sum(block.words for block in blocks),
        keywords=top_keywords(freq),
        summary=summary,
        facts=key_facts(prose, summary),
        scanned_pages=scanned,
        blank_pages=blank,
        tables=sum(1 for block in blocks if block.kind == "table"),
        blocks=blocks,
    )


def _code_runs_on(last: Block, first: Block, chunks: list[str]) -> bool:
    """A listing cut by a page break: the page ends and the next begins with code."""
    return last.kind == first.kind == "code" and len(chunks) >= 2 and chunks[-2] == last.markdown
