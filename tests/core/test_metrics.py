"""Prometheus metrics: the listener's arithmetic, and a live scrape of a CLI run."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import urllib.request
from pathlib import Path

from core import events as ev
from core.limits import Limits
from core.metrics import SECTION_STATES, Metrics
from core.results import SectionResult, TokenUsage
from core.settings import Settings
from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import assert_nothing_leaked_after_forget, gemini_env, start_cli
from tests.helpers.metrics import metrics_url, scrape, value
from tests.helpers.pdfs import make_pdf
from tests.helpers.wait import until

DOCUMENTED = (
    "sectionflow_sections",
    "sectionflow_slot_in_use",
    "sectionflow_slot_limit",
    "sectionflow_slot_waiting",
    "sectionflow_slot_wait_seconds_count",
    "sectionflow_slot_wait_seconds_sum",
    "sectionflow_retries_total",
    "sectionflow_throttle_seconds_total",
    "sectionflow_process_rss_mb",
    "sectionflow_tokens_total",
    "sectionflow_files",
)


def result(section_id: str, prompt: int, output: int) -> SectionResult:
    return SectionResult(
        section_id=section_id,
        title=section_id,
        pages="1",
        processor="gemini",
        markdown="x",
        tokens=TokenUsage(prompt=prompt, output=output, total=prompt + output),
    )


def gauge(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    assert found is not None, (name, labels)
    return found


def test_listener_counts_states_retries_tokens_and_throttle_once() -> None:
    metrics = Metrics()
    limits = Limits.from_settings(
        Settings(_env_file=None, max_concurrent_section_tasks=4), shared=True
    )
    metrics.watch_limits(limits)
    for state in SECTION_STATES:
        assert gauge(metrics, "sectionflow_sections", state=state) == 0
    for f in ("a.pdf", "b.pdf"):
        for sid in ("s1", "s2"):
            metrics.handle(ev.FileEvent(file=f, event=ev.SectionQueued(section_id=sid, title=sid)))
    assert gauge(metrics, "sectionflow_sections", state="queued") == 4  # per file, per id
    metrics.handle(
        ev.FileEvent(
            file="a.pdf", event=ev.StageChanged(section_id="s1", stage=ev.Stage.CLEANING_UP)
        )
    )
    assert gauge(metrics, "sectionflow_sections", state="cleaning_up") == 1
    metrics.handle(
        ev.FileEvent(
            file="a.pdf",
            event=ev.SectionDone(
                section_id="s1",
                result=result("s1", 100, 7),
                attempts=1,
                timings={"wait_section": 0.5, "wait_upload": 0.25},
            ),
        )
    )
    metrics.handle(
        ev.FileEvent(
            file="b.pdf",
            event=ev.SectionDone(
                section_id="s1",
                result=result("s1", 50, 3),
                attempts=1,
                timings={},
                source="journal",
            ),
        )
    )
    assert gauge(metrics, "sectionflow_sections", state="done") == 2
    assert gauge(metrics, "sectionflow_sections", state="queued") == 2
    assert gauge(metrics, "sectionflow_tokens_total", kind="prompt") == 100  # not the replay
    assert gauge(metrics, "sectionflow_slot_wait_seconds_sum", slot="section") == 0.5
    assert gauge(metrics, "sectionflow_slot_wait_seconds_count", slot="upload") == 1
    metrics.handle(
        ev.RetryScheduled(
            section_id="s2",
            operation="process",
            attempt=2,
            delay_s=1,
            reason="429 quota",
            category="rate limited",
        )
    )
    assert gauge(metrics, "sectionflow_retries_total", reason="rate_limited") == 1
    # two pipelines sampling memory while throttled: wall time, not twice the wall time
    for at in (10.0, 10.2, 10.3, 10.5):
        metrics.handle(
            ev.MemorySample(rss_mb=900, threshold_mb=768, max_mb=1024, throttled=True, at=at)
        )
    assert abs(gauge(metrics, "sectionflow_throttle_seconds_total") - 0.5) < 1e-9
    assert gauge(metrics, "sectionflow_slot_limit", slot="section") == 4
    assert gauge(metrics, "sectionflow_process_rss_mb") > 0
    metrics.handle(ev.BatchStarted(files=("a.pdf", "b.pdf"), sections={"a.pdf": 2, "b.pdf": 2}))
    metrics.handle(ev.FileFinished(file="a.pdf", status="done", done=2, failed=0, sections=2))
    assert gauge(metrics, "sectionflow_files", status="pending") == 1
    assert gauge(metrics, "sectionflow_files", status="done") == 1
    metrics.handle(ev.BatchJobState(job_name="batches/x", state="JOB_STATE_PENDING", elapsed_s=0))
    metrics.handle(ev.BatchJobState(job_name="batches/x", state="JOB_STATE_RUNNING", elapsed_s=1))
    assert gauge(metrics, "sectionflow_batch_jobs", state="JOB_STATE_PENDING") == 0
    assert gauge(metrics, "sectionflow_batch_jobs", state="JOB_STATE_RUNNING") == 1


def test_dashboard_and_readme_use_exactly_the_exposed_names() -> None:
    root = Path(__file__).resolve().parents[2]
    dashboard = (root / "resources" / "grafana" / "sectionflow.json").read_text()
    json.loads(dashboard)  # importable JSON
    readme = (root / "README.md").read_text()
    exposed = {*DOCUMENTED, "sectionflow_slot_wait_seconds_bucket", "sectionflow_batch_jobs"}
    used = set(re.findall(r"sectionflow_[a-z_]+", dashboard))
    assert used and used <= exposed, used - exposed
    for name in exposed:
        base = re.sub(r"_(count|sum|bucket)$", "", name)
        assert base in readme, f"{base} is not documented in the README"


async def test_scrape_during_a_run_finds_the_documented_series(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", 3, label="Metric page")
    log = tmp_path / "run.log"
    with FakeGemini(processing_delay=0.02) as fake:
        fake.pause("generate")
        args = [
            "process",
            str(pdf),
            "--processor",
            "gemini",
            "--every",
            "1",
            "--max-sections",
            "2",
            "--metrics-port",
            "0",
        ]
        env = gemini_env(tmp_path, fake)
        proc = await start_cli(args, env, log)
        try:
            assert await asyncio.to_thread(fake.wait_for_in_flight, 2, 60)
            await until(lambda: metrics_url(log) is not None, timeout=30)
            url = metrics_url(log)
            assert url is not None
            first = scrape(url)
            for name in DOCUMENTED:
                assert any(key[0] == name for key in first), name
            assert value(first, "sectionflow_sections", state="processing") == 2
            assert value(first, "sectionflow_sections", state="done") == 0
            assert value(first, "sectionflow_slot_in_use", slot="section") == 2
            assert value(first, "sectionflow_slot_limit", slot="section") == 2
            assert value(first, "sectionflow_slot_limit", slot="upload") == 3
            assert value(first, "sectionflow_process_rss_mb") > 10
            # the last section hangs at Gemini, so the run is still going for scrape two
            fake.add_fault("hang", match="Metric page 3", hang_s=None)
            fake.resume()

            def two_done_one_at_gemini() -> bool:
                samples = scrape(url)
                return (
                    value(samples, "sectionflow_sections", state="done") == 2
                    and value(samples, "sectionflow_sections", state="processing") == 1
                )

            await until(two_done_one_at_gemini, timeout=30)
            second = scrape(url)
            assert fake.stats.generate_in_flight == 1
            assert value(second, "sectionflow_tokens_total", kind="prompt") > 0
            assert value(second, "sectionflow_tokens_total", kind="output") > 0
            assert value(second, "sectionflow_slot_wait_seconds_count", slot="section") == 2
            assert value(second, "sectionflow_retries_total", reason="rate_limited") == 0
            with urllib.request.urlopen(url, timeout=5) as reply:
                assert reply.headers["Content-Type"].startswith("text/plain")
        finally:
            fake.resume()
            proc.send_signal(signal.SIGINT)  # cancel cleanly: the hanging call is dropped
            await asyncio.wait_for(proc.wait(), 60)
        assert proc.returncode == 130, log.read_text()
        assert_nothing_leaked_after_forget(fake, env)
