"""After a run the app gives its memory back, so the runs after it are not throttled by
what an earlier one left, and the memory graph plots what the app itself uses."""

from __future__ import annotations

from core import events as ev
from core.engine import Engine
from core.memory import process_tree_rss_mb
from core.workers import PdfWorkers
from tests.gui.conftest import wait_until

RUNS = 3


async def test_memory_returns_after_each_run_and_later_runs_are_not_throttled(
    make_window, pdf_factory
) -> None:
    workers = PdfWorkers(idle_s=0.5)  # the app's 20 s, shortened: they end when idle
    try:
        window = make_window(engine=Engine(workers=workers))
        window.open_file(pdf_factory(pages=60))
        await wait_until(lambda: window.document is not None)
        window.sections.every_n(5)
        window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(6)
        throttled: list[ev.ThrottleChanged] = []
        window.bridge.event.connect(
            lambda e: throttled.append(e) if isinstance(e, ev.ThrottleChanged) else None
        )
        await wait_until(lambda: not workers.pids(), timeout=30)  # those prestarted ended
        before = process_tree_rss_mb()
        for _ in range(RUNS):
            outcome = await window.start_run()
            assert outcome.ok and len(outcome.results) == 12
            samples = window.memory_graph.rss_samples()
            # the graph plots the app's own memory, as the gate and the CLI measure it
            assert samples and max(samples) >= before - 50
            await wait_until(lambda: not workers.pids(), timeout=30)  # idle workers end
            assert process_tree_rss_mb() <= before + 50
        # with the default limits, no run waited on the memory gate
        assert [e for e in throttled if e.throttled] == []
        assert window.settings.value("memory_throttle_threshold_mb") == 768
    finally:
        workers.shutdown()
