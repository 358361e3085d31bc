"""What goes into a run and what comes out of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.processors.base import Prompt
from core.results import SectionResult, TokenUsage
from core.sections import Section


@dataclass(frozen=True, slots=True)
class RunRequest:
    pdf_path: Path
    sections: list[Section]
    prompt: Prompt
    password: str | None = None
    run_id: str | None = None
    #: continue this journaled run: its finished sections are kept, the rest run again
    resume_run_id: str | None = None
    #: reuse a cached result for a section whose bytes, prompt and model are unchanged
    use_cache: bool = True


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    attempts: int
    cancelled: bool = False


@dataclass(slots=True)
class RunOutcome:
    """Everything a front end, the journal or an export needs about a finished run."""

    run_id: str
    document: Path
    document_sha256: str
    page_count: int
    sections: list[Section]
    prompt: Prompt
    processor: str
    model: str | None
    settings: dict[str, Any]
    started_at: str
    elapsed_s: float = 0.0
    cancelled: bool = False
    results: dict[str, SectionResult] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    #: (section id, stage, seconds since the run started) for each stage change
    timeline: list[tuple[str, str, float]] = field(default_factory=list)
    #: (seconds since start, sections in flight, effective section limit)
    concurrency: list[tuple[float, int, int]] = field(default_factory=list)

    @property
    def tokens(self) -> TokenUsage:
        total = TokenUsage()
        for result in self.results.values():
            total = total + result.tokens
        return total

    @property
    def ok(self) -> bool:
        return not self.cancelled and not self.failures and len(self.results) == len(self.sections)
