"""Is this quote written on this page? Text comparison only, no PyMuPDF.

A quote a model copies and the text layer PyMuPDF reads differ in ways that do not change
the words: ligature characters (``ﬁ``), curly or straight quotes, dashes, soft hyphens and
words hyphenated at a line end, spacing, case, Markdown emphasis. Both sides are reduced
to their letters and digits (a decimal point or thousands separator between digits is
kept, so 12.5 never equals 125) before comparing. A quote that still is not found as it
is may be found with a small fuzzy tolerance (rapidfuzz's best partial alignment, at
least :data:`FUZZY_MIN_SCORE`), but only when every number of the quote is in the
matched passage: a figure changed by one digit is a wrong quote, not a near one.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

#: the least partial-alignment score (0-100) that counts as the same words
FUZZY_MIN_SCORE = 90.0
#: shorter quotes (after normalising) must be found exactly
FUZZY_MIN_LENGTH = 20

_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
_NOT_WORD = re.compile(r"[^\w·]+|_+")
_NUMBER = re.compile(r"\d[\d·]*")
_ELLIPSIS = re.compile(r"\s*(?:\.\s*){3,}|\s*…\s*")


def normalise(text: str) -> str:
    """Letters and digits only, case-folded, ligatures and full-width forms expanded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DECIMAL.sub("·", text)
    return _NOT_WORD.sub("", text)


def fragments(quote: str) -> list[str]:
    """The quote's parts around an ellipsis ("the plan … was approved"), normalised."""
    parts = [normalise(part) for part in _ELLIPSIS.split(quote)]
    return [part for part in parts if part]


def found_in(quote: str, page_text: str) -> bool:
    """Whether every part of the quote is on the page (normalised page text)."""
    parts = fragments(quote)
    return bool(parts) and all(_part_found(part, page_text) for part in parts)


def _part_found(part: str, text: str) -> bool:
    if part in text:
        return True
    if len(part) < FUZZY_MIN_LENGTH or not text:
        return False
    alignment = fuzz.partial_ratio_alignment(part, text, score_cutoff=FUZZY_MIN_SCORE)
    if alignment is None:
        return False
    window = text[max(0, alignment.dest_start - 8) : alignment.dest_end + 8]
    return all(number in window for number in _NUMBER.findall(part))
