"""The fake's explicit context caches: ``v1beta/cachedContents`` as the Gemini API has it.

``POST /v1beta/cachedContents`` (body: ``model``, ``contents``, ``ttl``, ``displayName``)
makes a cache of the documents in ``contents`` and answers the CachedContent (``name``
``cachedContents/<id>``, ``expireTime``, ``usageMetadata.totalTokenCount``); ``GET`` and
``DELETE /v1beta/cachedContents/<id>`` read and delete one, 403 once it is gone, as for
files. A cache below ``min_tokens`` is refused with 400, as Gemini refuses one below the
model's minimum. generateContent with ``cachedContent`` reads the cache's documents
before the request's own parts and reports them as ``cachedContentTokenCount``.
``reads_before_expiry`` (``FakeGemini.cache_reads_before_expiry``) makes a cache expire
after that many reads, as if its TTL had passed mid-run.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.gemini_files import new_file_id, rfc3339
from tests.fakes.gemini_pdf import DocInfo

CACHES = re.compile(r"^/(?P<v>[^/]+)/cachedContents$")
CACHE = re.compile(r"^/(?P<v>[^/]+)/cachedContents/(?P<id>[^/:]+)$")
#: below this many tokens a cache is refused (Gemini's minimum for Flash models)
MIN_TOKENS = 1024


@dataclass
class StoredCache:
    cache_id: str
    model: str
    display_name: str
    documents: list[DocInfo]
    display_names: list[str]
    tokens: int
    expires: datetime
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def name(self) -> str:
        return f"cachedContents/{self.cache_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "displayName": self.display_name,
            "createTime": rfc3339(self.created),
            "updateTime": rfc3339(self.created),
            "expireTime": rfc3339(self.expires),
            "usageMetadata": {"totalTokenCount": self.tokens},
        }


class CacheStore:
    """Thread-safe: the fake serves each connection on its own thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._caches: dict[str, StoredCache] = {}
        self.min_tokens = MIN_TOKENS
        #: a fault: a cache expires after this many reads, as if its TTL had passed
        self.reads_before_expiry: int | None = None
        self._reads: dict[str, int] = {}

    def read(self, cache_id: str) -> StoredCache | None:
        """The cache for a generate request (counted against ``reads_before_expiry``)."""
        cache = self.get(cache_id)
        if cache is None:
            return None
        with self._lock:
            reads = self._reads[cache.cache_id] = self._reads.get(cache.cache_id, 0) + 1
            if self.reads_before_expiry is not None and reads >= self.reads_before_expiry:
                self._caches.pop(cache.cache_id, None)
        return cache

    def create(
        self,
        model: str,
        display_name: str,
        documents: list[DocInfo],
        display_names: list[str],
        tokens: int,
        ttl: str,
    ) -> StoredCache:
        seconds = float(ttl.removesuffix("s") or 3600)
        cache = StoredCache(
            cache_id=new_file_id(),
            model=model,
            display_name=display_name,
            documents=documents,
            display_names=display_names,
            tokens=tokens,
            expires=datetime.now(UTC) + timedelta(seconds=seconds),
        )
        with self._lock:
            self._caches[cache.cache_id] = cache
        return cache

    def get(self, cache_id: str) -> StoredCache | None:
        """The cache, unless deleted or past its expiry."""
        cache_id = cache_id.removeprefix("cachedContents/")
        with self._lock:
            cache = self._caches.get(cache_id)
            if cache is not None and cache.expires <= datetime.now(UTC):
                del self._caches[cache_id]
                return None
            return cache

    def delete(self, cache_id: str) -> bool:
        with self._lock:
            return self._caches.pop(cache_id, None) is not None

    def expire(self, cache_id: str) -> None:
        """As if its TTL had passed (tests of a cache lost mid-run)."""
        self.delete(cache_id.removeprefix("cachedContents/"))

    def all(self) -> list[StoredCache]:
        with self._lock:
            return list(self._caches.values())
