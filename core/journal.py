"""The run journal: a crash-safe record of every run and every section's result.

An analyst's run can take an hour and cost money, so a section's result is committed to
SQLite (WAL, synchronous=FULL) *before* the event that reports it: whatever the app
shows as done survives a crash, a kill or a power cut. Resume, retry-failed, the History
view, re-exports and the result cache all read from here.

All SQLite work runs on one dedicated thread (as Anki does for its collection): commits
never block the event loop, and a single writer needs no locking of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from core.errors import RunBusyError
from core.owners import my_identity, owner_alive
from core.paths import data_dir
from core.processors.base import Prompt
from core.results import SectionResult
from core.run_types import Failure, RunOutcome
from core.sections import Section
from core.sqlite_files import disk_full_as_error, open_checked

T = TypeVar("T")
FILE_NAME = "journal.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    document_path TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    page_count INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    updated_at REAL NOT NULL,
    status TEXT NOT NULL,
    processor TEXT NOT NULL,
    model TEXT,
    prompt TEXT NOT NULL,
    settings TEXT NOT NULL,
    sections TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '{}',
    elapsed_s REAL NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_by_document ON runs(document_sha256, updated_at);
CREATE TABLE IF NOT EXISTS sections (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    section_id TEXT NOT NULL,
    state TEXT NOT NULL,
    result TEXT,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    timings TEXT NOT NULL DEFAULT '{}',
    remote_files TEXT NOT NULL DEFAULT '[]',
    updated_at REAL NOT NULL,
    PRIMARY KEY (run_id, section_id)
);
CREATE TABLE IF NOT EXISTS synthesis (
    run_id TEXT PRIMARY KEY REFERENCES runs(run_id) ON DELETE CASCADE,
    result TEXT,
    reason TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS run_owners (
    run_id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    started REAL NOT NULL,
    claimed_at REAL NOT NULL
);
"""

#: run states: 'running' until the end; a run still 'running' with no live owner crashed
RUNNING, FINISHED, CANCELLED = "running", "finished", "cancelled"
#: section states with a result: whole ('done') or cut off ('partial', asked again by
#: resume and retry)
DONE, PARTIAL = "done", "partial"
WITH_RESULT = (DONE, PARTIAL)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One line of the History view / `sectionflow runs`."""

    run_id: str
    document_path: str
    document_sha256: str
    started_at: str
    status: str
    processor: str
    model: str | None
    sections: int
    done: int
    failed: int
    #: of the failed, those cancelled; sections whose answer was cut off (shown,
    #: exported, asked again on resume), counted apart from the done
    cancelled: int = 0
    partial: int = 0
    #: the whole-document synthesis was asked for and failed: a resume makes it
    synthesis_failed: int = 0

    @property
    def complete(self) -> bool:
        return self.status == FINISHED and self.done == self.sections and not self.synthesis_failed

    @property
    def document_name(self) -> str:
        return Path(self.document_path).name


def default_path() -> Path:
    return data_dir() / FILE_NAME


class Journal:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self._conn: sqlite3.Connection | None = None

    # ----------------------------------------------------------- plumbing
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_checked(self.path, "the run journal", _initialise)
        return self._conn

    def open_soon(self) -> None:
        """Open the file on the journal's thread now, without waiting: a command does this
        as it starts, while little else runs. Left to a run's claim, the ~30 statements of
        opening each waited for the GIL while the run's start imported google-genai on
        another thread: 0.17 s before the first section (docs/ARCHITECTURE.md,
        "Start-up"). A failure here is raised again by the first call that needs the file."""

        def quietly() -> None:
            with contextlib.suppress(Exception):
                self._db()

        self._executor.submit(quietly)

    def _guarded(self, fn: Callable[..., T], *args: Any) -> T:
        """On the journal thread: ``fn`` with a full disk raised as DiskFullError."""
        return disk_full_as_error(self.path.parent, functools.partial(fn, *args))

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(self._guarded, fn, *args)
        )

    def call_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """For callers without a loop (CLI listings, tests): still on the journal thread."""
        return self._executor.submit(self._guarded, fn, *args).result()

    def close(self) -> None:
        def _close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        self._executor.submit(_close).result()
        self._executor.shutdown(wait=True)

    # ------------------------------------------------------------ writers
    async def start_run(self, outcome: RunOutcome) -> None:
        await self._call(self._start_run, outcome)

    def _start_run(self, outcome: RunOutcome) -> None:
        db = self._db()
        prompt = {
            "name": outcome.prompt.name,
            "text": outcome.prompt.text,
            "schema": outcome.prompt.schema,
        }
        sections = [_section_to_dict(s) for s in outcome.sections]
        with db:
            db.execute(
                "INSERT INTO runs (run_id, document_path, document_sha256, page_count, started_at,"
                " updated_at, status, processor, model, prompt, settings, sections, title)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(run_id) DO UPDATE SET status=excluded.status,"
                " updated_at=excluded.updated_at, settings=excluded.settings,"
                " processor=excluded.processor, model=excluded.model",
                (
                    outcome.run_id,
                    str(outcome.document),
                    outcome.document_sha256,
                    outcome.page_count,
                    outcome.started_at,
                    time.time(),
                    RUNNING,
                    outcome.processor,
                    outcome.model,
                    json.dumps(prompt),
                    json.dumps(outcome.settings),
                    json.dumps(sections),
                    outcome.title,
                ),
            )
            now = time.time()
            rows = [(outcome.run_id, section.id, "pending", now) for section in outcome.sections]
            for first in range(0, len(rows), _ROWS_PER_INSERT):
                chunk = rows[first : first + _ROWS_PER_INSERT]
                # one statement per chunk, not per section: each statement lets go of
                # the GIL and waits to get it back, 5 ms at a time while the run's
                # start imports google-genai on another thread (docs/ARCHITECTURE.md,
                # "Start-up")
                db.execute(
                    "INSERT OR IGNORE INTO sections (run_id, section_id, state, updated_at)"
                    " VALUES " + ",".join(["(?,?,?,?)"] * len(chunk)),
                    [value for row in chunk for value in row],
                )

    async def record_done(
        self, run_id: str, result: SectionResult, attempts: int, timings: dict[str, float]
    ) -> None:
        await self._call(
            self._record,
            run_id,
            result.section_id,
            PARTIAL if result.partial else DONE,
            result.model_dump_json(),
            None,
            attempts,
            timings,
        )

    async def record_failed(
        self, run_id: str, section_id: str, failure: Failure, timings: dict[str, float]
    ) -> None:
        await self._call(
            self._record,
            run_id,
            section_id,
            failure.state,
            None,
            failure.reason,
            failure.attempts,
            timings,
        )

    def _record(
        self,
        run_id: str,
        section_id: str,
        state: str,
        result: str | None,
        reason: str | None,
        attempts: int,
        timings: dict[str, float],
    ) -> None:
        db = self._db()
        with db:
            db.execute(
                "UPDATE sections SET state=?, result=?, reason=?, attempts=?, timings=?,"
                " updated_at=? WHERE run_id=? AND section_id=?",
                (
                    state,
                    result,
                    reason,
                    attempts,
                    json.dumps(timings),
                    time.time(),
                    run_id,
                    section_id,
                ),
            )
            db.execute("UPDATE runs SET updated_at=? WHERE run_id=?", (time.time(), run_id))

    async def record_synthesis(
        self, run_id: str, result: SectionResult | None, reason: str | None
    ) -> None:
        """The run's whole-document synthesis, or why it failed (core.synthesis)."""
        raw = result.model_dump_json() if result is not None else None
        await self._call(self._record_synthesis, run_id, raw, reason)

    def _record_synthesis(self, run_id: str, raw: str | None, reason: str | None) -> None:
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO synthesis (run_id, result, reason, updated_at)"
                " VALUES (?,?,?,?)",
                (run_id, raw, reason, time.time()),
            )

    async def finish_run(self, outcome: RunOutcome) -> None:
        await self._call(self._finish_run, outcome)

    def _finish_run(self, outcome: RunOutcome) -> None:
        status = CANCELLED if outcome.cancelled else FINISHED
        with self._db() as db:
            db.execute(
                "UPDATE runs SET status=?, summary=?, elapsed_s=elapsed_s+?, updated_at=?"
                " WHERE run_id=?",
                (
                    status,
                    json.dumps(outcome.summary, default=str),
                    outcome.elapsed_s,
                    time.time(),
                    outcome.run_id,
                ),
            )

    # ---------------------------------------------------------- ownership
    async def claim(self, run_id: str) -> None:
        """Make this process the one processing ``run_id``, or raise RunBusyError naming
        the live process that is (docs/ARCHITECTURE.md, "The journal and the remote-file
        ledger"). A claim of a process that is gone is taken over."""
        await self._call(self._claim, run_id)

    def _claim(self, run_id: str) -> None:
        db = self._db()
        pid, started = my_identity()
        db.execute("BEGIN IMMEDIATE")  # two claims of one run are serialised here
        try:
            owner = self._owner(run_id)
            if owner is not None:
                raise RunBusyError(run_id, owner)
            db.execute(
                "INSERT OR REPLACE INTO run_owners (run_id, pid, started, claimed_at)"
                " VALUES (?,?,?,?)",
                (run_id, pid, started, time.time()),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def release(self, run_id: str) -> None:
        """Give up this process's claim on ``run_id`` (a run's end, however it ends)."""
        await self._call(self._release, run_id)

    def _release(self, run_id: str) -> None:
        pid, _ = my_identity()
        self._db().execute("DELETE FROM run_owners WHERE run_id=? AND pid=?", (run_id, pid))

    def owner(self, run_id: str) -> int | None:
        """The pid of another live process processing ``run_id``, else None."""
        return self.call_sync(self._owner, run_id)

    def _owner(self, run_id: str) -> int | None:
        row = (
            self._db()
            .execute("SELECT pid, started FROM run_owners WHERE run_id=?", (run_id,))
            .fetchone()
        )
        if row is None or (row[0], row[1]) == my_identity() or not owner_alive(*row):
            return None
        return int(row[0])

    # ------------------------------------------------------------ readers
    def runs(self, limit: int = 100, document_sha256: str | None = None) -> list[RunInfo]:
        return self.call_sync(self._runs, limit, document_sha256)

    async def runs_async(
        self, limit: int = 100, document_sha256: str | None = None
    ) -> list[RunInfo]:
        return await self._call(self._runs, limit, document_sha256)

    def run_info(self, run_id: str) -> RunInfo | None:
        """One run's line, as it stands now; None when there is no such run."""
        found = self.call_sync(self._runs, 1, None, run_id)
        return found[0] if found else None

    def _runs(
        self, limit: int, document_sha256: str | None, run_id: str | None = None
    ) -> list[RunInfo]:
        query = (
            "SELECT r.run_id, r.document_path, r.document_sha256, r.started_at, r.status,"
            " r.processor, r.model, COUNT(s.section_id), SUM(s.state='done'),"
            " SUM(s.state IN ('failed','cancelled','skipped')), SUM(s.state='cancelled'),"
            " SUM(s.state='partial'),"
            " (SELECT COUNT(*) FROM synthesis y WHERE y.run_id = r.run_id"
            "  AND y.result IS NULL AND y.reason IS NOT NULL)"
            " FROM runs r LEFT JOIN sections s ON s.run_id = r.run_id"
        )
        args: tuple[Any, ...] = ()
        if document_sha256:
            query += " WHERE r.document_sha256 = ?"
            args = (document_sha256,)
        elif run_id:
            query += " WHERE r.run_id = ?"
            args = (run_id,)
        query += " GROUP BY r.run_id ORDER BY r.updated_at DESC LIMIT ?"
        rows = self._db().execute(query, (*args, limit)).fetchall()
        return [RunInfo(*row[:7], *(int(count or 0) for count in row[7:])) for row in rows]

    def unfinished_run(self, document_sha256: str) -> RunInfo | None:
        """The latest run of this document (matched by content) that left work undone."""
        for info in self.runs(limit=20, document_sha256=document_sha256):
            return None if info.complete else info
        return None

    def load(self, run_id: str) -> RunOutcome:
        return self.call_sync(self._load, run_id)

    async def load_async(self, run_id: str) -> RunOutcome:
        return await self._call(self._load, run_id)

    def _load(self, run_id: str) -> RunOutcome:
        db = self._db()
        row = db.execute(
            "SELECT document_path, document_sha256, page_count, started_at, status, processor,"
            " model, prompt, settings, sections, summary, elapsed_s, title FROM runs"
            " WHERE run_id=?",
            (run_id,),
        ).fetchone()
        if row is None:
            raise KeyError(f"No run with id '{run_id}' in the journal")
        (
            path,
            sha,
            pages,
            started,
            status,
            processor,
            model,
            prompt,
            settings,
            sections,
            summary,
            elapsed,
            title,
        ) = row
        prompt_d = json.loads(prompt)
        outcome = RunOutcome(
            run_id=run_id,
            document=Path(path),
            document_sha256=sha,
            page_count=pages,
            sections=[_section_from_dict(d) for d in json.loads(sections)],
            prompt=Prompt(
                name=prompt_d["name"], text=prompt_d["text"], schema=prompt_d.get("schema")
            ),
            processor=processor,
            model=model,
            settings=json.loads(settings),
            started_at=started,
            elapsed_s=elapsed,
            cancelled=status == CANCELLED,
            summary=json.loads(summary),
            title=title or "",
        )
        for sid, state, result, reason, attempts, timings in db.execute(
            "SELECT section_id, state, result, reason, attempts, timings FROM sections"
            " WHERE run_id=?",
            (run_id,),
        ):
            outcome.timings[sid] = json.loads(timings)
            outcome.attempts[sid] = attempts
            if state in WITH_RESULT and result:
                outcome.results[sid] = SectionResult.model_validate_json(result)
            elif state in ("failed", "cancelled", "skipped"):
                outcome.failures[sid] = Failure(
                    reason=reason or "",
                    attempts=attempts,
                    cancelled=state == "cancelled",
                    skipped=state == "skipped",
                )
            elif state in ("pending",) and status != RUNNING:
                outcome.failures[sid] = Failure(
                    reason="Not processed (the run stopped first)",
                    attempts=attempts,
                    cancelled=True,
                )
        kept = db.execute("SELECT result, reason FROM synthesis WHERE run_id=?", (run_id,))
        for result, reason in kept:
            outcome.synthesis = SectionResult.model_validate_json(result) if result else None
            outcome.synthesis_failure = reason
        return outcome

    def history(
        self, runs: int = 20, processor: str | None = None
    ) -> tuple[list[dict[str, float]], list[dict[str, Any]]]:
        """Section timings and run summaries of the most recent finished runs (for
        :mod:`core.suggest`), of one backend when ``processor`` is given: an offline
        analysis takes milliseconds, Gemini's seconds, so mixing them suggests nonsense."""
        return self.call_sync(self._history, runs, processor)

    def _history(
        self, runs: int, processor: str | None
    ) -> tuple[list[dict[str, float]], list[dict[str, Any]]]:
        db = self._db()
        rows = db.execute(
            "SELECT run_id, summary FROM runs WHERE status != ? AND (? IS NULL OR processor = ?)"
            " ORDER BY updated_at DESC LIMIT ?",
            (RUNNING, processor, processor, runs),
        ).fetchall()
        summaries = [json.loads(summary) for _, summary in rows]
        timings: list[dict[str, float]] = []
        for run_id, _ in rows:
            timings += [
                json.loads(t)
                for (t,) in db.execute(
                    "SELECT timings FROM sections WHERE run_id=? AND state='done'", (run_id,)
                )
            ]
        return timings, summaries

    # -------------------------------------------------------------- cache
    async def cache_get(self, key: str) -> SectionResult | None:
        raw = await self._call(self._cache_get, key)
        return SectionResult.model_validate_json(raw) if raw else None

    def _cache_get(self, key: str) -> str | None:
        row = self._db().execute("SELECT result FROM cache WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    async def cache_put(self, key: str, result: SectionResult) -> None:
        await self._call(self._cache_put, key, result.model_dump_json())

    def _cache_put(self, key: str, raw: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO cache (key, result, created_at) VALUES (?,?,?)",
                (key, raw, time.time()),
            )

    # ---------------------------------------------------------- upkeep
    def size_bytes(self) -> int:
        return sum(
            p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.exists()
        )

    def clear(self, what: str = "all") -> int:
        """Forget the cache, the history or both ('cache' | 'history' | 'all').

        A run whose Gemini batch job is still pending is kept (with the job), or its
        answers could never be collected: returns how many such runs were kept."""
        return self.call_sync(self._clear, what)

    def _clear(self, what: str) -> int:
        db = self._db()
        kept = 0
        with db:
            if what in ("cache", "all"):
                db.execute("DELETE FROM cache")
            if what in ("history", "all"):
                pending = "SELECT run_id FROM batch_jobs WHERE finished=0"
                if not _has_table(db, "batch_jobs"):
                    pending = "SELECT NULL WHERE 0"
                else:
                    db.execute("DELETE FROM batch_jobs WHERE finished=1")
                db.execute(f"DELETE FROM sections WHERE run_id NOT IN ({pending})")
                db.execute(f"DELETE FROM synthesis WHERE run_id NOT IN ({pending})")
                db.execute(f"DELETE FROM runs WHERE run_id NOT IN ({pending})")
                db.execute("DELETE FROM run_owners WHERE run_id NOT IN (SELECT run_id FROM runs)")
                kept = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return kept


#: sections a statement inserts: 4 values each, under the 999 an SQLite before 3.32 takes
_ROWS_PER_INSERT = 200
#: columns added after the first release: (table, column, definition)
_ADDED_COLUMNS = (("runs", "title", "TEXT NOT NULL DEFAULT ''"),)


def _initialise(db: sqlite3.Connection) -> None:
    """WAL, durable commits, the tables (a fresh or an older journal)."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.executescript(_SCHEMA)
    _add_missing_columns(db)


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a journal written by an older version up to today's schema."""
    for table, column, definition in _ADDED_COLUMNS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    """Other modules keep tables in this file (core.batch_jobs) and create them lazily."""
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


def _section_to_dict(section: Section) -> dict[str, Any]:
    return {
        "id": section.id,
        "title": section.title,
        "pages": list(section.pages),
        "prompt": section.prompt,
    }


def _section_from_dict(data: dict[str, Any]) -> Section:
    return Section(
        id=data["id"], title=data["title"], pages=tuple(data["pages"]), prompt=data.get("prompt")
    )
