"""When explicit context caching (``caches.create``) saves money, and what it costs.

A run may ask several questions of the same pages: the same page range marked as several
sections, each with its own prompt. Without a cache each request pays the section's
document tokens at the input price. With one, the document is sent once to
``caches.create`` (billed at the input price), each request reads it at the cached-token
price, and the cache is billed for storage per hour of its TTL. So a cache pays when

    (asks - 1) * input  >  asks * cached_input + storage_per_hour * ttl_hours

per token, and when the document is at least the model's minimum cacheable size. Prices
come from ``resources/prices.json`` (docs/ARCHITECTURE.md, "Context caching"); the
estimate and the Gemini backend both decide here, so the estimate says what the run does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.sections import Section


class CachePrices(Protocol):
    """The prices a cache decision needs (a model's row of the price table, USD per
    million tokens; per million tokens and hour for storage)."""

    @property
    def input(self) -> float: ...
    @property
    def cached_input(self) -> float | None: ...
    @property
    def cache_storage_hour(self) -> float | None: ...


#: Gemini bills the >200k-token tier per request for the models that have one; a cache
#: is only made below it (the tiers' cached prices are not in the price table)
LONG_CONTEXT_TOKENS = 200_000
#: how long a cache lives unless deleted first: a run deletes it after its last question,
#: and the estimate counts the whole TTL's storage (an upper bound)
CACHE_TTL_S = 600


@dataclass(frozen=True, slots=True)
class CacheCost:
    """One cache's bill against asking without it (USD)."""

    tokens: int
    asks: int
    without_usd: float
    with_usd: float
    storage_usd: float

    @property
    def saves_usd(self) -> float:
        return self.without_usd - self.with_usd


def cache_cost(
    tokens: int,
    asks: int,
    price: CachePrices | None,
    min_tokens: int,
    ttl_s: float = CACHE_TTL_S,
) -> CacheCost | None:
    """The bill of caching ``tokens`` document tokens for ``asks`` requests, or None when
    it cannot be cached (one ask, too small, no cache price known) or would not save."""
    if price is None or price.cached_input is None or price.cache_storage_hour is None:
        return None
    if asks < 2 or tokens < min_tokens or tokens > LONG_CONTEXT_TOKENS:
        return None
    storage = tokens * price.cache_storage_hour * ttl_s / 3600 / 1e6
    without = asks * tokens * price.input / 1e6
    with_cache = tokens * (price.input + asks * price.cached_input) / 1e6 + storage
    cost = CacheCost(tokens, asks, without, with_cache, storage)
    return cost if cost.saves_usd > 0 else None


def asks_by_pages(sections: Iterable[Section]) -> Counter[tuple[int, ...]]:
    """How many sections of a run read each page range (the same pages, the same bytes)."""
    return Counter(tuple(section.pages) for section in sections)


def shared_ranges(sections: Sequence[Section]) -> dict[tuple[int, ...], int]:
    """The page ranges read by more than one section, with how many read them."""
    return {pages: n for pages, n in asks_by_pages(sections).items() if n > 1}
