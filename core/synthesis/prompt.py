"""The Gemini synthesis: one text-only request holding every section answer, and its
answer read back with its citations.

Nothing of the PDF is sent again: the model reads the section answers, each with its
citations written as ``[p. N: "quote"]`` on the *document's* pages, and is asked to keep
the marker of every point it takes over. Reading the answer back, a marker's page is a
document page already; a marker given without its quote gets the quote a section cited
on that page, so each claim keeps its page and the words that show it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.citations.markers import cite_answer_text
from core.citations.model import Citation
from core.results import SectionResult
from core.sections import Section

#: the first line of every synthesis request (the fake server knows it by this)
HEAD = "Whole-document synthesis."
#: the heading that opens each section's answer in the request
SECTION_HEADING = "=== Section {number}: {title} (pages {pages}) ==="
#: a section answer longer than this is cut (the answers, not the PDF, are sent)
MAX_ANSWER_CHARS = 24_000
_FINAL_MARK = re.compile(r"\[p\. [^\]\n]{1,40}?\]")

INSTRUCTIONS = (
    "Below are the answers an analysis gave for each section of one document, in the "
    "document's order. Write ONE answer to the same question for the whole document, in "
    "Markdown: start with a short overview paragraph, then the points that matter most "
    "across the sections, then how the sections differ or agree, then the key figures. "
    "Use only what the section answers say. The section answers cite the document's pages "
    'with markers [p. N: "quote"], where N is the page of the whole document. End every '
    "point you take over with the marker of the section answer it rests on, copied "
    'exactly as given, [p. N: "quote"]; never invent a page or a quote.'
)


def synthesis_prompt(
    question: str,
    title: str,
    page_count: int,
    answers: Sequence[tuple[Section, SectionResult]],
) -> str:
    """The request's whole text: the question, the instructions, every section answer."""
    asked = question.strip() or "Summarise the document."
    head = [
        HEAD,
        f"Document: '{title}', {page_count} pages, {len(answers)} sections answered.",
        f"The question asked of every section: {asked}",
        "",
        INSTRUCTIONS,
        "",
    ]
    blocks = []
    for number, (section, result) in enumerate(answers, 1):
        heading = SECTION_HEADING.format(
            number=number, title=section.title, pages=section.page_spec
        )
        blocks.append(f"{heading}\n{answer_with_sources(result)}")
    return "\n".join(head) + "\n\n".join(blocks) + "\n"


def answer_with_sources(result: SectionResult) -> str:
    """A section's answer with its citations written as ``[p. N: "quote"]`` on document
    pages: the n-th marker of the shown answer is the n-th citation; when they do not
    line up, the answer as shown and its sources listed under it."""
    text = result.markdown.strip()[:MAX_ANSWER_CHARS]
    found = _FINAL_MARK.findall(text)
    citations = result.citations
    if citations and len(found) == len(citations):
        queue = iter(citations)
        return _FINAL_MARK.sub(lambda _: _source(next(queue)), text)
    if not citations:
        return text
    sources = "\n".join(f"- {c.claim or 'Source'} {_source(c)}" for c in citations)
    return f"{text}\n\nSources:\n{sources}"


def _source(citation: Citation) -> str:
    quote = citation.quote.replace('"', "'")
    return f'[p. {citation.page}: "{quote}"]' if quote else f"[p. {citation.page}]"


def read_answer(
    text: str, page_count: int, answers: Sequence[tuple[Section, SectionResult]]
) -> tuple[str, list[Citation]]:
    """The answer with pending markers on document pages, and its unchecked citations;
    a marker without a quote borrows one a section cited on that page."""
    shown, found = cite_answer_text(text, tuple(range(1, max(page_count, 1) + 1)))
    by_page: dict[int, Citation] = {}
    for _, result in answers:
        for citation in result.citations:
            by_page.setdefault(citation.page, citation)
    carried = []
    for citation in found:
        source = by_page.get(citation.page)
        if not citation.quote and source is not None:
            citation = citation.model_copy(update={"quote": source.quote})
        carried.append(citation)
    return shown, carried
