"""The pauses between looks at an uploaded file until Gemini has read it (ACTIVE).

Only the first sections of a run wait on this poll: the later ones are uploaded ahead,
while earlier sections are analysed, and are ACTIVE long before their turn. So the first
pauses are short, as a run's first answers wait on them, and they grow gently to a cap,
as a file that takes long to read needs no look every tenth of a second
(docs/ARCHITECTURE.md, "Look-ahead").
"""

from __future__ import annotations

from collections.abc import Iterator

#: each pause this much longer than the one before: a file Gemini reads in 0.3 s is seen
#: ACTIVE 0.08 s later (at ×1.6 it was 0.22 s later), for about 15 looks in the first 10 s
POLL_GROWTH = 1.25


def poll_pauses(first_s: float, longest_s: float) -> Iterator[float]:
    """Seconds to wait before each look: ``first_s``, growing by :data:`POLL_GROWTH` up
    to ``longest_s``, for as long as asked."""
    pause = min(first_s, longest_s)
    while True:
        yield pause
        pause = min(pause * POLL_GROWTH, longest_s)
