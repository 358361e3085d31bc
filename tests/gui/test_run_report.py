"""The run report panel: after a real offline run it shows a bar for every section and the
figures of ``summary["report"]``; with a processor whose stage times and faults are known,
the retries and stage times it shows are those; the charts' pieces on their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyqtgraph import BarGraphItem

from core.engine import Engine
from gui.main_window import REPORT_TAB
from gui.state.report_text import figures, headline, seconds, share
from gui.widgets.concurrency_plot import steps
from gui.widgets.gantt_chart import GanttChart
from tests.gui.conftest import wait_until
from tests.helpers.processors import InstrumentedProcessor


async def open_and_split(window, path: Path, every: int) -> None:
    window.open_file(path)
    await wait_until(lambda: window.document is not None)
    window.sections.every_n(every)


async def test_report_after_an_offline_run_shows_every_section_and_figure(
    make_window, pdf_factory
) -> None:
    window = make_window()
    await open_and_split(window, pdf_factory(pages=12), every=2)
    window.settings_panel.sliders["max_concurrent_section_tasks"].setValue(2)
    panel = window.report
    assert not panel.has_report and window.tabs.tabText(REPORT_TAB) == "Report"
    outcome = await window.start_run()
    report = outcome.summary["report"]
    ids = {s.id for s in outcome.sections}
    assert len(ids) == 6 and set(outcome.results) == ids

    assert panel.has_report and panel.report is report
    # no chart made at the run's end (80 ms of pyqtgraph on the GUI thread) until asked for
    assert not panel.findChildren(GanttChart)
    # the Gantt chart: every section has bars, and every bar of the report is drawn
    assert panel.gantt.sections_with_bars() == ids
    assert len(panel.gantt.bars) == len(report["bars"]) > len(ids)
    assert [title for _, title in panel.gantt.sections] == [s.title for s in outcome.sections]
    # drawn when the analyst looks at it (the run ends with the Results tab in front)
    assert window.tabs.currentIndex() != REPORT_TAB and not panel.gantt.is_drawn()
    window.tabs.setCurrentIndex(REPORT_TAB)
    assert panel.gantt.is_drawn()
    drawn = sum(len(i.opts["x0"]) for i in panel.gantt._items if isinstance(i, BarGraphItem))
    assert drawn == len(report["bars"])
    assert {"split", "analysis"} <= set(panel.gantt.legend.names())
    # the concurrency plot: the report's samples, never above the limit of 2
    assert panel.concurrency.samples == report["concurrency"]
    assert max(s["in_flight"] for s in report["concurrency"]) <= 2

    # every figure shown is the report's, as formatted for people
    shown = {key: label.text() for key, label in panel.values.items()}
    expected = {f.key: f.text for f in figures(report, outcome.processor)}
    assert shown == expected
    stages = report["stage_seconds"]
    total = sum(stages.values())
    for stage, value in stages.items():
        assert shown[f"stage.{stage}"] == f"{seconds(value)} · {share(value, total)}%"
    for key, value in report["slot_wait_seconds"].items():
        assert shown[f"wait.{key}"] == seconds(value)
    assert shown["retries.total"] == str(report["retries"]) == "0"
    assert shown["memory.throttled"] == seconds(report["throttled_seconds"])
    assert shown["memory.peak"] == f"{report['peak_rss_mb']:,.0f} MB"
    assert shown["memory.mean"] == f"{report['mean_rss_mb']:,.0f} MB"
    assert shown["tokens.prompt"] == f"{report['tokens']['prompt']:,}"
    assert shown["cost"] == "none (offline)"
    assert shown["concurrency.limit"] == "2"
    assert panel.headline.text() == headline(report, "local")
    assert f"({report['bottleneck']})" in panel.headline.text()
    assert "6 sections, 6 done" in panel.subline.text()

    # opening another document clears the report
    window.open_file(pdf_factory("other.pdf", pages=3))
    await wait_until(lambda: window.document.path.name == "other.pdf")
    assert not panel.has_report and panel.gantt.bars == []


async def test_report_shows_known_stage_times_and_retries(
    make_window, pdf_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploads of 0.1 s and analyses of 0.2 s, one section failing once: the panel shows
    the retry by its reason and stage totals at least the known times."""
    processor = InstrumentedProcessor(upload_s=0.1, analyze_s=0.2, transient_failures={"s2": 1})

    monkeypatch.setenv("RETRY_BACKOFF_BASE_SECONDS", "0.05")
    # the real engine, this processor
    window = make_window(engine=Engine(processor_factory=lambda settings, engine: processor))
    await open_and_split(window, pdf_factory(pages=6), every=2)
    outcome = await window.start_run()
    report = outcome.summary["report"]
    assert report["retries_by_reason"] == {"process": 1}

    shown = {key: label.text() for key, label in window.report.values.items()}
    assert shown["retries.total"] == "1"
    assert shown["retries.process"] == "1"
    upload = float(shown["stage.upload"].split(" s")[0])
    analysis = float(shown["stage.process"].split(" s")[0])
    # 3 uploads, 4 analyses; under qasync a sleep is a coarse QTimer, which Qt may fire
    # up to 5% early, so "at least" allows for that, and for the panel's rounding to
    # hundredths (0.2849 s shows as "0.28 s")
    shown_to = 0.005
    assert upload >= 0.3 * 0.95 - shown_to and analysis >= 0.8 * 0.95 - shown_to
    busiest = max(report["stage_seconds"], key=report["stage_seconds"].get)
    assert f"({busiest})" in window.report.headline.text()
    # the retried section's analysis shows as more than one bar or a longer one
    s2 = [b for b in window.report.gantt.bars if b["section"] == "s2" and b["stage"] == "process"]
    assert sum(b["end"] - b["start"] for b in s2) >= 0.4 - 0.02


def test_headline_in_plain_words() -> None:
    report = {
        "stage_seconds": {"split": 1.0, "upload": 1.8, "process": 7.2, "cleanup": 0.0},
        "slot_wait_seconds": {"wait_section": 3.0, "wait_upload": 0.5},
        "bottleneck": "process",
    }
    assert headline(report, "gemini") == (
        "Most time went to the model (process): 72%. Longest wait: section slot (3.00 s in all)."
    )
    assert headline(report, "local").startswith("Most time went to the analysis (process): 72%")
    assert headline({"stage_seconds": {}, "bottleneck": None}) == ("No stage took measurable time.")


@pytest.mark.parametrize(
    ("value", "text"), [(0.4213, "0.42 s"), (12.34, "12.3 s"), (605, "10 min 05 s")]
)
def test_seconds_read_like_people_write_them(value: float, text: str) -> None:
    assert seconds(value) == text


def test_cost_and_adaptive_limit_figures() -> None:
    report = {
        "tokens": {"prompt": 12000, "output": 800, "thoughts": 0},
        "cost_usd": 0.01234,
        "retries_by_reason": {"rate limited": 2},
        "retries": 2,
        "concurrency": [
            {"at": 0.1, "in_flight": 4, "limit": 4},
            {"at": 1.0, "in_flight": 2, "limit": 2},
        ],
    }
    shown = {f.key: f.text for f in figures(report, "gemini")}
    assert shown["cost"] == "$0.0123"
    assert shown["tokens.prompt"] == "12,000"
    assert shown["retries.rate limited"] == "2"
    assert shown["concurrency.peak"] == "4"
    assert shown["concurrency.limit"] == "2–4 (adaptive)"
    assert {f.key: f.text for f in figures({}, "gemini")}["cost"].startswith("unknown")


def test_gantt_draws_one_item_per_stage_and_finds_bars(qtbot) -> None:
    chart = GanttChart()
    qtbot.addWidget(chart)
    chart.show()
    bars = [
        {"section": "a", "stage": "split", "start": 0.0, "end": 1.0},
        {"section": "a", "stage": "process", "start": 1.0, "end": 3.0},
        {"section": "b", "stage": "waiting", "start": 0.0, "end": 1.0},
        {"section": "b", "stage": "split", "start": 1.0, "end": 1.5},
        {"section": "zzz", "stage": "split", "start": 0.0, "end": 1.0},  # not a row: dropped
    ]
    chart.set_bars([("a", "Alpha"), ("b", "Beta")], bars)
    assert len(chart._items) == 3  # waiting, split, process; no start-up band
    assert chart.legend.names() == ["waiting", "split", "analysis"]
    assert chart.sections_with_bars() == {"a", "b"}
    assert chart.bar_at(2.0, 0.1)["stage"] == "process"
    assert chart.bar_at(0.5, 1.0)["stage"] == "waiting"
    assert chart.bar_at(2.0, 1.0) is None  # b has nothing at 2 s
    assert chart.bar_at(0.5, 0.5) is None  # between the rows
    assert chart.describe(bars[1]) == "Alpha\nanalysis: 2.00 s (from 1.00 s to 3.00 s)"
    ticks = chart.plot.getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks] == ["Alpha", "Beta"]
    chart.clear()
    assert chart._items == [] and chart.legend.names() == []
    # the time before the first bar is the run's start-up, drawn as a band
    chart.set_bars([("a", "Alpha")], [{**bars[0], "start": 0.5, "end": 1.0}])
    assert chart.startup_s == 0.5 and chart.legend.names() == ["start-up", "split"]


def test_step_line_holds_each_value_until_the_next() -> None:
    xs, ys = steps([0.0, 1.0, 2.5], [0, 3, 1], end=4.0)
    assert xs.tolist() == [0.0, 1.0, 1.0, 2.5, 2.5, 4.0]
    assert ys.tolist() == [0, 0, 3, 3, 1, 1]
