"""Start the desktop app: QApplication, the qasync event loop, the main window.

Order matters (DESIGN.md §3): PySide6 is imported before qasync so qasync binds to it,
the QApplication exists before the loop, and tasks are only created inside the running
loop. Python 3.11 has no ``asyncio.run(loop_factory=...)``, so ``asyncio.Runner`` is used.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import sys
from collections.abc import Sequence

import qasync
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger("sectionflow.gui")

ORG = "SectionFlow"
APP = "SectionFlow"


def make_application(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv))
    QCoreApplication.setOrganizationName(ORG)
    QCoreApplication.setApplicationName(APP)
    app.setApplicationDisplayName(APP)
    app.setDesktopFileName("sectionflow")
    return app  # type: ignore[return-value]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sectionflow-gui", description="SectionFlow desktop app")
    parser.add_argument("pdf", nargs="?", help="a PDF to open at start")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, load the sample (if any), and quit after a moment",
    )
    known, _ = parser.parse_known_args(list(argv)[1:])
    return known


async def _run_window(args: argparse.Namespace) -> int:
    from gui.main_window import SAMPLE_PDF, MainWindow

    window = MainWindow()
    window.show()
    from gui.gc_guard import GuiThreadGarbageCollector

    GuiThreadGarbageCollector.freeze()
    if args.pdf:
        window.open_file(args.pdf)
    closed = asyncio.get_running_loop().create_future()
    app = QApplication.instance()
    app.lastWindowClosed.connect(lambda: closed.done() or closed.set_result(0))
    if args.self_test:
        if SAMPLE_PDF.exists() and not args.pdf:
            window.open_file(SAMPLE_PDF)
        QTimer.singleShot(1500, window.close)
    await closed
    await window.bridge.wait()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sectionflow-gui`` and ``python -m gui``."""
    multiprocessing.freeze_support()
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
    app = make_application(argv)
    app.setQuitOnLastWindowClosed(False)  # the coroutine ends the loop, after clean-up
    from gui.gc_guard import GuiThreadGarbageCollector

    collector = GuiThreadGarbageCollector(parent=app)
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            return runner.run(_run_window(args))
    finally:
        collector.stop()


if __name__ == "__main__":
    sys.exit(main())
