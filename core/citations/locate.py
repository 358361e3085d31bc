"""Where a quote is drawn on its page: rectangles to highlight in a preview.

:func:`quote_rects` runs where PyMuPDF may run (the GUI's render process), never on the
GUI thread. ``search_for`` finds the quote as the page's text layer spells it (ligatures
expanded, words hyphenated at a line end joined, case ignored); a quote that differs a
little from the text (a model's spacing or punctuation) is looked for in runs of a few
words instead, so most of it is still marked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core import pdf

if TYPE_CHECKING:
    import pymupdf

#: no TEXT_PRESERVE_LIGATURES: "ﬁ" on the page matches "fi" in the quote
_RUN_WORDS = 5


@dataclass(frozen=True, slots=True)
class QuoteRects:
    """The page's size in points, its label, and the quote's rectangles on it (x0, y0,
    x1, y1 in points)."""

    width: float
    height: float
    rects: list[tuple[float, float, float, float]] = field(default_factory=list)
    label: str = ""


def quote_rects(
    path: str | os.PathLike[str], page_number: int, quote: str, password: str | None = None
) -> QuoteRects:
    """The rectangles of ``quote`` on 1-based page ``page_number`` of the PDF at ``path``."""
    doc = pdf.source_document(path, password)
    page = doc[page_number - 1]
    found = _search(page, " ".join(quote.split()))
    rects = [(r.x0, r.y0, r.x1, r.y1) for r in found]
    return QuoteRects(page.rect.width, page.rect.height, rects, page.get_label())


def _search(page: pymupdf.Page, quote: str) -> list[pymupdf.Rect]:
    if not quote:
        return []
    import pymupdf  # in the render or worker process only (see core.pdf._mupdf)

    flags = pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_MEDIABOX_CLIP
    hits = page.search_for(quote, flags=flags)
    if hits:
        return hits
    words = quote.split()
    runs = [" ".join(words[i : i + _RUN_WORDS]) for i in range(0, len(words), _RUN_WORDS)]
    return [rect for run in runs if len(run) > 3 for rect in page.search_for(run, flags=flags)]
