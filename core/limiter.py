"""A semaphore whose size can change while tasks wait on it.

asyncio.Semaphore cannot shrink, and the app's sliders (and adaptive concurrency) must
move a running limit at once. Lowering the limit never interrupts work in flight: it only
stops new acquisitions until enough holders have released. Slots are handed to waiters
in FIFO order at release time, so a freed slot cannot be stolen by a newcomer.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class Limiter:
    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self._limit = self._checked(limit)
        self._in_use = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        #: most holders seen at once since the last reset (benchmarks and tests read it)
        self.high_water = 0
        self._followers: list[Callable[[int], None]] = []

    def _checked(self, limit: int) -> int:
        if limit < 1:
            raise ValueError(f"{self.name} limit must be at least 1, got {limit}")
        return limit

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        return self._in_use

    @property
    def waiting(self) -> int:
        return sum(1 for fut in self._waiters if not fut.done())

    def would_wait(self) -> bool:
        return self._in_use >= self._limit or bool(self._waiters)

    def set_limit(self, limit: int) -> None:
        """Takes effect at once: waiters start if the limit grew; none are interrupted."""
        self._limit = self._checked(limit)
        self._wake()
        for follower in self._followers:
            follower(self._limit)

    def follow(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(limit)`` whenever the limit changes (a limit derived from it)."""
        self._followers.append(callback)

    async def acquire(self) -> None:
        if not self._waiters and self._in_use < self._limit:
            self._grant()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted just as we were cancelled: give it back
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def release(self) -> None:
        self._in_use -= 1
        self._wake()

    def _grant(self) -> None:
        self._in_use += 1
        self.high_water = max(self.high_water, self._in_use)

    def _wake(self) -> None:
        while self._waiters and self._in_use < self._limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._grant()
                waiter.set_result(None)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    def reset_high_water(self) -> None:
        self.high_water = self._in_use

    async def hold(self) -> Hold:
        """A slot that may be given back before the block that took it ends."""
        await self.acquire()
        return Hold(self)


class Hold:
    """One acquired slot; :meth:`release` gives it back once, however often it is called."""

    def __init__(self, limiter: Limiter) -> None:
        self._limiter: Limiter | None = limiter

    def release(self) -> None:
        limiter, self._limiter = self._limiter, None
        if limiter is not None:
            limiter.release()
