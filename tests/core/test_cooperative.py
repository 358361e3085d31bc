"""Long loops on the shared event loop let other callbacks in between slices."""

from __future__ import annotations

import asyncio

from core.cooperative import in_slices


async def test_slices_keep_order_and_let_the_loop_run_between() -> None:
    seen: list[int] = []
    turns: list[int] = []  # how many items had been seen each time another callback ran

    def other() -> None:
        turns.append(len(seen))
        if len(turns) < 10:
            asyncio.get_running_loop().call_soon(other)

    asyncio.get_running_loop().call_soon(other)
    async for item in in_slices(range(100), every=20):
        seen.append(item)
    assert seen == list(range(100))
    # the other callback got a turn inside the loop, not only before or after it
    assert any(0 < count < 100 for count in turns)
    assert all(count % 20 == 0 for count in turns)
