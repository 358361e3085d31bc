"""The run report adds up: stage times, slot waits, throttling and retries, and the Gantt bars."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from core.journal import Journal
from core.logs import file_handler
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.run_types import RunRequest
from core.sections import every_n_pages
from core.settings import Settings
from core.suggest import suggest
from core.workers import PdfWorkers
from tests.helpers.pdfs import make_pdf
from tests.helpers.processors import InstrumentedProcessor


def settings(**values: object) -> Settings:
    base: dict[str, object] = {
        "retry_backoff_base_seconds": 0.05,
        "enable_memory_monitoring": False,
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


class Rss:
    def __init__(self, readings: list[float]) -> None:
        self.readings = readings

    def __call__(self) -> float:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


async def test_report_figures_add_up(tmp_path: Path, workers: PdfWorkers) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 6)
    proc = InstrumentedProcessor(upload_s=0.1, analyze_s=0.2, transient_failures={"s2": 1})
    rss = Rss([900.0] * 8 + [100.0])  # above the threshold for the first readings
    pipe = Pipeline(
        settings(
            max_concurrent_section_tasks=1,
            enable_memory_monitoring=True,
            memory_throttle_threshold_mb=500,
            max_memory_usage_mb=1000,
        ),
        proc,
        workers,
        memory_probe=rss,
        memory_interval_s=0.02,
    )
    outcome = await pipe.run(
        RunRequest(pdf_path=pdf, sections=every_n_pages(6, 2), prompt=Prompt("s", "x"))
    )
    report = outcome.summary["report"]
    stages, waits = report["stage_seconds"], report["slot_wait_seconds"]
    # known stage times: 3 uploads of 0.1 s, 4 analyses of 0.2 s (s2 ran twice)
    assert stages["upload"] >= 0.3 and stages["process"] >= 0.8
    assert report["bottleneck"] == "process"
    # per-section rows add up to the totals
    for key in ("split", "upload", "process", "cleanup"):
        assert sum(row["stages"][key] for row in report["sections"]) == pytest.approx(
            stages[key], abs=1e-3
        )
    for key in waits:
        assert sum(row["waits"][key] for row in report["sections"]) == pytest.approx(
            waits[key], abs=1e-3
        )
    # one analysis at a time: s2, prepared meanwhile (look-ahead), waited for the rest of
    # s1's whole task, s3 for s1's and s2's
    rows = {row["id"]: row for row in report["sections"]}
    assert rows["s1"]["waits"]["wait_section"] < rows["s2"]["waits"]["wait_section"]
    s2 = rows["s2"]
    s2_prepared = sum(s2["stages"][k] for k in ("split", "upload")) + sum(
        s2["waits"][k] for k in ("wait_memory", "wait_split", "wait_upload")
    )
    assert (
        s2["waits"]["wait_section"] + s2_prepared
        >= rows["s1"]["total"] - rows["s1"]["waits"]["wait_section"] - 0.05
    )
    # retries and throttling are counted where they happened
    assert report["retries"] == 1 and report["retries_by_reason"] == {"process": 1}
    assert rows["s2"]["attempts"] == 2
    assert report["throttled_seconds"] > 0
    assert report["peak_rss_mb"] == 900.0
    # the Gantt bars are the stage times, section by section
    for sid in ("s1", "s2", "s3"):
        bars = [b for b in report["bars"] if b["section"] == sid]
        by_stage: dict[str, float] = {}
        for bar in bars:
            by_stage[bar["stage"]] = by_stage.get(bar["stage"], 0.0) + bar["end"] - bar["start"]
        assert by_stage["upload"] == pytest.approx(rows[sid]["stages"]["upload"], abs=0.02)
        assert by_stage["process"] >= rows[sid]["stages"]["process"] - 0.02
    # in-flight never above the limit, and the limit is recorded
    assert all(c["in_flight"] <= c["limit"] == 1 for c in report["concurrency"])
    # one section prepared ahead of the one analysis slot: its "prepared" bars show it
    assert report["lookahead_depth"] == 1
    assert {b["section"] for b in report["bars"] if b["stage"] == "prepared"} <= {"s2", "s3"}


async def test_suggestions_from_history(tmp_path: Path, workers: PdfWorkers) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    pdf = make_pdf(tmp_path / "doc.pdf", 24)
    proc = InstrumentedProcessor(upload_s=0.0, analyze_s=0.01)
    await Pipeline(settings(), proc, workers, journal=journal).run(
        RunRequest(pdf_path=pdf, sections=every_n_pages(24, 2), prompt=Prompt("s", "x"))
    )
    timings, summaries = journal.history()
    assert len(timings) == 12 and len(summaries) == 1
    found = {s.setting: s for s in suggest(timings, summaries, settings())}
    # analyses took ~10 ms: a 300 s processing timeout is far too generous
    assert found["processing_timeout_seconds"].suggested == 30
    assert "p99 of 12 recent process times" in found["processing_timeout_seconds"].why
    rate_limited = [
        {**summaries[0], "retries_by_reason": {"rate limited": 4}, "limit_changes": [{"limit": 2}]}
    ]
    found = {s.setting: s for s in suggest([], rate_limited, settings())}
    assert found["max_concurrent_section_tasks"].suggested == 2
    journal.close()


def test_log_file_never_holds_the_key(tmp_path: Path) -> None:
    handler = file_handler(tmp_path, secrets=("AIza-very-secret",))
    log = logging.getLogger("sectionflow.test")
    log.addHandler(handler)
    try:
        log.warning("request failed: key=%s", "AIza-very-secret")
    finally:
        log.removeHandler(handler)
        handler.close()
    text = (tmp_path / "sectionflow.log").read_text()
    assert "request failed: key=***" in text and "AIza-very-secret" not in text
