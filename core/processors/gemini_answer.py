"""Reading one Gemini answer: what it says, whether it can be used, and what it cost.

A ``GenerateContentResponse`` can be a normal answer, a blocked prompt (no candidates at
all), an answer stopped for safety, an answer cut at the output token limit, or empty.
Each gets its own plain reason, and whether retrying can help decides transient versus
permanent. Structured answers (a template with a JSON schema) are parsed and checked
against the schema here, so the result's ``fields`` can be trusted by the views and exports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.citations import claims
from core.citations.markers import pending
from core.citations.pages import as_int
from core.errors import ProcessingError, permanent, transient
from core.results import TokenUsage
from core.sections import format_ranges

CUT_OFF_NOTE = "the answer was cut off at the output token limit"

#: finish reasons meaning Gemini refused to answer; retrying gives the same refusal.
_REFUSALS = {
    "SAFETY": "its safety filters",
    "RECITATION": "it would have repeated copyrighted text",
    "BLOCKLIST": "the answer contained blocked terms",
    "PROHIBITED_CONTENT": "the content is prohibited",
    "SPII": "the answer contained sensitive personal information",
    "IMAGE_SAFETY": "its image safety filters",
    "LANGUAGE": "the language is not supported",
}


@dataclass(slots=True)
class PieceAnswer:
    """The usable part of one generateContent answer."""

    text: str
    fields: dict[str, Any] | None
    tokens: TokenUsage
    finish_reason: str | None
    model_version: str | None
    notes: list[str] = field(default_factory=list)
    #: the answer stopped at the output-token limit (finish reason MAX_TOKENS)
    cut_off: bool = False
    #: the text to show, when it differs from the model's words (citation markers read)
    display: str | None = None


def _name(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value)).upper()


def token_usage(response: Any) -> TokenUsage:
    usage = getattr(response, "usage_metadata", None)
    if usage is None:
        return TokenUsage()
    prompt = int(getattr(usage, "prompt_token_count", 0) or 0)
    output = int(getattr(usage, "candidates_token_count", 0) or 0)
    thoughts = int(getattr(usage, "thoughts_token_count", 0) or 0)
    total = int(getattr(usage, "total_token_count", 0) or 0) or prompt + output + thoughts
    cached = int(getattr(usage, "cached_content_token_count", 0) or 0)
    return TokenUsage(prompt=prompt, output=output, thoughts=thoughts, total=total, cached=cached)


def _answer_text(candidate: Any) -> str:
    """The candidate's text without thought parts (as ``response.text`` does)."""
    content = getattr(candidate, "content", None)
    parts = getattr(content, "parts", None) or []
    return "".join(
        part.text
        for part in parts
        if getattr(part, "text", None) and not getattr(part, "thought", False)
    )


def interpret(response: Any, *, title: str, schema: dict[str, Any] | None) -> PieceAnswer:
    """Turn a response into a PieceAnswer or raise the ProcessingError that fits."""
    tokens = token_usage(response)
    candidates = getattr(response, "candidates", None) or []
    feedback = getattr(response, "prompt_feedback", None)
    block = _name(getattr(feedback, "block_reason", None))
    if not candidates:
        if block:
            message = getattr(feedback, "block_reason_message", None)
            extra = f": {message}" if message else ""
            raise permanent(
                f"Gemini blocked this section (reason: {block}){extra}. Its filters refused "
                "the request; try another prompt, or leave the section out"
            )
        raise transient(f"Gemini returned no answer for section '{title}'")

    candidate = candidates[0]
    finish = _name(getattr(candidate, "finish_reason", None))
    text = _answer_text(candidate)
    model_version = getattr(response, "model_version", None)
    if finish in _REFUSALS:
        raise permanent(
            f"Gemini stopped answering this section (finish reason: {finish}) because of "
            f"{_REFUSALS[finish]}; retrying gives the same result"
        )
    notes: list[str] = []
    cut_off = finish == "MAX_TOKENS"
    if cut_off:
        notes.append(CUT_OFF_NOTE)
    if not text.strip():
        if cut_off:
            raise permanent(
                "Gemini used up the output token limit before writing any answer "
                "(finish reason: MAX_TOKENS); the section may be too long for the model"
            )
        raise transient(
            f"Gemini returned an empty answer for section '{title}' "
            f"(finish reason: {finish or 'none'})"
        )
    fields = None if schema is None else _structured(text, schema, cut_off)
    return PieceAnswer(text, fields, tokens, finish, model_version, notes, cut_off)


def _structured(text: str, schema: dict[str, Any], cut_off: bool) -> dict[str, Any]:
    try:
        value = json.loads(_strip_fence(text))
    except json.JSONDecodeError as exc:
        if cut_off:
            raise permanent(
                "Gemini's answer was cut off at the output token limit before its JSON was "
                "complete, so the template's fields could not be read. Use a shorter section "
                "or a template that asks for less"
            ) from None
        raise transient(f"Gemini's answer was not valid JSON (at character {exc.pos})") from None
    problems = check_schema(value, schema)
    if problems:
        detail = "; ".join(problems[:3])
        error: ProcessingError = (
            permanent(f"Gemini's cut-off answer does not match the template's fields: {detail}")
            if cut_off
            else transient(f"Gemini's answer does not match the template's fields: {detail}")
        )
        raise error
    if not isinstance(value, dict):
        value = {"value": value}
    return value


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        if stripped.rstrip().endswith("```"):
            stripped = stripped.rstrip()[:-3]
    return stripped


# ----------------------------------------------------------------- schema check
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def check_schema(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Problems of ``value`` against the JSON-Schema subset Gemini's structured output uses
    (type, properties, required, items, enum, anyOf, $ref/$defs); empty when it fits."""
    return _check(value, schema, path, {**schema.get("definitions", {}), **schema.get("$defs", {})})


def _check(value: Any, schema: dict[str, Any], path: str, defs: dict[str, Any]) -> list[str]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        schema = defs.get(ref.rsplit("/", 1)[-1], {})
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            if any(not _check(value, option, path, defs) for option in options):
                return []
            return [f"{path} matches none of the allowed shapes"]
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = [str(k).lower() for k in (kinds if isinstance(kinds, list) else [kinds])]
        if schema.get("nullable") and "null" not in names:
            names.append("null")
        allowed = tuple(t for n in names for t in _TYPES.get(n, ()))
        is_bool = isinstance(value, bool)
        if allowed and (not isinstance(value, allowed) or (is_bool and bool not in allowed)):
            return [f"{path} should be {' or '.join(names)}"]
    if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
        problems.append(f"{path} is not one of {schema['enum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []) or []:
            if name not in value:
                problems.append(f"{path}.{name} is missing")
        for name, sub in (schema.get("properties") or {}).items():
            if name in value and isinstance(sub, dict):
                problems.extend(_check(value[name], sub, f"{path}.{name}", defs))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problems.extend(_check(item, schema["items"], f"{path}[{index}]", defs))
    return problems


# -------------------------------------------------------------------- rendering
def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _inline(value: Any) -> str:
    if claims.is_claim(value):
        return _claim(value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_inline(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_inline(v) for v in value)
    return "" if value is None else str(value)


def _claim(item: dict[str, Any]) -> str:
    """A claim as one line: what it says, then the marker citing its page (the quote is
    the citation's; see core/citations/claims.py for the order markers are made in)."""
    said = "; ".join(
        f"{_label(k)}: {_plain(v)}"
        for k, v in item.items()
        if k not in (claims.QUOTE, claims.PAGE) and _plain(v)
    )
    return f"{said} {pending(as_int(item[claims.PAGE]) or 1)}".strip()


def _plain(value: Any) -> str:
    """A value inside a claim, without markers of its own (claims do not nest)."""
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return "" if value is None else str(value)


def fields_markdown(fields: dict[str, Any]) -> str:
    """Structured fields as Markdown a person reads: one labelled block per field."""
    if claims.is_claim(fields):
        return _claim(fields)
    blocks: list[str] = []
    for key, value in fields.items():
        if isinstance(value, list):
            items = "\n".join(f"- {_inline(item)}" for item in value) or "- (none)"
            blocks.append(f"**{_label(key)}**\n\n{items}")
        elif isinstance(value, dict):
            lines = "\n".join(f"- {_label(k)}: {_inline(v)}" for k, v in value.items())
            blocks.append(f"**{_label(key)}**\n\n{lines}")
        elif isinstance(value, str) and "\n" in value:
            blocks.append(f"**{_label(key)}**\n\n{value}")
        else:
            blocks.append(f"**{_label(key)}:** {_inline(value)}")
    return "\n\n".join(blocks)


# ---------------------------------------------------------------------- merging
def merge_fields(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Fields of several pieces of one section as one object, in page order.

    Lists are concatenated, text is joined by blank lines, objects are merged key by key;
    numbers and flags that differ between pieces keep the first piece's value (the notes
    say the section was sent in pieces).
    """
    merged: dict[str, Any] = {}
    for fields in parts:
        for key, value in fields.items():
            if key not in merged:
                merged[key] = value
                continue
            old = merged[key]
            if isinstance(old, list) and isinstance(value, list):
                merged[key] = old + value
            elif isinstance(old, str) and isinstance(value, str):
                merged[key] = old if value == old else f"{old}\n\n{value}"
            elif isinstance(old, dict) and isinstance(value, dict):
                merged[key] = merge_fields([old, value])
    return merged


@dataclass(slots=True)
class MergedAnswer:
    """A section's answer from its pieces' answers: what a SectionResult is made of."""

    markdown: str
    raw_text: str
    fields: dict[str, Any] | None
    tokens: TokenUsage
    notes: list[str]
    #: why the merged answer is incomplete, or None
    partial: str | None = None


def merge_answers(parts: list[tuple[tuple[int, ...], PieceAnswer]]) -> MergedAnswer:
    """One answer from a section's pieces (pages, answer), merged in page order; the
    interactive backend and Batch mode give the same result for the same answers."""
    answers = [answer for _, answer in parts]
    tokens = sum((a.tokens for a in answers), TokenUsage())
    notes: list[str] = []
    for answer in answers:
        notes.extend(n for n in answer.notes if n not in notes)
    partial = CUT_OFF_NOTE if any(a.cut_off for a in answers) else None
    if len(answers) == 1:
        fields = answers[0].fields
        raw = answers[0].text
        body = fields_markdown(fields) if fields is not None else _shown(answers[0])
        return MergedAnswer(body, raw, fields, tokens, notes, partial)
    notes.append(
        f"the section is above Gemini's limits, so it was sent in {len(answers)} parts "
        "and the answers merged in page order"
    )
    labels = [f"Part {i + 1} (pages {format_ranges(pages)})" for i, (pages, _) in enumerate(parts)]
    pairs = list(zip(labels, answers, strict=True))
    raw = "\n\n".join(f"--- {label} ---\n{a.text}" for label, a in pairs)
    structured = all(a.fields is not None for a in answers)
    fields = merge_fields([a.fields for a in answers if a.fields]) if structured else None
    if fields is not None:
        body = fields_markdown(fields)
    else:
        body = "\n\n".join(f"### {label}\n\n{_shown(a)}" for label, a in pairs)
    return MergedAnswer(body, raw, fields, tokens, notes, partial)


def _shown(answer: PieceAnswer) -> str:
    return answer.display if answer.display is not None else answer.text
