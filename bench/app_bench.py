"""bench.gui's measurements of the real app from outside, each app in a fresh process.

- window shown: process start to the first exposed window, the app against a bare
  PySide6 window, alternated ``LAUNCHES`` times each (medians);
- idle memory: the app and its child processes, after opening a big PDF and settling;
- paging: Page Down held, then the scrollbar's handle dragged, over that PDF, while an
  outside probe (:class:`bench.app_child.OutsideProbe`) asks the app for an echo every
  50 ms; then quitting the idle app (Ctrl+Q until the process is gone);
- an offline run of 50 sections under the same probe;
- Esc during a run whose workers are busy (long offline sections) and during a Gemini
  run against the fake server (1 s a call, uploads), until the window is idle again;
- Ctrl+Q and "Yes" during each kind of run, until the process is gone.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.app_child import DrivenApp

LAUNCHES = 3
PAGING_S = 5.0
OFFLINE_SECTIONS = 50


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


@contextmanager
def _app(env: dict[str, str]) -> Iterator[DrivenApp]:
    app = DrivenApp("app", env)
    try:
        yield app
    finally:
        app.close()


def window_shown(env: dict[str, str]) -> dict[str, float]:
    """The first window on screen (the launch splash) against a bare PySide6 window,
    and when the main window itself came."""
    apps: list[float] = []
    mains: list[float] = []
    bares: list[float] = []
    for _ in range(LAUNCHES):
        bare = DrivenApp("bare", env)
        bares.append(bare.shown_s)
        bare.process.wait(30)
        bare.close()
        with _app(env) as app:
            apps.append(app.shown_s)
            mains.append(app.ask("window_shown")["t"] - app.started)
            app.gone_after(app.tell("quit")["t0"])
    app_s, bare_s = statistics.median(apps), statistics.median(bares)
    return {
        "gui_window_shown_ratio": app_s / bare_s,
        "gui_window_shown_s": app_s,
        "gui_main_window_shown_s": statistics.median(mains),
        "gui_bare_window_shown_s": bare_s,
    }


def idle_paging_quit(env: dict[str, str], pdf: Path) -> dict[str, float]:
    with _app(env) as app:
        app.ask("open", path=str(pdf))
        app.ask("wait", seconds=3.0)  # renders of the first screen, workers warmed
        rss, pss = app.memory_mb()
        app.probe.start()
        keys = app.ask("page_down", seconds=PAGING_S)
        app.ask("settled")
        drag = app.ask("drag", seconds=PAGING_S)
        settled = app.ask("settled")
        delays = app.probe.pause()
        app.ask("wait", seconds=1.0)
        quit_s = app.gone_after(app.tell("quit")["t0"])
    return {
        "gui_idle_rss_mb": rss,
        "gui_idle_pss_mb": pss,
        "gui_paging_max_stall_ms": max(delays, default=0.0),
        "gui_paging_p99_stall_ms": _percentile(delays, 0.99),
        "gui_paging_pings": len(delays),
        "gui_paging_heartbeat_max_ms": max(keys["heartbeat_max_ms"], drag["heartbeat_max_ms"]),
        "gui_paging_rendered": settled["rendered"],
        "gui_quit_idle_ms": quit_s * 1000,
    }


def offline_run(env: dict[str, str], pdf: Path, pages: int) -> dict[str, float]:
    with _app(env) as app:
        app.ask("open", path=str(pdf))
        app.ask("wait", seconds=1.0)
        app.probe.start()
        app.ask("run", processor="local", every=-(-pages // OFFLINE_SECTIONS))
        done = app.ask("wait_run")
        delays = app.probe.pause()
        app.gone_after(app.tell("quit")["t0"])
    return {
        "gui_offline_run_max_stall_ms": max(delays, default=0.0),
        "gui_offline_run_sections_done": done["done"],
    }


def cancel_and_close(env: dict[str, str], pdf: Path, processor: str, every: int) -> dict:
    """Esc during a run, then Ctrl+Q and Yes during the next one (a fresh process)."""
    with _app(env) as app:
        app.ask("open", path=str(pdf))
        app.ask("wait", seconds=1.0)
        app.ask("run", processor=processor, every=every, started=2)
        app.ask("wait", seconds=1.5)
        cancel = app.ask("esc")
        app.ask("run", processor=processor, every=every, started=2)
        app.ask("wait", seconds=1.5)
        close_s = app.gone_after(app.ask("quit_yes")["t0"])
    return {
        f"gui_cancel_{processor}_ms": (cancel["t"] - cancel["t0"]) * 1000,
        f"gui_close_{processor}_ms": close_s * 1000,
    }
