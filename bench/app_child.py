"""The parent side of a driven app (:mod:`bench.app_driver`): start it, ask it, probe it.

The probe is an outside one: a thread of this process sends the app one byte every
``PING_EVERY_S`` and times the echo, which the app's GUI thread writes. An echo that
comes back late is a window that could not have answered the user meanwhile, whatever
the app's own timers think.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

PING_EVERY_S = 0.050
ROOT = Path(__file__).resolve().parent.parent


class ChildError(RuntimeError):
    pass


class OutsideProbe:
    """Pings the app every 50 ms from a thread; the round trips while it is on."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._on = threading.Event()
        self._stop = threading.Event()
        self.delays_ms: list[float] = []
        self._thread = threading.Thread(target=self._loop, name="outside-probe", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._on.wait(0.05):
                continue
            sent = time.perf_counter()
            try:
                self._sock.sendall(b"p")
                self._sock.recv(1)
            except OSError:
                return
            self.delays_ms.append((time.perf_counter() - sent) * 1000)
            time.sleep(max(0.0, PING_EVERY_S - (time.perf_counter() - sent)))

    def start(self) -> None:
        self.delays_ms = []
        self._on.set()

    def pause(self) -> list[float]:
        self._on.clear()
        time.sleep(0.1)  # a ping under way comes back
        return list(self.delays_ms)

    def close(self) -> None:
        self._stop.set()
        self._on.set()


class DrivenApp:
    """One fresh process of the app (``mode="app"``) or of a bare window (``"bare"``)."""

    def __init__(self, mode: str, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.mode = mode
        ours, theirs = socket.socketpair()
        ping_ours, ping_theirs = socket.socketpair()
        self._cmd = ours
        self._reader = ours.makefile("rb")
        command = [
            sys.executable,
            "-m",
            "bench.app_driver",
            mode,
            str(theirs.fileno()),
            str(ping_theirs.fileno()),
            *args,
        ]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            pass_fds=(theirs.fileno(), ping_theirs.fileno()),
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("BENCH_CHILD_STDERR") else subprocess.DEVNULL,
        )
        theirs.close()
        ping_theirs.close()
        self.probe = OutsideProbe(ping_ours)
        shown = self._read(timeout=60)
        self.shown_s = shown["t"] - self.started

    def _read(self, timeout: float = 600) -> dict[str, Any]:
        self._cmd.settimeout(timeout)
        line = self._reader.readline()
        if not line:
            raise ChildError(f"the {self.mode} process ended (exit {self.process.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise ChildError(answer["error"])
        return answer

    def ask(self, do: str, **arguments: Any) -> dict[str, Any]:
        self._cmd.sendall((json.dumps({"do": do, **arguments}) + "\n").encode())
        return self._read()

    def tell(self, do: str, **arguments: Any) -> dict[str, Any]:
        """A command whose answer comes before the process ends (Ctrl+Q)."""
        return self.ask(do, **arguments)

    def gone_after(self, t0: float, timeout: float = 60) -> float:
        """Seconds from ``t0`` (the app's clock) until this process has ended."""
        self.process.wait(timeout)
        return time.monotonic() - t0

    def memory_mb(self) -> tuple[float, float]:
        """The app and its child processes from outside: (RSS of the app + USS of each
        child, as the app itself counts; PSS of all)."""
        parent = psutil.Process(self.process.pid)
        rss = parent.memory_info().rss
        pss = parent.memory_full_info().pss
        for child in parent.children(recursive=True):
            try:
                full = child.memory_full_info()
            except psutil.Error:
                continue
            info = child.memory_info()
            rss += max(0, info.rss - getattr(info, "shared", 0))
            pss += full.pss
        return rss / 2**20, pss / 2**20

    def close(self) -> None:
        self.probe.close()
        self._cmd.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def child_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The app's environment: its data and settings in ``workdir``, nothing of the user's."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("GEMINI_", "GOOGLE_", "MAX_CONCURRENT", "PROCESSOR")):
            del env[name]
    # an installed app has its bytecode cached; without this every launch would compile
    # the project's sources again (the bare window has none of ours to compile)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        SECTIONFLOW_DATA_DIR=str(workdir / "data"),
        XDG_CONFIG_HOME=str(workdir / "config"),
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env
