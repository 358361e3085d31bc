"""The app side of the two sockets bench.gui talks to a driven app over.

Both are served by QSocketNotifiers on the GUI thread, so a command and a ping are read
exactly when the window's event loop gets to them, as a click would be.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSocketNotifier

#: when the app's main window (a titled one; the launch splash has no title) was first
#: exposed, ``time.monotonic()`` under "t"; set by bench.app_driver's probe
WINDOW_SHOWN: dict[str, float] = {}


class Channel:
    def __init__(self, cmd_fd: int, ping_fd: int) -> None:
        self._cmd = socket.socket(fileno=cmd_fd)
        self._ping = socket.socket(fileno=ping_fd)
        self._cmd.setblocking(False)
        self._ping.setblocking(False)
        self._buffer = b""
        self._notifiers: list[QSocketNotifier] = []

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        self._cmd.setblocking(True)
        try:
            self._cmd.sendall(data)
        finally:
            self._cmd.setblocking(False)

    def echo_pings(self) -> None:
        """Answer every ping byte at once, from the GUI thread."""

        def echo() -> None:
            try:
                data = self._ping.recv(4096)
            except BlockingIOError:
                return
            if not data:
                self._notifiers.remove(notifier)
                notifier.setEnabled(False)
                return
            self._ping.sendall(data)

        notifier = QSocketNotifier(self._ping.fileno(), QSocketNotifier.Type.Read)
        notifier.activated.connect(echo)
        self._notifiers.append(notifier)

    def listen(self, handle: Callable[[dict[str, Any]], None]) -> None:
        """Call ``handle`` with every command line the parent sends; the parent closing
        its end ends this process (it has nothing more to ask)."""

        def read() -> None:
            try:
                data = self._cmd.recv(65536)
            except BlockingIOError:
                return
            if not data:
                os._exit(3)
            self._buffer += data
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                handle(json.loads(line))

        notifier = QSocketNotifier(self._cmd.fileno(), QSocketNotifier.Type.Read)
        notifier.activated.connect(read)
        self._notifiers.append(notifier)
