"""What a synthesis is made from: the section answers of a run, in document order."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from core.export import ordered_sections
from core.sections import Section, format_ranges

if TYPE_CHECKING:
    from core.results import SectionResult
    from core.run_types import RunOutcome

#: the synthesis's own id (never a section's: section ids are "s01", "s02", ...)
SYNTHESIS_ID = "__document__"
SYNTHESIS_TITLE = "Whole document"


def answered(outcome: RunOutcome) -> list[tuple[Section, SectionResult]]:
    """Each section that has an answer, with it, in document order (first page, then the
    order of the request)."""
    return [
        (s, outcome.results[s.id]) for s in ordered_sections(outcome) if s.id in outcome.results
    ]


def inputs_key(outcome: RunOutcome, processor: str, model: str | None) -> str:
    """The answers (and the question and backend) a synthesis is made from, as a hash: the
    same key means the journaled synthesis still stands and is not made again."""
    ident = {
        "prompt": outcome.prompt.text,
        "processor": processor,
        "model": model,
        "answers": [
            [section.id, result.markdown, [c.page for c in result.citations]]
            for section, result in answered(outcome)
        ],
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


def covered_pages(outcome: RunOutcome) -> str:
    """The pages of the answered sections, as a page spec ("1-12, 14")."""
    pages = {page for section, _ in answered(outcome) for page in section.pages}
    return format_ranges(sorted(pages))
