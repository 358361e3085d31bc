"""What a finished section yields, shared by every backend, the journal and the exports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from core.citations.model import Citation


class TokenUsage(BaseModel):
    prompt: int = 0
    output: int = 0
    thoughts: int = 0
    total: int = 0
    #: of ``prompt``, tokens read from an explicit context cache (billed at its price)
    cached: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt=self.prompt + other.prompt,
            output=self.output + other.output,
            thoughts=self.thoughts + other.thoughts,
            total=self.total + other.total,
            cached=self.cached + other.cached,
        )


class SectionResult(BaseModel):
    """One section's answer.

    ``markdown`` is what a person reads; ``fields`` holds validated structured output when
    the prompt template carried a schema; ``raw_text`` keeps the model's exact words.
    """

    section_id: str
    title: str
    pages: str
    processor: str
    model: str | None = None
    markdown: str
    raw_text: str | None = None
    fields: dict[str, Any] | None = None
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    stats: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    #: why the answer is incomplete (cut off at the output-token limit); None when whole.
    #: A partial section is neither done nor failed: it is shown, exported and counted
    #: as "partial".
    partial: str | None = None
    #: where each claim is written (docs/ARCHITECTURE.md, "Citations"); checked against
    #: the document's text layer before the result is recorded
    citations: list[Citation] = Field(default_factory=list)
