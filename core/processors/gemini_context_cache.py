"""One run's explicit context caches (``caches.create``): made, shared, deleted.

When a run asks several questions of the same pages (the same range marked as several
sections, each with its prompt) and :func:`core.context_cache.cache_cost` says a cache
saves money, the first request of those pages creates a cache holding the document, and
every request of them (the first too) sends only its question with ``cachedContent``.
The cache is recorded in the remote-file ledger like an upload (intent before the
create, its name once known) and deleted after its last planned question; whatever is
left (a section that failed, a cancelled run) goes in the run's closing sweep, and a
killed run's at the next start. Its TTL (:data:`core.context_cache.CACHE_TTL_S`) bounds
even a cache whose create reply was lost. Only the Gemini API: docs/ARCHITECTURE.md,
"Context caching".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.context_cache import CACHE_TTL_S, cache_cost, shared_ranges
from core.processors.gemini_errors import is_gone, is_refused

if TYPE_CHECKING:
    from core.cost import ModelPrice
    from core.processors.gemini_client import Service
    from core.remote_ledger import RemoteLedger
    from core.sections import Section
    from core.settings import Settings

log = logging.getLogger("sectionflow.gemini")

_DELETE_TIMEOUT_S = 15.0

Pages = tuple[int, ...]


@dataclass(slots=True)
class _Cache:
    name: str
    ledger_id: int
    remaining: int  # planned questions not answered yet


@dataclass(frozen=True, slots=True)
class CachePricing:
    """What deciding needs: the model's prices, its minimum, tokens per page."""

    price: ModelPrice | None
    min_tokens: int
    tokens_per_page: int


class ContextCaches:
    """The caches of one run, keyed by the pages they hold (a no-op when disabled)."""

    def __init__(
        self, ledger: RemoteLedger, scope: str, model: str, pricing: CachePricing, enabled: bool
    ) -> None:
        self.ledger = ledger
        self.scope = scope
        self.model = model
        self.pricing = pricing
        self.enabled = enabled
        self.created = 0
        self._asks: dict[Pages, int] = {}
        self._caches: dict[Pages, _Cache] = {}
        self._no_cache: set[Pages] = set()  # refused, expired or done: the document is sent
        self._locks: defaultdict[Pages, asyncio.Lock] = defaultdict(asyncio.Lock)

    @classmethod
    def for_run(
        cls, settings: Settings, service: Service, ledger: RemoteLedger, scope: str
    ) -> ContextCaches:
        """A run's caches, priced from ``resources/prices.json`` for its model and media
        resolution; Gemini API only (Vertex's caches are not used)."""
        from core.cost import load_prices

        table = load_prices()
        model = settings.gemini_model
        pricing = CachePricing(
            price=table.price(model, service=service.kind.value),
            min_tokens=table.cache_min_tokens(model),
            tokens_per_page=table.tokens_per_page(model, settings.gemini_media_resolution.value),
        )
        return cls(ledger, scope, model, pricing, enabled=service.files_api)

    def plan(self, sections: Sequence[Section]) -> None:
        """Count how many sections of the run read each page range."""
        self._asks = shared_ranges(sections) if self.enabled else {}

    def wanted(self, section_pages: Sequence[int], piece_pages: Sequence[int]) -> bool:
        """Whether the piece's pages are worth a cache in this run."""
        asks = self._asks.get(tuple(section_pages), 0)
        if asks < 2 or tuple(piece_pages) in self._no_cache:
            return False
        tokens = len(piece_pages) * self.pricing.tokens_per_page
        return cache_cost(tokens, asks, self.pricing.price, self.pricing.min_tokens) is not None

    async def name_for(
        self,
        client: Any,
        section_pages: Sequence[int],
        piece_pages: Sequence[int],
        document: Any,
        display_name: str,
    ) -> str | None:
        """The cache holding ``document`` (created by the first asker), or None when
        Gemini refused one: the request then carries the document itself."""
        from google.genai import types

        key = tuple(piece_pages)
        async with self._locks[key]:
            if (cache := self._caches.get(key)) is not None:
                return cache.name
            if key in self._no_cache:
                return None
            ledger_id = await asyncio.to_thread(self.ledger.record_intent, display_name, self.scope)
            try:
                made = await client.aio.caches.create(
                    model=self.model,
                    config=types.CreateCachedContentConfig(
                        contents=[types.Content(role="user", parts=[document])],
                        ttl=f"{CACHE_TTL_S}s",
                        display_name=display_name,
                    ),
                )
            except Exception as exc:
                self._no_cache.add(key)
                if is_refused(exc):  # nothing was made; otherwise the sweep looks for it
                    await asyncio.to_thread(self.ledger.strike, ledger_id)
                log.warning("No context cache for '%s' (%s): sending it each time", key, exc)
                return None
            name = str(made.name)
            await asyncio.to_thread(self.ledger.record_remote, ledger_id, name)
            asks = self._asks.get(tuple(section_pages), 2)
            self._caches[key] = _Cache(name, ledger_id, asks)
            self.created += 1
            log.info("Context cache %s holds pages %s for %d questions", name, key, asks)
            return name

    async def answered(self, client: Any, piece_pages: Sequence[int]) -> None:
        """One planned question of these pages is answered; the last deletes the cache."""
        cache = self._caches.get(tuple(piece_pages))
        if cache is None:
            return
        cache.remaining -= 1
        if cache.remaining <= 0:  # a retry of one of them (a bad answer) asks without
            self._no_cache.add(tuple(piece_pages))
            await self._delete(client, tuple(piece_pages))

    async def lost(self, piece_pages: Sequence[int]) -> None:
        """Gemini no longer has the cache (expired): forget it, ask without one."""
        key = tuple(piece_pages)
        self._no_cache.add(key)
        if (cache := self._caches.pop(key, None)) is not None:
            await asyncio.to_thread(self.ledger.strike, cache.ledger_id)

    async def close(self, client: Any) -> None:
        """Delete every cache still held (questions that never came: failures, cancel)."""
        for key in list(self._caches):
            await self._delete(client, key)

    async def _delete(self, client: Any, key: Pages) -> None:
        cache = self._caches.pop(key, None)
        if cache is None:
            return
        try:
            async with asyncio.timeout(_DELETE_TIMEOUT_S):
                await client.aio.caches.delete(name=cache.name)
            gone = True
        except Exception as exc:
            gone = is_gone(exc)
            if not gone:  # recorded: the closing sweep (or the next start's) tries again
                log.warning("Could not delete context cache %s now: %s", cache.name, exc)
        if gone:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.ledger.strike, cache.ledger_id)
            log.debug("Deleted context cache %s", cache.name)
