"""An instrumented processor: real async stages whose timing and faults a test controls.

It is not a mock of Gemini (that is tests/fakes/gemini.py); it is a backend built to
observe the engine: how many uploads and analyses are in flight, in what order, and what
happens when a stage is slow, hangs or fails.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field

from core.errors import permanent, rate_limited, transient
from core.processors.base import Handle, Prompt, SplitPart
from core.results import SectionResult
from core.sections import Section
from tests.helpers.pdfs import first_lines


@dataclass
class Gauge:
    """Counts work in flight and remembers the most seen at once."""

    now: int = 0
    high: int = 0

    def enter(self) -> None:
        self.now += 1
        self.high = max(self.high, self.now)

    def leave(self) -> None:
        self.now -= 1


@dataclass
class InstrumentedProcessor:
    name: str = "instrumented"
    uses_upload: bool = True
    upload_s: float = 0.0
    analyze_s: float = 0.05
    transient_failures: dict[str, int] = field(default_factory=dict)
    rate_limited_failures: dict[str, int] = field(default_factory=dict)
    permanent_failures: set[str] = field(default_factory=set)
    hang: set[str] = field(default_factory=set)
    uploads: Gauge = field(default_factory=Gauge)
    analyses: Gauge = field(default_factory=Gauge)
    calls: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cleaned: list[str] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)
    #: when set, also counts the analyses that start from then on
    analyses_after: Gauge | None = None
    opened: int = 0
    closed: int = 0
    release: asyncio.Event | None = None

    async def open(self) -> None:
        self.opened += 1

    async def close(self) -> None:
        self.closed += 1

    async def upload(self, section: Section, part: SplitPart) -> Handle:
        self.uploads.enter()
        try:
            await asyncio.sleep(self.upload_s)
        finally:
            self.uploads.leave()
        self.uploaded.append(f"files/{section.id}")
        return Handle(part=part, remote_name=f"files/{section.id}")

    async def analyze(self, section: Section, handle: Handle, prompt: Prompt) -> SectionResult:
        self.calls[section.id].append(time.monotonic())
        self.analyses.enter()
        after = self.analyses_after
        if after is not None:
            after.enter()
        try:
            if section.id in self.hang:
                await asyncio.Event().wait()
            if self.release is not None:
                await self.release.wait()
            await asyncio.sleep(self.analyze_s)
            limited = self.rate_limited_failures.get(section.id, 0)
            if limited:
                self.rate_limited_failures[section.id] = limited - 1
                raise rate_limited(f"429 for {section.id}", retry_after=0.05)
            left = self.transient_failures.get(section.id, 0)
            if left:
                self.transient_failures[section.id] = left - 1
                raise transient(f"server busy for {section.id}")
            if section.id in self.permanent_failures:
                raise permanent(f"bad request for {section.id}")
            lines = await asyncio.to_thread(first_lines, handle.part.path)
        finally:
            self.analyses.leave()
            if after is not None:
                after.leave()
        return SectionResult(
            section_id=section.id,
            title=section.title,
            pages=section.page_spec,
            processor=self.name,
            markdown="\n".join(lines),
        )

    async def cleanup(self, handle: Handle) -> None:
        if handle.remote_name:
            self.cleaned.append(handle.remote_name)
