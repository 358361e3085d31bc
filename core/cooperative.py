"""Loops over many items that give the event loop a turn every few items.

The engine shares its event loop with the window (qasync). A loop that starts 500
section tasks or emits 500 events in one go holds that loop for tens of milliseconds,
and everything the loop would have done meanwhile (repaints, a heartbeat, input) waits:
qasync runs every callback that is due in one pass of Qt's timers. Yielding every few
items splits the burst into slices of a few milliseconds with the window's work between.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

T = TypeVar("T")

#: items between two yields; a section's first step costs ~0.1-0.2 ms on the loop
EVERY = 20


async def in_slices(items: Iterable[T], every: int = EVERY) -> AsyncIterator[T]:
    for index, item in enumerate(items):
        if index and index % every == 0:
            await asyncio.sleep(0)
        yield item
