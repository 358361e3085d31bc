"""Checking each quote against its page's text layer, in a PDF worker process.

:func:`verify_quotes` is top level and takes and returns plain picklable values, because
PyMuPDF runs only in worker processes (docs/ARCHITECTURE.md, "PyMuPDF"), and a worker
that never unpickles a :class:`Citation` never imports pydantic (0.3-0.5 s of each
worker's start; docs/ARCHITECTURE.md, "Footprint"). It reads the
run's snapshot of the source PDF, not the section's split file: only the source has the
document's page labels (roman front matter, "A-3"), and its pages are numbered as the
citations are.

A quote found on its page is verified. One found on another page of the section is
moved there, verified, and keeps the page the answer gave in ``corrected_from``. One on
a page without a text layer (a scan) cannot be checked: "scanned page". Any other is
"quote not found on the page": invented, paraphrased, or from outside the section.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import pdf
from core.citations.match import found_in, fragments, normalise
from core.citations.reasons import BLANK, NO_QUOTE, NOT_FOUND, SCANNED

if TYPE_CHECKING:
    import pymupdf

    from core.citations.model import Citation

_SCAN_MAX_CHARS = 100  # less text than this and ...
_SCAN_COVER = 0.6  # ... a picture over this share of the page: a scan with a stamp on it


@dataclass(frozen=True, slots=True)
class PageState:
    """What verification needs of one page: its normalised text, or why it has none."""

    text: str
    missing: str | None = None  # SCANNED or BLANK when the page has no usable text


class _Pages:
    """The pages of one document, read once each and only when a citation needs them."""

    def __init__(self, doc: pymupdf.Document, section_pages: Sequence[int]) -> None:
        self.doc = doc
        self.section_pages = [p for p in section_pages if 1 <= p <= doc.page_count]
        self._states: dict[int, PageState] = {}

    def exists(self, page: int) -> bool:
        return 1 <= page <= self.doc.page_count

    def label(self, page: int) -> str:
        return self.doc[page - 1].get_label() or str(page)

    def state(self, page: int) -> PageState:
        if page not in self._states:
            self._states[page] = read_state(self.doc[page - 1])
        return self._states[page]

    def others(self, page: int) -> list[int]:
        """The section's other pages, nearest first (a model is most often one off)."""
        return sorted((p for p in self.section_pages if p != page), key=lambda p: abs(p - page))


def read_state(page: pymupdf.Page) -> PageState:
    """The page's normalised text, or SCANNED / BLANK when there is none to check."""
    raw = page.get_text("text")
    has_images = bool(page.get_images(full=False))
    chars = len("".join(raw.split()))
    if chars == 0:
        scanned = has_images or bool(page.get_cdrawings())
        return PageState("", SCANNED if scanned else BLANK)
    if has_images and chars < _SCAN_MAX_CHARS and _image_cover(page) >= _SCAN_COVER:
        return PageState(normalise(raw), SCANNED)
    return PageState(normalise(raw))


def _image_cover(page: pymupdf.Page) -> float:
    area = abs(page.rect) or 1.0
    import pymupdf  # in a worker process only: see the module docstring

    boxes = [pymupdf.Rect(info["bbox"]) & page.rect for info in page.get_image_info()]
    return max((abs(box) / area for box in boxes), default=0.0)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What checking one quote found: the page it is on (or was said to be on), that
    page's label, and whether it was found there, or why not."""

    page: int
    label: str
    verified: bool
    reason: str | None = None
    corrected_from: int | None = None

    def applied(self, citation: Citation) -> Citation:
        """``citation`` as checked."""
        return citation.model_copy(
            update={
                "page": self.page,
                "label": self.label,
                "verified": self.verified,
                "reason": self.reason,
                "corrected_from": self.corrected_from,
            }
        )


def verify_quotes(
    path: str | os.PathLike[str],
    section_pages: Sequence[int],
    quotes: Sequence[tuple[int, str]],
    password: str | None = None,
) -> list[Verdict | None]:
    """Each (page, quote) checked against the document at ``path``; None leaves the
    citation as it was given. Runs in a worker process."""
    doc = pdf.source_document(path, password)
    pages = _Pages(doc, section_pages)
    return [_verify(page, quote, pages) for page, quote in quotes]


def verify_citations(
    path: str | os.PathLike[str],
    section_pages: Sequence[int],
    citations: Sequence[Citation],
    password: str | None = None,
) -> list[Citation]:
    """Each citation checked against the document at ``path`` (:func:`verify_quotes`)."""
    verdicts = verify_quotes(path, section_pages, [(c.page, c.quote) for c in citations], password)
    return [apply_verdict(c, v) for c, v in zip(citations, verdicts, strict=True)]


def apply_verdict(citation: Citation, verdict: Verdict | None) -> Citation:
    """The citation as its check found it."""
    if verdict is None:
        return citation.model_copy(update={"verified": False, "reason": NOT_FOUND})
    return verdict.applied(citation)


def _verify(given: int, quote: str, pages: _Pages) -> Verdict | None:
    if pages.exists(given):
        page = given
    elif pages.section_pages:
        page = pages.section_pages[0]
    else:  # a section of pages the document does not have: nothing to check against
        return None
    moved = given if page != given else None
    if not fragments(quote):
        return _checked(pages, page, False, NO_QUOTE, moved)
    state = pages.state(page)
    if state.missing != SCANNED and found_in(quote, state.text):
        return _checked(pages, page, True, None, moved)
    for other in pages.others(page):
        found = pages.state(other)
        if found.missing != SCANNED and found_in(quote, found.text):
            return _checked(pages, other, True, None, given)
    return _checked(pages, page, False, state.missing or NOT_FOUND, moved)


def _checked(
    pages: _Pages, page: int, verified: bool, reason: str | None, corrected_from: int | None
) -> Verdict:
    return Verdict(page, pages.label(page), verified, reason, corrected_from)
