"""One table from the pieces a page break or a section boundary cut it into.

A long table goes on over the next page, and a section may end in the middle of one. A
piece continues the table before it (in document order) when it is on the next page
(or the same page, in the next section), has the same number of columns, and either
repeats the header (the PDF printed it again: it is dropped) or, where page markers
tell, the first piece is the last thing on its page and the next the first on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.tables.model import FoundTable


def join_continued(tables: Sequence[FoundTable]) -> list[FoundTable]:
    """The tables with every continued piece joined to the table it continues."""
    joined: list[FoundTable] = []
    for table in tables:
        previous = joined[-1] if joined else None
        if previous is not None and continues(previous, table):
            _append(previous, table)
        else:
            joined.append(_copy(table))
    return joined


def continues(before: FoundTable, after: FoundTable) -> bool:
    """Whether ``after`` is the rest of ``before`` (see the module's rule)."""
    if after.columns != before.columns or after.columns == 0:
        return False
    last = before.pages[-1]
    next_page = after.page == last + 1
    same_page_next_section = after.page == last and after.section_id not in before.sections
    if not (next_page or same_page_next_section):
        return False
    if _norm(after.header) == _norm(before.header):
        return True
    return bool(before.ends_page) and bool(after.starts_page)


def _append(into: FoundTable, piece: FoundTable) -> None:
    rows = piece.rows[1:] if _norm(piece.header) == _norm(into.header) else piece.rows
    into.rows.extend(list(row) for row in rows)
    into.pages += [p for p in piece.pages if p not in into.pages]
    into.sections += [s for s in piece.sections if s not in into.sections]
    into.ends_page = piece.ends_page


def _copy(table: FoundTable) -> FoundTable:
    return FoundTable(
        table.section_id,
        table.section_title,
        list(table.pages),
        [list(row) for row in table.rows],
        caption=table.caption,
        ends_page=table.ends_page,
        starts_page=table.starts_page,
        sections=list(table.sections),
    )


def _norm(row: Sequence[str]) -> list[str]:
    return [" ".join(cell.split()).casefold() for cell in row]
