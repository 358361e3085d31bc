"""Ruled tables from their ruling lines, and the rows and cells of any table's text.

A grid of ruling lines gives one row per ruled band, so a table that rules its columns
and not its rows puts four recommendations into one cell (``find_tables`` reads it so
too). Such rows are split again where the text shows a row gap wider than a cell's
line spacing. A box with one row or one column (a NOTE frame) is not a table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import pymupdf

from core.extraction.model import Line, Table

_MIN_GRID_EDGES = 3  # distinct x (and y) positions of ruling lines a table needs at least
_MIN_RULE_PT = 10.0  # shorter strokes are underscores, bullets or ornaments, not rules
_MAX_RULES = 1500
ALIGN_PT = 4.0  # cell starts this close are one column
_ROW_GAP = 1.25  # a line pitch this much over a cell's line spacing starts a new row


@dataclass(slots=True)
class Ruled:
    """A ruled grid: its box, the left edges of its columns, its rows' top and bottom."""

    table: Table
    columns: list[float]
    row_spans: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class _Rule:
    across: bool  # horizontal
    at: float  # y of a horizontal rule, x of a vertical one
    lo: float
    hi: float


# ---------------------------------------------------------------------------- ruled
def find_ruled(drawings: Sequence[dict]) -> list[Ruled]:
    """Grids of ruling lines with two columns at least (a one-column frame is a box).

    The grid comes from the page's vector paths directly: ``page.find_tables()`` finds
    the same grids but costs 250-650 ms on a text-dense page (it re-reads every glyph
    and searches for header lines above each table) against about 20 ms for our whole
    page, and its cell text loses the spaces of some PDFs' words.
    """
    if not may_have_table(drawings):
        return []
    rules = _rules(drawings)
    if len(rules) > _MAX_RULES:  # a chart or a drawing, not a table
        return []
    out = []
    for group in _connected(rules):
        xs = _merge_close(sorted(r.at for r in group if not r.across))
        ys = _merge_close(sorted(r.at for r in group if r.across))
        if len(xs) < 3 or len(ys) < 2:
            continue
        spans = list(itertools.pairwise(ys))
        out.append(Ruled(Table(xs[0], ys[0], xs[-1], ys[-1], []), xs[:-1], spans))
    return out


def _rules(drawings: Sequence[dict]) -> list[_Rule]:
    rules: list[_Rule] = []
    for path in drawings:
        for item in path.get("items", ()):
            kind = item[0] if item else ""
            if kind == "l":
                (x0, y0), (x1, y1) = item[1], item[2]
                rules += _as_rules(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            elif kind in ("re", "qu"):
                rect = pymupdf.Rect(item[1]) if kind == "re" else pymupdf.Quad(item[1]).rect
                if rect.width <= 3 or rect.height <= 3:  # a rule drawn as a thin box
                    rules += _as_rules(rect.x0, rect.y0, rect.x1, rect.y1)
                elif "s" in str(path.get("type", "")):  # a stroked frame: four rules
                    x0, y0, x1, y1 = rect
                    for edge in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1)):
                        rules += _as_rules(*edge)
                    rules += _as_rules(x1, y0, x1, y1)
    return rules


def _as_rules(x0: float, y0: float, x1: float, y1: float) -> list[_Rule]:
    if y1 - y0 <= 3 and x1 - x0 >= _MIN_RULE_PT:
        return [_Rule(True, (y0 + y1) / 2, x0, x1)]
    if x1 - x0 <= 3 and y1 - y0 >= _MIN_RULE_PT:
        return [_Rule(False, (x0 + x1) / 2, y0, y1)]
    return []


def _connected(rules: list[_Rule]) -> list[list[_Rule]]:
    """Rules grouped by crossing or touching one another (union-find)."""
    parent = list(range(len(rules)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    across = [i for i, r in enumerate(rules) if r.across]
    down = [i for i, r in enumerate(rules) if not r.across]
    for i in across:
        h = rules[i]
        for j in down:
            v = rules[j]
            if h.lo - 2 <= v.at <= h.hi + 2 and v.lo - 2 <= h.at <= v.hi + 2:
                parent[root(i)] = root(j)
    groups: dict[int, list[_Rule]] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(root(i), []).append(rule)
    return list(groups.values())


def _is_box(rows: list[list[str]]) -> bool:
    """One row or one column with text: a frame around a note, not a table."""
    filled = [row for row in rows if any(cell.strip() for cell in row)]
    columns = {i for row in filled for i, cell in enumerate(row) if cell.strip()}
    return len(filled) < 2 or len(columns) < 2


def _merge_close(xs: list[float]) -> list[float]:
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > ALIGN_PT:
            out.append(x)
    return out


def may_have_table(drawings: Sequence[dict]) -> bool:
    """Whether vector paths could rule a table: 3+ distinct vertical and horizontal edges.

    Short strokes (underscores, bullets) do not count, and boxes sharing the same left
    and right edges (code listings, frames) give only two vertical positions, so pages
    with those are skipped; a grid of two columns and two rows passes.
    """
    xs: set[int] = set()
    ys: set[int] = set()
    for path in drawings:
        for item in path.get("items", ()):
            kind = item[0] if item else ""
            if kind == "l":
                (x0, y0), (x1, y1) = item[1], item[2]
                _edge(xs, ys, x0, y0, x1, y1)
            elif kind in ("re", "qu"):
                rect = pymupdf.Rect(item[1]) if kind == "re" else pymupdf.Quad(item[1]).rect
                if rect.width <= 3 or rect.height <= 3:  # a rule drawn as a thin box
                    _edge(xs, ys, rect.x0, rect.y0, rect.x1, rect.y1)
                    continue
                _edge(xs, ys, rect.x0, rect.y0, rect.x1, rect.y0)
                _edge(xs, ys, rect.x0, rect.y1, rect.x1, rect.y1)
                _edge(xs, ys, rect.x0, rect.y0, rect.x0, rect.y1)
                _edge(xs, ys, rect.x1, rect.y0, rect.x1, rect.y1)
    return len(xs) >= _MIN_GRID_EDGES and len(ys) >= _MIN_GRID_EDGES


def _edge(xs: set[int], ys: set[int], x0: float, y0: float, x1: float, y1: float) -> None:
    if abs(x1 - x0) <= 3 and abs(y1 - y0) >= _MIN_RULE_PT:
        xs.add(round((x0 + x1) / 2))
    elif abs(y1 - y0) <= 3 and abs(x1 - x0) >= _MIN_RULE_PT:
        ys.add(round((y0 + y1) / 2))


def inside(line: Line, table: Table) -> bool:
    """Whether most of the line lies within the table's box."""
    cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
    return table.x0 - 1 <= cx <= table.x1 + 1 and table.y0 - 1 <= cy <= table.y1 + 1


def fill_ruled(found: list[Ruled], lines: Sequence[Line]) -> list[Table]:
    """The grids' cells from the page's lines; a ruled row holding several rows of
    text (only its columns are ruled) is split where the text shows row gaps."""
    out = []
    for ruled in found:
        table = ruled.table
        rows: list[list[str]] = []
        for top, bottom in ruled.row_spans:
            inner = [ln for ln in lines if top <= (ln.y0 + ln.y1) / 2 <= bottom]
            inner = [ln for ln in inner if inside(ln, table)]
            split = logical_rows(inner, ruled.columns, uniform=False)
            rows += split if len(split) > 1 else [_stacked(inner, ruled.columns)]
        table.rows = [row for row in rows if any(row)]
        if not _is_box(table.rows):
            out.append(table)
    return out


# ----------------------------------------------------------------------- rows of text
def logical_rows(lines: Sequence[Line], columns: list[float], uniform: bool) -> list[list[str]]:
    """Cell texts of a table's lines, rows told apart by gaps and by first-column text.

    A text line starts a new row when its first column has text and the pitch above it
    is wider than the spacing inside a cell. When every pitch is the same (``uniform``
    allows that) each line with first-column text starts a row.
    """
    rows_of_text = _text_rows(lines)
    if not rows_of_text:
        return []
    pitches = [b[0].y0 - a[0].y0 for a, b in itertools.pairwise(rows_of_text)]
    tight = min(pitches, default=0.0)
    varied = bool(pitches) and max(pitches) > tight * _ROW_GAP
    if not varied and not uniform:
        return []
    rows: list[list[str]] = []
    for index, text_row in enumerate(rows_of_text):
        cells = _cells(text_row, columns)
        gap = pitches[index - 1] if index else 0.0
        starts = not rows or (bool(cells[0]) and (not varied or gap > tight * _ROW_GAP))
        if starts:
            rows.append(cells)
        else:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def _stacked(lines: Sequence[Line], columns: list[float]) -> list[str]:
    """One row's cells: each column's lines read top to bottom."""
    cells = [""] * len(columns)
    for text_row in _text_rows(lines):
        for index, text in enumerate(_cells(text_row, columns)):
            cells[index] = f"{cells[index]} {text}".strip()
    return cells


def _text_rows(lines: Sequence[Line]) -> list[list[Line]]:
    """Lines grouped by the height they sit at, top to bottom."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.y0, ln.x0)):
        if rows and abs(line.y0 - rows[-1][0].y0) < line.height * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def _cells(text_row: list[Line], columns: list[float]) -> list[str]:
    cells = [""] * len(columns)
    for line in text_row:
        for piece in line.pieces:
            index = max((i for i, x in enumerate(columns) if piece.x0 >= x - ALIGN_PT), default=0)
            cells[index] = f"{cells[index]} {piece.text}".strip()
    return cells


# -------------------------------------------------------------------------- markdown
def table_to_markdown(rows: Sequence[Sequence[str | None]]) -> str:
    """A GitHub-style Markdown table; the first row is the header. Empty -> ''."""
    cleaned = [[_cell(cell) for cell in row] for row in rows if row]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return ""
    width = max(len(row) for row in cleaned)
    cleaned = [row + [""] * (width - len(row)) for row in cleaned]
    header, *body = cleaned
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def _cell(value: str | None) -> str:
    return " ".join((value or "").split()).replace("|", "\\|")
