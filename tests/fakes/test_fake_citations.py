"""The fake's citations, through the real SDK: quotes from the pages it received, one
claim per page, and the mistakes its rule asks for."""

from __future__ import annotations

import json

from google.genai import types

from tests.fakes.gemini import CitationRule, FakeGemini
from tests.fakes.gemini_citations import INVENTED

MODEL = "gemini-3.8-flash"
CLAIMS = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"fact": {"type": "string"}, "quote": {}, "page": {}},
            },
        }
    },
}


def _pdf(data: bytes) -> types.Part:
    return types.Part.from_bytes(data=data, mime_type="application/pdf")


async def test_schema_claims_quote_their_pages_and_follow_the_rule(
    genai_client, fake_gemini: FakeGemini, pdf_factory
) -> None:
    fake_gemini.citation_rule = CitationRule(wrong_page=frozenset({1}), invented=frozenset({3}))
    data = pdf_factory("Alpha", pages=3).read_bytes()
    config = types.GenerateContentConfig(
        response_mime_type="application/json", response_json_schema=CLAIMS
    )

    response = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[_pdf(data), "Facts, please."], config=config
    )

    facts = json.loads(response.text or "")["facts"]
    assert [(f["page"], f["quote"]) for f in facts] == [
        (2, "Body of page 1 of 3."),  # written on page 1, cited on page 2
        (2, "Body of page 2 of 3."),
        (3, INVENTED),
    ]


async def test_free_form_answers_carry_markers_only_when_asked(
    genai_client, fake_gemini: FakeGemini, pdf_factory
) -> None:
    data = pdf_factory("Beta", pages=2).read_bytes()
    asked = 'Summarise. End each point with [p. N: "quote"].'

    plain = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[_pdf(data), "Summarise."]
    )
    cited = await genai_client.aio.models.generate_content(
        model=MODEL, contents=[_pdf(data), asked]
    )

    assert "[p." not in (plain.text or "")
    assert (cited.text or "").splitlines()[2:] == [
        '- Point 1 of the excerpt. [p. 1: "Body of page 1 of 2."]',
        '- Point 2 of the excerpt. [p. 2: "Body of page 2 of 2."]',
    ]
