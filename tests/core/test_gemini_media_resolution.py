"""GEMINI_MEDIA_RESOLUTION: it reaches the request (Gemini API and Vertex), changes the
estimate by Google's tokens-per-page table, and is part of the result-cache key."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cost import estimate, load_prices
from core.processors.gemini import GeminiProcessor
from core.remote_ledger import RemoteLedger
from core.settings import Settings
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, run_sections, settings_for
from tests.fakes.gemini import FakeGemini


@pytest.mark.parametrize("vertex", [False, True], ids=["gemini-api", "vertex"])
async def test_the_media_resolution_reaches_every_request(
    fake_gemini: FakeGemini,
    transport: str,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
    vertex: bool,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    settings = settings_for(
        fake_gemini, gemini_media_resolution="low", google_genai_use_vertexai=vertex
    )

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    configs = [r.generation_config for r in fake_gemini.stats.document_calls()]
    assert len(configs) == len(sections)
    assert all(c.get("mediaResolution") == "MEDIA_RESOLUTION_LOW" for c in configs)


async def test_the_default_sends_no_media_resolution(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1])
    await run_sections(settings_for(fake_gemini), workers, remote_ledger, pdf, sections)
    [record] = fake_gemini.stats.document_calls()
    assert "mediaResolution" not in record.generation_config


def test_the_estimate_follows_the_resolution() -> None:
    table = load_prices()
    pages = [10, 20]

    def tokens(model: str, resolution: str) -> int:
        return estimate(page_counts=pages, model=model, media_resolution=resolution).input_tokens

    for model in ("gemini-3.8-flash", "gemini-2.5-flash"):
        assert tokens(model, "low") < tokens(model, "default")
        assert tokens(model, "high") >= tokens(model, "medium")
    assert table.tokens_per_page("gemini-3.8-flash", "high") == 2 * table.tokens_per_page(
        "gemini-3.8-flash", "medium"
    )


def test_another_resolution_is_another_cache_entry() -> None:
    versions = {
        GeminiProcessor(Settings(_env_file=None, gemini_media_resolution=value)).version
        for value in ("default", "low", "medium", "high")
    }
    assert len(versions) == 4
    default = GeminiProcessor(Settings(_env_file=None))
    assert default.version == GeminiProcessor.base_version  # earlier answers stay cached
