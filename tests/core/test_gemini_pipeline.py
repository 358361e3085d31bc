"""The Gemini backend end to end: pipeline → real SDK → real HTTP → fake Gemini.

Each test runs once per SDK transport (httpx2 and aiohttp) through the ``transport``
fixture. What is checked is what the server saw: concurrency peaks, which pages each answer
came from, which files are left, when retries arrived.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from pathlib import Path

import pytest

from core.events import RetryScheduled
from core.processors.base import Prompt
from core.processors.gemini_answer import CUT_OFF_NOTE
from core.remote_ledger import RemoteLedger
from core.run_types import RunOutcome, RunRequest
from core.sections import Section
from core.workers import PdfWorkers
from tests.core.gemini_support import (
    KEY,
    PROMPT,
    SCHEMA,
    build_document,
    make_pipeline,
    marker,
    run_sections,
    settings_for,
)
from tests.fakes.fixtures import stats_wait
from tests.fakes.gemini import FakeGemini
from tests.helpers.leaks import assert_nothing_leaked
from tests.helpers.wait import until

pytestmark = pytest.mark.usefixtures("transport")

_ANSWER = re.compile(r"pages=(\d+) sha=([0-9a-f]{12}) first_line=(.*)")


def _assert_own_pages(outcome: RunOutcome, sections: list[Section]) -> None:
    """Each answer names its own section's page count, bytes and first line."""
    for section in sections:
        result = outcome.results[section.id]
        match = _ANSWER.search(result.raw_text or "")
        assert match, result.raw_text
        pages, sha, first_line = match.groups()
        assert int(pages) == len(section.pages)
        assert sha == result.stats["sha256"][:12]
        assert first_line.startswith(marker(int(section.id[1:])))


async def test_limits_are_what_the_server_sees_and_answers_match_their_pages(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [2, 1, 3] * 4)
    settings = settings_for(fake_gemini, max_concurrent_section_tasks=3, max_concurrent_uploads=2)
    events: list = []
    pipeline, _ = make_pipeline(settings, workers, remote_ledger, events)
    request = RunRequest(pdf_path=tmp_path / "doc.pdf", sections=sections, prompt=PROMPT)

    # Make the peaks certain rather than likely: upload bodies are held until two uploads
    # are open, and the first answers are slow (1 s) until three generate calls are open;
    # then the server goes back to 0.2 s answers for the rest of the run.
    fake_gemini.latency = 1.0
    fake_gemini.pause("upload_chunk")
    task = asyncio.create_task(pipeline.run(request))
    await stats_wait(fake_gemini, lambda s: s.uploads_in_flight >= 2, timeout=20)
    fake_gemini.resume()
    await stats_wait(fake_gemini, lambda s: s.generate_in_flight >= 3, timeout=20)
    fake_gemini.latency = 0.2
    outcome = await asyncio.wait_for(task, 30)

    assert outcome.failures == {}
    assert len(outcome.results) == 12
    assert fake_gemini.stats.max_generate_in_flight == 3
    assert fake_gemini.stats.max_uploads_in_flight == 2
    assert fake_gemini.stats.count("upload") == 12
    assert fake_gemini.stats.count("generate") == 12 + 1  # and the synthesis (text only)
    _assert_own_pages(outcome, sections)
    assert all(r.tokens.prompt > 0 and r.tokens.total > 0 for r in outcome.results.values())
    assert len(fake_gemini.stored_files()) == 12  # kept for re-asks, each in the ledger
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings)


async def test_inline_sections_skip_upload_and_delete(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [1, 2, 1, 2])
    settings = settings_for(fake_gemini, inline_max_mb=4)

    run = await run_sections(settings, workers, remote_ledger, tmp_path / "doc.pdf", sections)

    assert run.outcome.failures == {}
    _assert_own_pages(run.outcome, sections)
    assert fake_gemini.stats.count("upload") == 0
    assert fake_gemini.stats.count("delete") == 0
    sections = [r for r in fake_gemini.stats.generate_records() if r.pages]  # not the synthesis
    assert sections and all(r.inline for r in sections)
    assert all(r.stats["inline"] for r in run.outcome.results.values())


async def test_structured_answer_is_parsed_validated_and_raw_text_kept(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [3, 1])
    prompt = Prompt(name="key_facts", text="List the key facts.", schema=SCHEMA)

    run = await run_sections(
        settings_for(fake_gemini), workers, remote_ledger, tmp_path / "doc.pdf", sections, prompt
    )

    assert run.outcome.failures == {}
    for section in sections:
        result = run.outcome.results[section.id]
        assert result.fields is not None
        assert result.fields["pages"] == len(section.pages)  # the fake_gemini fills numbers so
        assert isinstance(result.fields["key_facts"], list)
        assert result.raw_text and result.raw_text.lstrip().startswith("{")
        assert "**Summary:**" in result.markdown
    sent = fake_gemini.stats.generate_records()[0].generation_config
    assert sent["responseMimeType"] == "application/json"
    assert sent["responseJsonSchema"] == SCHEMA


async def test_oversized_section_is_cut_into_pieces_and_merged_in_order(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [5, 1])
    settings = settings_for(fake_gemini)

    run = await run_sections(
        settings, workers, remote_ledger, tmp_path / "doc.pdf", sections, max_pages=2
    )

    assert run.outcome.failures == {}
    big = run.outcome.results["s00"]
    assert big.stats["parts"] == 3
    parts = _ANSWER.findall(big.raw_text or "")
    assert [int(p[0]) for p in parts] == [2, 2, 1]
    assert parts[0][2].startswith(marker(0))
    assert "page 3" in parts[1][2] and "page 5" in parts[2][2]
    assert "Part 1 (pages 1-2)" in big.raw_text and "Part 3 (pages 5)" in big.raw_text
    assert any("sent in 3 parts" in note for note in big.notes)
    assert big.tokens.prompt >= 5 * 258  # usage of the three calls, added up
    assert fake_gemini.stats.count("upload") == 4
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings_for(fake_gemini))
    assert not list(tmp_path.glob("**/*.piece*.pdf"))


async def test_one_section_always_failing_is_reported_while_the_rest_succeed(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [1] * 6)
    fake_gemini.add_fault("500", match=marker(2))  # forever
    fake_gemini.add_fault("invalid_argument", match=marker(4))

    run = await run_sections(
        settings_for(fake_gemini), workers, remote_ledger, tmp_path / "doc.pdf", sections
    )

    assert set(run.outcome.failures) == {"s02", "s04"}
    server = run.outcome.failures["s02"]
    assert "server error (500 INTERNAL)" in server.reason
    assert server.attempts == 3  # 1 + PROCESS_MAX_RETRIES
    bad = run.outcome.failures["s04"]
    assert "could not accept the request" in bad.reason
    assert "invalid argument" in bad.reason.lower()
    assert bad.attempts == 1  # permanent: no retry
    assert len(run.outcome.results) == 4
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings_for(fake_gemini))


async def test_blocked_max_tokens_and_failed_file_each_have_their_own_reason(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [1] * 5)
    fake_gemini.add_fault("blocked", match=marker(0))
    fake_gemini.add_fault("safety", match=marker(1))
    fake_gemini.add_fault("max_tokens", match=marker(2))
    fake_gemini.add_fault("failed_file", match=marker(3), message="The PDF is corrupt (fake).")

    run = await run_sections(
        settings_for(fake_gemini), workers, remote_ledger, tmp_path / "doc.pdf", sections
    )

    failures = run.outcome.failures
    assert set(failures) == {"s00", "s01", "s03"}
    assert "Gemini blocked this section (reason: SAFETY)" in failures["s00"].reason
    assert "finish reason: SAFETY" in failures["s01"].reason
    assert "could not read the uploaded PDF" in failures["s03"].reason
    assert "The PDF is corrupt (fake)." in failures["s03"].reason
    assert all(f.attempts == 1 for f in failures.values())
    cut = run.outcome.results["s02"]
    assert CUT_OFF_NOTE in cut.notes
    assert cut.stats["finish_reason"] == "MAX_TOKENS"
    assert run.outcome.results["s04"].notes == []
    # the file Gemini could not read is deleted at once; the others are kept for re-asks
    assert all(marker(3) not in f.display_name for f in fake_gemini.stored_files())
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings_for(fake_gemini))


async def test_max_tokens_with_required_json_fails_clearly(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [1, 1])
    fake_gemini.add_fault("max_tokens", match=marker(0))
    prompt = Prompt(name="key_facts", text="List the key facts.", schema=SCHEMA)

    run = await run_sections(
        settings_for(fake_gemini), workers, remote_ledger, tmp_path / "doc.pdf", sections, prompt
    )

    failure = run.outcome.failures["s00"]
    assert "cut off at the output token limit before its JSON was complete" in failure.reason
    assert failure.attempts == 1
    assert run.outcome.results["s01"].fields is not None


async def test_rate_limit_window_and_retry_delays_are_respected(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    fake_gemini.window_s = 1.0
    fake_gemini.rpm = 5
    fake_gemini.latency = 0.02
    fake_gemini.add_fault("429", match=marker(1), times=2, retry_delay_s=0.3)
    sections = build_document(tmp_path / "doc.pdf", [1] * 12)
    settings = settings_for(fake_gemini, process_max_retries=12, inline_max_mb=4)

    run = await run_sections(settings, workers, remote_ledger, tmp_path / "doc.pdf", sections)

    assert run.outcome.failures == {}
    assert len(run.outcome.results) == 12
    rejected = fake_gemini.stats.count("generate", 429)
    assert rejected >= 2
    gaps = fake_gemini.stats.retry_gaps()
    assert len(gaps) == rejected
    assert fake_gemini.stats.early_retries() == []
    assert any(g.retry_delay_s == pytest.approx(0.3) for g in gaps)
    retries = [e for e in run.events if isinstance(e, RetryScheduled)]
    assert retries and all("rate limit" in e.reason for e in retries)
    assert all(e.delay_s >= 0.1 for e in retries)
    assert run.outcome.summary["retries_by_reason"].get("rate limited", 0) == len(retries)
    assert any("rate limited" in str(c["reason"]) for c in run.outcome.summary["limit_changes"])


async def test_stage_timeout_leaves_no_file_behind(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    sections = build_document(tmp_path / "doc.pdf", [1] * 4)
    fake_gemini.add_fault("hang", match=marker(1))  # never answers
    settings = settings_for(fake_gemini, processing_timeout_seconds=0.5, process_max_retries=1)

    run = await run_sections(settings, workers, remote_ledger, tmp_path / "doc.pdf", sections)

    failure = run.outcome.failures["s01"]
    assert "Timed out processing section" in failure.reason
    assert failure.attempts == 2
    assert len(run.outcome.results) == 3
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings)


async def test_cancel_mid_run_leaves_no_file_behind(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    fake_gemini.latency = 5.0  # generate calls stay in flight until cancelled
    # the third section's upload hangs, so "two analysing, one uploading" is sure to be seen
    # (a fixed upload latency left a timing window that made this test flaky)
    fake_gemini.add_fault("hang", match=marker(2), endpoint="upload_chunk", hang_s=None)
    sections = build_document(tmp_path / "doc.pdf", [1] * 8)
    events: list = []
    pipeline, _ = make_pipeline(settings_for(fake_gemini), workers, remote_ledger, events)
    task = asyncio.create_task(
        pipeline.run(RunRequest(pdf_path=tmp_path / "doc.pdf", sections=sections, prompt=PROMPT))
    )
    await stats_wait(fake_gemini, lambda s: s.generate_in_flight >= 2 and s.uploads_in_flight >= 1)
    pipeline.cancel()
    outcome = await asyncio.wait_for(task, 20)

    assert outcome.cancelled
    assert outcome.results == {}
    assert all(f.cancelled for f in outcome.failures.values())
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings_for(fake_gemini))


async def test_sections_uploaded_ahead_are_deleted_when_the_run_is_cancelled(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    fake_gemini.latency = 60.0  # every analysis waits on the model until cancelled
    sections = build_document(tmp_path / "doc.pdf", [1] * 9)
    events: list = []
    pipeline, _ = make_pipeline(settings_for(fake_gemini), workers, remote_ledger, events)
    task = asyncio.create_task(
        pipeline.run(RunRequest(pdf_path=tmp_path / "doc.pdf", sections=sections, prompt=PROMPT))
    )
    # three analysing and three more uploaded ahead (C=3), the other three waiting
    await stats_wait(fake_gemini, lambda s: s.generate_in_flight == 3, timeout=30)
    await until(lambda: len(fake_gemini.stored_files()) == 6, timeout=30)
    pipeline.cancel()
    outcome = await asyncio.wait_for(task, 20)

    assert outcome.cancelled and outcome.results == {}
    assert fake_gemini.stats.count("upload") == 6  # nothing uploaded after the cancel
    assert fake_gemini.stored_files() == []
    assert remote_ledger.entries() == []


async def test_an_upload_the_server_finishes_after_a_cancel_is_deleted_by_the_run(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    """Cancelled while an upload's last bytes are being answered: the server makes the file
    anyway, after the run's own closing sweep has listed the files. The run waits for that
    answer instead, so the file is deleted before the run ends, not at the next start."""
    fake_gemini.latency = 60.0
    fake_gemini.upload_latency = 0.3
    fake_gemini.finish_cut_uploads = True
    sections = build_document(tmp_path / "doc.pdf", [1] * 3)
    events: list = []
    pipeline, _ = make_pipeline(settings_for(fake_gemini), workers, remote_ledger, events)
    task = asyncio.create_task(
        pipeline.run(RunRequest(pdf_path=tmp_path / "doc.pdf", sections=sections, prompt=PROMPT))
    )
    await stats_wait(fake_gemini, lambda s: s.finalizing >= 1, timeout=20)
    pipeline.cancel()
    outcome = await asyncio.wait_for(task, 20)
    await stats_wait(fake_gemini, lambda s: s.finalizing == 0)  # the server has done its part

    assert outcome.cancelled and outcome.results == {}
    assert fake_gemini.stored_files() == []
    assert remote_ledger.entries() == []


async def test_wrong_key_fails_clearly_and_the_key_never_appears_anywhere(
    fake_gemini: FakeGemini,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_gemini.valid_keys = {"the-right-key"}
    sections = build_document(tmp_path / "doc.pdf", [1, 2])

    run = await run_sections(
        settings_for(fake_gemini), workers, remote_ledger, tmp_path / "doc.pdf", sections
    )

    assert run.outcome.results == {}
    for failure in run.outcome.failures.values():
        assert failure.reason.startswith("Gemini rejected the API key")
        assert "GEMINI_API_KEY" in failure.reason
        assert failure.attempts == 1
    _assert_key_absent(run, caplog)


async def test_errors_that_echo_the_key_are_scrubbed(
    fake_gemini: FakeGemini,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    sections = build_document(tmp_path / "doc.pdf", [1, 1, 1])
    echo = f"Bad request for https://x/v1beta/models?key={KEY} (x-goog-api-key: {KEY})"
    fake_gemini.add_fault("invalid_argument", match=marker(0), message=echo)
    fake_gemini.add_fault("503", match=marker(1), message=f"overloaded, key {KEY}")
    fake_gemini.add_fault("failed_file", match=marker(2), message=f"cannot read, key={KEY}")

    run = await run_sections(
        settings_for(fake_gemini), workers, remote_ledger, tmp_path / "doc.pdf", sections
    )

    assert set(run.outcome.failures) == {"s00", "s01", "s02"}
    assert "key=***" in run.outcome.failures["s00"].reason
    _assert_key_absent(run, caplog)


def _assert_key_absent(run, caplog: pytest.LogCaptureFixture) -> None:
    texts = [record.getMessage() for record in caplog.records]
    texts += [str(record.exc_info) for record in caplog.records if record.exc_info]
    texts += [repr(event) for event in run.events]
    texts += [repr(f) for f in run.outcome.failures.values()]
    texts += [repr(r) for r in run.outcome.results.values()]
    texts += [repr(run.outcome.summary), repr(run.outcome.settings)]
    assert any(t for t in texts)
    leaks = [t for t in texts if KEY in t or KEY[8:24] in t]
    assert leaks == []


def test_client_reuses_the_tls_contexts_the_sdk_would_build(
    fake_gemini: FakeGemini, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building a client must not reload CA bundles each run (0.1-0.2 s), and the SDK
    must really use the shared contexts for aiohttp, httpx2 and websockets."""
    from core.processors import gemini, gemini_client

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    gemini_client.tls_contexts.cache_clear()
    processor = gemini.GeminiProcessor(settings_for(fake_gemini))
    first = processor._build_client(KEY)._api_client
    second = processor._build_client(KEY)._api_client
    verify, certified = gemini_client.tls_contexts(None, None)
    assert certified.verify_mode == ssl.CERT_REQUIRED and certified.check_hostname
    assert certified.cert_store_stats()["x509_ca"] > 0
    for api in (first, second):
        assert api._async_httpx_client_args["verify"] is verify
        assert api._websocket_ssl_ctx["ssl"] is certified
        if getattr(api, "_async_client_session_request_args", None):
            assert api._async_client_session_request_args["ssl"] is certified
