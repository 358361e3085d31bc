"""The small contract every analysis backend fulfils.

The pipeline owns concurrency, timeouts, retries and clean-up; a backend only knows how to
move one section's PDF to its analyser and back. That keeps the offline and Gemini
backends interchangeable and lets tests instrument the stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from core.sections import Section

if TYPE_CHECKING:  # pydantic: the PDF workers import this module for SplitPart only
    from core.results import SectionResult


@dataclass(frozen=True, slots=True)
class SplitPart:
    """A section written to its own PDF in the run's private temp directory."""

    path: Path
    page_count: int
    size_bytes: int
    sha256: str


@dataclass(slots=True)
class Handle:
    """What upload returns and analyze/cleanup take: the part plus backend state."""

    part: SplitPart
    remote_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the section was cancelled: clean-up keeps nothing of it for later (an upload made
    #: ahead of its analysis, say, is deleted rather than kept for re-asks)
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Prompt:
    """The question for a section; ``schema`` asks for structured (JSON) answers."""

    name: str
    text: str
    schema: dict[str, Any] | None = None


@runtime_checkable
class Processor(Protocol):
    name: str
    #: whether upload does real work (decides if the upload slot is taken at all)
    uses_upload: bool

    async def open(self) -> None:
        """Per-run set-up (an API client); called once before the first section."""

    async def close(self) -> None:
        """Per-run tear-down; called once after the last section, also on cancel."""

    async def upload(self, section: Section, part: SplitPart) -> Handle: ...

    async def analyze(self, section: Section, handle: Handle, prompt: Prompt) -> SectionResult: ...

    async def cleanup(self, handle: Handle) -> None:
        """Remove remote state for the handle; must be safe to call more than once."""
