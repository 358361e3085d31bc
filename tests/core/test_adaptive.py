"""Adaptive concurrency: 429s halve the section limit, successes win it back, never past
the user's setting, and every change is an event and a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from core.adaptive import AdaptiveLimit
from core.events import Event, LimitChanged, SectionStarted, Slot
from core.limiter import Limiter
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.run_types import RunRequest
from core.sections import every_n_pages
from core.settings import Settings
from core.workers import PdfWorkers
from tests.helpers.pdfs import make_pdf
from tests.helpers.processors import InstrumentedProcessor


def test_halves_on_429_and_climbs_back_one_at_a_time() -> None:
    limiter = Limiter("section", 8)
    events: list[Event] = []
    adaptive = AdaptiveLimit(limiter, events.append)
    adaptive.rate_limited()
    assert limiter.limit == 4
    adaptive.rate_limited()  # same burst (within a second): counted once
    assert limiter.limit == 4
    for _ in range(4):
        adaptive.success()
    assert limiter.limit == 5  # a run of successes as long as the limit: +1
    for _ in range(40):
        adaptive.success()
    assert limiter.limit == 8  # back to the setting, never above it
    assert [e.limit for e in events if isinstance(e, LimitChanged)] == [4, 5, 6, 7, 8]


def test_the_user_setting_is_the_new_ceiling() -> None:
    limiter = Limiter("section", 6)
    adaptive = AdaptiveLimit(limiter, lambda e: None)
    adaptive.set_ceiling(2)
    for _ in range(20):
        adaptive.success()
    assert limiter.limit == 2


async def test_a_rate_limited_run_backs_off_and_recovers(
    tmp_path: Path, workers: PdfWorkers, caplog: pytest.LogCaptureFixture
) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 40)
    proc = InstrumentedProcessor(analyze_s=0.02, rate_limited_failures={"s1": 1, "s2": 1})
    events: list[Event] = []
    settings = Settings(
        _env_file=None,
        max_concurrent_section_tasks=4,
        enable_memory_monitoring=False,
        retry_backoff_base_seconds=0.01,
    )
    pipe = Pipeline(settings, proc, workers, emit=events.append)
    with caplog.at_level(logging.INFO):
        outcome = await pipe.run(
            RunRequest(pdf_path=pdf, sections=every_n_pages(40, 2), prompt=Prompt("s", "x"))
        )
    assert outcome.ok
    changes = [(e.limit, e.reason) for e in events if isinstance(e, LimitChanged)]
    assert changes[0] == (2, "rate limited (429): halved")
    assert [limit for limit, _ in changes[1:]] == [3, 4]
    assert all(
        isinstance(e, LimitChanged) and e.slot is Slot.SECTION
        for e in events
        if isinstance(e, LimitChanged)
    )
    assert "Section limit now 2 (rate limited (429): halved)" in caplog.text
    assert outcome.summary["retries_by_reason"] == {"rate limited": 2}
    assert len([e for e in events if isinstance(e, SectionStarted)]) == 20
