"""Checking a result's citations and writing them back into it.

Backends return results whose citations are unchecked and whose Markdown holds pending
markers (:mod:`.markers`). The pipeline (and Batch mode when it collects answers) calls
:func:`check_citations` once per result, off the event loop: the quotes are looked up
in a PDF worker process (:func:`core.citations.verify.verify_quotes`), then
:func:`finish_result` gives every marker its final form and every claim of the fields
its checked page. A check that cannot run (a crashed worker, a document that is gone)
never fails the section: its citations stay unverified, with the reason.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence

from core.citations import claims, markers
from core.citations.model import Citation
from core.citations.pages import remap
from core.citations.verify import apply_verdict, verify_quotes
from core.results import SectionResult
from core.sections import parse_ranges
from core.workers import PdfWorkers

log = logging.getLogger("sectionflow.citations")

UNCHECKED = "could not be checked against the document"


async def check_citations(
    workers: PdfWorkers,
    result: SectionResult,
    source: str | os.PathLike[str],
    section_pages: Sequence[int],
    password: str | None = None,
) -> SectionResult:
    """The result with each citation checked against ``source`` (the whole document)."""
    if not result.citations:
        return finish_result(result, [])
    try:
        quotes = [(c.page, c.quote) for c in result.citations]
        verdicts = await workers.run(
            verify_quotes, str(source), tuple(section_pages), quotes, password
        )
    except Exception as exc:  # never fail a finished answer over its check
        log.warning("Citations of section '%s' were not checked: %s", result.title, exc)
        return unchecked(result, UNCHECKED)
    checked = [apply_verdict(c, v) for c, v in zip(result.citations, verdicts, strict=True)]
    return finish_result(result, checked)


def unchecked(result: SectionResult, reason: str) -> SectionResult:
    """The result with its citations left unverified for ``reason``."""
    citations = [
        c.model_copy(update={"verified": False, "reason": reason}) for c in result.citations
    ]
    return finish_result(result, citations)


def finish_result(result: SectionResult, checked: list[Citation]) -> SectionResult:
    """Checked citations written back: final markers, claims on their checked pages."""
    update: dict[str, object] = {
        "citations": checked,
        "markdown": markers.finish(result.markdown, checked),
    }
    if result.fields is not None and any(True for _ in claims.claim_items(result.fields)):
        update["fields"] = claims.with_checked_pages(result.fields, checked)
    return result.model_copy(update=update)


def moved(result: SectionResult, pages: Sequence[int]) -> SectionResult:
    """An unchecked result of the same bytes given for a section of other ``pages`` (a
    cache hit): its citations moved to the same places there. Markers and claims follow
    their citations by position when the result is finished."""
    numbers = [int(n) for n in re.findall(r"\d+", result.pages)]
    if not result.citations or not numbers:
        return result
    old = parse_ranges(result.pages, max(numbers))
    citations = [c.model_copy(update={"page": remap(c.page, old, pages)}) for c in result.citations]
    return result.model_copy(update={"citations": citations})
