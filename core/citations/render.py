"""Citations as a report shows them: a list of the quotes under a section's answer."""

from __future__ import annotations

from collections.abc import Sequence

from core.citations.markers import final
from core.citations.model import Citation


def sources_markdown(citations: Sequence[Citation]) -> list[str]:
    """Markdown lines listing each quote with its page, why it is unverified, and the page
    the answer gave when it was corrected. Quotes that are their own claim (the offline
    summary's sentences) are shown in the text already and are left out."""
    lines = [_line(c) for c in citations if c.quote and c.quote != c.claim]
    return ["**Sources**", "", *lines, ""] if lines else []


def _line(citation: Citation) -> str:
    marker = final(citation)
    if not citation.verified and citation.reason:
        marker = f"{marker[:-1]}: {citation.reason}]"
    text = f"- {marker} “{citation.quote}”"
    if citation.corrected_from is not None:
        text += f" (the answer said page {citation.corrected_from})"
    return text


def link_text(citation: Citation) -> str:
    """A citation as a small link: its page label, ✓ when the quote was found there."""
    return f"p. {citation.label} {'✓' if citation.verified else '?'}"


def citation_text(citation: Citation, title: str, document: str) -> str:
    """A claim as an analyst pastes it into a note: what it says, the words it rests on,
    and where they are (the section's title, the page label, the document's name)."""
    claim = citation.claim or citation.quote
    quote = f" — “{citation.quote}”" if citation.quote and citation.quote != claim else ""
    where = ", ".join(part for part in (title, f"p. {citation.label}", document) if part)
    unverified = "" if citation.verified else ", unverified"
    return f"{claim}{quote} ({where}{unverified})"
