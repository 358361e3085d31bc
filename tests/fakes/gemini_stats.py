"""What the fake Gemini saw: concurrency peaks, call counts and a per-section call timeline.

Everything is guarded by one Condition, so a test can also *wait* for a state
(:meth:`FakeStats.wait_for`, e.g. "three generate calls in flight") instead of sleeping.
Times are ``time.monotonic()`` seconds. A request is recorded (and stops counting as in
flight) just *before* its reply is written, so once the client has its answer the stats
already show it.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: status recorded when the fake dropped the connection instead of answering.
NO_REPLY = 0


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP request of any endpoint."""

    endpoint: str
    key: str  # display name, or section key for generate calls
    status: int  # NO_REPLY (0) when the connection was dropped
    started: float
    finished: float
    fault: str | None = None
    peer_port: int = 0  # the client's TCP port


@dataclass(frozen=True)
class GenerateRecord:
    """One generateContent call, with what the fake computed from the documents it got."""

    key: str  # see FakeGemini docs: display names, else first PDF line, else prompt start
    status: int
    started: float
    finished: float
    model: str
    display_names: tuple[str, ...]
    pages: int  # all documents together
    sha: str  # first document's short sha ("" if none)
    first_line: str  # first document's first line
    inline: bool  # documents came as inlineData (no upload)
    finish_reason: str | None = None
    retry_delay_s: float | None = None  # the RetryInfo sent with a 429
    fault: str | None = None  # fault kind that fired, "rpm" for the rate limiter
    api_key: str = ""
    prompt: str = ""
    generation_config: dict[str, Any] = field(default_factory=dict)
    service: str = "gemini-api"  # or "vertex" (a project), "vertex-express" (an API key)
    path: str = ""
    cached_content: str = ""  # the context cache the request read ("" for none)


@dataclass(frozen=True)
class RetryGap:
    """A 429 with RetryInfo and the next call for the same key."""

    key: str
    rejected_at: float  # when the 429 reply was written
    retry_delay_s: float
    retried_at: float  # when the next call arrived

    @property
    def gap(self) -> float:
        return self.retried_at - self.rejected_at

    @property
    def early(self) -> bool:
        """Retried before the server-given delay (5 ms slack for clock granularity)."""
        return self.gap + 0.005 < self.retry_delay_s


class FakeStats:
    """Thread-safe counters; read attributes directly, or use the query methods."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._init()

    def _init(self) -> None:
        self.generate_in_flight = 0
        self.max_generate_in_flight = 0
        self.uploads_in_flight = 0  # from the start command until finalize (or failure)
        self.max_uploads_in_flight = 0
        self.finalizing = 0  # uploads whose last chunk has arrived and is not answered yet
        self.calls: Counter[tuple[str, int]] = Counter()
        self.requests: list[RequestRecord] = []
        self.generate_calls: list[GenerateRecord] = []

    def reset(self) -> None:
        """Forget history and peaks; keep the current in-flight counts (they are live)."""
        with self._cond:
            generate, uploads = self.generate_in_flight, self.uploads_in_flight
            finalizing = self.finalizing
            self._init()
            self.generate_in_flight = self.max_generate_in_flight = generate
            self.uploads_in_flight = self.max_uploads_in_flight = uploads
            self.finalizing = finalizing
            self._cond.notify_all()

    # --- updates (server side) -------------------------------------------------------------

    def generate_started(self) -> None:
        with self._cond:
            self.generate_in_flight += 1
            self.max_generate_in_flight = max(self.max_generate_in_flight, self.generate_in_flight)
            self._cond.notify_all()

    def generate_ended(self) -> None:
        with self._cond:
            self.generate_in_flight -= 1
            self._cond.notify_all()

    def upload_started(self) -> None:
        with self._cond:
            self.uploads_in_flight += 1
            self.max_uploads_in_flight = max(self.max_uploads_in_flight, self.uploads_in_flight)
            self._cond.notify_all()

    def upload_ended(self) -> None:
        with self._cond:
            self.uploads_in_flight -= 1
            self._cond.notify_all()

    def finalizing_changed(self, delta: int) -> None:
        with self._cond:
            self.finalizing += delta
            self._cond.notify_all()

    def record(self, request: RequestRecord, generate: GenerateRecord | None = None) -> None:
        with self._cond:
            self.calls[(request.endpoint, request.status)] += 1
            self.requests.append(request)
            if generate is not None:
                self.generate_calls.append(generate)
            self._cond.notify_all()

    # --- queries (test side) ---------------------------------------------------------------

    def wait_for(self, predicate: Callable[[FakeStats], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate(stats)`` holds (re-checked on every change) or timeout.

        From async tests: ``await asyncio.to_thread(fake.stats.wait_for, pred, 5)``.
        """
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def count(self, endpoint: str, status: int | None = None) -> int:
        with self._cond:
            return sum(
                n
                for (ep, code), n in self.calls.items()
                if ep == endpoint and (status is None or code == status)
            )

    def generate_records(self, key: str | None = None) -> list[GenerateRecord]:
        """Generate calls, optionally only those whose key contains ``key``."""
        with self._cond:
            return [r for r in self.generate_calls if key is None or key in r.key]

    def document_calls(self, status: int | None = None) -> list[GenerateRecord]:
        """Generate calls that sent a document: one per section (or part of one), not the
        whole-document synthesis; only those answered with ``status`` when given."""
        with self._cond:
            return [
                r
                for r in self.generate_calls
                if (r.display_names or r.pages > 0) and status in (None, r.status)
            ]

    def text_only_calls(self) -> list[GenerateRecord]:
        """Generate calls that sent no document at all (the whole-document synthesis)."""
        with self._cond:
            return [r for r in self.generate_calls if not r.display_names and r.pages == 0]

    def timeline(self, key: str) -> list[tuple[float, int]]:
        """(arrival time, status) of each generate call whose key contains ``key``."""
        return [(r.started, r.status) for r in self.generate_records(key)]

    def timelines(self) -> dict[str, list[tuple[float, int]]]:
        """Per section key: (arrival time, status) of its generate calls, in order."""
        result: dict[str, list[tuple[float, int]]] = {}
        for r in self.generate_records():
            result.setdefault(r.key, []).append((r.started, r.status))
        return result

    def retry_gaps(self) -> list[RetryGap]:
        """For every 429 that carried RetryInfo, how long until that key called again."""
        gaps: list[RetryGap] = []
        by_key: dict[str, list[GenerateRecord]] = {}
        for r in self.generate_records():
            by_key.setdefault(r.key, []).append(r)
        for key, records in by_key.items():
            for before, after in itertools.pairwise(records):
                if before.status == 429 and before.retry_delay_s is not None:
                    gaps.append(RetryGap(key, before.finished, before.retry_delay_s, after.started))
        return gaps

    def early_retries(self) -> list[RetryGap]:
        """The retries that ignored RetryInfo; a well-behaved client leaves this empty."""
        return [g for g in self.retry_gaps() if g.early]
