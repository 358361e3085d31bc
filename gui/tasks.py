"""Starting coroutines from Qt slots: the loop keeps only weak references to tasks, so
whoever starts one must hold it until it ends (qasync's asyncSlot does not)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class TaskKeeper:
    def __init__(self, prefix: str = "sectionflow") -> None:
        self.prefix = prefix
        self.tasks: set[asyncio.Task] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task | None:
        """A task on the running loop, kept until done; None (coroutine closed) without one."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return None
        task = loop.create_task(coro, name=f"{self.prefix}-{name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task
