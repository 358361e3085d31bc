"""Tables read back from the Markdown of a run's answers, each with its page.

Every answer is Markdown whatever wrote it, and its tables are GitHub tables, so one
parser (markdown-it-py, the CommonMark parser rich already uses) finds them all, cells
unescaped. The page of a table: the last ``<!-- page N -->`` marker before it (the
offline extractor marks every page), else the citation on the line below it (the
*Tables* template asks Gemini to cite each table there), else its section's first page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from core.tables.model import FoundTable

if TYPE_CHECKING:
    from markdown_it.token import Token

    from core.results import SectionResult
    from core.run_types import RunOutcome

_PAGE_MARK = re.compile(r"<!--\s*page\s+(\d+)\s*-->")
_FINAL_MARK = re.compile(r"\[p\. ([^\]\n]{1,40}?)(?:, unverified)?\]")
_CITE_LINES = 2  # a table's citation is on one of the lines right below it
_PARSER = MarkdownIt("commonmark").enable("table")


def run_tables(outcome: RunOutcome) -> list[FoundTable]:
    """Every table of the run's answers, in document order (not joined yet)."""
    from core.export import ordered_sections

    found: list[FoundTable] = []
    for section in ordered_sections(outcome):
        result = outcome.results.get(section.id)
        if result is not None:
            found += result_tables(result, section.pages)
    return found


def result_tables(result: SectionResult, section_pages: Sequence[int]) -> list[FoundTable]:
    """The tables of one answer, each with its page and whether it fills its page's end
    or start (when page markers tell)."""
    lines = result.markdown.splitlines()
    tokens = _PARSER.parse(result.markdown)
    cited = _cited_lines(lines, result)
    marked = any(_PAGE_MARK.search(t.content) for t in tokens if t.type == "html_block")
    tables: list[FoundTable] = []
    page, alone, caption = section_pages[0], True, ""
    last: FoundTable | None = None  # the table that is the latest block on its page
    for index, token in _blocks(tokens):
        mark = _PAGE_MARK.search(token.content) if token.type == "html_block" else None
        if mark:
            if last is not None:
                last.ends_page = True
            page, alone, last = int(mark.group(1)), True, None
            continue
        if token.type != "table_open":
            if last is not None:
                last.ends_page = False
            if token.type == "heading_open":
                caption = tokens[index + 1].content.strip()
            alone, last = False, None
            continue
        stop = (token.map or (0, 0))[1]
        table = FoundTable(
            result.section_id,
            result.title,
            [page if marked else cited_page(cited, stop) or page],
            _rows(tokens[index : _closing(tokens, index)]),
            caption=caption,
            starts_page=alone if marked else None,
            sections=[result.section_id],
        )
        if last is not None:
            last.ends_page = False
        tables.append(table)
        alone, last = False, table if marked else None
    if last is not None:
        last.ends_page = True
    return [table for table in tables if table.rows]


def _blocks(tokens: list[Token]) -> list[tuple[int, Token]]:
    """The top-level blocks: each opening (or self-contained) token at level 0."""
    return [(i, t) for i, t in enumerate(tokens) if t.level == 0 and t.nesting >= 0]


def _closing(tokens: list[Token], start: int) -> int:
    """The index just past the table that opens at ``start``."""
    for index in range(start, len(tokens)):
        if tokens[index].type == "table_close":
            return index + 1
    return len(tokens)


def _rows(tokens: list[Token]) -> list[list[str]]:
    rows: list[list[str]] = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(" ".join(token.content.split()))
    rows = [row for row in rows if any(row)]
    if rows and _FINAL_MARK.fullmatch(" ".join(cell for cell in rows[-1] if cell)):
        rows.pop()  # a citation right under the table, read as its last row
    return rows


def _cited_lines(lines: list[str], result: SectionResult) -> dict[int, int]:
    """Line number -> document page of each citation marker of the answer, when the
    markers and the citations line up (the n-th marker is the n-th citation)."""
    found = [(n, m) for n, line in enumerate(lines) for m in _FINAL_MARK.finditer(line)]
    if len(found) != len(result.citations):
        return {}
    pages: dict[int, int] = {}
    for (number, _), citation in zip(found, result.citations, strict=True):
        pages.setdefault(number, citation.page)
    return pages


def cited_page(cited: dict[int, int], table_end: int) -> int | None:
    """The page cited on the last line of a table ending at ``table_end`` (a citation
    right under it is read as part of it) or on one of the lines below it."""
    for number in range(table_end - 1, table_end + _CITE_LINES + 1):
        if number in cited:
            return cited[number]
    return None
