"""What a synthesis is made from: the section answers of a run, in document order."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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


def inputs_key(
    prompt: str,
    processor: str,
    model: str | None,
    answers: Sequence[tuple[Section, SectionResult]],
) -> str:
    """The answers (:func:`answered`; the question and backend too) a synthesis is made
    from, as a hash: the same key means the journaled synthesis still stands and is not
    made again.

    Each field goes into the hash on its own, length first, rather than as one JSON text
    of every answer: for 50 offline sections (5 MB) that text took 40-60 ms of the event
    loop (the window's) at the end of each run. hashlib lets go of the GIL for long
    inputs, so on a thread this leaves the window free (docs/ARCHITECTURE.md, "Keeping
    the window smooth")."""
    digest = hashlib.sha256()

    def add(text: str) -> None:
        data = text.encode()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    for field in (prompt, processor, model or ""):
        add(field)
    for section, result in answers:
        add(section.id)
        add(result.markdown)
        add(",".join(str(c.page) for c in result.citations))
    return digest.hexdigest()


def covered_pages(outcome: RunOutcome) -> str:
    """The pages of the answered sections, as a page spec ("1-12, 14")."""
    pages = {page for section, _ in answered(outcome) for page in section.pages}
    return format_ranges(sorted(pages))
