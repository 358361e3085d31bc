"""Borderless tables: lines whose cells start at the same x positions.

Borderless tables have no rules to find; ``find_tables(strategy="text")`` on every
page costs 50-100 ms and splits each wrapped cell into rows of its own. Instead,
consecutive lines whose cells (runs of text set apart by wide gaps) start at the same
x positions form a table, and a line that only continues a cell joins its row.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.extraction.model import Line, Piece, Table
from core.extraction.tables import ALIGN_PT, logical_rows

_WRAP_PITCH = 1.5  # a wrapped cell's next line is at most this many line heights below


def find(lines: Sequence[Line], start: int) -> tuple[Table, int] | None:
    """A borderless table starting at ``lines[start]``, and the index after it.

    Needs three text rows of two or more cells whose starts line up; rows that only
    continue a cell (text in a column other than the first, within that column) join.
    """
    rows = _text_rows_from(lines, start)
    if len(rows) < 3:
        return None
    columns = sorted(piece.x0 for piece in _row_pieces(rows[0]))
    if len(columns) < 2:
        return None
    taken, multi = 0, 0
    for index, row in enumerate(rows):
        pieces = _row_pieces(row)
        if not all(_column_of(p.x0, columns) is not None for p in pieces):
            break
        if len(pieces) >= 2:
            multi += 1
        elif not (_continues(pieces, columns) and _wrapped(rows[index - 1], row)):
            break
        taken += 1
    if multi < 3:
        return None
    kept = [ln for row in rows[:taken] for ln in row]
    cells = logical_rows(kept, columns, uniform=True)
    if len(cells) < 3:
        return None
    table = Table(
        min(ln.x0 for ln in kept),
        min(ln.y0 for ln in kept),
        max(ln.x1 for ln in kept),
        max(ln.y1 for ln in kept),
        cells,
    )
    return table, start + len(kept)


def _text_rows_from(lines: Sequence[Line], start: int) -> list[list[Line]]:
    """Consecutive lines from ``start`` grouped into rows (same height), in order."""
    rows: list[list[Line]] = []
    for line in lines[start:]:
        if rows and abs(line.y0 - rows[-1][0].y0) < line.height * 0.5:
            rows[-1].append(line)
        elif rows and line.y0 < rows[-1][0].y0:
            break  # the flow went up: another column
        else:
            rows.append([line])
        if len(rows) > 60:
            break
    return rows


def _row_pieces(row: list[Line]) -> list[Piece]:
    return sorted((p for line in row for p in line.pieces), key=lambda p: p.x0)


def _column_of(x: float, columns: list[float]) -> int | None:
    for index, column in enumerate(columns):
        if abs(x - column) <= ALIGN_PT:
            return index
    return None


def _wrapped(above: list[Line], row: list[Line]) -> bool:
    """A line set as close under the row above as a wrapped line is: a paragraph after
    the table, aligned with its first column, stands further off."""
    return row[0].y0 - above[0].y0 <= above[0].height * _WRAP_PITCH


def _continues(pieces: list[Piece], columns: list[float]) -> bool:
    """One run of text that stays within its column: a wrapped cell's next line."""
    if len(pieces) != 1:
        return False
    index = _column_of(pieces[0].x0, columns)
    if index is None:
        return False
    right = columns[index + 1] if index + 1 < len(columns) else float("inf")
    return pieces[0].x1 <= right
