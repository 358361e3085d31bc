"""How a section's end is shown everywhere in the window: one word, one mark, one colour.

A section ends done, partial (its answer was cut off, e.g. at the output-token limit),
failed or cancelled; core decides which (:func:`core.export.section_status`). Progress,
Results, History and the status bar all show the same marks and count them the same
way, so a cut-off answer never passes for a complete one and a cancelled section never
for a failed one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.export import section_status

if TYPE_CHECKING:
    from core.journal import RunInfo
    from core.run_types import RunOutcome

DONE, PARTIAL, FAILED, CANCELLED = "done", "partial", "failed", "cancelled"
ENDINGS = (DONE, PARTIAL, FAILED, CANCELLED)


@dataclass(frozen=True, slots=True)
class Badge:
    mark: str
    word: str
    color: str  # a CSS/QColor name
    meaning: str


BADGES: dict[str, Badge] = {
    DONE: Badge("✓", "done", "#2e7d32", "finished with a complete answer"),
    PARTIAL: Badge(
        "⚠", "partial", "#e65100", "finished, but the answer was cut off: read it with care"
    ),
    FAILED: Badge("✗", "failed", "#c62828", "could not be analysed (see the reason)"),
    CANCELLED: Badge("⊘", "cancelled", "#757575", "stopped by Cancel before it finished"),
}


def badge(status: str) -> Badge | None:
    return BADGES.get(status)


def marked(status: str) -> str:
    """The status with its mark ("⚠ partial"), or the bare word for a live state."""
    found = BADGES.get(status)
    return f"{found.mark} {found.word}" if found else status


@dataclass(frozen=True, slots=True)
class Tally:
    done: int = 0
    partial: int = 0
    failed: int = 0
    cancelled: int = 0
    left: int = 0

    @classmethod
    def of(cls, statuses: Iterable[str], left: int = 0) -> Tally:
        counts = Counter(statuses)
        return cls(counts[DONE], counts[PARTIAL], counts[FAILED], counts[CANCELLED], left)

    @property
    def finished(self) -> int:
        """Sections whose work ended (a cancelled one's never did)."""
        return self.done + self.partial + self.failed

    def text(self, *, left: bool = False) -> str:
        """ "3 done, 1 partial, 2 cancelled": done always, the others when there are any."""
        parts = [f"{self.done} done"]
        for word, count in (
            (PARTIAL, self.partial),
            (FAILED, self.failed),
            (CANCELLED, self.cancelled),
        ):
            if count:
                parts.append(f"{count} {word}")
        if left:
            parts.append(f"{self.left} left")
        return ", ".join(parts)

    def worst(self) -> str | None:
        """The ending that most needs a look, for a badge: failed, partial, cancelled."""
        for status, count in ((FAILED, self.failed), (PARTIAL, self.partial)):
            if count:
                return status
        return CANCELLED if self.cancelled else (DONE if self.done else None)


def outcome_statuses(outcome: RunOutcome) -> dict[str, tuple[str, str | None]]:
    """Each section's (status, reason) as core reports it, in the run's order."""
    return {s.id: section_status(outcome, s) for s in outcome.sections}


def outcome_tally(outcome: RunOutcome) -> Tally:
    return Tally.of(status for status, _ in outcome_statuses(outcome).values())


def run_tally(info: RunInfo) -> Tally:
    """A History row's counts (the journal counts a cancelled section among the failed)."""
    return Tally(info.done, info.partial, info.failed - info.cancelled, info.cancelled)


def run_status(info: RunInfo) -> str:
    """What a History row says about its run: running, or how its sections ended."""
    if info.status == "running":
        return "running"
    tally = run_tally(info)
    if info.status == "cancelled" or (tally.cancelled and not tally.failed):
        return CANCELLED
    return tally.worst() or DONE


def retry_text(failed: int, cancelled: int, partial: int = 0) -> str:
    """The Retry action's words for what it would run again."""
    total = failed + cancelled + partial
    word = "section" if total == 1 else "sections"
    if total == cancelled and cancelled:
        return f"Run the {cancelled} cancelled {word}"
    if total == partial and partial:
        return f"Ask the {partial} cut-off {word} again"
    bits = [
        f"{count} {label}"
        for count, label in ((failed, "failed"), (partial, "cut-off"), (cancelled, "cancelled"))
        if count
    ]
    if not bits:
        return "Retry failed sections"
    listed = bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " and " + bits[-1]
    return f"Retry {listed} {word}"
