"""Before a run: about how many input tokens it sends and what that costs.

Two ways to count. Offline, pages × tokens per page for the model family (258 on older
models, 560 on Gemini 3 at the default media resolution) plus the prompt. With a client,
Gemini's own ``countTokens`` on a few sample sections gives the real tokens per page for
this document, which then scales to all pages. Prices come from ``resources/prices.json``,
which states the date they were read; the estimate carries that date so nobody mistakes
it for a quote.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from core.context_cache import (
    CACHE_TTL_S,
    LONG_CONTEXT_TOKENS,
    CacheCost,
    cache_cost,
    shared_ranges,
)
from core.results import SectionResult, TokenUsage
from core.sections import Section
from core.settings import Settings

#: A rough answer length per section, for the output side of the estimate.
DEFAULT_OUTPUT_TOKENS = 800
_CHARS_PER_TOKEN = 4
#: the synthesis request's own words (instructions, headings), about 1,300 characters
SYNTHESIS_PROMPT_TOKENS = 350


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input: float
    output: float
    input_long: float | None = None
    output_long: float | None = None
    #: a token read from an explicit context cache (None: no cache price known)
    cached_input: float | None = None
    #: storing 1M tokens in a context cache for an hour
    cache_storage_hour: float | None = None

    def cost(self, tokens: TokenUsage) -> float:
        """What these tokens cost at this price (output includes thinking, as billed;
        prompt tokens read from a context cache at the cached price)."""
        cached = min(tokens.cached, tokens.prompt) if self.cached_input is not None else 0
        read = (tokens.prompt - cached) * self.input + cached * (self.cached_input or 0.0)
        return (read + (tokens.output + tokens.thoughts) * self.output) / 1e6


@dataclass(frozen=True, slots=True)
class PriceTable:
    date: str
    models: Mapping[str, Mapping[str, Any]]
    tokens_per_page_by_family: Mapping[str, int]
    source: str = ""
    currency: str = "USD"
    #: per model family, tokens per PDF page at each GEMINI_MEDIA_RESOLUTION
    tokens_per_page_by_resolution: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: Vertex AI's rows where they differ from the Gemini API's (same names)
    vertex_models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    vertex_date: str = ""
    #: per model family, the fewest tokens an explicit context cache may hold
    cache_min_tokens_by_family: Mapping[str, int] = field(default_factory=dict)

    def match(self, model: str, service: str = "gemini-api") -> str | None:
        """The table's name for ``model``: exact, else the longest known prefix."""
        name = model.removeprefix("models/").strip().lower()
        models = self._models(service)
        if name in models:
            return name
        prefixes = [known for known in models if name.startswith(known)]
        return max(prefixes, key=len) if prefixes else None

    def _models(self, service: str) -> Mapping[str, Mapping[str, Any]]:
        if service.startswith("vertex") and self.vertex_models:
            return {**self.models, **self.vertex_models}
        return self.models

    def price(
        self, model: str, on: date | None = None, service: str = "gemini-api"
    ) -> ModelPrice | None:
        """Interactive prices per million tokens, on ``service`` ("gemini-api", "vertex"
        or "vertex-express"), as of ``on`` (today by default)."""
        known = self.match(model, service)
        if known is None:
            return None
        row = dict(self._models(service)[known])
        until = row.get("until")
        if until and (on or date.today()) > date.fromisoformat(until) and row.get("then"):
            row.update(row["then"])
        return ModelPrice(
            input=float(row["input"]),
            output=float(row["output"]),
            input_long=float(row["input_long"]) if "input_long" in row else None,
            output_long=float(row["output_long"]) if "output_long" in row else None,
            cached_input=_optional(row, "cached_input"),
            cache_storage_hour=_optional(row, "cache_storage_hour"),
        )

    def cache_min_tokens(self, model: str) -> int:
        """The smallest context cache Gemini accepts for ``model``."""
        table = self.cache_min_tokens_by_family
        family = _family(model, table)
        return int(table.get(family or "default", 1024))

    def tokens_per_page(self, model: str, media_resolution: str = "default") -> int:
        """Tokens one PDF page costs with ``model`` at GEMINI_MEDIA_RESOLUTION."""
        if media_resolution != "default":
            by_family = self.tokens_per_page_by_resolution
            family = _family(model, by_family)
            resolutions = by_family.get(family or "default") or {}
            if media_resolution in resolutions:
                return int(resolutions[media_resolution])
        family = _family(model, self.tokens_per_page_by_family)
        return int(self.tokens_per_page_by_family.get(family or "default", 258))


def _optional(row: Mapping[str, Any], key: str) -> float | None:
    return float(row[key]) if row.get(key) is not None else None


def _family(model: str, table: Mapping[str, Any]) -> str | None:
    """The longest family name of ``table`` that ``model`` starts with."""
    name = model.removeprefix("models/").strip().lower()
    matches = [f for f in table if f != "default" and name.startswith(f)]
    return max(matches, key=len) if matches else None


def load_prices(path: str | Path | None = None) -> PriceTable:
    if path is None:
        return _bundled_prices()
    return _parse_prices(Path(path).read_text("utf-8"))


@functools.lru_cache(maxsize=1)
def _bundled_prices() -> PriceTable:
    """The shipped table, read once: the app re-estimates on every settings change."""
    return _parse_prices(resources.files("resources").joinpath("prices.json").read_text("utf-8"))


def _parse_prices(text: str) -> PriceTable:
    data = json.loads(text)
    vertex = data.get("vertex") or {}
    return PriceTable(
        date=str(data["date"]),
        models={k.lower(): v for k, v in data["models"].items()},
        tokens_per_page_by_family=data.get("tokens_per_page", {"default": 258}),
        source=str(data.get("source", "")),
        currency=str(data.get("currency", "USD")),
        tokens_per_page_by_resolution=data.get("tokens_per_page_by_media_resolution", {}),
        vertex_models={k.lower(): v for k, v in (vertex.get("models") or {}).items()},
        vertex_date=str(vertex.get("date", "")),
        cache_min_tokens_by_family=data.get("cache_min_tokens", {}),
    )


@dataclass(frozen=True, slots=True)
class Estimate:
    model: str
    pages: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None: the model has no price in the table
    input_cost_usd: float | None
    output_cost_usd: float | None
    tokens_per_page: float
    method: str  # "pages" or "count_tokens"
    price_date: str
    priced_as: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: explicit context caches the run would make (their storage is in ``cost_usd``)
    caches: tuple[CacheCost, ...] = field(default_factory=tuple)

    @property
    def cache_storage_usd(self) -> float:
        return sum(cache.storage_usd for cache in self.caches)

    @property
    def cache_saves_usd(self) -> float:
        return sum(cache.saves_usd for cache in self.caches)

    def describe(self) -> str:
        """One line for the run summary, e.g. '≈ 52,000 input tokens, ≈ $0.04 (...)'."""
        tokens = f"≈ {self.input_tokens:,} input tokens"
        how = "counted by Gemini" if self.method == "count_tokens" else "from page count"
        if self.cost_usd is None:
            return f"{tokens} ({how}); no price known for {self.model}"
        line = (
            f"{tokens} ({how}), ≈ ${self.cost_usd:,.4f} with ≈ {self.output_tokens:,} output "
            f"tokens (prices of {self.price_date})"
        )
        if self.caches:
            line += (
                f"; {len(self.caches)} context cache(s) for pages asked several questions "
                f"(TTL {CACHE_TTL_S // 60} min, storage ≈ ${self.cache_storage_usd:,.4f}) "
                f"save ≈ ${self.cache_saves_usd:,.4f}"
            )
        return line

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "pages": self.pages,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "input_cost_usd": self.input_cost_usd,
            "output_cost_usd": self.output_cost_usd,
            "tokens_per_page": self.tokens_per_page,
            "method": self.method,
            "price_date": self.price_date,
            "priced_as": self.priced_as,
            "notes": list(self.notes),
            "context_caches": [
                {
                    "tokens": cache.tokens,
                    "asks": cache.asks,
                    "ttl_s": CACHE_TTL_S,
                    "storage_usd": cache.storage_usd,
                    "saves_usd": cache.saves_usd,
                }
                for cache in self.caches
            ],
        }


def estimate(
    sections: Sequence[Section] | None = None,
    page_counts: Sequence[int] | None = None,
    model: str = "gemini-3.8-flash",
    *,
    prompt_text: str = "",
    output_tokens_per_section: int = DEFAULT_OUTPUT_TOKENS,
    tokens_per_page: float | None = None,
    method: str = "pages",
    table: PriceTable | None = None,
    on: date | None = None,
    synthesis: bool = True,
    media_resolution: str = "default",
    service: str = "gemini-api",
    context_cache: bool = False,
) -> Estimate:
    """Input tokens and cost for sections (or bare per-section page counts).

    ``tokens_per_page`` overrides the family default, e.g. with what :func:`count_sample`
    measured on this document; otherwise ``media_resolution`` (GEMINI_MEDIA_RESOLUTION)
    picks the row of Google's token table. ``service`` picks Vertex AI's prices.
    ``synthesis`` adds the whole-document request: text only, the section answers in,
    one answer out (:func:`synthesis_tokens`). ``context_cache``: pages that several
    sections ask about are read from one explicit context cache when that saves money
    (:mod:`core.context_cache`), its storage for the whole TTL included.
    """
    if page_counts is None:
        page_counts = [len(s.pages) for s in sections or []]
    table = table or load_prices()
    per_page = (
        tokens_per_page
        if tokens_per_page is not None
        else table.tokens_per_page(model, media_resolution)
    )
    prompt_tokens = len(prompt_text) // _CHARS_PER_TOKEN + 20  # + the section context line
    price = table.price(model, on, service)
    input_tokens = output_tokens = 0
    input_cost = output_cost = 0.0
    long_sections = 0
    for pages in page_counts:
        tokens_in = round(pages * per_page) + prompt_tokens
        input_tokens += tokens_in
        output_tokens += output_tokens_per_section
        if price is None:
            continue
        long = tokens_in > LONG_CONTEXT_TOKENS and price.input_long is not None
        long_sections += long
        rate_in = price.input_long if long and price.input_long is not None else price.input
        rate_out = price.output_long if long and price.output_long is not None else price.output
        input_cost += tokens_in * rate_in / 1e6
        output_cost += output_tokens_per_section * rate_out / 1e6
    notes: list[str] = []
    caches = _caches(table, model, price, per_page, sections) if context_cache else ()
    input_cost -= sum(cache.saves_usd for cache in caches)
    if synthesis and page_counts:
        tokens_in, tokens_out = synthesis_tokens(len(page_counts), output_tokens_per_section)
        input_tokens += tokens_in
        output_tokens += tokens_out
        if price is not None:
            input_cost += tokens_in * price.input / 1e6
            output_cost += tokens_out * price.output / 1e6
        notes.append("includes the whole-document synthesis (one text-only request)")
    if price is None:
        notes.append(f"no price for '{model}' in the price table of {table.date}")
    if long_sections:
        notes.append(f"{long_sections} section(s) above 200k tokens are billed at the long rate")
    return Estimate(
        model=model,
        pages=sum(page_counts),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=input_cost + output_cost if price else None,
        input_cost_usd=input_cost if price else None,
        output_cost_usd=output_cost if price else None,
        tokens_per_page=per_page,
        method=method,
        price_date=table.date,
        priced_as=table.match(model, service),
        notes=tuple(notes),
        caches=caches,
    )


def _caches(
    table: PriceTable,
    model: str,
    price: ModelPrice | None,
    per_page: float,
    sections: Sequence[Section] | None,
) -> tuple[CacheCost, ...]:
    """The context caches a run of these sections makes: one per page range that
    several sections read, where it saves money."""
    minimum = table.cache_min_tokens(model)
    found = (
        cache_cost(round(len(pages) * per_page), asks, price, minimum)
        for pages, asks in shared_ranges(sections or []).items()
    )
    return tuple(cache for cache in found if cache is not None)


def synthesis_tokens(sections: int, answer_tokens: int = DEFAULT_OUTPUT_TOKENS) -> tuple[int, int]:
    """(input, output) tokens of the synthesis request: every section's answer and its
    citations in, plus the instructions; one answer out, twice a section's."""
    return sections * answer_tokens + SYNTHESIS_PROMPT_TOKENS, 2 * answer_tokens


def estimate_for(
    settings: Settings,
    sections: Sequence[Section],
    prompt_text: str = "",
    *,
    synthesis: bool = True,
) -> Estimate:
    """:func:`estimate` as a run with these settings would go: their model, media
    resolution and service (Vertex AI's prices when it is chosen)."""
    from core.processors.gemini_client import service_for

    return estimate(
        sections,
        model=settings.gemini_model,
        prompt_text=prompt_text,
        media_resolution=settings.gemini_media_resolution.value,
        service=service_for(settings).kind.value,
        synthesis=synthesis,
        context_cache=service_for(settings).files_api,
    )


async def count_sample(
    client: Any, model: str, samples: Sequence[tuple[Path | bytes, int]]
) -> float:
    """Tokens per page measured by Gemini's countTokens on sample PDFs (path or bytes,
    page count). Run a few small sections, not the whole document: each is one request."""
    from google.genai import types

    async def one(sample: Path | bytes) -> int:
        data = sample if isinstance(sample, bytes) else await asyncio.to_thread(sample.read_bytes)
        response = await client.aio.models.count_tokens(
            model=model, contents=[types.Part.from_bytes(data=data, mime_type="application/pdf")]
        )
        return int(response.total_tokens or 0)

    counts = await asyncio.gather(*(one(sample) for sample, _ in samples))
    pages = sum(pages for _, pages in samples)
    if pages <= 0:
        raise ValueError("The samples have no pages")
    return sum(counts) / pages


async def estimate_with_count_tokens(
    client: Any,
    sections: Sequence[Section],
    samples: Sequence[tuple[Path | bytes, int]],
    model: str,
    **kwargs: Any,
) -> Estimate:
    """:func:`estimate` with tokens per page measured by countTokens on the samples."""
    per_page = await count_sample(client, model, samples)
    return estimate(
        sections, model=model, tokens_per_page=per_page, method="count_tokens", **kwargs
    )


# ------------------------------------------------------------------- actual cost
def service_of(settings: Mapping[str, Any]) -> str:
    """The price list a run's settings bill on: Vertex AI's or the Gemini API's."""
    return "vertex" if settings.get("google_genai_use_vertexai") else "gemini-api"


def tokens_cost(
    model: str | None,
    tokens: TokenUsage,
    *,
    service: str = "gemini-api",
    table: PriceTable | None = None,
) -> float | None:
    """What these tokens cost at the table's prices for ``model``: the prompt at the input
    rate, the answer and the model's thoughts at the output rate (the long-context rates
    above 200k prompt tokens); None when the model has no price."""
    if not tokens.total and not tokens.prompt:
        return 0.0
    price = (table or load_prices()).price(model, service=service) if model else None
    if price is None:
        return None
    long = tokens.prompt > LONG_CONTEXT_TOKENS
    rate_in = price.input_long if long and price.input_long is not None else price.input
    rate_out = price.output_long if long and price.output_long is not None else price.output
    billed = tokens.prompt * rate_in + (tokens.output + tokens.thoughts) * rate_out
    return round(billed / 1e6, 6)


def result_cost(
    result: SectionResult, *, service: str = "gemini-api", table: PriceTable | None = None
) -> float | None:
    """One section's answer: free offline, priced by its model's tokens on Gemini."""
    return tokens_cost(result.model, result.tokens, service=service, table=table)


def total_cost(costs: Sequence[float | None]) -> float | None:
    """The sum of the known costs; None when none is known."""
    known = [cost for cost in costs if cost is not None]
    return round(sum(known), 6) if known else None


def format_usd(value: float | None) -> str:
    """ "$0.0123", "$1.23"; "price unknown" for None."""
    if value is None:
        return "price unknown"
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


# ------------------------------------------------------------------- batch mode
#: Gemini's Batch API bills half the interactive price.
BATCH_DISCOUNT = 0.5
#: Gemini's stated turnaround for a batch job ("usually much sooner").
BATCH_TURNAROUND = "up to 24 h (often much sooner)"
#: A rough interactive wall time per section (split + upload + analysis), for the estimate.
SECONDS_PER_SECTION = 20.0


def batch_estimate(interactive: Estimate) -> Estimate:
    """The same work through Gemini's Batch API: same tokens, half the price."""

    def half(value: float | None) -> float | None:
        return None if value is None else value * BATCH_DISCOUNT

    return Estimate(
        model=interactive.model,
        pages=interactive.pages,
        input_tokens=interactive.input_tokens,
        output_tokens=interactive.output_tokens,
        cost_usd=half(interactive.cost_usd),
        input_cost_usd=half(interactive.input_cost_usd),
        output_cost_usd=half(interactive.output_cost_usd),
        tokens_per_page=interactive.tokens_per_page,
        method=interactive.method,
        price_date=interactive.price_date,
        priced_as=interactive.priced_as,
        notes=(*interactive.notes, "Batch API: half the interactive price"),
    )


@dataclass(frozen=True, slots=True)
class ModeOption:
    """One way to run the analysis, for the user to choose from."""

    mode: str  # "interactive" | "batch"
    estimate: Estimate
    time: str

    def describe(self) -> str:
        cost = (
            f"≈ ${self.estimate.cost_usd:,.4f}"
            if self.estimate.cost_usd is not None
            else "price unknown"
        )
        return f"{self.mode:<11} {cost:>14}   {self.time}"


def interactive_time(sections: int, section_limit: int, per_section_s: float) -> str:
    """A rough wall time: rounds of ``section_limit`` sections, ``per_section_s`` each."""
    rounds = -(-max(sections, 1) // max(section_limit, 1))
    seconds = rounds * per_section_s
    if seconds < 90:
        return f"≈ {seconds:.0f} s ({section_limit} sections at once)"
    return f"≈ {seconds / 60:.0f} min ({section_limit} sections at once)"


def compare_modes(
    sections: Sequence[Section],
    model: str,
    *,
    section_limit: int,
    prompt_text: str = "",
    per_section_s: float = SECONDS_PER_SECTION,
    table: PriceTable | None = None,
    on: date | None = None,
    synthesis: bool = True,
) -> tuple[ModeOption, ModeOption]:
    """Interactive and batch, side by side: estimated cost and time of each."""
    now = estimate(
        sections, model=model, prompt_text=prompt_text, table=table, on=on, synthesis=synthesis
    )
    return (
        ModeOption(
            "interactive", now, interactive_time(len(sections), section_limit, per_section_s)
        ),
        ModeOption("batch", batch_estimate(now), BATCH_TURNAROUND),
    )
