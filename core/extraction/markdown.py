"""The Markdown of a section: page markers, blocks, and the local result around them.

The extractor's own Markdown starts at '#' for the document's biggest heading. The
local result nests it under '## Text', so there its headings are shifted two levels
down (and the export shifts the whole result under the section's own heading).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.citations.markers import pending
from core.export import demote_headings
from core.extraction.model import Block, LocalAnalysis, Sentence

TEXT_HEADING_DEPTH = 3  # the text's '#' under the result's '## Text'
_TIGHT = ("item", "contents")


def page_marker(number: int) -> str:
    return f"<!-- page {number} -->"


def join_blocks(blocks: Sequence[Block]) -> list[str]:
    """Blocks as Markdown chunks; consecutive list items stay one tight list."""
    chunks: list[str] = []
    previous: Block | None = None
    for block in blocks:
        if previous is not None and previous.kind in _TIGHT and block.kind == previous.kind:
            chunks[-1] += "\n" + block.markdown
        else:
            chunks.append(block.markdown)
        previous = block
    return chunks


def join_code(first: Block, second: Block) -> Block:
    """One fenced block from a listing that a page break cut in two (first page kept)."""
    head = first.markdown.splitlines()[:-1]
    tail = second.markdown.splitlines()[1:-1] + head[:1]  # closed by the first's fence
    return Block("code", "\n".join([*head, *tail]), first.page, first.words + second.words)


def render_local_markdown(analysis: LocalAnalysis) -> str:
    """The local result as a person reads it: Summary, Key facts, Keywords, then the
    text. Each summary sentence and key fact ends with a marker citing its page, in the
    order of :attr:`LocalAnalysis.cited`."""
    parts = ["## Summary", ""]
    if analysis.summary:
        parts += [_cited(sentence) for sentence in analysis.summary]
    else:
        parts.append("_No sentences to summarise in this section._")
    if analysis.facts:
        parts += ["", "## Key facts", ""]
        parts += [_cited(sentence) for sentence in analysis.facts]
    parts += ["", "## Keywords", ""]
    parts.append(", ".join(analysis.keywords) if analysis.keywords else "_None found._")
    parts += ["", "## Text", ""]
    facts = [_plural(analysis.pages, "page"), _plural(analysis.words, "word")]
    if analysis.tables:
        facts.append(_plural(analysis.tables, "table"))
    if analysis.scanned_pages:
        facts.append(_plural(len(analysis.scanned_pages), "scanned page"))
    parts += [f"_{', '.join(facts)}._", ""]
    text = demote_headings(analysis.text_markdown, top=TEXT_HEADING_DEPTH)
    parts.append(text or "_This section has no text layer._")
    return "\n".join(parts).rstrip() + "\n"


def _cited(sentence: Sentence) -> str:
    return f"- {sentence.text} {pending(sentence.page)}"


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
