"""Gemini batch jobs the journal knows about, so a closed or killed run can be picked up.

A batch job outlives the process that submitted it (Gemini promises an answer within a
day), so everything needed to collect its answers later is written down the moment the
job exists: its name, the run it belongs to, which request key is which section (and
which part of an oversized section, with its pages), and where the exports should go.

Stored in the run journal's SQLite file (its own table, its own short-lived connections,
like the remote-file ledger), so ``sectionflow forget`` and backups treat it as history.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import sqlite_files
from core.journal import default_path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batch_jobs (
    job_name TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    model TEXT NOT NULL,
    state TEXT NOT NULL,
    manifest TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS batch_jobs_by_run ON batch_jobs(run_id);
"""


@dataclass(frozen=True, slots=True)
class RequestKey:
    """One request line of a job: a whole section, or part ``piece`` of ``pieces``."""

    key: str
    section_id: str
    pages: tuple[int, ...]
    piece: int = 0
    pieces: int = 1


@dataclass(slots=True)
class BatchJob:
    job_name: str
    run_id: str
    model: str
    state: str
    requests: list[RequestKey]
    input_file: str | None = None
    exports: dict[str, str] = field(default_factory=dict)  # "json"/"markdown" -> path
    title: str = ""
    created_at: float = 0.0
    finished: bool = False
    #: make the whole-document synthesis once the answers are in (core.synthesis)
    synthesis: bool = True

    def manifest(self) -> str:
        return json.dumps(
            {
                "requests": [
                    {
                        "key": r.key,
                        "section_id": r.section_id,
                        "pages": list(r.pages),
                        "piece": r.piece,
                        "pieces": r.pieces,
                    }
                    for r in self.requests
                ],
                "input_file": self.input_file,
                "exports": self.exports,
                "title": self.title,
                "synthesis": self.synthesis,
            }
        )


def _initialise(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(_SCHEMA)


def normalise_job_name(name: str) -> str:
    """``abc`` or ``batches/abc`` -> ``batches/abc`` (what the API and the journal use)."""
    name = name.strip()
    return name if name.startswith("batches/") else f"batches/{name}"


class BatchJobStore:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._ready = False

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection; the first one checks the file (a damaged journal is
        moved aside, see :mod:`core.sqlite_files`)."""
        with sqlite_files.full_disk_named(self.path.parent):
            check, self._ready = not self._ready, True
            conn = sqlite_files.open_short(self.path, "the run journal", _initialise, check=check)
            with contextlib.closing(conn):
                yield conn

    def record(self, job: BatchJob) -> None:
        now = time.time()
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO batch_jobs (job_name, run_id, model, state, manifest,"
                " created_at, updated_at, finished) VALUES (?,?,?,?,?,?,?,?)",
                (
                    job.job_name,
                    job.run_id,
                    job.model,
                    job.state,
                    job.manifest(),
                    job.created_at or now,
                    now,
                    int(job.finished),
                ),
            )

    def set_state(self, job_name: str, state: str, finished: bool = False) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE batch_jobs SET state=?, finished=?, updated_at=? WHERE job_name=?",
                (state, int(finished), time.time(), job_name),
            )

    def get(self, job_name: str) -> BatchJob | None:
        rows = self._select("WHERE job_name=?", (normalise_job_name(job_name),))
        return rows[0] if rows else None

    def unfinished(self, run_id: str | None = None) -> list[BatchJob]:
        if run_id is None:
            return self._select("WHERE finished=0 ORDER BY created_at DESC", ())
        return self._select("WHERE finished=0 AND run_id=? ORDER BY created_at DESC", (run_id,))

    def _select(self, where: str, args: tuple[Any, ...]) -> list[BatchJob]:
        if not self.path.exists():
            return []
        with self._db() as db:
            rows = db.execute(
                "SELECT job_name, run_id, model, state, manifest, created_at, finished"
                f" FROM batch_jobs {where}",
                args,
            ).fetchall()
        jobs = []
        for name, run_id, model, state, manifest, created, finished in rows:
            data = json.loads(manifest)
            jobs.append(
                BatchJob(
                    job_name=name,
                    run_id=run_id,
                    model=model,
                    state=state,
                    requests=[
                        RequestKey(
                            key=r["key"],
                            section_id=r["section_id"],
                            pages=tuple(r["pages"]),
                            piece=r.get("piece", 0),
                            pieces=r.get("pieces", 1),
                        )
                        for r in data.get("requests", [])
                    ],
                    input_file=data.get("input_file"),
                    exports=dict(data.get("exports") or {}),
                    title=data.get("title", ""),
                    synthesis=bool(data.get("synthesis", True)),
                    created_at=created,
                    finished=bool(finished),
                )
            )
        return jobs
