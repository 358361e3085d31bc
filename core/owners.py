"""Which process owns something, and whether that process still runs.

Several things SectionFlow leaves on disk belong to one process: a remote-file ledger
entry, a run being processed, a run's temp folder, an export being written. After a
kill -9 nobody removes them, so each carries its owner's pid *and process start time*:
a pid alone can be reused by an unrelated process after a restart, but not together
with the same start time. The next start then removes (or takes over) only what belongs
to a process that is gone, never what a live one is using.
"""

from __future__ import annotations

import os
import re

import psutil


def process_started(pid: int) -> float:
    """The process's start time (seconds since the epoch), or 0.0 if it is gone."""
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return 0.0


MY_PID = os.getpid()
MY_START = process_started(MY_PID)


def my_identity() -> tuple[int, float]:
    """(pid, start time) of this process; forks (none today) get their own."""
    pid = os.getpid()
    return (pid, MY_START) if pid == MY_PID else (pid, process_started(pid))


def owner_alive(pid: int, started: float) -> bool:
    """Whether the process that wrote an entry still runs (and is not a reused pid)."""
    if pid == MY_PID and abs(started - MY_START) < 1.0:
        return True
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return abs(process.create_time() - started) < 1.0
    except psutil.AccessDenied:  # someone else's live process: do not touch its files
        return True
    except psutil.Error:
        return False


# ------------------------------------------------------------- owned names on disk
#: ``pid<pid>-t<start time in ms>``: the owner, written into the names of temp folders
#: and temp files so that finding a leftover is a directory listing, not a database
_TAG = re.compile(r"pid(\d{1,10})-t(\d{1,16})(?![0-9])")


def owner_tag() -> str:
    """This process's tag for names on disk (see :func:`tag_owner_alive`)."""
    pid, started = my_identity()
    return f"pid{pid}-t{round(started * 1000)}"


def tag_owner_alive(name: str) -> bool | None:
    """Whether the process whose tag is in ``name`` still runs; None without a tag. The
    last tag counts (a file name the user chose may hold something tag-like too)."""
    tags = _TAG.findall(name)
    if not tags:
        return None
    pid, started_ms = tags[-1]
    return owner_alive(int(pid), int(started_ms) / 1000)
