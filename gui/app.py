"""Start the desktop app: QApplication, the qasync event loop, the main window.

Order matters (docs/ARCHITECTURE.md, "qasync"): PySide6 is imported before qasync so
qasync binds to it, the QApplication exists before the loop, and tasks are only created
inside the running loop. Python 3.11 has no ``asyncio.run(loop_factory=...)``, so
``asyncio.Runner`` is used.

``--self-test`` runs :mod:`gui.self_test` instead of waiting for the user: offscreen
unless QT_QPA_PLATFORM says otherwise, with its journal and log in a temp folder.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel

    from gui.main_window import MainWindow

log = logging.getLogger("sectionflow.gui")
#: after the window closes, the longest its tasks' clean-up may keep the process alive
EXIT_BOUND_S = 0.8

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
        help="check this installation: open the window offscreen, run the bundled sample "
        "offline, export JSON and Markdown, check them; exit 0 or print what failed",
    )
    known, _ = parser.parse_known_args(list(argv)[1:])
    return known


async def _run_window(args: argparse.Namespace, splash: QLabel | None = None) -> int:
    from gui.compose import build_window

    window = build_window()
    window.show()
    if splash is not None:
        splash.close()  # the window is on screen in its place
    from gui.gc_guard import GuiThreadGarbageCollector

    GuiThreadGarbageCollector.freeze()
    if args.pdf:
        window.open_file(args.pdf)
    window.suggestion_service.refresh()
    import asyncio

    closed = asyncio.get_running_loop().create_future()
    app = QApplication.instance()
    app.lastWindowClosed.connect(lambda: closed.done() or closed.set_result(0))
    await closed
    if not await finish_tasks(window, EXIT_BOUND_S):
        log.warning("Clean-up outlasted %.1f s; ending now (the next start sweeps)", EXIT_BOUND_S)
        _end_now(0)
    return 0


async def finish_tasks(window: MainWindow, bound_s: float) -> bool:
    """Once the window has closed: wait up to ``bound_s`` for its tasks (those let go of
    after a cancel too), then end the engine's workers; False when time ran out first."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_s
    for bridge in (window.bridge, window.batch_bridge):
        if not await bridge.settle(max(0.0, deadline - loop.time())):
            return False
    window.engine.close()  # a no-op when closeEvent did it already
    return True


def _end_now(code: int) -> None:
    """Closing never waits longer than EXIT_BOUND_S: end this process's children (PDF
    workers, the render process) and the process itself. What a clean-up left is safe:
    the journal is crash-safe and the remote-file ledger's sweep deletes any upload left
    at the next start (docs/ARCHITECTURE.md, "Cancel and close")."""
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=0.3)
    for child in alive:
        with contextlib.suppress(psutil.Error):
            child.kill()
    logging.shutdown()
    os._exit(code)


def _prepare_self_test() -> Path:
    """Offscreen unless told otherwise; journal, ledger and log in a fresh temp folder."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    workdir = Path(tempfile.mkdtemp(prefix="sectionflow-self-test-"))
    from core.paths import DATA_DIR_ENV

    os.environ[DATA_DIR_ENV] = str(workdir / "data")
    return workdir


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sectionflow-gui`` and ``python -m gui``."""
    multiprocessing.freeze_support()
    argv = list(sys.argv if argv is None else argv)
    args = parse_args(argv)
    workdir = _prepare_self_test() if args.self_test else None
    app = make_application(argv)
    app.setQuitOnLastWindowClosed(False)  # the coroutine ends the loop, after clean-up
    splash = None
    if workdir is None:  # on screen before anything else is imported (gui/splash.py)
        from gui.splash import show_splash

        splash = show_splash(app)
    import asyncio  # not before the splash: asyncio and qasync take 0.05 s and 0.04 s

    import qasync  # after PySide6, so it binds to it (see the module docstring)

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
    if workdir is not None:  # the self-test prints its own lines; the log file has the rest
        for handler in logging.getLogger().handlers:
            handler.setLevel(logging.WARNING)
    from gui import log_files

    file_log = log_files.install(log_files.configured_key())
    from gui.gc_guard import GuiThreadGarbageCollector

    collector = GuiThreadGarbageCollector(parent=app)
    code = 1
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            if workdir is None:
                code = runner.run(_run_window(args, splash))
            else:
                from gui.self_test import SelfTest

                code = runner.run(SelfTest(workdir).run())
        return code
    finally:
        collector.stop()
        from gui.pdf_thread import shutdown_renderer

        shutdown_renderer()
        if workdir is not None:
            _finish_self_test(workdir, file_log, keep=code != 0)


def _finish_self_test(workdir: Path, file_log: logging.Handler | None, keep: bool) -> None:
    if file_log is not None:
        logging.getLogger().removeHandler(file_log)
        file_log.close()
    if keep:
        print(f"self-test: its files (journal, log, exports) are kept in {workdir}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
