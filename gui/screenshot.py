"""Take the README's screenshots from the app itself, after a real run.

``python -m gui.screenshot docs/screenshot.png`` opens the bundled sample, makes one
section per top-level bookmark, runs them with the offline backend and saves four
pictures: the window with the progress table and memory graph (the given path), the
window with the results view (``…-results.png``), a result's citations beside the page
preview a click on one opens, its quote marked (``…-citations.png``), and the run report
panel with its Gantt chart (``…-report.png``). Offscreen unless QT_QPA_PLATFORM says
otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication


async def _shoot(out: Path, workdir: Path) -> list[Path]:
    from core.settings import Settings
    from gui.compose import build_window
    from gui.main_window import REPORT_TAB, RESULTS_TAB, RUN_TAB, SAMPLE_PDF
    from gui.persistence import Store

    store = Store(QSettings(str(workdir / "shot.ini"), QSettings.Format.IniFormat))
    window = build_window(store=store, base=Settings(_env_file=None))
    window.resize(1600, 1000)
    window.show()
    window.open_file(SAMPLE_PDF)
    while window.document is None:
        await asyncio.sleep(0.02)
    if window.sections_panel.bookmarks_button.isEnabled():
        window.sections_panel.apply_bookmarks()
    else:
        window.sections.every_n(3)
    window.sections_panel.select_row(2)
    panel = window.settings_panel
    panel.backend.setCurrentIndex(panel.backend.findData("local"))
    panel.sliders["max_concurrent_section_tasks"].setValue(3)
    outcome = await window.start_run()
    if outcome is None or not outcome.results:
        raise SystemExit("the run produced no results; no screenshot taken")
    window.results.show_section(next(iter(outcome.results)))
    shots = []
    for tab, path in ((RUN_TAB, out), (RESULTS_TAB, out.with_name(f"{out.stem}-results.png"))):
        window.tabs.setCurrentIndex(tab)
        await asyncio.sleep(0.4)  # let the graph's redraw timer and the repaint happen
        path.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(path))
        shots.append(path)
    shots.append(
        await _shoot_citations(window, outcome, out.with_name(f"{out.stem}-citations.png"))
    )
    shots.append(await _shoot_report(window, REPORT_TAB, out.with_name(f"{out.stem}-report.png")))
    window.close()
    return shots


async def _shoot_citations(window, outcome, path: Path) -> Path:
    """The Results tab on the section with the most citations, and beside the window the
    preview of the page its last key fact cites, opened as a click on the link opens it."""
    from PySide6.QtGui import QImage, QPainter

    from gui.main_window import RESULTS_TAB

    sid = max(outcome.results, key=lambda s: len(outcome.results[s].citations))
    window.tabs.setCurrentIndex(RESULTS_TAB)
    window.settings_dock.hide()
    window.main_split.setSizes([440, window.width() - 440])
    window.right_split.setSizes([150, window.height()])
    window.results.list.setCurrentItem(window.results._items[sid])
    panel = window.results.citations
    row = len(panel.citations) - 1
    panel.list.setCurrentRow(row)
    window.show_citation(panel.citations[row])
    preview = window.preview
    preview.resize(1040, window.height())
    for _ in range(500):
        if preview.highlights:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.4)
    left, right = window.grab(), preview.grab()
    canvas = QImage(left.width() + right.width(), left.height(), QImage.Format.Format_RGB32)
    canvas.fill(0xFFFFFFFF)
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, left)
    painter.drawPixmap(left.width(), 0, right)
    painter.end()
    canvas.save(str(path))
    preview.close()
    return path


async def _shoot_report(window, tab: int, path: Path) -> Path:
    """The report panel alone, given most of the window's height so the chart reads."""
    window.tabs.setCurrentIndex(tab)
    window.settings_dock.hide()
    window.main_split.setSizes([0, window.width()])
    window.right_split.setSizes([0, window.height()])
    await asyncio.sleep(0.4)
    window.report.grab().save(str(path))
    return path


@contextlib.contextmanager
def _own_data_dir(folder: Path) -> Iterator[None]:
    """A fresh journal: with the user's, cached results would make every analysis 0 s."""
    from core.paths import DATA_DIR_ENV

    before = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(folder / "data")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = before


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "screenshot.png").resolve()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    from gui.gc_guard import GuiThreadGarbageCollector

    collector = GuiThreadGarbageCollector(parent=app)
    QCoreApplication.setOrganizationName("SectionFlowScreenshot")
    QCoreApplication.setApplicationName("SectionFlowScreenshot")
    with (
        tempfile.TemporaryDirectory() as folder,
        _own_data_dir(Path(folder)),
        asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner,
    ):
        shots = runner.run(_shoot(out, Path(folder)))
    collector.stop()
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
