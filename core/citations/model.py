"""A citation: the page a claim comes from, its printed label, and the words that show it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from core.citations.reasons import BLANK, NO_QUOTE, NOT_FOUND, SCANNED

__all__ = ["BLANK", "MAX_QUOTE", "NOT_FOUND", "NO_QUOTE", "SCANNED", "Citation", "clip_quote"]

#: the longest quote kept; a model (or the extractor) may give more
MAX_QUOTE = 300


class Citation(BaseModel):
    """Where one claim of a result is written.

    ``page`` is the 1-based page of the whole document; ``label`` the page's printed label
    (its ``/PageLabels`` entry, e.g. "xii" or "A-3"), else the page number as text;
    ``quote`` a verbatim excerpt that supports the claim; ``verified`` true only when the
    quote was found on that page. ``reason`` says why a citation is not verified,
    ``corrected_from`` the page the answer gave when the quote was found on another page
    of the section, ``claim`` the statement the citation supports.
    """

    page: int
    label: str
    quote: str
    verified: bool = False
    reason: str | None = None
    corrected_from: int | None = None
    claim: str | None = None

    @classmethod
    def unchecked(cls, page: int, quote: str, claim: str | None = None) -> Citation:
        """A citation as an answer gives it: on a document page, not checked yet."""
        return cls(page=page, label=str(page), quote=clip_quote(quote), claim=claim or None)

    def export(self) -> dict[str, Any]:
        """The four keys every export carries, then whichever extras are set."""
        return self.model_dump(exclude_none=True)


def clip_quote(text: str, limit: int = MAX_QUOTE) -> str:
    """The quote with its spacing collapsed, cut at a word boundary to at most ``limit``
    characters: still verbatim, only shorter."""
    quote = " ".join(text.split())
    if len(quote) <= limit:
        return quote
    cut = quote[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut
