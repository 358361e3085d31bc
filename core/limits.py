"""One set of concurrency limits that several pipelines can share, and the one place a
limit changes.

A single run owns its three limiters. A folder batch runs one pipeline per file, at once,
and the user's limits ("3 sections at once") must hold for the whole batch, not per file:
so the batch makes one :class:`Limits` and hands it to every file's pipeline. The
adaptive section limit (halve on 429, creep back on success) is shared too, so one file's
rate limit slows the whole batch, as Gemini's per-project quota demands.

Every change of a running limit (a slider, a suggestion's Apply, a batch's sliders) goes
through :meth:`Limits.set`, which is also where sequential mode
(``ENABLE_CONCURRENT_PROCESSING=false``) holds: there every limit stays 1 whatever is asked.

The section limit bounds analyses. Sections are split and uploaded *ahead* of a free
analysis slot, at most :func:`lookahead` of them at once (the ``ahead`` limiter, derived
from the section limit and following it, so also the adaptive limit after a 429): a
slot's time goes to the model, not to I/O (docs/ARCHITECTURE.md, "Look-ahead").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from core.adaptive import AdaptiveLimit
from core.events import Event, Slot
from core.limiter import Limiter
from core.settings import Settings

log = logging.getLogger("sectionflow.limits")

#: the setting behind each resizable slot: the CLI's flags, the window's sliders and the
#: live path all name a limit through this one table
SLOT_FIELDS: dict[Slot, str] = {
    Slot.SECTION: "max_concurrent_section_tasks",
    Slot.SPLIT: "max_concurrent_splits",
    Slot.UPLOAD: "max_concurrent_uploads",
}
FIELD_SLOTS: dict[str, Slot] = {field: slot for slot, field in SLOT_FIELDS.items()}
#: the settings that move a running memory gate
MEMORY_FIELDS = ("memory_throttle_threshold_mb", "max_memory_usage_mb", "enable_memory_monitoring")


@dataclass(slots=True)
class Limits:
    sections: Limiter
    splits: Limiter
    uploads: Limiter
    #: sections being prepared or prepared, waiting for an analysis slot (derived)
    ahead: Limiter
    #: None: each pipeline makes its own (a single run); set: shared by every pipeline
    adaptive: AdaptiveLimit | None = None
    #: ENABLE_CONCURRENT_PROCESSING=false: one section, one split, one upload at a time,
    #: also when a limit is raised while the run goes on
    sequential: bool = False

    @classmethod
    def from_settings(
        cls, settings: Settings, emit: Callable[[Event], None] | None = None, *, shared: bool
    ) -> Limits:
        """The limits the settings ask for; ``shared`` also makes one adaptive controller
        (its LimitChanged events go to ``emit``)."""
        sequential = not settings.enable_concurrent_processing

        def limiter(slot: Slot) -> Limiter:
            wanted = int(getattr(settings, SLOT_FIELDS[slot]))
            return Limiter(slot.value, 1 if sequential else wanted)

        sections = limiter(Slot.SECTION)
        ahead = Limiter("ahead", lookahead(sections.limit, sequential=sequential))
        sections.follow(lambda limit: ahead.set_limit(lookahead(limit, sequential=sequential)))
        limits = cls(
            sections=sections,
            splits=limiter(Slot.SPLIT),
            uploads=limiter(Slot.UPLOAD),
            ahead=ahead,
            sequential=sequential,
        )
        if shared:
            limits.adaptive = AdaptiveLimit(limits.sections, emit or _ignore)
        return limits

    def by_name(self) -> dict[str, Limiter]:
        return {"section": self.sections, "split": self.splits, "upload": self.uploads}

    def waiting(self, name: str) -> int:
        """Tasks queued for the named slot now. For "section": those waiting for an
        analysis slot once prepared, and those waiting for look-ahead room (which is
        the section limit's too, one per analysis slot)."""
        waiting = self.by_name()[name].waiting
        return waiting + self.ahead.waiting if name == "section" else waiting

    def set(self, slot: Slot, limit: int) -> int:
        """Move a running limit; new work sees it at once, work in flight is never
        interrupted. Returns the limit now in effect (1 in sequential mode)."""
        wanted = max(1, int(limit))
        effective = 1 if self.sequential else wanted
        if slot is Slot.SECTION and self.adaptive is not None:
            self.adaptive.set_ceiling(effective)
        elif slot is Slot.SECTION:
            self.sections.set_limit(effective)
        elif slot is Slot.SPLIT:
            self.splits.set_limit(effective)
        elif slot is Slot.UPLOAD:
            self.uploads.set_limit(effective)
        else:
            raise ValueError(f"{slot.value} has no limit to set")
        if effective != wanted:
            log.info(
                "Limit for %s stays %d: sequential mode (ENABLE_CONCURRENT_PROCESSING=false)",
                slot.value,
                effective,
            )
        else:
            log.info("Limit for %s changed to %d", slot.value, effective)
        return effective


def lookahead(sections: int, *, sequential: bool) -> int:
    """Sections prepared (split, uploaded) ahead of the analysis slots: one per slot, so
    each slot finds its next section ready when its analysis ends. Sequential mode
    prepares nothing ahead: one section at a time, from split to clean-up."""
    return 1 if sequential else max(1, sections)


def workers_needed(sections: int, splits: int, *, gemini: bool) -> int:
    """PDF worker processes a run can keep busy, so no more are started (each costs
    60-90 MB). A section runs one worker job at a time (its split; offline, then its
    extraction), so never more than the section limit; Gemini uses workers only to split,
    under the split limit too."""
    return max(1, min(sections, splits) if gemini else sections)


def _ignore(event: Event) -> None:
    return None
