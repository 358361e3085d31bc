"""Claims in structured answers: the items of a template's schema that carry a quote.

A template asks for claims as objects with a ``quote`` (verbatim, from the page) and a
``page`` (counted inside the excerpt); any other keys say what the claim is (``fact`` and
``value``, ``risk`` and ``severity``). This module finds them in an answer's fields, in
one fixed order (depth first, keys in order, a claim's own values not searched), which
:func:`core.processors.gemini_answer.fields_markdown` also renders them in, so the n-th
claim is the n-th pending marker of the Markdown.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from core.citations.model import Citation
from core.citations.pages import as_int

QUOTE = "quote"
PAGE = "page"


def is_claim(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get(QUOTE), str)
        and as_int(value.get(PAGE)) is not None
    )


def claim_items(value: object) -> Iterator[dict[str, Any]]:
    """Every claim object in ``value``, in render order."""
    if is_claim(value):
        yield value  # type: ignore[misc]
    elif isinstance(value, dict):
        for item in value.values():
            yield from claim_items(item)
    elif isinstance(value, list):
        for item in value:
            yield from claim_items(item)


def claim_text(item: dict[str, Any]) -> str:
    """What the claim says: its other text values, joined ("Revenue rose; 12%")."""
    words = [
        " ".join(value.split())
        for key, value in item.items()
        if key not in (QUOTE, PAGE) and isinstance(value, str) and value.strip()
    ]
    return "; ".join(words)


def map_pages(fields: dict[str, Any], to_document: Callable[[int], int]) -> dict[str, Any]:
    """A copy of the fields whose claims' pages are document pages."""
    mapped = copy.deepcopy(fields)
    for item in claim_items(mapped):
        item[PAGE] = to_document(as_int(item[PAGE]) or 1)
    return mapped


def field_citations(fields: dict[str, Any]) -> list[Citation]:
    """The unchecked citations of the fields' claims (pages already document pages)."""
    return [
        Citation.unchecked(as_int(item[PAGE]) or 1, item[QUOTE], claim_text(item))
        for item in claim_items(fields)
    ]


def with_checked_pages(fields: dict[str, Any], citations: Sequence[Citation]) -> dict[str, Any]:
    """A copy of the fields whose claims carry their checked (maybe corrected) pages."""
    updated = copy.deepcopy(fields)
    for item, citation in zip(claim_items(updated), citations, strict=False):
        item[PAGE] = citation.page
    return updated
