"""Explicit context caching: pages that several sections of a run ask about go once into a
context cache when that saves money (prices.json), every question reads it, and it is
deleted afterwards, recorded in the remote-file ledger meanwhile; small pages use none."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from google.genai import types

from core.context_cache import CACHE_TTL_S, cache_cost
from core.cost import estimate_for, load_prices
from core.remote_ledger import CACHE_PREFIX, RemoteLedger
from core.sections import Section
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, run_sections, settings_for
from tests.core.test_gemini_ledger import record_in_dead_process
from tests.fakes.fixtures import make_client
from tests.fakes.gemini import FakeGemini
from tests.helpers.leaks import assert_nothing_leaked

PDF = "application/pdf"
QUESTIONS = (
    "List the risks named in this section.",
    "Who is responsible for what in this section?",
    "Which dates and deadlines does this section give?",
)


def asked_three_ways(section: Section) -> list[Section]:
    """The same pages marked three times, each with its own question."""
    return [
        dataclasses.replace(section, id=f"{section.id}q{n}", prompt=question)
        for n, question in enumerate(QUESTIONS)
    ]


async def test_several_questions_of_a_big_section_share_one_cache_then_delete_it(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    [big] = build_document(pdf, [6])  # 6 pages: above the model's minimum cache size
    sections = asked_three_ways(big)
    settings = settings_for(fake_gemini)
    guess = estimate_for(settings, sections)  # the estimate says it will cache, and its cost
    assert len(guess.caches) == 1 and guess.cache_storage_usd > 0
    assert "TTL 10 min" in guess.describe() and "storage ≈ $" in guess.describe()

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    assert fake_gemini.stats.count("cache_create") == 1
    calls = fake_gemini.stats.document_calls(status=200)
    assert len(calls) == len(QUESTIONS)
    assert all(sum(q in call.prompt for call in calls) == 1 for q in QUESTIONS)
    [cache] = {call.cached_content for call in calls}
    assert cache.startswith(CACHE_PREFIX)
    assert all(call.pages == len(big.pages) for call in calls)  # each read the whole section
    for section in sections:  # each answer is to its own question, about those pages
        result = run.outcome.results[section.id]
        assert f"pages={len(big.pages)}" in (result.raw_text or "")
        assert result.tokens.cached == fake_gemini.tokens_per_page * len(big.pages)
    assert fake_gemini.stats.count("cache_delete", status=200) == 1
    assert fake_gemini.stored_caches() == []
    assert not any(e.remote_name == cache for e in remote_ledger.entries())
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings)


async def test_a_small_section_asked_several_questions_uses_no_cache(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    [small] = build_document(pdf, [1])  # one page: below the minimum a cache may hold
    sections = asked_three_ways(small)
    settings = settings_for(fake_gemini)
    assert estimate_for(settings, sections).caches == ()

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    assert fake_gemini.stats.count("cache_create") == 0
    calls = fake_gemini.stats.document_calls(status=200)
    assert len(calls) == len(sections) and not any(call.cached_content for call in calls)


async def test_a_big_section_asked_once_uses_no_cache(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [6, 6])  # big, but each asked one question
    run = await run_sections(settings_for(fake_gemini), workers, remote_ledger, pdf, sections)
    assert set(run.outcome.results) == {s.id for s in sections}
    assert fake_gemini.stats.count("cache_create") == 0


async def test_an_expired_cache_is_asked_again_with_the_document(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    [big] = build_document(pdf, [6])
    sections = asked_three_ways(big)
    settings = settings_for(fake_gemini, max_concurrent_section_tasks=1)
    fake_gemini.cache_reads_before_expiry = 1  # its TTL passes after the first question

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    assert fake_gemini.stats.count("cache_create") == 1
    answered = fake_gemini.stats.document_calls(status=200)
    assert sum(bool(call.cached_content) for call in answered) == 1
    assert len(answered) == len(sections)  # the others carried the document again
    assert all(call.pages == len(big.pages) for call in answered)
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings)


async def test_a_cache_left_by_a_killed_run_is_deleted_by_the_next_sweep(
    fake_gemini: FakeGemini, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    build_document(pdf, [6])
    client = make_client(fake_gemini)
    try:
        made = await client.aio.caches.create(
            model="gemini-3.8-flash",
            config=types.CreateCachedContentConfig(
                contents=[types.Part.from_bytes(data=pdf.read_bytes(), mime_type=PDF)],
                ttl=f"{CACHE_TTL_S}s",
            ),
        )
        # the killed run had written its intent, and the cache's name once made
        record_in_dead_process(
            remote_ledger.path, "cache Orphan [s1] #dead-1", fake_gemini.base_url
        )
        [entry] = remote_ledger.entries()
        remote_ledger.record_remote(entry.id, str(made.name))
        assert [c.name for c in fake_gemini.stored_caches()] == [made.name]

        report = await remote_ledger.sweep(client, scope=fake_gemini.base_url)
    finally:
        await client.aio.aclose()

    assert report.deleted == [made.name]
    assert fake_gemini.stats.count("cache_delete", status=200) == 1
    assert fake_gemini.stored_caches() == [] and remote_ledger.entries() == []


def test_caching_pays_only_above_the_break_even() -> None:
    table = load_prices()
    price = table.price("gemini-2.5-pro")
    minimum = table.cache_min_tokens("gemini-2.5-pro")
    assert price is not None and price.cached_input is not None
    assert minimum == 4096
    assert cache_cost(minimum - 1, 5, price, minimum) is None  # too small to cache
    assert cache_cost(50_000, 1, price, minimum) is None  # one question: nothing to share
    two = cache_cost(50_000, 2, price, minimum)
    assert two is not None and two.saves_usd > 0
    # storage for the whole TTL is in its cost: 50k tokens × $4.50/M/h × 10 min
    assert abs(two.storage_usd - 50_000 * 4.5 / 1e6 * CACHE_TTL_S / 3600) < 1e-12
    # a TTL long enough makes storage cost more than the cache saves
    assert cache_cost(50_000, 2, price, minimum, ttl_s=24 * 3600) is None
