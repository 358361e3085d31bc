"""Gemini Batch mode in-process against the fake: failures per request, cancel, parts of
oversized sections, structured answers, the ledger's hold, and the cost comparison."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from core import events as ev
from core.batch_jobs import BatchJobStore
from core.cost import BATCH_DISCOUNT, batch_estimate, compare_modes, estimate
from core.gemini_batch import GeminiBatch
from core.journal import Journal
from core.processors.base import Prompt
from core.remote_ledger import RemoteLedger
from core.run_types import RunRequest
from core.sections import Section, every_n_pages
from core.workers import PdfWorkers
from tests.core.gemini_support import PROMPT, SCHEMA, build_document, marker, settings_for
from tests.fakes.gemini import FakeGemini


def make_batch(
    tmp_path: Path,
    fake: FakeGemini,
    workers: PdfWorkers,
    ledger: RemoteLedger,
    events: list[ev.Event],
    **settings: Any,
) -> tuple[GeminiBatch, Journal]:
    journal = Journal(tmp_path / "data" / "journal.sqlite3")
    batch = GeminiBatch(
        settings_for(fake, **settings),
        journal=journal,
        workers=workers,
        ledger=ledger,
        emit=events.append,
        poll_s=0.02,
        processor_poll_s=0.02,
    )
    return batch, journal


async def submit_and_wait(
    batch: GeminiBatch,
    pdf: Path,
    sections: list[Section],
    prompt: Prompt = PROMPT,
    before_wait: Any = None,
) -> Any:
    try:
        job, _ = await batch.submit(RunRequest(pdf, sections, prompt), {})
        assert job is not None
        if before_wait is not None:
            await before_wait(job)
        return job, await batch.wait(job)
    finally:
        await batch.close()


async def test_one_failed_request_fails_one_section_and_nothing_is_left(
    tmp_path: Path, workers: PdfWorkers, remote_ledger: RemoteLedger
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2, 1])
    events: list[ev.Event] = []
    with FakeGemini(processing_delay=0.02, batch_pending_s=0.02, batch_running_s=0.02) as fake:
        fake.add_fault("503", match=marker(1), endpoint="batch_item")
        batch, journal = make_batch(tmp_path, fake, workers, remote_ledger, events)
        try:
            job, outcome = await submit_and_wait(batch, pdf, sections)
        finally:
            journal.close()
        assert set(outcome.results) == {"s00", "s02"}
        assert "could not answer" in outcome.failures["s01"].reason
        assert "first_line=" + marker(2) in (outcome.results["s02"].raw_text or "")
        assert fake.stored_files() == [] and remote_ledger.entries() == []
        # the answers came from the batch; the synthesis of the two is one text-only call
        assert len(fake.stats.generate_records()) == len(fake.stats.text_only_calls()) == 1
        assert outcome.synthesis is not None and outcome.synthesis.stats["sections"] == 2
    states = [e.state for e in events if isinstance(e, ev.BatchJobState)]
    assert states[0] == "JOB_STATE_PENDING" and states[-1] == "JOB_STATE_SUCCEEDED"
    stored = BatchJobStore(tmp_path / "data" / "journal.sqlite3").get(job.job_name)
    assert stored is not None and stored.finished and stored.state == "JOB_STATE_SUCCEEDED"


async def test_no_synthesis_when_the_batch_was_submitted_without(
    tmp_path: Path, workers: PdfWorkers, remote_ledger: RemoteLedger
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    with FakeGemini(processing_delay=0.02, batch_pending_s=0.0, batch_running_s=0.0) as fake:
        batch, journal = make_batch(tmp_path, fake, workers, remote_ledger, [])
        try:
            request = RunRequest(pdf, sections, PROMPT, synthesis=False)
            job, _ = await batch.submit(request, {})
            assert job is not None
            stored = BatchJobStore(journal.path).get(job.job_name)
            assert stored is not None and not stored.synthesis  # kept for a later collect
            outcome = await batch.wait(stored)
        finally:
            await batch.close()
            journal.close()
        assert len(outcome.results) == 2 and outcome.synthesis is None
        assert fake.stats.generate_records() == []


async def test_cancelled_job_fails_every_section_and_cleans_up(
    tmp_path: Path, workers: PdfWorkers, remote_ledger: RemoteLedger
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    with FakeGemini(processing_delay=0.02, batch_pending_s=None) as fake:
        batch, journal = make_batch(tmp_path, fake, workers, remote_ledger, [])
        try:
            _, outcome = await submit_and_wait(batch, pdf, sections, before_wait=batch.cancel)
        finally:
            journal.close()
        assert outcome.results == {}
        assert {f.reason for f in outcome.failures.values()} == {"The batch job ended cancelled"}
        assert fake.batches()[0].state == "CANCELLED"
        assert fake.stored_files() == []


async def test_oversized_section_goes_in_parts_and_structured_answers_parse(
    tmp_path: Path, workers: PdfWorkers, remote_ledger: RemoteLedger
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [5, 1])
    prompt = Prompt(name="facts", text="Give key facts.", schema=SCHEMA)
    with FakeGemini(processing_delay=0.02, batch_pending_s=0.0, batch_running_s=0.0) as fake:
        batch, journal = make_batch(tmp_path, fake, workers, remote_ledger, [])
        batch.processor.max_pages = 2  # the 5-page section goes as 3 parts
        try:
            job, outcome = await submit_and_wait(batch, pdf, sections, prompt)
        finally:
            journal.close()
        assert [r.key for r in job.requests] == ["s00.p1", "s00.p2", "s00.p3", "s01"]
        big = outcome.results["s00"]
        assert big.stats["parts"] == 3 and big.fields is not None
        assert "Part 3 (pages 5)" in (big.raw_text or "")
        assert outcome.results["s01"].fields is not None
        assert outcome.results["s01"].fields["pages"] == 1
        assert fake.stored_files() == []


@pytest.mark.parametrize("resolution", ["default", "high"])
async def test_every_request_line_carries_the_media_resolution(
    tmp_path: Path, workers: PdfWorkers, remote_ledger: RemoteLedger, resolution: str
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    with FakeGemini(processing_delay=0.02, batch_pending_s=0.0, batch_running_s=0.0) as fake:
        batch, journal = make_batch(
            tmp_path, fake, workers, remote_ledger, [], gemini_media_resolution=resolution
        )
        try:
            _, outcome = await submit_and_wait(batch, pdf, sections)
        finally:
            journal.close()
        assert set(outcome.results) == {s.id for s in sections}
        [job] = fake.batches()
        sent = [config.get("mediaResolution") for config in job.configs]
    expected = None if resolution == "default" else "MEDIA_RESOLUTION_HIGH"
    assert sent == [expected] * len(sections)


async def test_held_files_survive_sweeps_until_adopted(tmp_path: Path) -> None:
    ledger = RemoteLedger(tmp_path / "ledger.sqlite3")
    first = ledger.record_intent("part", "scope")
    ledger.record_remote(first, "files/aaa")
    ledger.hold([first], "batches/job1")
    with sqlite3.connect(ledger.path) as db:  # its owner died (a pid that cannot be live)
        db.execute("UPDATE remote_files SET owner_pid = 0, owner_started = 1")
    deleted: list[str] = []

    class Files:
        async def delete(self, name: str) -> None:
            deleted.append(name)

    class Client:
        class aio:  # the SDK's attribute name
            files = Files()

    other = RemoteLedger(ledger.path)
    report = await other.sweep(Client(), include_own=True)
    assert deleted == [] and report.kept_live == 1
    assert [e.hold for e in other.entries()] == ["batches/job1"]
    assert other.adopt("batches/job1") == 1
    await other.sweep(Client(), include_own=True)
    assert deleted == ["files/aaa"] and other.entries() == []


def test_batch_costs_half_and_says_up_to_a_day() -> None:
    sections = every_n_pages(100, 10)
    now = estimate(sections, model="gemini-3.8-flash")
    later = batch_estimate(now)
    assert later.input_tokens == now.input_tokens
    assert now.cost_usd and later.cost_usd == pytest.approx(now.cost_usd * BATCH_DISCOUNT)
    interactive, batch = compare_modes(sections, "gemini-3.8-flash", section_limit=5)
    assert interactive.mode == "interactive" and "5 sections at once" in interactive.time
    assert batch.mode == "batch" and "24 h" in batch.time
    assert batch.estimate.cost_usd == pytest.approx(interactive.estimate.cost_usd * 0.5)  # type: ignore[operator]
    assert "$" in batch.describe()


def test_process_resume_picks_up_the_pending_job(
    tmp_path: Path, workers: PdfWorkers, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import json

    from cli.main import entry

    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    out = tmp_path / "out.json"
    with FakeGemini(processing_delay=0.02, batch_pending_s=None, batch_running_s=0.0) as fake:
        monkeypatch.setenv("GEMINI_API_KEY", "k")
        monkeypatch.setenv("GEMINI_BASE_URL", fake.base_url)

        async def submit_only() -> str:
            journal = Journal()
            batch = GeminiBatch(settings_for(fake), journal=journal, workers=workers)
            try:
                job, _ = await batch.submit(RunRequest(pdf, sections, PROMPT), {})
                assert job is not None
                return job.job_name
            finally:
                await batch.close()  # closing with the job pending: its files are held
                journal.close()

        name = asyncio.run(submit_only())
        assert len(fake.stored_files()) == 3
        fake.release_batches()
        argv = ["process", str(pdf), "--resume", "--processor", "gemini", "--every", "1"]
        assert entry([*argv, "--poll-every", "0.02", "--json", str(out)]) == 0
        data = json.loads(out.read_text())
        assert [s["result"]["stats"]["batch_job"] for s in data["sections"]] == [name, name]
        assert fake.stored_files() == []
