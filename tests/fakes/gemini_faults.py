"""Faults the fake Gemini injects on demand, each aimable at one section.

A fault matches a request when its ``endpoint`` fits and ``match`` (a substring, or a compiled
regex) is found in one of the request's "haystacks": the upload display name (uploads, files
get/delete), the display names of the files a generate call references, its prompt text, and
the first text line of page 1 of each inline PDF (inline calls have no display name). Note that
substrings are plain: ``"Section 1"`` also matches ``"Section 10"``; use unique markers.

Kinds (default endpoint in brackets) and what the SDK then raises or returns:

- ``"429"`` [generate]: 429 RESOURCE_EXHAUSTED with QuotaFailure, Help and RetryInfo
  (``retry_delay_s``; None leaves RetryInfo out) → ``errors.ClientError``.
- ``"500"`` / ``"503"`` [generate]: INTERNAL / UNAVAILABLE → ``errors.ServerError``.
- ``"error"`` [generate]: any code from ``status`` (e.g. 504 DEADLINE_EXCEEDED).
- ``"invalid_argument"`` (400) / ``"forbidden"`` (403 PERMISSION_DENIED) [generate].
- ``"hang"`` [generate]: no answer until ``close()``, the client hanging up, or ``hang_s``
  seconds (then the normal answer) → client timeout (httpx2.ReadTimeout / TimeoutError).
- ``"reset"`` [generate]: full headers, half the body, then the connection is closed →
  httpx2.RemoteProtocolError / aiohttp.ClientPayloadError (not an APIError).
- ``"disconnect"`` [generate]: connection closed without a byte → httpx2.RemoteProtocolError
  / aiohttp.ServerDisconnectedError, which the SDK's aiohttp path silently re-sends once
  after 1-10 s unless the client has HttpRetryOptions.
- ``"failed_file"`` [upload only]: the upload succeeds, the file goes PROCESSING → FAILED
  with ``error{code, message}``.
- ``"blocked"`` [generate only]: ``promptFeedback.blockReason`` SAFETY, no candidates
  (``.text`` None).
- ``"safety"`` [generate only]: one candidate, finishReason SAFETY, no content.
- ``"max_tokens"`` [generate only]: finishReason MAX_TOKENS with the answer cut in half
  (cut JSON when JSON was asked for, so ``.parsed`` is None).
- ``"lost_session"`` [upload_final only]: the upload session is lost as its last chunk
  arrives (the connection behind Google's front end dropped): the reply is a 503 without
  ``x-goog-upload-status``, so the SDK posts the chunk again (after 1 s), and that gets
  404 NOT_FOUND "Upload session … not found." → ``errors.ClientError`` 404. (A plain
  ``reset`` of the last chunk makes the SDK raise a transport error instead: it posts a
  chunk again only when a reply lacks the status header.)

Endpoints: ``upload`` (the start command), ``upload_chunk`` (every chunk), ``upload_final``
(the last chunk only; tried before ``upload_chunk`` faults), ``get``, ``list``, ``delete``,
``generate`` (incl. streamGenerateContent), ``count_tokens``, the Batch API's
``batch_create``, ``batch_get``, ``batch_list``, ``batch_cancel``, ``batch_delete``,
``download`` and ``batch_item`` (one request line of a batch: error kinds only), or
``any``. Error, hang, reset and disconnect kinds work on every endpoint; an upload_chunk
error ends the upload session
and carries ``x-goog-upload-status: final`` so the SDK raises at once.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

#: kind -> endpoint it applies to unless told otherwise.
DEFAULT_ENDPOINT: dict[str, str] = {
    "429": "generate",
    "500": "generate",
    "503": "generate",
    "error": "generate",  # any HTTP code, from ``status``
    "invalid_argument": "generate",
    "forbidden": "generate",
    "hang": "generate",
    "reset": "generate",
    "disconnect": "generate",
    "failed_file": "upload",
    "blocked": "generate",
    "safety": "generate",
    "max_tokens": "generate",
    "lost_session": "upload_final",
}
FAULT_KINDS = frozenset(DEFAULT_ENDPOINT)

#: endpoint names, shared with the stats (``calls[(endpoint, status)]``).
ENDPOINTS = frozenset(
    {
        "upload",
        "upload_chunk",
        "upload_final",
        "get",
        "list",
        "delete",
        "generate",
        "count_tokens",
        # the Batch API (gemini_batches): batch_item is one request line of a batch
        "batch_create",
        "batch_get",
        "batch_list",
        "batch_cancel",
        "batch_delete",
        "batch_item",
        "download",
    }
)

#: kinds that only make sense on one endpoint.
_ONLY_ON = {
    "blocked": "generate",
    "safety": "generate",
    "max_tokens": "generate",
    "failed_file": "upload",
    "lost_session": "upload_final",
}

#: kinds that answer with an HTTP error body.
ERROR_KINDS = frozenset({"429", "500", "503", "error", "invalid_argument", "forbidden"})


@dataclass
class Fault:
    """One injected misbehaviour. ``times=None`` fires forever; ``hits`` counts firings."""

    kind: str
    match: str | re.Pattern[str] | None = None
    times: int | None = None
    endpoint: str = ""
    retry_delay_s: float | None = 2.0  # 429 only; None leaves RetryInfo out
    status: int = 503  # kind "error" only
    hang_s: float | None = None  # kind "hang": None = until close(), else then answer normally
    message: str | None = None  # overrides the error message
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        self.endpoint = self.endpoint or DEFAULT_ENDPOINT[self.kind]
        if self.endpoint != "any" and self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}; one of {sorted(ENDPOINTS)}")
        only = _ONLY_ON.get(self.kind)
        if only and self.endpoint not in (only, "any"):
            raise ValueError(f"fault {self.kind!r} only applies to endpoint {only!r}")

    @property
    def active(self) -> bool:
        return self.times is None or self.times > 0

    def applies(self, endpoint: str, haystacks: Iterable[str]) -> bool:
        if not self.active:
            return False
        only = _ONLY_ON.get(self.kind)
        if self.endpoint == "any" and only and endpoint != only:
            return False
        if self.endpoint not in ("any", endpoint):
            return False
        if self.match is None:
            return True
        if isinstance(self.match, re.Pattern):
            return any(self.match.search(text) for text in haystacks if text)
        return any(self.match in text for text in haystacks if text)


class FaultBook:
    """Thread-safe list of faults; the first active match (in insertion order) fires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, endpoint: str, haystacks: Iterable[str]) -> Fault | None:
        """Find the fault for this request and use up one of its ``times``."""
        texts = list(haystacks)
        with self._lock:
            for fault in self._faults:
                if fault.applies(endpoint, texts):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None


class SlidingWindowLimiter:
    """A real sliding window over admitted calls: at most ``limit`` per ``window_s`` seconds.

    Rejected calls do not use a slot (as with Gemini's per-minute quotas).
    """

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        if limit < 1:
            raise ValueError("limit must be >= 1")
        self.limit = limit
        self.window_s = window_s
        self._lock = threading.Lock()
        self._admitted: deque[float] = deque()

    def try_acquire(self, now: float) -> float | None:
        """Admit (None) or return the seconds until the oldest slot leaves the window."""
        with self._lock:
            while self._admitted and self._admitted[0] <= now - self.window_s:
                self._admitted.popleft()
            if len(self._admitted) < self.limit:
                self._admitted.append(now)
                return None
            return self._admitted[0] + self.window_s - now
