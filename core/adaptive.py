"""Adaptive concurrency: back off on rate limits, creep back up on success (AIMD).

The product plans "dynamic resource scaling" (docs/ARCHITECTURE.md, "Requirements kept"). A
429 halves the effective section limit (never below 1); a run of successes as long as the
current limit raises it by one, never above the user's setting. A burst of 429s from
sections that were already in flight counts once, so one rate-limit episode does not
collapse the limit to 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core.events import Event, LimitChanged, Slot
from core.limiter import Limiter

log = logging.getLogger("sectionflow.adaptive")

_BURST_WINDOW_S = 1.0


class AdaptiveLimit:
    def __init__(self, limiter: Limiter, emit: Callable[[Event], None]) -> None:
        self._limiter = limiter
        self._emit = emit
        self.ceiling = limiter.limit
        self._streak = 0
        self._last_cut = float("-inf")
        self.history: list[dict[str, object]] = []

    @property
    def current(self) -> int:
        return self._limiter.limit

    def set_ceiling(self, limit: int) -> None:
        """The user moved the slider: that is both the new ceiling and the new limit."""
        self.ceiling = limit
        self._streak = 0
        self._apply(limit, "set by user")

    def rate_limited(self) -> None:
        now = time.monotonic()
        self._streak = 0
        if now - self._last_cut < _BURST_WINDOW_S or self.current <= 1:
            return
        self._last_cut = now
        self._apply(max(1, self.current // 2), "rate limited (429): halved")

    def success(self) -> None:
        self._streak += 1
        if self.current < self.ceiling and self._streak >= self.current:
            self._streak = 0
            self._apply(self.current + 1, "recovered after successes: +1")

    def _apply(self, limit: int, reason: str) -> None:
        if limit == self.current and reason != "set by user":
            return
        self._limiter.set_limit(limit)
        self.history.append({"at": time.monotonic(), "limit": limit, "reason": reason})
        log.info("Section limit now %d (%s)", limit, reason)
        self._emit(LimitChanged(slot=Slot.SECTION, limit=limit, reason=reason))
