"""The child side of bench.gui's measurements of the real app, each in a fresh process.

``python -m bench.app_driver bare|app CMD_FD PING_FD [ARGS…]`` starts a bare PySide6
window (``bare``) or the app itself through its own entry point (``app``: the same
``launcher.main`` the ``sectionflow`` command runs). Both get the same QApplication made
here first, with one event filter that notices the first exposed window and tells the
parent the moment (``time.monotonic()``, one clock for every process on the machine).

After that the parent drives the app over ``CMD_FD`` (one JSON object a line, answered
the same way; see :mod:`bench.app_commands`), and asks ``PING_FD`` for an echo whenever
it likes: the echo is written by the GUI thread, so how late it comes back is how long
the window could not have answered a click (:mod:`bench.app_child` measures it).

Only the standard library is imported at the top: the app's PDF workers are spawned
processes that import the main module again (as ``__mp_main__``), and neither PySide6
nor the app belongs in them.
"""

from __future__ import annotations

import sys
import time


def _install_shown_probe(app, report) -> None:
    """Report once when the first top-level window has been exposed and painted (the
    app's launch splash), and note when the main window (the first with a title) was."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtGui import QWindow

    from bench.app_channel import WINDOW_SHOWN

    def main_window_shown() -> None:
        WINDOW_SHOWN["t"] = time.monotonic()

    class ShownProbe(QObject):
        reported = False

        def eventFilter(self, watched, event) -> bool:
            if (
                event.type() == QEvent.Type.Expose
                and isinstance(watched, QWindow)
                and watched.isExposed()
            ):
                # once this event is handled the window has painted: report then
                if not self.reported:
                    self.reported = True
                    QTimer.singleShot(0, lambda: report(time.monotonic()))
                if watched.title():
                    app.removeEventFilter(self)
                    QTimer.singleShot(0, main_window_shown)
            return False

    probe = ShownProbe(app)
    app.installEventFilter(probe)


def main(argv: list[str]) -> int:
    mode, cmd_fd, ping_fd, *rest = argv
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *rest])
    from bench.app_channel import Channel

    channel = Channel(int(cmd_fd), int(ping_fd))

    def shown(at: float) -> None:
        channel.send({"event": "shown", "t": at})
        if mode == "bare":
            app.quit()
        else:
            from bench.app_commands import Commands

            channel.listen(Commands(channel).handle)

    _install_shown_probe(app, shown)
    channel.echo_pings()
    if mode == "bare":
        from PySide6.QtWidgets import QLabel, QMainWindow

        window = QMainWindow()
        window.setWindowTitle("bare")
        window.setCentralWidget(QLabel("A bare PySide6 window", window))
        available = app.primaryScreen().availableGeometry()
        window.resize(int(available.width() * 0.9), int(available.height() * 0.9))
        window.show()
        return app.exec()
    sys.argv = [sys.argv[0], *rest]  # the app reads its own arguments
    from launcher import main as launch

    return launch(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
