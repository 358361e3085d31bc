"""The offline synthesis: the document's answer picked from its sections' own sentences.

There is no model offline, so nothing new is written: the synthesis is extractive, like
each section's summary. Its sentences are the section summaries' sentences (and key
facts), each one the claim of a citation its section already made, so every line keeps
its page. Three parts: an overview (the summary sentences most representative of the
whole document, ranked as a section's summary ranks its sentences, by the frequency of
their words, here over every section), one line per section, and the key figures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.citations.markers import pending
from core.citations.model import Citation
from core.extraction.model import Block
from core.extraction.text import extractive_summary, term_frequencies
from core.markdown_safety import inline_text
from core.results import SectionResult
from core.sections import Section

_FIGURES = re.compile(r"\d+(?:[.,]\d+)*")
_FACTS_MAX = 6


@dataclass(frozen=True, slots=True)
class Cited:
    """One sentence of a section's answer and the citation that says where it is."""

    text: str
    citation: Citation
    section: Section


def summary_sentences(section: Section, result: SectionResult) -> list[Cited]:
    """The sentences a section's result summarises it with, each with its citation.

    An offline result cites its summary sentences first, then its key facts (their count
    is in ``stats``); any other result's claims stand for its summary."""
    claims = [c for c in result.citations if c.claim or c.quote]
    count = len(result.stats.get("summary") or []) if "summary" in result.stats else len(claims)
    return [_cited(section, c) for c in claims[:count]]


def fact_sentences(section: Section, result: SectionResult) -> list[Cited]:
    """The key facts of an offline result (the citations after its summary's)."""
    if "key_facts" not in result.stats:
        return []
    start = len(result.stats.get("summary") or [])
    return [_cited(section, c) for c in result.citations[start:] if c.claim or c.quote]


def _cited(section: Section, citation: Citation) -> Cited:
    return Cited(" ".join((citation.claim or citation.quote).split()), citation, section)


def extractive_markdown(
    answers: Sequence[tuple[Section, SectionResult]],
) -> tuple[str, list[Citation]]:
    """The synthesis's Markdown, with a pending marker after every claim, and the
    citations of those markers in order (unchecked copies of the sections' own)."""
    summaries = {section.id: summary_sentences(section, result) for section, result in answers}
    everything = [cited for found in summaries.values() for cited in found]
    citations: list[Citation] = []

    def line(cited: Cited, prefix: str = "") -> str:
        citations.append(Citation.unchecked(cited.citation.page, cited.citation.quote, cited.text))
        return f"- {prefix}{cited.text} {pending(cited.citation.page)}"

    overview = _most_representative(everything)
    parts = ["## Overview", ""]
    parts += [line(cited) for cited in overview] or ["_No section has sentences to summarise._"]
    parts += ["", "## Section by section", ""]
    for section, _ in answers:
        found = summaries[section.id]
        fresh = [cited for cited in found if cited not in overview] or found
        if fresh:
            parts.append(line(fresh[0], prefix=f"**{inline_text(section.title)}**: "))
        else:
            parts.append(f"- **{inline_text(section.title)}**: _nothing to summarise._")
    facts = _key_figures(
        [c for section, result in answers for c in fact_sentences(section, result)]
    )
    if facts:
        parts += ["", "## Key figures", ""]
        parts += [line(cited) for cited in facts]
    return "\n".join(parts) + "\n", citations


def _most_representative(sentences: list[Cited]) -> list[Cited]:
    """3-5 sentences, in document order, scored over the words of every section."""
    if not sentences:
        return []
    blocks = [Block("paragraph", cited.text, cited.citation.page) for cited in sentences]
    freq = term_frequencies("\n".join(cited.text for cited in sentences))
    picked = {(s.text, s.page) for s in extractive_summary(blocks, freq)}
    return [cited for cited in sentences if (cited.text, cited.citation.page) in picked]


def _key_figures(facts: list[Cited]) -> list[Cited]:
    """The facts with the most figures, in document order; each sentence once."""
    unique = list({cited.text.lower(): cited for cited in facts}.values())
    ranked = sorted(range(len(unique)), key=lambda i: (-len(_FIGURES.findall(unique[i].text)), i))
    return [unique[i] for i in sorted(ranked[:_FACTS_MAX])]
