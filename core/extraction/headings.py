"""Headings from the document's own font sizes, and contents pages told apart.

The biggest heading size in the section is '#', the next '##', and so on: depth comes
from the rank of the size among the heading sizes the document uses, so three sizes
give three levels whatever their points. Bold lines at body size rank below every
bigger size. A contents page (lines ending in dot leaders and page numbers) is text
to read, not a run of headings: its entries keep their size and boldness but are never
made headings, and their lines never reach the summary.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from core.extraction.model import Line, PageText

MAX_DEPTH = 6
_HEADING_RATIO = 1.15  # a line this much larger than body text is a heading
_CONTENTS_LINE = re.compile(
    r"^(?P<title>.*?\S)\s*(?:(?:\.\s*){3,}|…+|\s{3,})\s*(?P<page>[\divxlc]+)$"
)
_CONTENTS_SHARE = 0.4  # share of a page's lines that must look like contents entries


def body_size(lines: Iterable[Line]) -> float:
    """The font size most characters are set in: the yardstick for headings."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[_bucket(line.size)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _bucket(size: float) -> float:
    return round(size * 2) / 2


def is_heading_size(line: Line, body: float) -> bool:
    return (
        line.size >= body * _HEADING_RATIO
        and len(line.text) <= 120
        and not line.mono
        and not line.byline
    )


def mark_bylines(pages: Sequence[PageText], body: float) -> None:
    """Flag author lists (see :func:`_author_list`) and, when set large, the lines of the
    same size right under them (affiliations), which would otherwise read as headings."""
    for page in pages:
        ordered = sorted(page.lines, key=lambda ln: (round(ln.y0), ln.x0))
        for prev, line in zip([None, *ordered], ordered, strict=False):
            line.byline = _author_list(line.text) or (
                prev is not None
                and prev.byline
                and prev.size >= body * _HEADING_RATIO
                and abs(line.size - prev.size) < 0.5
                and line.y0 - prev.y1 < prev.height * 0.8
            )


def heading_levels(pages: Sequence[PageText], body: float) -> dict[float, int]:
    """Map heading font sizes to Markdown depths: the biggest size is 1."""
    sizes = sorted(
        {
            _bucket(line.size)
            for page in pages
            for line in page.lines
            if is_heading_size(line, body) and not contents_entry(line.text)
        },
        reverse=True,
    )
    return {size: min(index + 1, MAX_DEPTH) for index, size in enumerate(sizes)}


def heading_depth(line: Line, body: float, levels: dict[float, int], page: PageText) -> int:
    """0 when the line is body text, else its Markdown depth."""
    if page.contents and contents_entry(line.text):
        return 0
    if is_heading_size(line, body):
        return levels.get(_bucket(line.size), MAX_DEPTH)
    looks_like_title = (
        line.bold
        and not line.mono
        and len(line.text) <= 90
        and not line.text.rstrip().endswith((".", ",", ";", ":"))
        and line.size >= body * 0.95
        and any(ch.isalpha() for ch in line.text)
        and not _names(line.text)
    )
    if looks_like_title:
        return min(len(levels) + 1, MAX_DEPTH)
    return 0


def _names(text: str) -> bool:
    """'Ada Lind, Bo Strand and Cy Vale': a bold author line, not a title."""
    return text.count(",") + text.count(" and ") + text.count(" & ") >= 2


def _author_list(text: str) -> bool:
    """'Ada Lind, Bo Strand and Cy Vale' set large under a paper's title: three or more
    names (two to four capitalised words each, initials allowed, no digits), not a
    heading. 'Risks, Controls and Audit' has one-word parts; a heading rarely lists three
    capitalised pairs."""
    if "," not in text or any(ch.isdigit() for ch in text):
        return False
    parts = [p for p in _NAME_SEPARATORS.split(text.strip().rstrip("*†‡")) if p]
    return len(parts) >= 3 and all(_is_name(part) for part in parts)


def _is_name(part: str) -> bool:
    words = [w for w in part.split() if w.lower() not in _PARTICLES]
    return 2 <= len(words) <= 4 and all(_NAME_WORD.fullmatch(w) for w in words)


_NAME_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_NAME_WORD = re.compile(r"[A-Z][\w'’.-]*")
_PARTICLES = frozenset({"de", "la", "le", "da", "di", "du", "van", "von", "der", "den", "bin"})


def contents_entry(text: str) -> re.Match[str] | None:
    """'2.1 Basic Concepts . . . . 11' -> its title and page number."""
    return _CONTENTS_LINE.match(text.strip())


def mark_contents_pages(pages: Sequence[PageText]) -> None:
    """Flag pages whose lines are mostly contents entries."""
    for page in pages:
        lines = [ln for ln in page.lines if ln.text.strip()]
        entries = sum(1 for ln in lines if _LEADERS.search(ln.text) and contents_entry(ln.text))
        page.contents = entries >= 3 and entries >= _CONTENTS_SHARE * len(lines)


_LEADERS = re.compile(r"(?:\.\s*){3,}|…|\s{3,}")
