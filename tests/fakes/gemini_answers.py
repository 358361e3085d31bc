"""The fake model's answers: computed from the documents received, never canned.

Plain text answers look like ``pages=3 sha=0123456789ab first_line=Section 2``; with
``responseMimeType: application/json`` the answer is a JSON object with ``pages``, ``sha``,
``first_line`` and ``summary``. If the request also carries a schema (``responseJsonSchema``
or Gemini's ``responseSchema``, as the SDK sends for a Pydantic model) the object is shaped
to fit it instead: known field names get the facts, other strings get the fact line, numbers
get the page count, so ``response.parsed`` validates and still proves which pages it came
from.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.gemini_citations import (
    ASKS_FOR_MARKERS,
    CitationRule,
    Claim,
    claims_for,
    marked_points,
)
from tests.fakes.gemini_pdf import DocInfo, short_sha
from tests.fakes.gemini_synthesis import is_synthesis, synthesis_answer

JsonDict = dict[str, Any]

_MAX_SCHEMA_DEPTH = 12


@dataclass(frozen=True)
class Facts:
    """What the fake model 'understood' from one request."""

    pages: int
    sha: str
    first_line: str
    documents: tuple[DocInfo, ...]
    #: what the answer cites (from the first document's pages), and whether the prompt
    #: asks a free-form answer for [p. N: "quote"] markers
    claims: tuple[Claim, ...] = ()
    markers: bool = False
    #: the answer to a whole-document synthesis request (text only), else ""
    synthesis: str = ""

    @property
    def line(self) -> str:
        return f"pages={self.pages} sha={self.sha} first_line={self.first_line}"

    @property
    def summary(self) -> str:
        return (
            f"Fake summary of {self.pages} page(s) starting with "
            f"'{self.first_line}' (sha {self.sha})."
        )

    def as_dict(self) -> JsonDict:
        result: JsonDict = {
            "pages": self.pages,
            "sha": self.sha,
            "first_line": self.first_line,
            "summary": self.summary,
        }
        if len(self.documents) > 1:
            result["documents"] = [
                {"pages": d.pages, "sha": d.sha, "first_line": d.first_line} for d in self.documents
            ]
        return result


def facts_for(documents: list[DocInfo], prompt: str, rule: CitationRule | None = None) -> Facts:
    """Facts from the documents; a text-only request is described by its prompt."""
    if not documents:
        first = next((ln.strip() for ln in prompt.splitlines() if ln.strip()), "")
        synthesis = synthesis_answer(prompt) if is_synthesis(prompt) else ""
        return Facts(0, short_sha(prompt.encode()), first[:200], (), synthesis=synthesis)
    first_doc = documents[0]
    claims = claims_for(first_doc.page_lines, rule or CitationRule())
    return Facts(
        sum(d.pages for d in documents),
        first_doc.sha,
        first_doc.first_line,
        tuple(documents),
        tuple(claims),
        bool(ASKS_FOR_MARKERS.search(prompt)),
    )


def answer_text(facts: Facts, generation_config: JsonDict) -> str:
    """The full (uncut) answer for this request."""
    if facts.synthesis:
        return facts.synthesis
    if generation_config.get("responseMimeType") != "application/json":
        if len(facts.documents) > 1:
            return "\n".join(
                f"pages={d.pages} sha={d.sha} first_line={d.first_line}" for d in facts.documents
            )
        if facts.markers and facts.claims:
            return f"{facts.line}\n\n{marked_points(list(facts.claims))}"
        return facts.line
    schema = generation_config.get("responseJsonSchema") or generation_config.get("responseSchema")
    if isinstance(schema, dict) and schema:
        return json.dumps(fill_schema(schema, facts), ensure_ascii=False)
    return json.dumps(facts.as_dict(), ensure_ascii=False)


def cut(text: str) -> str:
    """What MAX_TOKENS leaves: the first half (cut JSON is invalid JSON)."""
    return text[: max(1, len(text) // 2)] if len(text) > 1 else ""


# --- schema filling ----------------------------------------------------------------------


def fill_schema(schema: JsonDict, facts: Facts) -> Any:
    """An instance of ``schema`` (JSON Schema or Gemini Schema) built from the facts."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _fill(schema, "", facts, defs, 0)


def _resolve(schema: JsonDict, defs: JsonDict) -> JsonDict:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return defs.get(ref.rsplit("/", 1)[-1], {})
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            non_null = [o for o in options if _type_of(o) != "null"]
            return _resolve((non_null or options)[0], defs)
    return schema


def _type_of(schema: JsonDict) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), "null")
    if kind is None:
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        return "string"
    return str(kind).lower()


def _fill(schema: JsonDict, name: str, facts: Facts, defs: JsonDict, depth: int) -> Any:
    schema = _resolve(schema, defs)
    if depth > _MAX_SCHEMA_DEPTH:
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = _type_of(schema)
    if kind == "object":
        properties = schema.get("properties", {})
        return {prop: _fill(sub, prop, facts, defs, depth + 1) for prop, sub in properties.items()}
    if kind == "array":
        items = _resolve(schema.get("items", {}), defs)
        if {"quote", "page"} <= set(items.get("properties", {})) and facts.claims:
            return [_claim(items, claim, facts, defs, depth + 1) for claim in facts.claims]
        item = _fill(schema.get("items", {}), name, facts, defs, depth + 1)
        count = max(1, int(schema.get("minItems", 1) or 1))
        return [item] * count
    return _scalar(kind, name, schema, facts)


def _claim(schema: JsonDict, claim: Claim, facts: Facts, defs: JsonDict, depth: int) -> JsonDict:
    """One claim object: its quote and excerpt page, the other fields as usual."""
    filled = {
        prop: _fill(sub, prop, facts, defs, depth + 1)
        for prop, sub in schema.get("properties", {}).items()
    }
    return {**filled, "quote": claim.quote, "page": claim.page}


def _scalar(kind: str, name: str, schema: JsonDict, facts: Facts) -> Any:
    known: JsonDict = {
        "pages": facts.pages,
        "sha": facts.sha,
        "first_line": facts.first_line,
        "summary": facts.summary,
    }
    if kind in ("integer", "number"):  # every number is the page count: easy to check
        return float(facts.pages) if kind == "number" else facts.pages
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = str(known[name]) if name in known else f"{name}: {facts.line}".lstrip(": ")
    max_length = schema.get("maxLength")
    return text[: int(max_length)] if isinstance(max_length, int) else text


# --- response bodies ---------------------------------------------------------------------


def usage(prompt_tokens: int, candidate_tokens: int, thought_tokens: int = 0) -> JsonDict:
    body: JsonDict = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": candidate_tokens,
        "totalTokenCount": prompt_tokens + candidate_tokens + thought_tokens,
    }
    if thought_tokens:
        body["thoughtsTokenCount"] = thought_tokens
    return body


def generate_body(
    model: str,
    text: str,
    finish_reason: str,
    prompt_tokens: int,
    thoughts: bool = False,
) -> JsonDict:
    """A normal (or MAX_TOKENS-cut) answer. Thought parts, when on, are excluded by the SDK
    from ``.text`` but count in ``thoughtsTokenCount``."""
    parts: list[JsonDict] = []
    thought_tokens = 0
    if thoughts:
        thought = "Thinking about the document before answering."
        parts.append({"text": thought, "thought": True})
        thought_tokens = max(1, len(thought) // 4)
    parts.append({"text": text})
    return {
        "candidates": [
            {
                "content": {"parts": parts, "role": "model"},
                "finishReason": finish_reason,
                "index": 0,
            }
        ],
        "usageMetadata": usage(prompt_tokens, max(1, len(text) // 4), thought_tokens),
        "modelVersion": model,
        "responseId": secrets.token_urlsafe(16),
    }


def _ratings(blocked: bool) -> list[JsonDict]:
    return [
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": blocked},
        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    ]


def blocked_body(model: str, prompt_tokens: int) -> JsonDict:
    """Prompt blocked: no candidates at all, so ``response.text`` is None."""
    return {
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": _ratings(True)},
        "usageMetadata": {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens},
        "modelVersion": model,
        "responseId": secrets.token_urlsafe(16),
    }


def safety_body(model: str, prompt_tokens: int) -> JsonDict:
    """Answer stopped for safety: one candidate, finishReason SAFETY, no content."""
    return {
        "candidates": [
            {"finishReason": "SAFETY", "index": 0, "safetyRatings": _ratings(True)},
        ],
        "usageMetadata": usage(prompt_tokens, 0),
        "modelVersion": model,
        "responseId": secrets.token_urlsafe(16),
    }
