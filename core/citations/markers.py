"""Citation markers in a result's Markdown: as the answer gives them, while unchecked,
and as the reader sees them.

A free-form answer cites with ``[p. N: "quote"]`` (N counted inside the excerpt), as the
prompt asks (:mod:`.prompting`). Each marker becomes a *pending* marker on the document
page, ``⁣[p. 41]``, prefixed with an invisible separator (U+2063) that neither a model nor
a PDF's text layer writes, so the markers a backend made are told apart from any
"[p. 41]" the text itself contains. Once the citations are checked, the n-th pending
marker becomes the n-th citation's final form: ``[p. xii]`` (the page's label) or
``[p. 12, unverified]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.citations.model import Citation
from core.citations.pages import document_page

SENTINEL = "\u2063"
_PENDING = re.compile(SENTINEL + r"\[p\. (\d+)\]")
#: [p. 3: "quote"], [p. 3, "quote"], [page 3], [pp. 3 “quote”]; straight or curly quotes
_ANSWER_MARK = re.compile(
    r"\[\s*(?:pp?|pages?)\.?\s*(\d+)\s*(?:[:,;–-]?\s*[\"“„”](.*?)[\"”“]\s*)?\]",
    re.IGNORECASE | re.DOTALL,
)
_LEAD = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#+|>)\s*")


def pending(page: int) -> str:
    """The marker a backend writes for a citation on document ``page``, not yet checked."""
    return f"{SENTINEL}[p. {page}]"


def final(citation: Citation) -> str:
    """The marker the reader sees: the page's label, and whether its quote was found."""
    if citation.verified:
        return f"[p. {citation.label}]"
    return f"[p. {citation.label}, unverified]"


def clean(text: str) -> str:
    """Text from outside (an answer, a PDF) without the sentinel, so it makes no marker."""
    return text.replace(SENTINEL, "")


def pending_pages(markdown: str) -> list[int]:
    """The document pages of the pending markers, in order."""
    return [int(m.group(1)) for m in _PENDING.finditer(markdown)]


def finish(markdown: str, citations: Sequence[Citation]) -> str:
    """Every pending marker replaced by its citation's final form, in order (a marker
    without a citation, which a correct backend never writes, keeps its page)."""
    queue = iter(citations)

    def replace(match: re.Match[str]) -> str:
        citation = next(queue, None)
        return final(citation) if citation is not None else f"[p. {match.group(1)}]"

    return _PENDING.sub(replace, markdown)


def cite_answer_text(text: str, pages: Sequence[int]) -> tuple[str, list[Citation]]:
    """A free-form answer's markers as pending markers on document pages, and the
    citations they make (the claim is the line the marker ends)."""
    text = clean(text)
    citations: list[Citation] = []

    def replace(match: re.Match[str]) -> str:
        page = document_page(int(match.group(1)), pages)
        claim = _claim_before(text, match.start())
        citations.append(Citation.unchecked(page, match.group(2) or "", claim))
        return pending(page)

    return _ANSWER_MARK.sub(replace, text), citations


def _claim_before(text: str, end: int) -> str:
    """The statement a marker at ``end`` closes: its line up to the marker, or the line
    before when the marker stands on a line of its own (under a table)."""
    lines = text[:end].split("\n")
    own = _strip(lines[-1])
    if own:
        return own
    previous = next((line for line in reversed(lines[:-1]) if line.strip()), "")
    return _strip(previous)


def _strip(line: str) -> str:
    line = _ANSWER_MARK.sub("", line)
    return " ".join(_LEAD.sub("", line).strip(" *_|").split())
