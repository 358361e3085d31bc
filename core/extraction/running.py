"""Running headers, footers and page numbers: lines that repeat in the page margins.

A margin line is running when, with its digits masked and its words sorted, it comes
back on at least half of the pages, or of the odd or of the even pages: books swap
'gnuplot 5.4 41' and '42 gnuplot 5.4' between left and right pages, and papers put the
journal on one and the authors on the other. A bare page number ('7', 'Page 7',
'7 of 20') in a margin always goes. Heading-sized lines never count: 'Chapter 3' atop
each chapter is a heading, not a running header.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from core.extraction.model import Line, PageText

_MARGIN_SHARE = 0.09  # top/bottom band of a page where running headers and footers live
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[\divxlc]+(?:\s*(?:/|of)\s*\d+)?$", re.IGNORECASE)


def drop_running_lines(pages: Sequence[PageText], is_heading: Callable[[Line], bool]) -> None:
    """Remove running lines from the pages' lines, in place."""
    with_text = [page for page in pages if not page.empty]
    seen: Counter[str] = Counter()
    by_parity: Counter[tuple[int, str]] = Counter()
    for page in with_text:
        keys = {_key(ln.text) for ln in _margin_lines(page, is_heading)}
        seen.update(keys)
        by_parity.update((page.number % 2, key) for key in keys)
    parity_pages = Counter(page.number % 2 for page in with_text)

    def running(key: str, number: int) -> bool:
        if len(with_text) < 2:
            return False
        same = parity_pages[number % 2]
        return seen[key] >= max(2, len(with_text) / 2) or (
            by_parity[(number % 2, key)] >= max(2, same / 2)
        )

    for page in with_text:
        margin = {id(line) for line in _margin_lines(page, is_heading)}
        page.lines = [
            ln
            for ln in page.lines
            if id(ln) not in margin
            or not (_PAGE_NUMBER.match(ln.text.strip()) or running(_key(ln.text), page.number))
        ]


def _margin_lines(page: PageText, is_heading: Callable[[Line], bool]) -> list[Line]:
    band = page.height * _MARGIN_SHARE
    return [
        ln
        for ln in page.lines
        if (ln.y1 <= band or ln.y0 >= page.height - band) and not is_heading(ln)
    ]


def _key(text: str) -> str:
    """Digits masked and words sorted: '42 gnuplot 5.4' and 'gnuplot 5.4 41' match."""
    return " ".join(sorted(re.sub(r"\d+", "#", text.strip().lower()).split()))
