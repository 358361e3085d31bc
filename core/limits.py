"""One set of concurrency limits that several pipelines can share.

A single run owns its three limiters. A folder batch runs one pipeline per file, at once,
and the user's limits ("3 sections at once") must hold for the whole batch, not per file:
so the batch makes one :class:`Limits` and hands it to every file's pipeline. The
adaptive section limit (halve on 429, creep back on success) is shared too, so one file's
rate limit slows the whole batch, as Gemini's per-project quota demands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.adaptive import AdaptiveLimit
from core.events import Event
from core.limiter import Limiter
from core.settings import Settings


@dataclass(slots=True)
class Limits:
    sections: Limiter
    splits: Limiter
    uploads: Limiter
    #: None: each pipeline makes its own (a single run); set: shared by every pipeline
    adaptive: AdaptiveLimit | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, emit: Callable[[Event], None] | None = None, *, shared: bool
    ) -> Limits:
        """The limits the settings ask for; ``shared`` also makes one adaptive controller
        (its LimitChanged events go to ``emit``)."""
        sequential = not settings.enable_concurrent_processing
        limits = cls(
            sections=Limiter("section", settings.effective_section_limit()),
            splits=Limiter("split", 1 if sequential else settings.max_concurrent_splits),
            uploads=Limiter("upload", 1 if sequential else settings.max_concurrent_uploads),
        )
        if shared:
            limits.adaptive = AdaptiveLimit(limits.sections, emit or _ignore)
        return limits

    def by_name(self) -> dict[str, Limiter]:
        return {"section": self.sections, "split": self.splits, "upload": self.uploads}


def _ignore(event: Event) -> None:
    return None
