"""A semaphore whose size can change while tasks wait on it.

asyncio.Semaphore cannot shrink, and the app's sliders (and adaptive concurrency) must
move a running limit at once. Lowering the limit never interrupts work in flight: it only
stops new acquisitions until enough holders have released.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Limiter:
    def __init__(self, name: str, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"{name} limit must be at least 1, got {limit}")
        self.name = name
        self._limit = limit
        self._in_use = 0
        self._cond = asyncio.Condition()
        #: most holders seen at once since the last reset (benchmarks and tests read it)
        self.high_water = 0

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        return self._in_use

    def would_wait(self) -> bool:
        return self._in_use >= self._limit

    async def set_limit(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"{self.name} limit must be at least 1, got {limit}")
        async with self._cond:
            self._limit = limit
            self._cond.notify_all()

    def set_limit_nowait(self, limit: int) -> None:
        """For callers outside a coroutine (Qt slots): schedules the wake-up on the loop."""
        if limit < 1:
            raise ValueError(f"{self.name} limit must be at least 1, got {limit}")
        self._limit = limit
        asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    async def acquire(self) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self._in_use < self._limit)
            self._in_use += 1
            self.high_water = max(self.high_water, self._in_use)

    async def release(self) -> None:
        async with self._cond:
            self._in_use -= 1
            self._cond.notify_all()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            await asyncio.shield(self.release())

    def reset_high_water(self) -> None:
        self.high_water = self._in_use
