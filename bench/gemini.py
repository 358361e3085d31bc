"""The Gemini backend through the real SDK and the fake server: makespan and inline vs upload.

``python -m bench.gemini`` prints, from runs of the real pipeline → google-genai →
HTTP → FakeGemini (in this process):

* ``gemini_makespan_efficiency``: N=20 one-page sections, C=5 at once, 0.5 s per answer.
  No scheduler beats ceil(N/C)·0.5 s; the value is that ideal over the measured wall time
  of the whole ``Pipeline.run`` (snapshot, inspect, splits, client, ledger, clean-up
  included). Sections go the default way (INLINE_MAX_MB decides).
* ``inline_vs_upload_speedup``: the same small sections once uploaded (INLINE_MAX_MB=0:
  upload → poll until ACTIVE → generate → delete) and once inline; upload makespan over
  inline makespan. The fake takes PROCESSING_DELAY to make an uploaded file ACTIVE, as
  Gemini needs a moment to read a PDF.

``--sweep`` adds inline vs upload per section size (one section at a time, so size is
the only variable) to choose INLINE_MAX_MB. The fake runs on localhost, so it measures
the protocol's fixed costs and the client's per-MB cost of inlining, not a slow uplink.

Warm-up first: one small run imports google-genai, starts the PDF workers and the fake's
parser, as a running app already has.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
from pathlib import Path

N, C, LATENCY = 20, 5, 0.5
PROCESSING_DELAY = 0.3  # seconds the fake keeps an uploaded PDF in PROCESSING


def _settings(base_url: str, **overrides: object):
    from core.settings import Settings

    values: dict[str, object] = {
        "gemini_api_key": "bench",
        "gemini_base_url": base_url,
        "processor": "gemini",
        "max_concurrent_section_tasks": C,
        "enable_memory_monitoring": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def _document(path: Path, sections: int, noise_bytes: int = 0):
    import pymupdf

    from core.sections import Section
    from tests.fakes.fixtures import make_pdf

    parts = []
    for index in range(sections):
        parts.append(make_pdf(f"Bench section {index:03d}", 1, noise_bytes=noise_bytes))
    with pymupdf.open() as doc:
        for data in parts:
            with pymupdf.open(stream=data, filetype="pdf") as one:
                doc.insert_pdf(one)
        doc.save(path)
    return [Section(id=f"s{i}", title=f"Bench {i}", pages=(i + 1,)) for i in range(sections)]


async def _makespan(settings, workers, pdf: Path, sections) -> float:
    from core.pipeline import Pipeline
    from core.processors.base import Prompt
    from core.processors.gemini import GeminiProcessor
    from core.run_types import RunRequest

    processor = GeminiProcessor(settings, workers=workers)
    request = RunRequest(pdf_path=pdf, sections=sections, prompt=Prompt("bench", "Summarise."))
    begun = time.perf_counter()
    outcome = await Pipeline(settings, processor, workers).run(request)
    elapsed = time.perf_counter() - begun
    if outcome.failures:
        raise RuntimeError(f"bench run failed: {outcome.failures}")
    return elapsed


async def _sweep(fake, workers, folder: Path) -> None:
    print("size_mb  upload_s  inline_s  speedup   (one section, generate latency 0.5 s)")
    for megabytes in (0.1, 1, 2, 4, 8, 16, 32):
        pdf = folder / f"sweep{megabytes}.pdf"
        sections = _document(pdf, 1, noise_bytes=int(megabytes * 1024 * 1024))
        size = pdf.stat().st_size / (1024 * 1024)
        up = await _makespan(_settings(fake.base_url, inline_max_mb=0), workers, pdf, sections)
        inline = await _makespan(_settings(fake.base_url, inline_max_mb=50), workers, pdf, sections)
        print(f"{size:7.1f}  {up:8.3f}  {inline:8.3f}  {up / inline:7.2f}")


async def _request_overhead_ms(fake) -> float:
    """Round trip of a tiny generate call with no server latency (transport + fake)."""
    from google import genai
    from google.genai import types

    client = genai.Client(
        api_key="bench",
        http_options=types.HttpOptions(base_url=fake.base_url, api_version="v1beta"),
    )
    latency, fake.latency = fake.latency, 0.0
    config = types.GenerateContentConfig(
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)
    )
    try:
        times = []
        for _ in range(6):
            begun = time.perf_counter()
            await client.aio.models.generate_content(model="m", contents="ping", config=config)
            times.append(time.perf_counter() - begun)
    finally:
        fake.latency = latency
        await client.aio.aclose()
    return sorted(times[1:])[len(times[1:]) // 2] * 1000


async def main(sweep: bool) -> int:
    from core.workers import PdfWorkers
    from tests.fakes.gemini import FakeGemini

    workers = PdfWorkers(max_workers=4)
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeGemini(latency=LATENCY, processing_delay=PROCESSING_DELAY) as fake,
    ):
        folder = Path(tmp)
        os.environ["SECTIONFLOW_DATA_DIR"] = str(folder / "data")  # not the user's ledger
        try:
            await workers.warm(4)
            overhead_ms = await _request_overhead_ms(fake)
            pdf = folder / "doc.pdf"
            sections = _document(pdf, N)
            size_kb = pdf.stat().st_size / N / 1024
            default = _settings(fake.base_url)
            upload_only = _settings(fake.base_url, inline_max_mb=0)
            inline_only = _settings(fake.base_url, inline_max_mb=50)
            await _makespan(default, workers, pdf, sections)  # warm-up, discarded
            await _makespan(upload_only, workers, pdf, sections)  # warm-up, discarded
            fake.reset_stats()
            ours = await _makespan(default, workers, pdf, sections)
            peak = fake.stats.max_generate_in_flight
            upload = await _makespan(upload_only, workers, pdf, sections)
            inline = await _makespan(inline_only, workers, pdf, sections)
            if sweep:
                await _sweep(fake, workers, folder)
        finally:
            workers.shutdown()
    ideal = math.ceil(N / C) * LATENCY
    print(f"N={N} C={C} latency={LATENCY}s ideal={ideal:.2f}s section≈{size_kb:.0f} KB")
    print(f"fake_request_overhead_ms={overhead_ms:.1f}  (a tiny generate call, no latency)")
    print(f"default (INLINE_MAX_MB={default.inline_max_mb:g}): {ours:.3f}s, peak in flight {peak}")
    print(f"uploaded: {upload:.3f}s   inline: {inline:.3f}s")
    print(f"gemini_upload_makespan_efficiency={ideal / upload:.3f}")
    print(f"gemini_makespan_efficiency={ideal / ours:.3f}")
    print(f"inline_vs_upload_speedup={upload / inline:.2f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.gemini", description=__doc__)
    parser.add_argument("--sweep", action="store_true", help="inline vs upload by section size")
    sys.exit(asyncio.run(main(parser.parse_args().sweep)))
