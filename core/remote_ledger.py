"""A crash-safe record of every file we put on Gemini's Files API, until it is deleted.

Why: a section's ``finally`` deletes its remote file, but a process that is killed (SIGKILL,
power loss, a crash in native code) never reaches ``finally``, and Gemini keeps such files
for 48 hours against the project's 20 GB quota. So the intent is written down *before* an
upload starts, the remote name once it is known, and the entry is struck off once the file
is gone. :meth:`RemoteLedger.sweep` deletes whatever is still recorded; the Gemini backend
calls it when a run opens (clearing what a dead process left) and when it closes.

Storage is SQLite in WAL mode with ``synchronous=FULL``: every commit is on disk before the
upload it announces begins, several processes (the app and a CLI run) can share one file,
and a torn write cannot corrupt it. Entries carry their owner's pid and process start time,
so one process never deletes files another *live* process is still using.

A file may also be *kept* after its run (KEEP_UPLOADS_HOURS), so that asking another
question of the same document within the Files API's 48 hours reuses it instead of
uploading it again: the entry stays, with the section PDF's sha256 and a ``keep_until``
time. No sweep touches a kept entry before then; after it (or once :meth:`release_kept`
has ended the keeping, as ``sectionflow forget`` does) any sweep deletes the file, whoever
uploaded it. So the ledger still holds every file of ours on Gemini.

Explicit context caches (``cachedContents/…``) are recorded the same way and deleted
with ``caches.delete``; one whose create reply was lost has no name to find it by, and
Gemini deletes it at its TTL (10 minutes).

A Gemini batch job needs its input files for up to a day, across restarts of the app. Its
entries are *held* under the job's name: no sweep touches a held entry (whoever owned it)
until the process that sees the job end *adopts* the entries and deletes the files. A held
entry that nobody adopts is struck once Gemini has expired the file (48 h).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import sqlite_files
from core.owners import my_identity, owner_alive
from core.paths import data_dir

log = logging.getLogger("sectionflow.remote_ledger")

FILE_NAME = "remote-files.sqlite3"
_WHAT = "the remote-file ledger"
#: Gemini deletes uploaded files after 48 hours; older entries need no network call.
EXPIRY_S = 48 * 3600 + 3600
_LIST_LIMIT = 20_000
#: the remote names of explicit context caches (recorded here like files)
CACHE_PREFIX = "cachedContents/"
#: Vertex's sections in the user's Cloud Storage bucket (GCS_BUCKET)
GCS_PREFIX = "gs://"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS remote_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    display_name TEXT NOT NULL,
    remote_name TEXT,
    scope TEXT NOT NULL,
    created_at REAL NOT NULL,
    owner_pid INTEGER NOT NULL,
    owner_started REAL NOT NULL,
    run_token TEXT NOT NULL,
    hold TEXT,
    sha256 TEXT,
    uri TEXT,
    size_bytes INTEGER,
    keep_until REAL
);
CREATE INDEX IF NOT EXISTS remote_files_scope ON remote_files(scope);
"""
_COLUMNS = (
    "id, display_name, remote_name, scope, created_at, owner_pid, owner_started, run_token, hold,"
    " sha256, uri, size_bytes, keep_until"
)
#: columns added after the first release: (name, definition)
_ADDED = (
    ("hold", "TEXT"),
    ("sha256", "TEXT"),
    ("uri", "TEXT"),
    ("size_bytes", "INTEGER"),
    ("keep_until", "REAL"),
)
#: the most bytes kept for re-asks in one scope (the Files API allows 20 GB a project)
KEEP_MAX_BYTES = 2 * 1024**3
#: a kept file is never relied on past this age (Gemini deletes it at 48 h)
KEEP_MAX_AGE_S = 47 * 3600


#: one process's threads set the file up one at a time (the first uploads of several
#: sections start at once); another process is covered by retry_while_locked
_INIT_LOCK = threading.Lock()


def _initialise(conn: sqlite3.Connection) -> None:
    """WAL mode, the table, and the columns older ledgers lack (``hold``, the kept-upload
    columns); a lock held by another process while it does the same is waited out by
    :mod:`core.sqlite_files`."""
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(_SCHEMA)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(remote_files)")}
    for name, definition in _ADDED:
        if name not in columns:
            conn.execute(f"ALTER TABLE remote_files ADD COLUMN {name} {definition}")


def default_path() -> Path:
    """SECTIONFLOW_DATA_DIR if set (tests, portable installs), else the OS's user data dir."""
    return data_dir() / FILE_NAME


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    display_name: str
    remote_name: str | None
    scope: str
    created_at: float
    owner_pid: int
    owner_started: float
    run_token: str
    hold: str | None = None  # a batch job that still needs the file
    sha256: str | None = None  # of the PDF uploaded (kept uploads are found by it)
    uri: str | None = None
    size_bytes: int | None = None
    keep_until: float | None = None  # kept for re-asks until then (None: not kept)

    @property
    def expired(self) -> bool:
        """Gemini has deleted it by itself (files at 48 h); a bucket's object never is."""
        if (self.remote_name or "").startswith(GCS_PREFIX):
            return False
        return time.time() - self.created_at > EXPIRY_S

    @property
    def kept(self) -> bool:
        """Kept for re-asks and still within its keeping time."""
        return self.keep_until is not None and self.keep_until > time.time()


@dataclass(slots=True)
class SweepReport:
    """What a sweep did; ``failed`` entries stay recorded for the next sweep."""

    deleted: list[str] = field(default_factory=list)
    already_gone: int = 0
    abandoned_intents: int = 0
    kept_live: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.failed


class RemoteLedger:
    """One process's view of the shared ledger file; cheap to create, safe to share."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, run_token: str | None = None
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.run_token = run_token or os.urandom(6).hex()
        self._ready = False

    # ------------------------------------------------------------------ storage
    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection; the first one of this view checks the file (a
        damaged ledger is moved aside, see :mod:`core.sqlite_files`)."""
        with sqlite_files.full_disk_named(self.path.parent):
            if not self._ready:
                with _INIT_LOCK:  # the first uploads of several sections start at once
                    self._open(check=True).close()
                self._ready = True
            with contextlib.closing(self._open(check=False)) as conn:
                yield conn

    def _open(self, *, check: bool) -> sqlite3.Connection:
        return sqlite_files.open_short(self.path, _WHAT, _initialise, check=check)

    def check(self) -> None:
        """Open (and check) the file now: a run does this before its first upload, so a
        damaged ledger is replaced before any file it should record exists."""
        with self._db():
            pass

    def record_intent(
        self,
        display_name: str,
        scope: str,
        sha256: str | None = None,
        size_bytes: int | None = None,
    ) -> int:
        """Write down, durably, that an upload under ``display_name`` is about to start."""
        with self._db() as conn:
            cursor = conn.execute(
                "INSERT INTO remote_files (display_name, remote_name, scope, created_at, "
                "owner_pid, owner_started, run_token, sha256, size_bytes)"
                " VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?)",
                (
                    display_name,
                    scope,
                    time.time(),
                    *my_identity(),
                    self.run_token,
                    sha256,
                    size_bytes,
                ),
            )
            return int(cursor.lastrowid or 0)

    def record_remote(self, entry_id: int, remote_name: str, uri: str | None = None) -> None:
        with self._db() as conn:
            conn.execute(
                "UPDATE remote_files SET remote_name = ?, uri = COALESCE(?, uri) WHERE id = ?",
                (remote_name, uri, entry_id),
            )

    # --------------------------------------------------------------- kept uploads
    def keep(self, entry_id: int, hours: float) -> None:
        """Keep the file for re-asks for ``hours`` more (never past 47 h after its upload),
        then trim the scope's kept files to :data:`KEEP_MAX_BYTES`, oldest released first."""
        with self._db() as conn:
            conn.execute(
                "UPDATE remote_files SET keep_until = MIN(?, created_at + ?) WHERE id = ?",
                (time.time() + hours * 3600, KEEP_MAX_AGE_S, entry_id),
            )
            row = conn.execute("SELECT scope FROM remote_files WHERE id = ?", (entry_id,))
            scope = row.fetchone()
            if scope is not None:
                self._trim_kept(conn, scope[0])

    @staticmethod
    def _trim_kept(conn: sqlite3.Connection, scope: str) -> None:
        rows = conn.execute(
            "SELECT id, COALESCE(size_bytes, 0) FROM remote_files WHERE scope = ?"
            " AND keep_until > ? ORDER BY created_at DESC",
            (scope, time.time()),
        ).fetchall()
        total = 0
        for entry_id, size in rows:
            total += size
            if total > KEEP_MAX_BYTES:
                conn.execute("UPDATE remote_files SET keep_until = 0 WHERE id = ?", (entry_id,))

    def find_kept(self, sha256: str, scope: str) -> LedgerEntry | None:
        """The newest kept upload of a PDF with these bytes in this scope, if any."""
        if not self.path.exists():
            return None
        with self._db() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM remote_files WHERE sha256 = ? AND scope = ?"
                " AND keep_until > ? AND remote_name IS NOT NULL AND hold IS NULL"
                " ORDER BY created_at DESC LIMIT 1",
                (sha256, scope, time.time()),
            ).fetchone()
        return LedgerEntry(*row) if row else None

    def release_kept(self) -> int:
        """End the keeping of every kept upload, so the next sweep (of any run) deletes
        the files; how many there were."""
        if not self.path.exists():
            return 0
        with self._db() as conn:
            cursor = conn.execute(
                "UPDATE remote_files SET keep_until = 0 WHERE keep_until > ?", (time.time(),)
            )
            return int(cursor.rowcount or 0)

    def strike(self, entry_id: int) -> None:
        with self._db() as conn:
            conn.execute("DELETE FROM remote_files WHERE id = ?", (entry_id,))

    def entries(self, scope: str | None = None) -> list[LedgerEntry]:
        if not self.path.exists():
            return []
        query = f"SELECT {_COLUMNS} FROM remote_files"
        with self._db() as conn:
            if scope is None:
                rows = conn.execute(query + " ORDER BY id").fetchall()
            else:
                rows = conn.execute(query + " WHERE scope = ? ORDER BY id", (scope,)).fetchall()
        return [LedgerEntry(*row) for row in rows]

    def hold(self, entry_ids: list[int], tag: str) -> None:
        """Keep these entries out of every sweep until :meth:`adopt` (a batch job needs
        the files after this process is gone)."""
        with self._db() as conn:
            conn.executemany(
                "UPDATE remote_files SET hold = ? WHERE id = ?", [(tag, i) for i in entry_ids]
            )

    def held(self, tag: str) -> list[LedgerEntry]:
        return [entry for entry in self.entries() if entry.hold == tag]

    def adopt(self, tag: str) -> int:
        """Make the entries held under ``tag`` this run's own (no longer held), so the
        run's closing sweep deletes their files. Returns how many there were."""
        with self._db() as conn:
            cursor = conn.execute(
                "UPDATE remote_files SET hold = NULL, owner_pid = ?, owner_started = ?,"
                " run_token = ? WHERE hold = ?",
                (*my_identity(), self.run_token, tag),
            )
            return int(cursor.rowcount or 0)

    # -------------------------------------------------------------------- sweep
    def _sweepable(self, entry: LedgerEntry, include_own: bool) -> bool:
        if entry.hold and not entry.expired:
            return False
        if entry.keep_until is not None:  # kept for re-asks: nobody uses it between runs
            return not entry.kept
        if include_own and entry.run_token == self.run_token:
            return True
        return not owner_alive(entry.owner_pid, entry.owner_started)

    async def sweep(
        self,
        client: Any,
        *,
        scope: str | None = None,
        include_own: bool = False,
        delete: Callable[[str], Awaitable[None]] | None = None,
    ) -> SweepReport:
        """Delete every recorded file whose owner is gone (and this run's, if include_own).

        ``delete`` deletes one remote name where ``client`` (the SDK's) cannot: the
        objects in a Cloud Storage bucket (:mod:`core.processors.gemini_gcs`).

        An entry without a remote name is an upload cut short: the file may or may not
        exist, so the remote list is searched for its display name. A 403/404 on delete
        means the file is already gone. Entries whose delete fails for another reason stay
        recorded, so the next sweep tries again.
        """
        from core.processors.gemini_errors import is_gone

        report = SweepReport()
        entries = await asyncio.to_thread(self.entries, scope)
        todo: list[LedgerEntry] = []
        for entry in entries:
            if not self._sweepable(entry, include_own):
                report.kept_live += 1
            elif entry.expired:
                await asyncio.to_thread(self.strike, entry.id)
                report.already_gone += 1
            else:
                todo.append(entry)
        if not todo:
            return report

        unnamed = [e for e in todo if not e.remote_name]
        by_display: dict[str, list[str]] = defaultdict(list)
        listed = True
        # with ``delete`` the name is recorded before the upload starts (a bucket's
        # object): an entry without one never started, and the search below is skipped
        if unnamed and delete is None:
            try:
                by_display = await self._remote_by_display_name(client)
            except Exception as exc:
                listed = False
                log.warning("Could not list remote files to find cut-short uploads: %s", exc)

        for entry in todo:
            names = (
                [entry.remote_name] if entry.remote_name else by_display.get(entry.display_name, [])
            )
            if not entry.remote_name and not listed:
                report.failed.append(entry.display_name)
                continue
            if not names:
                report.abandoned_intents += 1
                await asyncio.to_thread(self.strike, entry.id)
                continue
            ok = True
            for name in names:
                try:
                    if delete is not None:
                        await delete(name)
                    elif name.startswith(CACHE_PREFIX):  # an explicit context cache
                        await client.aio.caches.delete(name=name)
                    else:
                        await client.aio.files.delete(name=name)
                    report.deleted.append(name)
                except Exception as exc:
                    if is_gone(exc):
                        report.already_gone += 1
                    else:
                        ok = False
                        report.failed.append(name)
                        log.warning("Could not delete remote file %s: %s", name, exc)
            if ok:
                await asyncio.to_thread(self.strike, entry.id)
        if report.deleted or report.failed:
            log.info(
                "Remote clean-up: %d deleted, %d already gone, %d could not be deleted",
                len(report.deleted),
                report.already_gone,
                len(report.failed),
            )
        return report

    @staticmethod
    async def _remote_by_display_name(client: Any) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        pager = await client.aio.files.list(config={"page_size": 100})
        seen = 0
        async for remote in pager:
            seen += 1
            if remote.display_name and remote.name:
                found[remote.display_name].append(remote.name)
            if seen >= _LIST_LIMIT:
                break
        return found
