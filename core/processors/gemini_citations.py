"""A section's answer with its citations, from the answers of its parts.

Each part's pages are known (the whole section, or one piece of an oversized one), so
its answer's excerpt pages are mapped to document pages *before* the parts are merged:
a free-form part's ``[p. N: "quote"]`` markers become pending markers, a structured
part's claims get document pages. The merged result's citations are unchecked; the
pipeline (or Batch mode) checks them against the document. Interactive and Batch mode
both go through :func:`merge_cited`, so the same answers give the same citations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from core.citations import claims, markers
from core.citations.model import Citation
from core.citations.pages import document_page
from core.processors.gemini_answer import MergedAnswer, PieceAnswer, merge_answers


def cite_part(pages: Sequence[int], answer: PieceAnswer) -> tuple[PieceAnswer, list[Citation]]:
    """One part's answer on document pages, and the citations of its free-form text
    (a structured answer's citations are read from the merged fields)."""
    if answer.fields is not None:
        fields = claims.map_pages(answer.fields, lambda k: document_page(k, pages))
        return dataclasses.replace(answer, fields=fields), []
    shown, citations = markers.cite_answer_text(answer.text, pages)
    return dataclasses.replace(answer, display=shown), citations


def merge_cited(
    parts: Sequence[tuple[tuple[int, ...], PieceAnswer]],
) -> tuple[MergedAnswer, list[Citation]]:
    """The merged answer and its unchecked citations, in the order of its markers."""
    cited = [(pages, *cite_part(pages, answer)) for pages, answer in parts]
    merged = merge_answers([(pages, answer) for pages, answer, _ in cited])
    if merged.fields is not None:
        return merged, claims.field_citations(merged.fields)
    return merged, [citation for _, _, found in cited for citation in found]
