"""Checking that processes have ended (worker processes a test expects to be gone)."""

from __future__ import annotations

import psutil


def all_gone(pids: list[int], timeout: float = 15.0) -> bool:
    """Whether every one of ``pids`` has ended within ``timeout`` seconds; any left is
    killed, so a failing test leaves nothing behind."""
    alive: list[psutil.Process] = []
    for pid in pids:
        try:
            alive.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    _, left = psutil.wait_procs(alive, timeout=timeout)
    for leftover in left:
        leftover.kill()
    return left == []
