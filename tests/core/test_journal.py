"""The run journal: results survive, resume runs only what is left, the cache saves calls."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.events import Event, SectionDone, SectionFailed
from core.journal import Journal
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.run_types import RunRequest
from core.sections import every_n_pages
from core.settings import Settings
from core.workers import PdfWorkers
from tests.helpers.pdfs import make_pdf
from tests.helpers.processors import InstrumentedProcessor
from tests.helpers.wait import until

PROMPT = Prompt(name="summary", text="Summarise")


def settings(**values: object) -> Settings:
    base: dict[str, object] = {
        "enable_memory_monitoring": False,
        "retry_backoff_base_seconds": 0.01,
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


@pytest.fixture
def pdf_path(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "doc.pdf", 20)


def request(pdf_path: Path, **kw: object) -> RunRequest:
    return RunRequest(pdf_path=pdf_path, sections=every_n_pages(20, 2), prompt=PROMPT, **kw)  # type: ignore[arg-type]


async def test_each_result_is_committed_before_its_event(
    pdf_path: Path, workers: PdfWorkers, journal: Journal
) -> None:
    seen: list[tuple[str, str]] = []

    def on_event(event: Event) -> None:
        if isinstance(event, SectionDone | SectionFailed):
            with sqlite3.connect(journal.path) as other:  # another reader, as after a crash
                (state,) = other.execute(
                    "SELECT state FROM sections WHERE section_id=?", (event.section_id,)
                ).fetchone()
            seen.append((event.section_id, state))

    proc = InstrumentedProcessor(analyze_s=0.0, permanent_failures={"s4"})
    pipe = Pipeline(settings(), proc, workers, emit=on_event, journal=journal)
    outcome = await pipe.run(request(pdf_path))
    assert len(seen) == 10
    assert all(state == ("failed" if sid == "s4" else "done") for sid, state in seen)
    stored = journal.load(outcome.run_id)
    assert stored.results.keys() == outcome.results.keys()
    assert stored.results["s1"].markdown == "Page 1\nPage 2"
    assert stored.failures["s4"].reason == "bad request for s4"
    (info,) = journal.runs()
    assert (info.done, info.failed, info.sections, info.status) == (9, 1, 10, "finished")


async def test_resume_keeps_finished_sections_and_runs_the_rest(
    pdf_path: Path, workers: PdfWorkers, journal: Journal
) -> None:
    gate = asyncio.Event()
    first = InstrumentedProcessor(analyze_s=0.0, release=None)
    pipe = Pipeline(settings(max_concurrent_section_tasks=2), first, workers, journal=journal)
    done: list[str] = []

    def on_event(event: Event) -> None:
        if isinstance(event, SectionDone):
            done.append(event.section_id)
            if len(done) == 4:
                first.release = gate  # the next analyses block: the run is cut short here
                pipe.cancel()

    pipe._listener = on_event
    cut = await pipe.run(request(pdf_path))
    # a section whose result was being committed as the cancel came is kept, not lost
    assert cut.cancelled and 4 <= len(cut.results) < 10
    assert set(journal.load(cut.run_id).results) == set(cut.results)
    assert journal.unfinished_run(cut.document_sha256) is not None

    second = InstrumentedProcessor(analyze_s=0.0)
    replayed: list[str] = []
    resumed = await Pipeline(
        settings(),
        second,
        workers,
        journal=journal,
        emit=lambda e: replayed.append(e.source) if isinstance(e, SectionDone) else None,
    ).run(request(pdf_path, resume_run_id=cut.run_id, use_cache=False))
    assert resumed.run_id == cut.run_id
    assert len(resumed.results) == 10 and not resumed.failures
    assert set(second.calls) == {f"s{i}" for i in range(1, 11)} - set(cut.results)
    assert replayed.count("journal") == len(cut.results)
    assert journal.unfinished_run(cut.document_sha256) is None
    assert journal.load(cut.run_id).ok


async def test_cache_hit_makes_no_call_and_returns_the_same_result(
    pdf_path: Path, workers: PdfWorkers, journal: Journal
) -> None:
    first = InstrumentedProcessor(analyze_s=0.0)
    one = await Pipeline(settings(), first, workers, journal=journal).run(request(pdf_path))
    again = InstrumentedProcessor(analyze_s=0.0)
    two = await Pipeline(settings(), again, workers, journal=journal).run(request(pdf_path))
    assert not again.calls and not again.uploads.high
    assert {k: v.markdown for k, v in two.results.items()} == {
        k: v.markdown for k, v in one.results.items()
    }
    assert two.summary["cache_hits"] == 10
    fresh = InstrumentedProcessor(analyze_s=0.0)
    await Pipeline(settings(), fresh, workers, journal=journal).run(
        request(pdf_path, use_cache=False)
    )
    assert len(fresh.calls) == 10


async def test_a_section_with_its_own_prompt_is_not_served_the_runs_answer(
    pdf_path: Path, workers: PdfWorkers, journal: Journal
) -> None:
    await Pipeline(settings(), InstrumentedProcessor(analyze_s=0.0), workers, journal=journal).run(
        request(pdf_path)
    )
    sections = every_n_pages(20, 2)
    sections[0] = sections[0].__class__(
        id="s1", title="Intro", pages=(1, 2), prompt="List the risks"
    )
    proc = InstrumentedProcessor(analyze_s=0.0)
    await Pipeline(settings(), proc, workers, journal=journal).run(
        RunRequest(pdf_path=pdf_path, sections=sections, prompt=PROMPT)
    )
    assert list(proc.calls) == ["s1"]


def test_clear_empties_history_and_cache(journal: Journal) -> None:
    assert journal.clear() == 0
    assert journal.runs() == []
    assert journal.size_bytes() > 0


async def test_clearing_history_keeps_a_run_whose_batch_job_is_pending(
    pdf_path: Path, workers: PdfWorkers, journal: Journal
) -> None:
    """Forgetting must not lose answers Gemini still owes: a pending batch job's run (and
    the job) stay, so batch-resume can collect them; finished jobs go with the history."""
    from core.batch_jobs import BatchJob, BatchJobStore, RequestKey

    runs = []
    for _ in range(3):
        proc = InstrumentedProcessor(analyze_s=0.0)
        runs.append(
            await Pipeline(settings(), proc, workers, journal=journal).run(request(pdf_path))
        )
    jobs = BatchJobStore(journal.path)
    key = [RequestKey(key="s1", section_id="s1", pages=(1, 2))]
    jobs.record(BatchJob("batches/pending", runs[0].run_id, "m", "JOB_STATE_PENDING", key))
    jobs.record(BatchJob("batches/done", runs[1].run_id, "m", "done", key, finished=True))

    assert journal.clear("history") == 1
    assert [info.run_id for info in journal.runs()] == [runs[0].run_id]
    assert set(journal.load(runs[0].run_id).results) == set(runs[0].results)
    assert [job.job_name for job in jobs.unfinished()] == ["batches/pending"]
    assert jobs.get("batches/done") is None


async def test_sections_left_pending_by_a_dead_run_show_as_not_processed(
    pdf_path: Path, workers: PdfWorkers, journal: Journal
) -> None:
    proc = InstrumentedProcessor(analyze_s=0.0, release=asyncio.Event())
    pipe = Pipeline(settings(max_concurrent_section_tasks=1), proc, workers, journal=journal)
    task = asyncio.create_task(pipe.run(request(pdf_path)))
    await until(lambda: proc.analyses.now == 1)
    run_id = journal.runs()[0].run_id
    stored = journal.load(run_id)  # as another process would see it mid-run
    assert not stored.results and not stored.failures
    pipe.cancel()
    await task
    assert len(journal.load(run_id).failures) == 10


async def test_every_section_of_a_long_run_is_journaled_before_the_first_finishes(
    tmp_path: Path, workers: PdfWorkers, journal: Journal
) -> None:
    """The sections are written a few hundred to a statement: none is left out."""
    pages = 450
    pdf = make_pdf(tmp_path / "long.pdf", pages)
    proc = InstrumentedProcessor(analyze_s=0.0, release=asyncio.Event())
    pipe = Pipeline(settings(max_concurrent_section_tasks=1), proc, workers, journal=journal)
    long_run = RunRequest(pdf_path=pdf, sections=every_n_pages(pages, 1), prompt=PROMPT)
    task = asyncio.create_task(pipe.run(long_run))
    await until(lambda: proc.analyses.now == 1)
    with sqlite3.connect(journal.path) as other:
        rows = other.execute("SELECT section_id, state FROM sections").fetchall()
    pipe.cancel()
    await task
    assert sorted(section for section, _ in rows) == sorted(f"s{i}" for i in range(1, pages + 1))
    assert {state for _, state in rows} == {"pending"}


async def test_a_journal_opened_early_is_ready_and_a_bad_one_still_says_why(
    tmp_path: Path,
) -> None:
    early = Journal(tmp_path / "journal.sqlite3")
    early.open_soon()  # as a command starts: nothing waits for it
    await until(lambda: (tmp_path / "journal.sqlite3").exists())
    assert early.runs() == []
    early.close()

    (tmp_path / "a-file").write_text("not a folder")
    bad = Journal(tmp_path / "a-file" / "journal.sqlite3")
    bad.open_soon()  # its failure is not lost: the first call that needs the file says it
    with pytest.raises(OSError):
        bad.runs()
    bad.close()
