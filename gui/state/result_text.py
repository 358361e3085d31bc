"""Finding and copying results: what a search matches and what "Copy" puts on the
clipboard, as plain functions (no Qt) so the rules read and test on their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.cost import format_usd


@dataclass(frozen=True, slots=True)
class RunLabel:
    """Which run the shown results belong to, for a copied result to say so."""

    run_id: str = ""
    document: str = ""
    backend: str = ""


def searchable(title: str, result: Any = None, reason: str = "") -> str:
    """Everything a search looks in, lower-cased once: title, answer, fields, reason."""
    parts = [title, reason]
    if result is not None:
        parts.append(getattr(result, "markdown", "") or "")
        fields = getattr(result, "fields", None)
        if fields:
            parts.append(json.dumps(fields, ensure_ascii=False))
    return "\n".join(parts).casefold()


def matches(query: str, haystack: str) -> bool:
    """Every word of the query appears (in any order), ignoring case."""
    return all(word in haystack for word in query.casefold().split())


def clipboard_text(
    title: str,
    pages: str,
    status: str,
    run: RunLabel,
    body: str,
    cost: float | None = None,
) -> str:
    """One result as an analyst pastes it: title and pages, the run it came from, the text."""
    head = f"{title} (pages {pages})" if pages else title
    where = [f"Run {run.run_id}" if run.run_id else "", run.document, run.backend, status]
    if cost:
        where.append(f"cost {format_usd(cost)}")
    line = " · ".join(bit for bit in where if bit)
    return f"{head}\n{line}\n\n{body.strip()}\n"
