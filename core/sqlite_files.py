"""Opening SectionFlow's SQLite files: checked first, moved aside when damaged.

A journal or ledger that is not a database (a stray ``printf`` into it, a copy cut
short, a disk error) made every command fail with ``sqlite3.DatabaseError`` before it
started, and a damaged ledger failed sections *after* their uploads and analyses were
paid for. So each file is checked the first time a process opens it
(``PRAGMA quick_check``, docs/ARCHITECTURE.md "The journal and the remote-file ledger"
has its cost); a damaged one is renamed to ``<name>.damaged-<timestamp>`` (with its
``-wal`` and ``-shm`` files, so the three stay usable together for a rescue), a fresh one
is started, and one warning says where the old one went.

Full disks are told apart from damage: SQLITE_FULL and ENOSPC become
:class:`core.errors.DiskFullError`, which names the folder.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from core.errors import DiskFullError, is_disk_full

log = logging.getLogger("sectionflow.storage")
T = TypeVar("T")

#: SQLite's result codes for a file that is not (or no longer) a database
_DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_SIDE_FILES = ("-wal", "-shm")
_LOCK_ATTEMPTS = 100


def is_damaged(exc: BaseException) -> bool:
    """SQLITE_CORRUPT ("database disk image is malformed") or SQLITE_NOTADB ("file is not
    a database"); never a locked or full database."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGED_CODES
    text = str(exc)
    return "not a database" in text or "malformed" in text


def connect(path: Path, timeout: float = 15.0) -> sqlite3.Connection:
    """A connection in autocommit mode; a full disk while creating it is DiskFullError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.OperationalError) as exc:
        if is_disk_full(exc):
            raise DiskFullError(path.parent) from None
        raise


def open_checked(
    path: Path,
    what: str,
    initialise: Callable[[sqlite3.Connection], None],
    timeout: float = 15.0,
) -> sqlite3.Connection:
    """A connection to ``path`` after checking it; a damaged file is moved aside and a
    fresh one initialised in its place. ``what`` names the file for the user ("the run
    journal"); ``initialise`` sets the file up (WAL, tables) and may run again."""
    conn = connect(path, timeout)
    try:
        problem = _problem(conn)
        if problem is None:
            retry_while_locked(lambda: initialise(conn))
            return conn
    except sqlite3.DatabaseError as exc:
        if not is_damaged(exc):
            conn.close()
            raise
        problem = str(exc)
    conn.close()
    moved = move_aside(path)
    log.warning(
        "%s at %s was damaged (%s); it was moved aside to %s and a fresh one was started",
        what[:1].upper() + what[1:],
        path,
        problem,
        moved or "(another process moved it first)",
    )
    conn = connect(path, timeout)
    retry_while_locked(lambda: initialise(conn))
    return conn


def _problem(conn: sqlite3.Connection) -> str | None:
    """What quick_check found (its first line), or None when the file is whole."""
    rows = retry_while_locked(lambda: conn.execute("PRAGMA quick_check(1)").fetchall())
    first = str(rows[0][0]) if rows else "ok"
    return None if first == "ok" else first


def move_aside(path: Path) -> Path | None:
    """Rename a damaged file (and its -wal and -shm) to ``<name>.damaged-<timestamp>``;
    None when it was already gone (another process moved it)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while target.exists():  # damaged twice within a second: never replace the older copy
        number += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    try:
        path.rename(target)
    except FileNotFoundError:
        return None
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            side.rename(target.with_name(target.name + suffix))
    return target


def retry_while_locked(work: Callable[[], T]) -> T:
    """``work()``, tried again for about 2 s while SQLite says "database is locked".

    Switching a fresh file to WAL can fail at once with "database is locked" while
    another connection (another thread or process) does the same: SQLite's busy timeout
    does not cover it.
    """
    for attempt in range(_LOCK_ATTEMPTS):
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _LOCK_ATTEMPTS - 1:
                raise
            time.sleep(0.02)
    raise AssertionError("unreachable")  # pragma: no cover


def open_short(
    path: Path, what: str, initialise: Callable[[sqlite3.Connection], None], *, check: bool
) -> sqlite3.Connection:
    """A connection for one piece of work (the ledger, the batch-job store: several
    processes share their files, so none stays open), with durable commits; ``check``
    (a store's first connection) checks the file first, as :func:`open_checked` does."""
    conn = open_checked(path, what, initialise) if check else connect(path)
    conn.execute("PRAGMA synchronous=FULL")
    return conn


@contextlib.contextmanager
def full_disk_named(folder: Path) -> Iterator[None]:
    """Inside the block, a full disk raises DiskFullError naming ``folder``."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as exc:
        if is_disk_full(exc):
            raise DiskFullError(folder) from None
        raise


def disk_full_as_error(folder: Path, work: Callable[[], T]) -> T:
    """``work()`` with a full disk raised as DiskFullError naming ``folder``."""
    with full_disk_named(folder):
        return work()
