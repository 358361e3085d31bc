"""The fake model's citations: quotes taken from the pages it received, and mistakes
made by rule.

Like a real model asked for citations, the fake cites one claim per page that has text
(at most :data:`MAX_CLAIMS`), quoting that page's longest line found on no other page of
the excerpt, with the page counted inside the excerpt (its first page is 1). A
:class:`CitationRule` says which claims, by their 1-based number in an answer, it gets
wrong: cited on the next page (the previous one for the last page), or quoted with
words that are on no page at all. Deterministic, so a test knows exactly what to expect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CLAIMS = 8
QUOTE_WORDS = 14
INVENTED = "The lighthouse keeper signed a budget of 7,777 crowns for the festival of the moon"
#: a free-form prompt that asks for [p. N: "quote"] markers (the words a person would read)
ASKS_FOR_MARKERS = re.compile(r"\[p\. N\b")


@dataclass(frozen=True)
class CitationRule:
    """Which claims of each answer the fake cites wrongly, by number (1 = the first)."""

    wrong_page: frozenset[int] = field(default_factory=frozenset)
    invented: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Claim:
    """One claim as the fake answers it: the excerpt page it cites and the quote."""

    number: int
    page: int  # 1-based inside the excerpt, as cited (maybe wrongly)
    quote: str
    true_page: int  # where the quote really is (0 for an invented quote)


def claims_for(page_lines: tuple[tuple[str, ...], ...], rule: CitationRule) -> list[Claim]:
    """The claims of one answer about a document with these pages' lines."""
    claims: list[Claim] = []
    for index, lines in enumerate(page_lines):
        quote = _quote(lines, page_lines[:index] + page_lines[index + 1 :])
        if quote is None:
            continue
        number, page = len(claims) + 1, index + 1
        cited, true_page = page, page
        if number in rule.wrong_page:
            cited = page + 1 if page < len(page_lines) else page - 1
        if number in rule.invented:
            quote, true_page = INVENTED, 0
        claims.append(Claim(number, cited, quote, true_page))
        if len(claims) == MAX_CLAIMS:
            break
    return claims


def _quote(lines: tuple[str, ...], others: tuple[tuple[str, ...], ...]) -> str | None:
    """The page's longest line that no other page has, cut to a few words."""
    seen = {line for page in others for line in page}
    own = [line for line in lines if line not in seen and len(line.split()) >= 2]
    if not own:
        return None
    return " ".join(max(own, key=len).split()[:QUOTE_WORDS])


def marked_points(claims: list[Claim]) -> str:
    """The free-form answer's cited points, one bullet each."""
    return "\n".join(
        f'- Point {c.number} of the excerpt. [p. {c.page}: "{c.quote}"]' for c in claims
    )
