"""Scheduling overhead of the engine: how close a run comes to the ideal makespan.

N sections go through the real pipeline (real splits in the worker pool, memory
monitoring on) with a processor whose analysis sleeps L seconds. With C sections at
once, no scheduler can beat ceil(N/C)·L; makespan_efficiency is that ideal over the
measured wall time of the whole run (snapshot, inspect and clean-up included). The same
run in sequential mode (ENABLE_CONCURRENT_PROCESSING=false) is measured beside it.
"""

from __future__ import annotations

import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import make_manual
from core.pipeline import Pipeline
from core.processors.base import Handle, Prompt, SplitPart
from core.results import SectionResult
from core.run_types import RunRequest
from core.sections import Section, every_n_pages
from core.settings import Settings
from core.workers import PdfWorkers

N, C, L = 40, 5, 0.2


class SleepingProcessor:
    name = "sleeping"
    uses_upload = False

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def upload(self, section: Section, part: SplitPart) -> Handle:
        return Handle(part=part)

    async def analyze(self, section: Section, handle: Handle, prompt: Prompt) -> SectionResult:
        await asyncio.sleep(L)
        return SectionResult(
            section_id=section.id,
            title=section.title,
            pages=section.page_spec,
            processor=self.name,
            markdown=f"{handle.part.page_count} pages",
        )

    async def cleanup(self, handle: Handle) -> None: ...


async def makespan(src: Path, workers: PdfWorkers, concurrent: bool) -> float:
    settings = Settings(
        _env_file=None,
        max_concurrent_section_tasks=C,
        enable_concurrent_processing=concurrent,
        enable_memory_monitoring=True,
    )
    sections = every_n_pages(N * 3, 3)
    pipeline = Pipeline(settings, SleepingProcessor(), workers)
    request = RunRequest(pdf_path=src, sections=sections, prompt=Prompt("bench", "Summarise"))
    begun = time.perf_counter()
    outcome = await pipeline.run(request)
    elapsed = time.perf_counter() - begun
    assert len(outcome.results) == N, outcome.failures
    return elapsed


async def main() -> int:
    workers = PdfWorkers()
    try:
        with tempfile.TemporaryDirectory() as folder:
            src = make_manual(Path(folder) / "doc.pdf", pages=N * 3)
            await workers.warm(4)
            await makespan(src, workers, True)  # warm-up: each worker opens the document once
            ours = await makespan(src, workers, True)
            sequential = await makespan(src, workers, False)
    finally:
        workers.shutdown()
    ideal = math.ceil(N / C) * L
    print(f"N={N} C={C} L={L}s ideal={ideal:.2f}s")
    print(f"concurrent: {ours:.3f}s   sequential: {sequential:.3f}s (ideal {N * L:.1f}s)")
    print(f"speedup_vs_sequential={sequential / ours:.2f}")
    print(f"makespan_efficiency={ideal / ours:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
