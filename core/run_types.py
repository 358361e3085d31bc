"""What goes into a run and what comes out of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.processors.base import Prompt
from core.results import SectionResult, TokenUsage
from core.sections import Section

if TYPE_CHECKING:
    from core.pdf import DocumentInfo
    from core.processors.base import Processor


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
    #: after the sections, build the whole-document synthesis (core.synthesis)
    synthesis: bool = True


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    attempts: int
    cancelled: bool = False
    #: never started because the budget cap was reached; retry/resume run it later
    skipped: bool = False

    @property
    def state(self) -> str:
        """'skipped', 'cancelled' or 'failed': the section's status in the journal and
        the exports."""
        return "skipped" if self.skipped else "cancelled" if self.cancelled else "failed"


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
    #: the PDF's own title (its metadata), else "": exports fall back to the file name
    title: str = ""
    #: the whole-document answer built from the section answers (core.synthesis), and
    #: why it could not be made when it was asked for and failed
    synthesis: SectionResult | None = None
    synthesis_failure: str | None = None
    #: why the run stopped starting sections before the end (a full disk, a rejected
    #: API key), in one line that says what to do; None when it did not
    stopped: str | None = None

    @classmethod
    def begin(
        cls,
        request: RunRequest,
        sha256: str,
        info: DocumentInfo,
        processor: Processor,
        settings: dict[str, Any],
    ) -> RunOutcome:
        """The outcome of a run that starts now (a single run and Batch mode alike)."""
        return cls(
            run_id=request.run_id or uuid.uuid4().hex[:12],
            document=Path(request.pdf_path),
            document_sha256=sha256,
            page_count=info.page_count,
            sections=list(request.sections),
            prompt=request.prompt,
            processor=processor.name,
            model=getattr(processor, "model", None),
            settings=settings,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            title=info.own_title,
        )

    def keep_finished(self, previous: RunOutcome) -> None:
        """Continue ``previous`` (resume): its id, its start, and every section it
        finished whose pages are unchanged."""
        self.run_id, self.started_at = previous.run_id, previous.started_at
        self.title = self.title or previous.title
        # kept only while its answers are unchanged; a failure, until it is made or off
        self.synthesis, self.synthesis_failure = previous.synthesis, previous.synthesis_failure
        for section in self.sections:
            kept = previous.results.get(section.id)
            # a cut-off answer is asked again
            if kept is not None and not kept.partial and kept.pages == section.page_spec:
                self.results[section.id] = kept
                self.attempts[section.id] = previous.attempts.get(section.id, 1)
                self.timings[section.id] = previous.timings.get(section.id, {})

    @property
    def tokens(self) -> TokenUsage:
        total = TokenUsage()
        for result in self.results.values():
            total = total + result.tokens
        if self.synthesis is not None:
            total = total + self.synthesis.tokens
        return total

    @property
    def ok(self) -> bool:
        """Every section done and whole: nothing failed, cancelled or cut off, and the
        synthesis made when it was asked for."""
        whole = not any(result.partial for result in self.results.values())
        complete = len(self.results) == len(self.sections) and not self.failures
        return not self.cancelled and complete and whole and self.synthesis_failure is None
