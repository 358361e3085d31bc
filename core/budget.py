"""A budget cap for one run (``--max-cost``, MAX_COST_USD): no new section starts once
the cost already spent plus the estimates of the sections in flight would pass it.

Estimates come from :mod:`core.cost` (pages × tokens per page at the run's media
resolution, plus the prompt and a typical answer, at the price table's rates); what a
finished section spent is its own tokens at the same rates. The cap is for what this run
spends: sections kept from a resumed run, and answers from the result cache, cost
nothing now. Once one section is refused, every later one is too (``skipped``), so the
run does not pick cheaper sections out of order; ``retry``/``--resume`` continue them
later, under a new cap.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from core.cost import ModelPrice, estimate, load_prices
from core.processors.gemini_client import service_for
from core.results import SectionResult
from core.sections import Section
from core.settings import Settings

#: the note the pipeline puts on an answer taken from the result cache (no call made)
FROM_CACHE = "from cache"


@dataclass(slots=True)
class Budget:
    """Thread-safe; the pipeline asks :meth:`admit` before a section starts and calls
    :meth:`settle` once it has finished, whatever the outcome."""

    cap_usd: float
    model: str
    price: ModelPrice | None
    media_resolution: str = "default"
    service: str = "gemini-api"
    spent_usd: float = 0.0
    in_flight: dict[str, float] = field(default_factory=dict)
    reached: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def for_run(cls, settings: Settings, processor: str) -> Budget | None:
        """The run's budget, or None without a cap (or on the offline backend, which
        costs nothing)."""
        if settings.max_cost_usd <= 0 or processor != "gemini":
            return None
        service = service_for(settings).kind.value
        return cls(
            cap_usd=settings.max_cost_usd,
            model=settings.gemini_model,
            price=load_prices().price(settings.gemini_model, service=service),
            media_resolution=settings.gemini_media_resolution.value,
            service=service,
        )

    def estimate(self, section: Section, prompt_text: str) -> float | None:
        """What one section is expected to cost; None when the model has no price."""
        guess = estimate(
            page_counts=[len(section.pages)],
            model=self.model,
            prompt_text=prompt_text,
            media_resolution=self.media_resolution,
            service=self.service,
            synthesis=False,  # one section's own request
        )
        return guess.cost_usd

    def admit(self, section: Section, prompt_text: str) -> str | None:
        """None when the section may start (its estimate is then held as in flight), else
        the reason it is skipped: ``budget reached (…)``."""
        expected = self.estimate(section, prompt_text)
        with self._lock:
            if self.reached is None:
                self.reached = self._refusal(expected)
            if self.reached is not None:
                return self.reached
            self.in_flight[section.id] = expected or 0.0
            return None

    def _refusal(self, expected: float | None) -> str | None:
        if expected is None:
            return (
                f"budget reached (the cost of {self.model} is unknown: the price table has "
                f"no row for it, so the ${self.cap_usd:g} cap cannot be kept)"
            )
        held = sum(self.in_flight.values())
        if self.spent_usd + held + expected <= self.cap_usd:
            return None
        return (
            f"budget reached (${self.spent_usd:.4f} spent, ${held:.4f} in flight and about "
            f"${expected:.4f} for this section would pass the ${self.cap_usd:g} cap)"
        )

    def settle(self, section_id: str, result: SectionResult | None) -> None:
        """The section is over: its estimate is released and what it spent is counted
        (nothing for a failure, which Gemini does not bill, or an answer from the cache)."""
        with self._lock:
            if self.in_flight.pop(section_id, None) is None:
                return
            if result is not None and self.price is not None and FROM_CACHE not in result.notes:
                self.spent_usd += self.price.cost(result.tokens)


def reach(cap_usd: float, section_costs: list[float]) -> int:
    """How many sections, taken in order, fit under the cap."""
    total = 0.0
    for count, cost in enumerate(section_costs):
        total += cost
        if total > cap_usd:
            return count
    return len(section_costs)


def describe_reach(settings: Settings, sections: list[Section], prompt_text: str) -> str:
    """The line shown before a capped run: how far the cap reaches; "" without a cap."""
    budget = Budget.for_run(settings, "gemini")
    if budget is None or not sections:
        return ""
    costs = [budget.estimate(section, prompt_text) for section in sections]
    if any(cost is None for cost in costs):
        return (
            f"budget ${budget.cap_usd:g}: no price is known for {budget.model}, so no "
            "section would start"
        )
    known = [cost for cost in costs if cost is not None]
    fits = reach(budget.cap_usd, known)
    whole = "all of them" if fits == len(known) else f"about {fits} of {len(known)} sections"
    return (
        f"budget ${budget.cap_usd:g}: the run is estimated at ${sum(known):.4f}; the cap "
        f"covers {whole} (prices of {load_prices().date})"
    )
