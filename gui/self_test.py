"""``--self-test``: prove that this installation works, end to end, with no display or key.

Analysts get a double-clickable bundle; whether PyInstaller left out a Qt plugin, a
template or the PDF worker's start-up only shows when the app really runs. So the
self-test does what an analyst does: it opens the window (offscreen), opens the bundled
sample and waits for its first thumbnail (drawn by the render process), makes one
section per bookmark, runs them with the offline backend (the PDF worker processes
included), exports JSON and Markdown, and reads both back. It exits 0,
or 1 after printing each check that failed.

It is hermetic: the journal, the log file and the window's remembered state go to a temp
folder, the keyring is never touched, and nothing of the user's changes.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

log = logging.getLogger("sectionflow.self_test")

TIMEOUT_S = 180.0
OPEN_TIMEOUT_S = 60.0
#: wall-clock time (``date +%s.%N``) the caller launched us at, e.g. set by build.sh: a
#: one-file bundle unpacks itself before this process exists, so its age misses that
LAUNCHED_AT_ENV = "SECTIONFLOW_LAUNCHED_AT"


class NoKeys:
    """Stands in for the keyring: a self-test must never read (or wait on) the real one."""

    is_available = False

    def load_key(self) -> str | None:
        return None

    def save_key(self, key: str) -> None:
        raise RuntimeError("the self-test stores no key")


def process_age() -> float:
    """Seconds since this process started: from /proc on Linux (10 ms steps), else from
    psutil (whose Linux figure rests on a boot time rounded to the second)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        return up - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        import psutil

        return time.time() - psutil.Process().create_time()


class SelfTest:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.problems: list[str] = []
        self.timings: dict[str, float] = {}
        self.step = "starting"

    def since_start(self) -> float:
        return process_age()

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        if ok:
            print(f"self-test: ok    {what}", flush=True)
        else:
            self.problems.append(f"{what}: {why}" if why else what)
            print(f"self-test: FAIL  {what}{': ' + why if why else ''}", flush=True)
        return ok

    async def run(self) -> int:
        begun = time.monotonic()
        try:
            async with asyncio.timeout(TIMEOUT_S):
                await self._steps()
        except TimeoutError:
            self.check(False, f"finished within {TIMEOUT_S:.0f} s", f"stuck at: {self.step}")
        except Exception as exc:
            log.exception("The self-test crashed")
            self.check(False, f"no crash while {self.step}", f"{type(exc).__name__}: {exc}")
        total = time.monotonic() - begun
        if self.problems:
            print(
                f"self-test FAILED ({len(self.problems)} of the checks): "
                + "; ".join(self.problems),
                file=sys.stderr,
                flush=True,
            )
            return 1
        shown = self.timings.get("window_shown_s", 0.0)
        launch = self.timings.get("window_after_launch_s")
        print(
            f"self-test passed in {total:.2f} s "
            f"(window shown {shown:.2f} s after the process started"
            + (f", {launch:.2f} s after launch" if launch is not None else "")
            + f", whole self-test {self.since_start():.2f} s after it)",
            flush=True,
        )
        return 0

    async def _steps(self) -> None:
        from core.settings import Settings
        from gui.compose import build_window
        from gui.main_window import SAMPLE_PDF
        from gui.persistence import Store

        self.step = "opening the window"
        store = Store(QSettings(str(self.workdir / "window.ini"), QSettings.Format.IniFormat))
        window = build_window(store=store, base=Settings(), keys=NoKeys())
        window.show()
        await asyncio.sleep(0)  # let the first expose and paint happen
        self.timings["window_shown_s"] = self.since_start()
        launched = os.environ.get(LAUNCHED_AT_ENV)
        if launched:
            self.timings["window_after_launch_s"] = time.time() - float(launched)
        try:
            await self._with_window(window, SAMPLE_PDF)
        finally:
            self.step = "closing the window"
            window.close()
            await window.bridge.wait()

    async def _with_window(self, window: Any, sample: Path) -> None:
        self.check(window.isVisible(), "the window opens")
        self.check(not window.windowIcon().isNull(), "the app icon loads (resources/icons)")
        self.check(window.settings_panel.template.count() > 0, "prompt templates load (resources)")
        if not self.check(sample.exists(), "the sample PDF is bundled", str(sample)):
            return

        self.step = "opening the sample PDF"
        window.open_file(sample)
        opened = await _wait_for(lambda: window.document is not None, OPEN_TIMEOUT_S)
        if not self.check(opened, "the sample opens", window.last_error or "timed out"):
            return
        self.step = "drawing the first page"
        model = window.pages.model
        drawn = await _wait_for(lambda: 1 in model.rendered_pages(), OPEN_TIMEOUT_S)
        image = model.image(1) if drawn else None
        self.check(
            image is not None and image.width() > 1,
            "page thumbnails are drawn (the render process starts)",
            "no image of page 1" if not drawn else "page 1 came back blank",
        )
        if window.sections_panel.bookmarks_button.isEnabled():
            window.sections_panel.apply_bookmarks()
        else:
            window.sections.every_n(4)
        titles = {s.id: s.title for s in window.sections.to_sections()}
        self.check(len(titles) > 1, f"sections made from the sample ({len(titles)})")

        self.step = "running the sections offline"
        panel = window.settings_panel
        panel.backend.setCurrentIndex(panel.backend.findData("local"))
        begun = time.monotonic()
        task = window.start_run()
        if not self.check(task is not None, "the run starts", window.last_error):
            return
        outcome = await task
        self.timings["run_s"] = time.monotonic() - begun
        if not self.check(outcome is not None, "the run ends", window.last_error):
            return
        done = set(outcome.results)
        self.check(
            done == set(titles),
            f"every section done offline ({len(done)} of {len(titles)} "
            f"in {self.timings['run_s']:.2f} s)",
            "; ".join(f"{sid}: {f.reason}" for sid, f in outcome.failures.items()),
        )
        self.check(
            window.report.has_report and window.report.gantt.sections_with_bars() == set(titles),
            "the run report shows a bar for every section",
        )

        self.step = "exporting JSON and Markdown"
        folder = self.workdir / "export"
        folder.mkdir(parents=True, exist_ok=True)
        paths = window.export_to(folder / "self-test.json")
        if not self.check(paths is not None, "the export is written", window.last_error):
            return
        self._check_exports(*paths, titles=titles)

        self.step = "importing the Gemini backend"
        self._check_gemini_importable()
        self._check_log_file()

    def _check_exports(self, json_path: Path, md_path: Path, titles: dict[str, str]) -> None:
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.check(False, "the JSON export reads back", str(exc))
            return
        sections = {s.get("id"): s for s in data.get("sections", [])}
        missing = sorted(set(titles) - set(sections))
        not_done = sorted(sid for sid, s in sections.items() if s.get("status") != "done")
        self.check(
            not missing and not not_done,
            f"the JSON export has every section, done ({len(sections)})",
            f"missing {missing}, not done {not_done}",
        )
        self.check("report" in data.get("summary", {}), "the JSON export carries the run report")
        try:
            lines = md_path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            self.check(False, "the Markdown export reads back", str(exc))
            return
        headed = [t for t in titles.values() if any(x.startswith(f"## {t} (") for x in lines)]
        self.check(
            len(headed) == len(titles),
            f"the Markdown export has a heading per section ({len(headed)})",
            f"no heading for {sorted(set(titles.values()) - set(headed))}",
        )

    def _check_gemini_importable(self) -> None:
        begun = time.monotonic()
        try:
            importlib.import_module("google.genai")
            importlib.import_module("core.processors.gemini")
        except Exception as exc:
            self.check(False, "the Gemini backend is in this build", f"{exc}")
            return
        self.check(True, f"the Gemini backend is in this build ({time.monotonic() - begun:.2f} s)")

    def _check_log_file(self) -> None:
        from core.logs import LOG_FILE
        from core.paths import log_dir

        for handler in logging.getLogger().handlers:
            handler.flush()
        path = log_dir() / LOG_FILE
        self.check(
            path.exists() and path.stat().st_size > 0,
            "the rotating log file is written",
            f"nothing in {path}",
        )


async def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll a condition while the loop (and Qt) keeps running; False on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True
