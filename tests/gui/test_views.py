"""Small widgets with a rule each: results load nothing remote, the log is filterable and
never shows a key, the progress rows fold events right."""

from __future__ import annotations

import logging

from core import events as ev
from core.results import SectionResult, TokenUsage
from core.sections import Section
from gui.log_handler import QtLogHandler
from gui.state.run_progress import RunProgress
from gui.widgets.log_view import LogView
from gui.widgets.results_view import ResultsView


def test_results_never_load_remote_resources(qtbot) -> None:
    view = ResultsView()
    qtbot.addWidget(view)
    result = SectionResult(
        section_id="s1",
        title="Intro",
        pages="1-2",
        processor="local",
        markdown="# Hi\n\n![tracker](https://evil.example/pixel.png)\n\n[link](https://x.example)",
        fields={"revenue": "12.3 M", "risks": ["fx", "supply"]},
        tokens=TokenUsage(total=1234),
    )
    view.begin([Section("s1", "Intro", (1, 2))])
    view.add_result("s1", result)
    view.show()
    qtbot.waitUntil(lambda: "https://evil.example/pixel.png" in view.browser.blocked)
    assert not view.browser.openLinks() and not view.browser.openExternalLinks()
    assert view.fields.isVisibleTo(view) and view.fields.rowCount() == 2
    assert view.fields.item(1, 1).text() == '["fx", "supply"]'
    assert "1,234 tokens" in view.meta.text()


def test_log_view_filters_by_level_and_scrubs_keys(qtbot) -> None:
    handler = QtLogHandler()
    view = LogView()
    qtbot.addWidget(view)
    handler.emitter.record.connect(view.append)
    handler.add_secret("my-very-secret-key")
    logger = logging.getLogger("sectionflow.test.view")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("debug line")
        logger.info("using my-very-secret-key now")
        logger.warning("url https://x/v1beta/models?key=AIzaSyABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
        logger.error("boom")
    finally:
        logger.removeHandler(handler)
    text = view.visible_text()
    assert "debug line" not in text  # default level is Info
    assert "my-very-secret-key" not in text and "[redacted]" in text
    assert "AIzaSy" not in text
    view.level.setCurrentIndex(3)  # Error
    assert view.visible_text().strip().endswith("boom")
    assert "using" not in view.visible_text()
    view.level.setCurrentIndex(0)
    assert "debug line" in view.visible_text()


def test_run_progress_folds_events() -> None:
    now = [100.0]
    progress = RunProgress(clock=lambda: now[0])
    progress.reset([Section("s1", "A", (1,)), Section("s2", "B", (2, 3))])
    progress.apply(ev.SectionStarted(section_id="s1", attempt=1))
    progress.apply(ev.StageChanged(section_id="s1", stage=ev.Stage.SPLITTING))
    now[0] = 101.0
    assert progress.row("s1").stage_seconds("split", now[0]) == 1.0
    progress.apply(
        ev.RetryScheduled(section_id="s1", operation="upload", attempt=2, delay_s=1.5, reason="503")
    )
    assert progress.row("s1").attempts == 2
    progress.apply(ev.SectionFailed(section_id="s2", reason="nope", attempts=1, timings={}))
    now[0] = 104.0
    progress.apply(
        ev.SectionDone(
            section_id="s1", result=None, attempts=2, timings={"split": 1.0, "total": 4.0}
        )
    )
    tally = progress.tally()
    assert (tally.done, tally.failed, tally.left) == (1, 1, 0)
    assert progress.row("s2").reason == "nope"
    assert progress.eta_seconds() is None  # nothing left


def test_memory_graph_of_a_very_short_run_spans_a_second(qtbot) -> None:
    """A run of cached results can end within milliseconds; its graph still reads in
    seconds, not in an axis of thousandths."""
    from core.events import MemorySample
    from gui.widgets.memory_graph import MIN_FIT_S, MemoryGraph

    graph = MemoryGraph()
    qtbot.addWidget(graph)
    for at in (100.0, 100.005):
        graph.add_sample(
            MemorySample(at=at, rss_mb=400.0, threshold_mb=768.0, max_mb=1024.0, throttled=False)
        )
    graph.fit()
    (low, high), _ = graph.plot.viewRange()
    assert low <= 0.0 and high >= MIN_FIT_S
    assert graph.samples_received == 2
