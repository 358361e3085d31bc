"""What every Gemini request adds to its prompt so the answer cites its pages.

Shared by interactive and Batch mode, so both ask exactly the same question. A template
with claims in its schema (objects with ``quote`` and ``page``) is told how to fill them;
a free-form prompt (a template without a schema, the user's own words) is asked for
``[p. N: "quote"]`` markers, which :mod:`.markers` reads back.
"""

from __future__ import annotations

from typing import Any

from core.citations.claims import PAGE, QUOTE

FREE_FORM = (
    "Cite your sources. End every bullet, sentence or table that states something from "
    'the document with a marker [p. N: "quote"], where N is the page of this excerpt it '
    "comes from, counting the excerpt's first page as 1, and quote is a short passage (at "
    "most 30 words) copied word for word from that page that supports it."
)
STRUCTURED = (
    "For every item with a 'quote' and a 'page': the quote is a short passage (at most 30 "
    "words) copied word for word from the document that supports the item, and the page "
    "is the page of this excerpt it is on, counting the excerpt's first page as 1."
)


def with_citation_request(text: str, schema: dict[str, Any] | None) -> str:
    """The prompt text with the request for citations that fits its answer's shape."""
    if schema is None:
        return f"{text}\n\n{FREE_FORM}"
    if has_claims(schema):
        return f"{text}\n\n{STRUCTURED}"
    return text  # a schema of the user's own, without claims: nothing to cite into


def has_claims(schema: object) -> bool:
    """Whether a JSON schema has an object with both a quote and a page property."""
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict) and {QUOTE, PAGE} <= set(properties):
            return True
        return any(has_claims(value) for value in schema.values())
    if isinstance(schema, list):
        return any(has_claims(value) for value in schema)
    return False
