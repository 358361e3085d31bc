"""docs/ARCHITECTURE.md, "Qt and qasync": PySide6 6.12.0 drops a reference to True on every
Signal.emit() under Python 3.11 and the interpreter aborts after about a thousand emits.
Keep this guard so a dependency bump that brings the bug back fails here, not in an
analyst's hands."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(int)
    flag = Signal(bool)


def test_emit_keeps_refcount_of_true(qapp) -> None:
    emitter = _Emitter()
    received: list[int] = []
    emitter.ping.connect(received.append)
    emitter.flag.connect(lambda value: None)
    before = sys.getrefcount(True)
    for number in range(10_000):
        emitter.ping.emit(number)
        emitter.flag.emit(True)
    after = sys.getrefcount(True)
    assert len(received) == 10_000
    assert abs(after - before) < 50, f"refcount of True moved {before} -> {after}"
