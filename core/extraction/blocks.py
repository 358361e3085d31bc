"""A page's lines and tables as Markdown blocks, in reading order.

Each flow (a column, or a band across the page; see :mod:`.columns`) is read top to
bottom. A line is a heading, a list item, code, a contents entry, part of a borderless
table, or prose; prose lines join into paragraphs until a wider pitch, a change of
size, or a short line that ends a sentence. A paragraph cut by a column break (no end
mark, the next column starting in lower case) is joined again.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.extraction import borderless, tables
from core.extraction.code import code_markdown
from core.extraction.columns import reading_order
from core.extraction.headings import contents_entry, heading_depth
from core.extraction.model import Block, Line, PageText, Table
from core.extraction.text import WORD_RE

_BULLET = re.compile(r"^([•◦▪‣·●○■□➢►✓–—*-])\s*(?=\S)")
_NUMBERED = re.compile(r"^(\d{1,3}|[a-zA-Z])[.)]\s+(?=\S)")
_MARK_ONLY = re.compile(r"^(?:[•◦▪‣·●○■□➢►✓–—*-]|\d{1,3}[.)]|[a-zA-Z][.)])$")
_INLINE_BULLET = re.compile(r"(?:^|\s)[•▪◦●■]\s+")  # '• Date of service • Place of service'
_PARAGRAPH_PITCH = 1.3  # a pitch this much over the flow's usual one starts a paragraph
_END_MARKS = (".", "!", "?", ":")
#: a justified line's words may stand this many ems apart (a gutter is wider)
_SPREAD = 1.6


@dataclass(slots=True)
class Context:
    """What every line of the page is judged against."""

    page: PageText
    body: float
    levels: dict[float, int]
    pitch: float = 0.0
    #: lines of the flow with another line beside them (rows of cells): a paragraph
    #: never runs on into one
    beside: frozenset[int] = frozenset()


def page_blocks(page: PageText, body: float, levels: dict[float, int]) -> list[Block]:
    """The page's blocks in reading order."""
    elements: list[Line | Table] = [*_join_rows(page.lines), *page.tables]
    blocks: list[Block] = []
    for flow in reading_order(elements):
        context = Context(page, body, levels, _usual_pitch(flow), _beside(flow))
        blocks += _rejoin(blocks, _flow_blocks(flow, context))
    return blocks


def _join_rows(lines: Sequence[Line]) -> list[Line]:
    """Lines at one height and close together (a bullet and its text, the words of a
    justified line spread wide) made one line."""
    out: list[Line] = []
    for line in sorted(lines, key=lambda ln: (round(ln.y0), ln.x0)):
        last = out[-1] if out else None
        if (
            last is not None
            and abs(line.y0 - last.y0) < line.height * 0.5
            and 0 <= line.x0 - last.x1 < line.size * (_SPREAD if last.spaced else 0.9)
            and line.mono == last.mono
        ):
            last.text = f"{last.text} {line.text}"
            last.raw = f"{last.raw} {line.raw}"
            last.x1, last.y1 = line.x1, max(last.y1, line.y1)
            last.pieces = [*last.pieces, *line.pieces]
            last.spaced = line.spaced
        else:
            out.append(line)
    return out


def _beside(flow: Sequence[Line | Table]) -> frozenset[int]:
    lines = sorted((e for e in flow if isinstance(e, Line)), key=lambda ln: ln.y0)
    pairs = [(a, b) for a, b in itertools.pairwise(lines) if abs(a.y0 - b.y0) < a.height * 0.5]
    return frozenset(id(line) for pair in pairs for line in pair)


def _usual_pitch(flow: Sequence[Line | Table]) -> float:
    lines = [e for e in flow if isinstance(e, Line)]
    pitches = [
        b.y0 - a.y0
        for a, b in itertools.pairwise(lines)
        if 0 < b.y0 - a.y0 < 3 * a.height and abs(a.size - b.size) < 0.5
    ]
    return statistics.median(pitches) if pitches else 0.0


def _flow_blocks(flow: Sequence[Line | Table], ctx: Context) -> list[Block]:
    blocks: list[Block] = []
    index = 0
    while index < len(flow):
        element = flow[index]
        if isinstance(element, Table):
            blocks.append(table_block(element.rows, ctx.page.number))
            index += 1
            continue
        found, index = _next_blocks(flow, index, ctx)
        blocks += found
    return blocks


def table_block(rows: list[list[str]], page: int) -> Block:
    words = sum(len(WORD_RE.findall(cell)) for row in rows for cell in row)
    return Block("table", tables.table_to_markdown(rows), page, words)


def _next_blocks(flow: Sequence[Line | Table], index: int, ctx: Context) -> tuple[list[Block], int]:
    """The block (or inline list) starting at ``flow[index]`` and the index after it."""
    block, end = _next_block(flow, index, ctx)
    if block.kind in ("paragraph", "item") and len(_INLINE_BULLET.findall(block.markdown)) >= 2:
        items = [part for part in _INLINE_BULLET.split(block.markdown.removeprefix("- ")) if part]
        return [_block("item", f"- {item.strip()}", block.page) for item in items], end
    return [block], end


def _next_block(flow: Sequence[Line | Table], index: int, ctx: Context) -> tuple[Block, int]:
    """The block starting at ``flow[index]`` and the index after it."""
    lines = _lines_from(flow, index)
    line = lines[0]
    number = ctx.page.number
    if line.mono:
        run = _run(lines, lambda prev, ln: ln.mono and ln.y0 - prev.y1 < 3 * ln.height)
        return _block("code", code_markdown(run), number), index + len(run)
    if len(line.pieces) >= 2 or (len(lines) > 1 and abs(lines[1].y0 - line.y0) < 2):
        found = borderless.find(lines, 0)
        if found is not None and not _marks_only(found[0]):
            table, end = found
            return table_block(table.rows, number), index + end
    if ctx.page.contents and (entry := contents_entry(line.text)):
        return _block("contents", f"- {entry['title']} · {entry['page']}", number), index + 1
    depth = heading_depth(line, ctx.body, ctx.levels, ctx.page)
    if depth and not _in_bold_paragraph(lines, ctx):
        run = _run(lines, lambda prev, ln: _same_heading(prev, ln, depth, ctx))
        text = " ".join(ln.text for ln in run)
        return _block("heading", "#" * depth + " " + text, number), index + len(run)
    item = _item_text(line.text)
    if item is not None:
        run = _run(lines, lambda prev, ln: _continues_item(line, prev, ln, ctx))
        text = join_lines([item, *(ln.text for ln in run[1:])])
        return _block("item", text, number), index + len(run)
    run = _run(lines, lambda prev, ln: _continues_paragraph(prev, ln, ctx))
    return _block("paragraph", join_lines([ln.text for ln in run]), number), index + len(run)


def _lines_from(flow: Sequence[Line | Table], index: int) -> list[Line]:
    out: list[Line] = []
    for element in flow[index:]:
        if not isinstance(element, Line):
            break
        out.append(element)
    return out


def _run(lines: list[Line], keep: Callable[[Line, Line], bool]) -> list[Line]:
    """The first line and the ones after it that ``keep(previous, line)`` accepts."""
    run = [lines[0]]
    for line in lines[1:]:
        if not keep(run[-1], line):
            break
        run.append(line)
    return run


def _block(kind: str, markdown: str, page: int) -> Block:
    return Block(kind, markdown, page, len(WORD_RE.findall(markdown)))


def _marks_only(table: Table) -> bool:
    """A 'table' whose first column is bullets or numbers is a list."""
    return all(_MARK_ONLY.match(row[0]) for row in table.rows if row and row[0])


def _in_bold_paragraph(lines: list[Line], ctx: Context) -> bool:
    """A bold body-size line inside a bold paragraph is emphasis, not a title."""
    line = lines[0]
    if line.size >= ctx.body * 1.15 or not line.bold:
        return False
    after = lines[1] if len(lines) > 1 else None
    return (
        after is not None
        and after.bold
        and abs(after.size - line.size) < 0.5
        and _close(line, after, ctx)
        and not line.text.rstrip().endswith(_END_MARKS)
        and after.text[:1].islower()
    )


def _same_heading(prev: Line, line: Line, depth: int, ctx: Context) -> bool:
    return (
        heading_depth(line, ctx.body, ctx.levels, ctx.page) == depth
        and abs(line.size - prev.size) < 0.5
        and line.y0 - prev.y1 < prev.height * 0.6
        and not _item_text(line.text)
    )


def _close(prev: Line, line: Line, ctx: Context) -> bool:
    pitch = line.y0 - prev.y0
    usual = ctx.pitch or prev.height
    return 0 < pitch <= usual * _PARAGRAPH_PITCH + 0.5


def _plain(line: Line, ctx: Context) -> bool:
    """Body text: not code, a heading, an item or a contents entry."""
    return (
        not line.mono
        and not heading_depth(line, ctx.body, ctx.levels, ctx.page)
        and _item_text(line.text) is None
        and not (ctx.page.contents and contents_entry(line.text))
    )


def _continues_paragraph(prev: Line, line: Line, ctx: Context) -> bool:
    if not (_close(prev, line, ctx) and _plain(line, ctx)) or abs(line.size - prev.size) > 1:
        return False
    if prev.byline or line.byline:
        return False  # the authors, then each affiliation, on lines of their own
    if id(line) in ctx.beside and id(prev) not in ctx.beside:
        return False  # a row of cells begins
    if len(line.pieces) >= 2 and len(prev.pieces) >= 2:
        return False  # rows of cells: a table starts
    short = prev.x1 < line.x1 - 4 * line.size
    return not (short and prev.text.rstrip().endswith(_END_MARKS))


def _continues_item(first: Line, prev: Line, line: Line, ctx: Context) -> bool:
    return (
        _close(prev, line, ctx)
        and _plain(line, ctx)
        and line.x0 > first.x0 + line.size * 0.4
        and abs(line.size - prev.size) <= 1
    )


def _item_text(text: str) -> str | None:
    """A list item's Markdown ('- text' or '3. text'), or None for other lines."""
    if match := _BULLET.match(text):
        if match.group(1) in "-–—*" and not text[1:2].isspace():
            return None  # '-5 %' or '—and so' is text, not a bullet
        return "- " + text[match.end() :].strip()
    if match := _NUMBERED.match(text):
        return f"{match.group(1)}. " + text[match.end() :].strip()
    return None


def join_lines(lines: Sequence[str]) -> str:
    """Lines of one paragraph as one string, re-joining words hyphenated at line ends."""
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}"
    return out


def _rejoin(before: list[Block], new: list[Block]) -> list[Block]:
    """Join a paragraph that a column break cut in two (no end mark, lower-case next)."""
    if before and new and before[-1].kind == new[0].kind == "paragraph":
        tail, head = before[-1], new[0]
        if not tail.markdown.rstrip().endswith((".", "!", "?", ":", '"', "”")) and (
            head.markdown[:1].islower()
        ):
            before[-1] = _block("paragraph", join_lines([tail.markdown, head.markdown]), tail.page)
            return new[1:]
    return new
