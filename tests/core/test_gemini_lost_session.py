"""An upload session lost on its last chunk (the SDK then gets 404 "Upload session …
not found") starts a new upload, counted as a retry; the section is done."""

from __future__ import annotations

from pathlib import Path

from core.events import RetryScheduled
from core.remote_ledger import RemoteLedger
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, marker, run_sections, settings_for
from tests.fakes.gemini import FakeGemini
from tests.helpers.leaks import assert_nothing_leaked


async def test_lost_upload_session_starts_a_new_upload(
    tmp_path: Path,
    fake_gemini: FakeGemini,
    transport: str,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1, 1])
    fault = fake_gemini.add_fault("lost_session", marker(1), times=1)
    run = await run_sections(settings_for(fake_gemini), workers, remote_ledger, pdf, sections)

    assert fault.hits == 1
    assert run.outcome.ok, run.outcome.failures
    lost = sections[1].id
    assert run.outcome.attempts[lost] == 2  # the lost upload, then a new one
    assert {run.outcome.attempts[s.id] for s in sections if s.id != lost} == {1}
    (retry,) = [e for e in run.events if isinstance(e, RetryScheduled)]
    assert retry.section_id == lost and retry.operation == "upload"
    assert "upload session" in retry.reason and "starting a new upload" in retry.reason
    chunks = [r for r in fake_gemini.stats.requests if r.endpoint == "upload_chunk"]
    assert [r.status for r in chunks].count(404) == 1  # the SDK's re-post to the lost one
    assert len(fake_gemini.stats.document_calls(200)) == 3  # each section analysed once
    await assert_nothing_leaked(fake_gemini, remote_ledger, settings_for(fake_gemini))
