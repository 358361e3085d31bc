"""Event-loop responsiveness: the gaps of a 10 ms heartbeat.

A coroutine asks to wake every 10 ms; any wake-up later than that is time the loop was
busy with something else. For the desktop app that is exactly how long the window froze.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field


@dataclass
class Heartbeat:
    period_s: float = 0.010
    stalls_ms: list[float] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.period_s)
            now = time.perf_counter()
            self.stalls_ms.append(max(0.0, (now - last - self.period_s) * 1000))
            last = now

    @property
    def max_ms(self) -> float:
        return max(self.stalls_ms, default=0.0)

    def percentile_ms(self, q: float) -> float:
        if not self.stalls_ms:
            return 0.0
        ordered = sorted(self.stalls_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
