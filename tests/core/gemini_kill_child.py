"""A Gemini run in a child process, for the SIGKILL test (test_gemini_ledger.py).

``python -m tests.core.gemini_kill_child BASE_URL PDF SECTIONS`` runs SECTIONS one-page
sections of PDF against the fake Gemini at BASE_URL with uploads on (INLINE_MAX_MB=0) and
the ledger in $SECTIONFLOW_DATA_DIR, exactly as the app would. The test kills it mid-run.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.processors.gemini import GeminiProcessor
from core.run_types import RunRequest
from core.sections import Section
from core.settings import Settings
from core.workers import PdfWorkers


async def main(base_url: str, pdf: Path, count: int) -> None:
    settings = Settings(
        _env_file=None,
        gemini_api_key="child-key",
        gemini_base_url=base_url,
        processor="gemini",
        inline_max_mb=0,
        max_concurrent_section_tasks=3,
        max_concurrent_uploads=2,
        enable_memory_monitoring=False,
    )
    workers = PdfWorkers(max_workers=2)
    processor = GeminiProcessor(settings, workers=workers, poll_initial_s=0.02)
    sections = [Section(id=f"s{i}", title=f"Child {i}", pages=(i + 1,)) for i in range(count)]
    request = RunRequest(pdf_path=pdf, sections=sections, prompt=Prompt("summary", "Summarise."))
    await Pipeline(settings, processor, workers).run(request)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
