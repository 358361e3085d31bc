"""A process pool for PyMuPDF work (splits, offline text extraction).

Why processes: PyMuPDF must not run on two threads at once, a split is CPU work that
should use every core, and a PDF that crashes MuPDF must take down a worker, not the app.
A crashed pool is replaced transparently; the calls that were in flight fail with a
retryable error, so their sections try again on the fresh pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from core.errors import transient

log = logging.getLogger(__name__)
T = TypeVar("T")

#: upper bound on worker processes; the pipeline's limiters decide how many are busy.
DEFAULT_MAX_WORKERS = max(4, min(16, (os.cpu_count() or 2) * 2))


def _init_worker() -> None:
    """Worker initializer.

    Ctrl+C in a terminal signals the whole process group, but cancelling is the parent's
    job (it cancels the run and then shuts the pool down); a worker dying of
    KeyboardInterrupt would only print tracebacks and break the pool. A worker ends with
    its parent, however the parent ends (:func:`_exit_with_parent`). And a worker runs
    a little below normal priority, so on a 2-core laptop the window stays smooth while
    splits use the cores.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(5)
    # Every worker pays its import cost (PyMuPDF, pydantic via core.pdf, the extractor)
    # as it starts: warm-up jobs alone may all be served by the first worker up.
    import core.extract
    import core.pdf  # noqa: F401


def _exit_with_parent() -> None:
    """End this worker when the app does, however the app ends.

    A pool's workers wait on their call queue and never notice a parent that was killed
    (SIGKILL, a crash, the task manager): each would linger with PyMuPDF loaded, ~80 MB,
    until the next reboot. A spawned child holds a sentinel of its parent that becomes
    ready when the parent exits; a daemon thread waits on it and exits the worker.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _warm() -> int:
    return os.getpid()


class _CappedPool(ProcessPoolExecutor):
    """A spawn pool that starts no process beyond ``cap`` (what the runs can use).

    The pool starts a process on ``submit`` when it counts no idle one, but it counts a
    worker idle only *after* handing its result to the caller (CPython 3.11-3.13,
    ``concurrent.futures.process``): a section that submits its next job (the extraction
    after its split) as soon as it has the result finds no idle worker and starts
    another. With one section at a time that made two workers, with five sections up to
    the pool's maximum (docs/ARCHITECTURE.md, "PyMuPDF"). With the cap a job waits for
    a worker instead, which is free a moment later.
    """

    cap: int

    def _adjust_process_count(self) -> None:
        if len(self._processes) < self.cap:  # type: ignore[attr-defined]
            super()._adjust_process_count()  # type: ignore[misc]


class PdfWorkers:
    """Owns one ProcessPoolExecutor using the 'spawn' start method.

    'spawn' because forking a process that runs Qt threads is unsafe, and it behaves the
    same on Linux, macOS and Windows (and in a PyInstaller bundle with freeze_support).
    """

    def __init__(self, max_workers: int = DEFAULT_MAX_WORKERS) -> None:
        self.max_workers = max_workers
        self._cap = max_workers
        self._pool: _CappedPool | None = None
        self._lock = threading.Lock()
        self.crashes = 0
        self._inflight: set[Future[Any]] = set()

    def _executor(self) -> _CappedPool:
        with self._lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("spawn")
                self._pool = _CappedPool(
                    max_workers=self.max_workers, mp_context=ctx, initializer=_init_worker
                )
                self._pool.cap = self._cap
            return self._pool

    def use(self, count: int) -> None:
        """Start no more than ``count`` processes from now on (what a run can keep busy;
        processes already running stay, since stopping one could cut a job short)."""
        with self._lock:
            self._cap = max(1, min(count, self.max_workers))
            if self._pool is not None:
                self._pool.cap = self._cap

    def pids(self) -> list[int]:
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return list(processes)

    async def warm(self, count: int = 1) -> None:
        """Start `count` workers now so the first split does not pay the start-up.

        From a helper thread: ProcessPoolExecutor starts a process inside submit(), on
        the calling thread, and that must not be the event loop's (the GUI's) thread.
        """
        await asyncio.to_thread(self.prestart, count)

    def prestart(self, count: int = 1) -> None:
        """Blocking form of :meth:`warm`, for threads and scripts."""
        pool = self._executor()
        futures = [pool.submit(_warm) for _ in range(min(count, self.max_workers))]
        wait(futures)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        pool = self._executor()
        future = pool.submit(fn, *args)
        self._inflight.add(future)
        future.add_done_callback(self._inflight.discard)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(pool)
            raise transient(
                "A PDF worker process crashed (the PDF may be damaged); trying again"
            ) from None

    def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Blocking form of :meth:`run`, for threads that are not the event loop's."""
        pool = self._executor()
        try:
            return pool.submit(fn, *args).result(timeout)
        except BrokenProcessPool:
            self._replace(pool)
            raise transient("A PDF worker process crashed (the PDF may be damaged)") from None

    def _replace(self, broken: _CappedPool) -> None:
        with self._lock:
            if self._pool is broken:
                self.crashes += 1
                log.warning("PDF worker pool crashed; starting a fresh one")
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def drain(self, timeout: float | None = 60.0) -> None:
        """Block until calls already handed to workers end (a cancelled await does not
        stop a worker), so a run can remove its temp directory without racing a write."""
        pending = list(self._inflight)
        if pending:
            wait(pending, timeout=timeout)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
