"""The engine under load: limits, live limit changes, timeouts, retries, memory, cancel."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from core.events import (
    Event,
    MemorySample,
    RetryScheduled,
    RunStarted,
    SectionDone,
    SectionFailed,
    SectionStarted,
    Slot,
    Stage,
    StageChanged,
)
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.run_types import RunOutcome, RunRequest
from core.sections import every_n_pages
from core.settings import Settings
from core.workers import PdfWorkers
from tests.helpers.pdfs import make_pdf
from tests.helpers.processes import all_gone
from tests.helpers.processors import Gauge, InstrumentedProcessor
from tests.helpers.splits import slow_split, stuck_split
from tests.helpers.wait import until

PROMPT = Prompt(name="summary", text="Summarise")


def settings(**values: object) -> Settings:
    base: dict[str, object] = {
        "retry_backoff_base_seconds": 0.02,
        "retry_backoff_max_seconds": 0.5,
        "enable_memory_monitoring": False,
        "processor": "local",
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


class SectionGauge:
    """Sections in flight as the event stream reports them (started → done/failed)."""

    def __init__(self) -> None:
        self.gauge = Gauge()
        self.events: list[Event] = []
        self.after_change: Gauge | None = None
        self._started_after: set[str] = set()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, SectionStarted):
            self.gauge.enter()
            if self.after_change is not None:
                self.after_change.enter()
                self._started_after.add(event.section_id)
        elif isinstance(event, SectionDone | SectionFailed):
            self.gauge.leave()
            if self.after_change is not None and event.section_id in self._started_after:
                self.after_change.leave()

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def pdf_path(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "doc.pdf", 60)


async def run(pipeline: Pipeline, pdf_path: Path, sections: int, pages_each: int = 2) -> RunOutcome:
    chosen = every_n_pages(sections * pages_each, pages_each)
    return await pipeline.run(RunRequest(pdf_path=pdf_path, sections=chosen, prompt=PROMPT))


async def test_high_water_marks_equal_each_limit_and_never_exceed_it(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    proc = InstrumentedProcessor(upload_s=0.4, analyze_s=0.6)
    watch = SectionGauge()
    splits = Gauge()
    counted = CountingWorkers(workers, splits)
    pipe = Pipeline(
        settings(max_concurrent_section_tasks=4, max_concurrent_splits=2, max_concurrent_uploads=3),
        proc,
        counted,  # type: ignore[arg-type]
        emit=watch,
        split_fn=slow_split,
    )
    outcome = await run(pipe, pdf_path, sections=12)
    assert len(outcome.results) == 12 and not outcome.failures
    assert proc.analyses.high == 4  # the section limit bounds analyses
    assert pipe.ahead.high_water == 4  # one section per analysis slot prepared ahead
    assert splits.high == 2
    assert proc.uploads.high == 3
    for section in outcome.sections:
        result = outcome.results[section.id]
        assert result.markdown.splitlines() == [f"Page {p}" for p in section.pages]


async def test_look_ahead_prepares_one_section_per_analysis_slot_and_no_more(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    """While every analysis waits on the model, the next sections are split and uploaded,
    as many as there are analysis slots; the rest wait until an analysis ends."""
    proc = InstrumentedProcessor(release=asyncio.Event())
    watch = SectionGauge()
    pipe = Pipeline(
        settings(max_concurrent_section_tasks=3, max_concurrent_splits=2, max_concurrent_uploads=2),
        proc,
        workers,
        emit=watch,
    )
    task = asyncio.create_task(run(pipe, pdf_path, sections=10))
    await until(lambda: proc.analyses.now == 3 and _prepared(watch) == 3, timeout=30)
    assert len(proc.uploaded) == 6  # three analysing, three uploaded ahead
    assert pipe.ahead.in_use == 3 and pipe.ahead.would_wait()
    assert proc.release is not None
    proc.release.set()
    outcome = await task
    assert len(outcome.results) == 10 and not outcome.failures
    assert proc.analyses.high == 3 and proc.uploads.high <= 2
    assert pipe.ahead.high_water == 3
    assert sorted(proc.cleaned) == sorted(proc.uploaded)


async def test_cancel_deletes_the_sections_uploaded_ahead(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    proc = InstrumentedProcessor(release=asyncio.Event())
    watch = SectionGauge()
    pipe = Pipeline(settings(max_concurrent_section_tasks=2), proc, workers, emit=watch)
    task = asyncio.create_task(run(pipe, pdf_path, sections=8))
    await until(lambda: proc.analyses.now == 2 and _prepared(watch) == 2, timeout=30)
    pipe.cancel()
    outcome = await task
    assert outcome.cancelled and not outcome.results
    assert len(proc.uploaded) == 4
    assert sorted(proc.cleaned) == sorted(proc.uploaded)  # the prepared ones too


def _prepared(watch: SectionGauge) -> int:
    """Sections whose latest stage is 'prepared' (split, uploaded, waiting for a slot)."""
    latest: dict[str, Stage] = {}
    for event in watch.of(StageChanged):
        assert isinstance(event, StageChanged)
        latest[event.section_id] = event.stage
    return sum(stage is Stage.PREPARED for stage in latest.values())


class CountingWorkers:
    """Wraps the real worker pool to count splits in flight at the pipeline's boundary."""

    def __init__(self, inner: PdfWorkers, gauge: Gauge) -> None:
        self._inner = inner
        self._gauge = gauge

    async def run(self, fn: Callable[..., object], *args: object) -> object:
        self._gauge.enter()
        try:
            return await self._inner.run(fn, *args)
        finally:
            self._gauge.leave()

    def drain(self, timeout: float | None = 60.0, group: object | None = None) -> None:
        self._inner.drain(timeout, group)

    def abandon(self, group: object | None) -> int:
        return self._inner.abandon(group)

    @property
    def max_workers(self) -> int:
        return self._inner.max_workers

    async def warm(self, count: int = 1) -> None:
        await self._inner.warm(count)

    def use(self, count: int) -> None:
        self._inner.use(count)


async def test_raising_the_section_limit_mid_run_lets_more_start(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    proc = InstrumentedProcessor(upload_s=0.0, analyze_s=0.08)
    watch = SectionGauge()
    pipe = Pipeline(settings(max_concurrent_section_tasks=2), proc, workers, emit=watch)

    def on_event(event: Event) -> None:
        watch(event)
        if isinstance(event, SectionDone) and len(watch.of(SectionDone)) == 4:
            proc.analyses.high = proc.analyses.now  # from here on: after the change
            pipe.set_limit(Slot.SECTION, 5)

    pipe._listener = on_event
    outcome = await run(pipe, pdf_path, sections=24)
    assert len(outcome.results) == 24
    assert proc.analyses.high == 5


async def test_lowering_the_section_limit_mid_run_caps_new_work(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    proc = InstrumentedProcessor(upload_s=0.0, analyze_s=0.08)
    watch = SectionGauge()
    pipe = Pipeline(settings(max_concurrent_section_tasks=5), proc, workers, emit=watch)
    lowered: list[int] = []

    def on_event(event: Event) -> None:
        watch(event)
        if isinstance(event, SectionDone) and not lowered:
            lowered.append(proc.analyses.high)
            pipe.set_limit(Slot.SECTION, 2)
            proc.analyses_after = Gauge()

    pipe._listener = on_event
    outcome = await run(pipe, pdf_path, sections=20)
    assert len(outcome.results) == 20
    assert lowered == [5]
    assert proc.analyses_after is not None
    # analyses started after the change: at most 2 at once, and 2 were reached
    assert proc.analyses_after.high == 2


async def test_stage_timeout_fails_that_section_and_the_others_finish(
    pdf_path: Path, workers: PdfWorkers, caplog: pytest.LogCaptureFixture
) -> None:
    proc = InstrumentedProcessor(analyze_s=0.01, hang={"s3"})
    pipe = Pipeline(settings(processing_timeout_seconds=0.3, process_max_retries=1), proc, workers)
    with caplog.at_level(logging.INFO):
        outcome = await run(pipe, pdf_path, sections=6)
    assert set(outcome.results) == {"s1", "s2", "s4", "s5", "s6"}
    failure = outcome.failures["s3"]
    assert failure.reason == "Timed out processing section 'Pages 5-6' after 0.3 s"
    assert failure.attempts == 2
    assert "Timeout processing section 'Pages 5-6'" in caplog.text
    assert "Retrying 1 failed tasks..." in caplog.text
    assert sorted(proc.cleaned) == [f"files/s{i}" for i in range(1, 7)]


async def test_transient_error_retries_with_growing_delays_then_succeeds(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    proc = InstrumentedProcessor(analyze_s=0.0, transient_failures={"s1": 3})
    watch = SectionGauge()
    pipe = Pipeline(
        settings(process_max_retries=3, retry_backoff_base_seconds=0.05), proc, workers, emit=watch
    )
    outcome = await run(pipe, pdf_path, sections=1)
    assert "s1" in outcome.results
    assert outcome.attempts["s1"] == 4
    retries = [e for e in watch.of(RetryScheduled) if isinstance(e, RetryScheduled)]
    delays = [r.delay_s for r in retries]
    assert len(delays) == 3
    assert delays[0] < delays[1] < delays[2]
    gaps = [b - a for a, b in zip(proc.calls["s1"], proc.calls["s1"][1:], strict=False)]
    assert all(gap >= delay for gap, delay in zip(gaps, delays, strict=True))


async def test_permanent_error_is_not_retried(pdf_path: Path, workers: PdfWorkers) -> None:
    proc = InstrumentedProcessor(analyze_s=0.0, permanent_failures={"s2"})
    pipe = Pipeline(settings(process_max_retries=5), proc, workers)
    outcome = await run(pipe, pdf_path, sections=3)
    assert set(outcome.results) == {"s1", "s3"}
    assert outcome.failures["s2"].reason == "bad request for s2"
    assert outcome.failures["s2"].attempts == 1
    assert len(proc.calls["s2"]) == 1


class Rss:
    """An injectable RSS reading the test turns up and down."""

    def __init__(self, mb: float) -> None:
        self.mb = mb

    def __call__(self) -> float:
        return self.mb


async def test_memory_gate_holds_new_starts_above_threshold_and_resumes_below(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    rss = Rss(100)
    first_wave = asyncio.Event()
    proc = InstrumentedProcessor(analyze_s=0.0, release=first_wave)
    watch = SectionGauge()
    pipe = Pipeline(
        settings(
            enable_memory_monitoring=True,
            memory_throttle_threshold_mb=500,
            max_memory_usage_mb=800,
            max_concurrent_section_tasks=3,
        ),
        proc,
        workers,
        emit=watch,
        memory_probe=rss,
        memory_interval_s=0.02,
    )
    task = asyncio.create_task(run(pipe, pdf_path, sections=9))
    # three analysing, three prepared ahead of them (past the gate while memory was low)
    await until(lambda: proc.analyses.now == 3 and _prepared(watch) == 3)
    rss.mb = 600  # above the threshold: started sections go on, new ones are held
    await until(lambda: pipe.memory.throttled)
    proc.release = asyncio.Event()  # analyses started from now on block until set
    first_wave.set()
    await until(lambda: len(watch.of(SectionDone)) == 3 and proc.analyses.now == 3)
    samples = len(watch.of(MemorySample))
    await until(lambda: len(watch.of(MemorySample)) >= samples + 10)
    assert len(watch.of(SectionStarted)) == 6  # none started while memory was high
    rss.mb = 200  # below the threshold: starts resume at once, up to the limit
    await until(lambda: len(watch.of(SectionStarted)) == 9)
    assert not pipe.memory.throttled
    proc.release.set()
    outcome = await task
    assert len(outcome.results) == 9
    assert outcome.summary["throttled_s"] > 0


async def test_memory_gate_never_deadlocks_when_rss_stays_high(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    proc = InstrumentedProcessor(analyze_s=0.01)
    watch = SectionGauge()
    pipe = Pipeline(
        settings(
            enable_memory_monitoring=True, memory_throttle_threshold_mb=10, max_memory_usage_mb=20
        ),
        proc,
        workers,
        emit=watch,
        memory_probe=Rss(5000),
        memory_interval_s=0.02,
    )
    outcome = await run(pipe, pdf_path, sections=4)
    assert len(outcome.results) == 4
    assert watch.gauge.high == 1  # throttled all along: one at a time
    assert outcome.summary["throttled_s"] > 0


class StuckRss:
    """A memory reading that takes as long as the test says (the process table walked
    from a thread while another thread holds the GIL)."""

    def __init__(self, mb: float) -> None:
        self.mb = mb
        self.go = threading.Event()

    def __call__(self) -> float:
        self.go.wait(10)
        return self.mb


async def test_the_first_section_starts_without_waiting_for_a_memory_reading(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    stuck = StuckRss(100)
    proc = InstrumentedProcessor(analyze_s=0.0)
    watch = SectionGauge()
    pipe = Pipeline(
        settings(enable_memory_monitoring=True, max_concurrent_section_tasks=2),
        proc,
        workers,
        emit=watch,
        memory_probe=stuck,
    )
    task = asyncio.create_task(run(pipe, pdf_path, sections=4))
    await until(lambda: len(watch.of(SectionStarted)) >= 1)
    assert not watch.of(MemorySample)  # it started before any reading came back
    stuck.go.set()  # the readings come: the other sections pass the gate as before
    outcome = await task
    assert len(outcome.results) == 4
    assert watch.of(MemorySample)


async def test_a_run_that_ends_before_its_first_memory_reading_still_says_what_it_uses(
    pdf_path: Path, workers: PdfWorkers, caplog: pytest.LogCaptureFixture
) -> None:
    stuck = StuckRss(100)
    started: list[Event] = []
    pipe = Pipeline(
        settings(enable_memory_monitoring=True),
        InstrumentedProcessor(analyze_s=0.0),
        workers,
        emit=lambda event: started.append(event) if isinstance(event, RunStarted) else None,
        memory_probe=stuck,
    )
    with caplog.at_level(logging.INFO, logger="sectionflow.pipeline"):
        task = asyncio.create_task(run(pipe, pdf_path, sections=1))
        # the sampler is made as the run starts and let go as it closes: closing, and
        # still no reading
        await until(lambda: bool(started) and pipe._sampler is None)
        stuck.go.set()
        outcome = await task
    assert len(outcome.results) == 1
    assert any("SectionFlow itself uses 100 MB" in r.getMessage() for r in caplog.records)


async def test_cancel_mid_run_leaves_no_temp_files_and_no_tasks(
    pdf_path: Path, workers: PdfWorkers, private_tmp: Path
) -> None:
    proc = InstrumentedProcessor(analyze_s=5.0)
    watch = SectionGauge()
    pipe = Pipeline(settings(max_concurrent_section_tasks=3), proc, workers, emit=watch)
    task = asyncio.create_task(run(pipe, pdf_path, sections=8))
    await until(lambda: proc.analyses.now == 3)
    assert any(private_tmp.iterdir())  # the run's private folder exists while it runs
    pipe.cancel()
    outcome = await task
    assert outcome.cancelled
    assert not outcome.results
    assert all(f.cancelled for f in outcome.failures.values()) and len(outcome.failures) == 8
    assert list(private_tmp.iterdir()) == []
    # the three analysing and any uploaded ahead of them: every upload deleted
    assert len(proc.cleaned) >= 3
    assert sorted(proc.cleaned) == sorted(proc.uploaded)
    assert proc.closed == 1
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_cancel_returns_at_once_while_workers_are_stuck_on_a_slow_page(
    pdf_path: Path, private_tmp: Path
) -> None:
    """A page that holds MuPDF for minutes does not hold up a cancel: the workers busy
    with the run's splits are terminated, and the run ends within a bound."""
    workers = PdfWorkers(max_workers=2)
    try:
        proc = InstrumentedProcessor()
        pipe = Pipeline(
            settings(max_concurrent_section_tasks=3, max_concurrent_splits=2),
            proc,
            workers,
            split_fn=stuck_split,
        )
        task = asyncio.create_task(run(pipe, pdf_path, sections=6))
        await until(lambda: len(list(private_tmp.rglob("*.pid"))) == 2, timeout=60)
        busy = [int(f.read_text()) for f in private_tmp.rglob("*.pid")]
        pipe.cancel()
        outcome = await asyncio.wait_for(task, 15)  # far less than the stuck page's forever
        assert outcome.cancelled and not outcome.results
        assert len(outcome.failures) == 6 and all(f.cancelled for f in outcome.failures.values())
        assert all_gone(busy)
        assert workers.terminated == 2
        assert list(private_tmp.iterdir()) == []  # its temp folder removed
    finally:
        await asyncio.to_thread(workers.shutdown)


async def test_sequential_mode_runs_one_section_at_a_time(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    proc = InstrumentedProcessor(upload_s=0.01, analyze_s=0.02)
    watch = SectionGauge()
    pipe = Pipeline(
        settings(enable_concurrent_processing=False, max_concurrent_section_tasks=5),
        proc,
        workers,
        emit=watch,
    )
    outcome = await run(pipe, pdf_path, sections=5)
    assert len(outcome.results) == 5
    assert watch.gauge.high == 1
    assert proc.analyses.high == 1 and proc.uploads.high == 1


async def test_sequential_mode_holds_when_limits_are_raised_mid_run(
    pdf_path: Path, workers: PdfWorkers
) -> None:
    """ENABLE_CONCURRENT_PROCESSING=false: raising every limit while the run goes on (as
    the app's sliders do) still runs one section, one split and one upload at a time."""
    proc = InstrumentedProcessor(upload_s=0.01, analyze_s=0.03)
    watch = SectionGauge()
    pipe = Pipeline(
        settings(enable_concurrent_processing=False, max_concurrent_section_tasks=5),
        proc,
        workers,
        emit=watch,
    )
    raised: list[int] = []

    def on_event(event: Event) -> None:
        watch(event)
        if isinstance(event, SectionDone) and not raised:
            raised.extend(
                pipe.set_limit(slot, 6) for slot in (Slot.SECTION, Slot.SPLIT, Slot.UPLOAD)
            )

    pipe._listener = on_event
    outcome = await run(pipe, pdf_path, sections=8)
    assert len(outcome.results) == 8
    assert raised == [1, 1, 1]  # the limits in effect after the change
    assert watch.gauge.high == 1
    assert proc.analyses.high == 1 and proc.uploads.high == 1
    assert pipe.splits.high_water == 1


async def test_required_log_lines(
    pdf_path: Path, workers: PdfWorkers, caplog: pytest.LogCaptureFixture
) -> None:
    pipe = Pipeline(settings(), InstrumentedProcessor(analyze_s=0.0), workers)
    with caplog.at_level(logging.DEBUG):
        outcome = await run(pipe, pdf_path, sections=3)
    file_id = outcome.document_sha256[:12]
    text = caplog.text
    assert f"Processing Enhanced Concurrent Extract Request for file ID: {file_id}" in text
    assert "Executing 3 enhanced concurrent section tasks..." in text
    assert "Starting enhanced section task for 'Pages 1-2'" in text
    assert "Successfully acquired section semaphore" in text
    assert f"Finished processing enhanced concurrent extract for file ID: {file_id}" in text
