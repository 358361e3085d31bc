"""Load: 500 sections in one run against the fake Gemini server, with tight limits.

Every section must be accounted for (done, with an answer computed from its own pages),
memory must stay under MAX_MEMORY_USAGE_MB with monitoring on, and the event loop must
stay responsive (the gaps of a 10 ms heartbeat). The fake server runs in its own process.

Prints: load_500_sections_ok=… peak_rss_mb=… max_stall_ms=…
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from bench.fake_server import fake_gemini_process
from bench.heartbeat import Heartbeat
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.processors.gemini import GeminiProcessor
from core.remote_ledger import RemoteLedger
from core.run_types import RunRequest
from core.sections import every_n_pages
from core.settings import Settings
from core.workers import PdfWorkers
from tests.helpers.pdfs import make_big_pdf

N = 500
MAX_MB = 1024


async def main() -> int:
    with (
        tempfile.TemporaryDirectory() as folder,
        fake_gemini_process("--latency", "0.05", "--processing-delay", "0.02") as url,
    ):
        os.environ["SECTIONFLOW_DATA_DIR"] = folder
        src = make_big_pdf(Path(folder) / "big.pdf", N * 2)
        settings = Settings(
            _env_file=None,
            processor="gemini",
            gemini_api_key="bench-key",
            gemini_base_url=url,
            max_concurrent_section_tasks=8,
            max_concurrent_uploads=3,
            max_concurrent_splits=2,
            inline_max_mb=0,
            enable_memory_monitoring=True,
            max_memory_usage_mb=MAX_MB,
            memory_throttle_threshold_mb=768,
            retry_backoff_base_seconds=0.05,
        )
        workers = PdfWorkers()
        ledger = RemoteLedger(Path(folder) / "remote.sqlite3")
        processor = GeminiProcessor(settings, ledger, workers=workers)
        peak = 0.0

        def on_event(event: object) -> None:
            nonlocal peak
            peak = max(peak, getattr(event, "rss_mb", 0.0))

        pipeline = Pipeline(settings, processor, workers, emit=on_event)
        sections = every_n_pages(N * 2, 2)
        heartbeat = Heartbeat()
        heartbeat.start()
        try:
            outcome = await pipeline.run(
                RunRequest(pdf_path=src, sections=sections, prompt=Prompt("summary", "Summarise"))
            )
        finally:
            await heartbeat.stop()
            workers.shutdown()
        answered = sum(
            1 for s in sections if "pages=2" in outcome.results.get(s.id, _none).markdown
        )
        ok = len(outcome.results) == N and answered == N and not outcome.failures
        print(
            f"sections={N} done={len(outcome.results)} failed={len(outcome.failures)} "
            f"answers_from_own_pages={answered} elapsed_s={outcome.elapsed_s:.1f}"
        )
        print(
            f"p99_stall_ms={heartbeat.percentile_ms(0.99):.1f} "
            f"mean_rss_mb={outcome.summary['mean_rss_mb']} limit_mb={MAX_MB}"
        )
        print(
            f"load_500_sections_ok={ok and peak < MAX_MB} peak_rss_mb={peak:.0f} "
            f"max_stall_ms={heartbeat.max_ms:.1f}"
        )
    return 0 if ok else 1


class _None:
    markdown = ""


_none = _None()

if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
