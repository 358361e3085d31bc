"""The processes that run PyMuPDF (splits, offline text extraction, citation checks).

Why processes: PyMuPDF must not run on two threads at once, a split is CPU work that
should use every core, and a PDF that crashes MuPDF must take down a worker, not the app.

Each worker is a one-process executor of its own, and this module hands jobs to them
(docs/ARCHITECTURE.md, "PyMuPDF" and "Footprint"), because one shared
``ProcessPoolExecutor`` cannot do what a run needs:

- **on demand**: a worker starts only when a job has waited for one for a moment
  (:data:`GROW_AFTER_S`), up to what the run can keep busy (:meth:`PdfWorkers.use`);
- **idle ones end** after :data:`IDLE_S` without a job, so the app's memory returns to
  its resting level after a run;
- **cancel is immediate**: the worker busy with a cancelled run's job is terminated and
  left behind (the next job starts another); a shared pool cannot lose one process
  without failing every job in it;
- **a crash costs one worker**: its job fails with a retryable error, the others go on.

Jobs are tagged with the run that submitted them (a context variable the pipeline sets),
so cancelling one run never touches another's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TypeVar

from core.errors import transient
from core.job_priority import runs_at_normal_priority

log = logging.getLogger(__name__)
T = TypeVar("T")

#: upper bound on worker processes; the pipeline's limiters decide how many are busy.
DEFAULT_MAX_WORKERS = max(4, min(16, (os.cpu_count() or 2) * 2))
#: a worker with no job for this long ends (a new one starts with the next job)
IDLE_S = 20.0
#: a job that found every worker busy this long starts another worker (if one may start):
#: a split for Gemini takes a few ms, starting a process 0.3-1.5 s of CPU, so a worker
#: is added only once waiting costs about what it would (one worker served a whole
#: 47-section Gemini run, where 0.05 s started four; docs/ARCHITECTURE.md, "PyMuPDF")
GROW_AFTER_S = 0.3
#: how long a terminated worker gets to exit before it is killed
_TERMINATE_WAIT_S = 1.0

#: the run a job belongs to (set by the pipeline; inherited by its tasks and threads)
job_group: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "pdf_job_group", default=None
)


def _init_worker() -> None:
    """Worker initializer.

    Ctrl+C in a terminal signals the whole process group, but cancelling is the parent's
    job (it cancels the run and then ends the workers); a worker dying of
    KeyboardInterrupt would only print tracebacks. A worker ends with its parent, however
    the parent ends (:func:`_exit_with_parent`). From its first job on, but for the
    run's inspection, a worker runs a little below normal priority
    (:func:`_lower_priority`). core.pdf leaves PyMuPDF to the first job, so a worker
    kept warm for the app costs 20 MB less at rest; the offline extractor's modules are
    imported by the first extraction.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    import core.pdf  # noqa: F401


_below_normal = False


def _lower_priority(fn: Callable[..., Any]) -> None:
    """Before its first job not marked :func:`core.job_priority.at_normal_priority`, a
    worker goes a little below normal priority, for good (see that module)."""
    global _below_normal
    if _below_normal or runs_at_normal_priority(fn):
        return
    _below_normal = True
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(5)


def _exit_with_parent() -> None:
    """End this worker when the app does, however the app ends.

    A worker waits on its call queue and never notices a parent that was killed
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


def _call(fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    """One job in a worker, then MuPDF's object store emptied and freed memory given back:
    the store keeps up to 256 MB per process between jobs that never reuse it (each job
    opens its document anew)."""
    _lower_priority(fn)
    try:
        return fn(*args)
    finally:
        import pymupdf

        from core.heap import release_free_memory

        pymupdf.TOOLS.store_shrink(100)
        release_free_memory()


@dataclass(eq=False)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    group: object | None
    future: Future[Any] = field(default_factory=Future)
    #: set once no worker runs it any more (finished, or its worker's process is gone)
    ended: threading.Event = field(default_factory=threading.Event)


@dataclass(eq=False)
class _Worker:
    executor: ProcessPoolExecutor
    #: the job it runs; _BOOTING while its process starts
    job: _Job | None = None
    starting: bool = True
    idle_since: float = field(default_factory=time.monotonic)

    def processes(self) -> list[multiprocessing.Process]:
        return list((getattr(self.executor, "_processes", None) or {}).values())


class PdfWorkers:
    """PyMuPDF worker processes, started on demand and ended when idle ('spawn' start
    method: forking a process that runs Qt threads is unsafe, and spawn behaves the same
    on Linux, macOS, Windows and in a PyInstaller bundle with freeze_support)."""

    def __init__(self, max_workers: int = DEFAULT_MAX_WORKERS, idle_s: float = IDLE_S) -> None:
        self.max_workers = max_workers
        self.idle_s = idle_s
        self._cap = max_workers
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._workers: list[_Worker] = []
        self._pending: deque[_Job] = deque()
        #: jobs whose workers were terminated, until their processes are gone
        self._dying: set[_Job] = set()
        self._grow_timer: threading.Timer | None = None
        self._idle_timer: threading.Timer | None = None
        self._closed = False
        self.crashes = 0
        #: workers terminated because nobody waited for their job any more (a cancel)
        self.terminated = 0

    # ------------------------------------------------------------------ sizing
    def use(self, count: int) -> None:
        """Start no more than ``count`` processes from now on (what a run can keep busy;
        processes already running stay, since stopping one could cut a job short)."""
        with self._lock:
            self._cap = max(1, min(count, self.max_workers))

    def pids(self) -> list[int]:
        """The worker processes running now."""
        with self._lock:
            workers = list(self._workers)
        return [p.pid for w in workers for p in w.processes() if p.pid and p.is_alive()]

    async def warm(self, count: int = 1) -> None:
        """Start up to ``count`` workers and return once one of them can take a job.

        From a helper thread: starting a process happens on the submitting thread, and
        that must not be the event loop's (the GUI's) thread.
        """
        await asyncio.to_thread(self._start_and_wait, count, 1)

    def prestart(self, count: int = 1) -> None:
        """Start ``count`` workers and wait until all of them are ready (threads, scripts)."""
        self._start_and_wait(count, count)

    def _start_and_wait(self, count: int, ready: int) -> None:
        with self._lock:
            wanted = min(count, self.max_workers) - len(self._workers)
            new = [self._new_worker() for _ in range(max(0, wanted))]
        self._launch(new)
        with self._ready:
            self._ready.wait_for(
                lambda: (
                    self._closed
                    or sum(not w.starting for w in self._workers) >= min(ready, len(self._workers))
                )
            )

    # -------------------------------------------------------------------- jobs
    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker; a crashed worker is a retryable error. Cancelled
        while the job runs (a cancel, a timeout), the worker is terminated at once."""
        job = self._submit(fn, args)
        try:
            return await asyncio.wrap_future(job.future)
        except BrokenProcessPool:
            raise transient(
                "A PDF worker process crashed (the PDF may be damaged); trying again"
            ) from None
        except asyncio.CancelledError:
            self._give_up([job])
            raise

    def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Blocking form of :meth:`run`, for threads that are not the event loop's."""
        job = self._submit(fn, args)
        try:
            return job.future.result(timeout)
        except BrokenProcessPool:
            raise transient("A PDF worker process crashed (the PDF may be damaged)") from None
        except TimeoutError:
            self._give_up([job])
            raise

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> _Job:
        job = _Job(fn, args, job_group.get())
        with self._lock:
            if self._closed:
                raise RuntimeError("the PDF worker processes were shut down")
            self._pending.append(job)
            starts = self._dispatch()
            if self._pending and not self._workers:  # nothing to wait for: start one now
                starts.append(self._new_worker())
            elif self._pending:
                self._grow_soon()
        self._launch(starts)
        return job

    def _dispatch(self) -> list[_Worker]:
        """(Under the lock) pair waiting jobs with idle workers; the workers to launch."""
        starts: list[_Worker] = []
        for worker in self._workers:
            if worker.job is not None:
                continue
            while self._pending and worker.job is None:
                job = self._pending.popleft()
                if job.future.done():  # its caller went away while it waited
                    job.ended.set()
                    continue
                worker.job = job
                starts.append(worker)
        return starts

    def _launch(self, workers: list[_Worker]) -> None:
        """Hand each worker its job (or its warm-up) outside the lock: a submit may start
        the process."""
        for worker in workers:
            job = worker.job
            assert job is not None
            task = (_warm,) if job is _BOOTING else (_call, job.fn, job.args)
            try:
                inner = worker.executor.submit(*task)
            except (BrokenProcessPool, RuntimeError) as exc:
                self._finish(worker, job, None, exc)
                continue
            inner.add_done_callback(lambda done, w=worker, j=job: self._finish(w, j, done))

    def _finish(
        self,
        worker: _Worker,
        job: _Job,
        done: Future[Any] | None,
        error: BaseException | None = None,
    ) -> None:
        """A job ended, on the worker's management thread: the worker is idle (or gone)
        before its caller hears of the result, so the caller's next job finds it free."""
        if done is not None:
            error = CancelledError() if done.cancelled() else done.exception()
        with self._lock:
            failed = error is not None and (job is _BOOTING or isinstance(error, BrokenProcessPool))
            crashed = failed and worker in self._workers
            if crashed:
                self._workers.remove(worker)
                self.crashes += 1
            elif worker in self._workers:
                worker.job = None
                worker.starting = False
                worker.idle_since = time.monotonic()
            starts = self._dispatch()
            if self._pending and len(self._workers) < self._cap and crashed:
                starts.append(self._new_worker())
            self._idle_soon()
            self._ready.notify_all()
        if crashed:
            log.warning("A PDF worker process ended unexpectedly; the next job starts another")
            worker.executor.shutdown(wait=False, cancel_futures=True)
        if job is not _BOOTING:
            if not job.future.done():
                if error is not None:
                    job.future.set_exception(error)
                else:
                    assert done is not None
                    job.future.set_result(done.result())
            job.ended.set()
        self._launch(starts)

    def _new_worker(self) -> _Worker:
        """(Under the lock) a worker whose process starts when it is launched."""
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_init_worker)
        worker = _Worker(executor, job=_BOOTING)
        self._workers.append(worker)
        return worker

    # ------------------------------------------------------------- growing
    def _grow_soon(self) -> None:
        """(Under the lock) start another worker if jobs still wait in a moment."""
        if self._grow_timer is None:
            self._grow_timer = _timer(GROW_AFTER_S, self._grow)

    def _grow(self) -> None:
        with self._lock:
            self._grow_timer = None
            if self._closed:
                return
            waiting = sum(1 for job in self._pending if not job.future.done())
            starting = sum(1 for w in self._workers if w.starting)
            room = self._cap - len(self._workers)
            new = [self._new_worker() for _ in range(max(0, min(waiting - starting, room)))]
        self._launch(new)

    # -------------------------------------------------------------- idling
    def _idle_soon(self) -> None:
        """(Under the lock) end the workers that stay idle for ``idle_s``."""
        idle = [w.idle_since for w in self._workers if w.job is None]
        if self._idle_timer is None and not self._closed and idle:
            due = min(idle) + self.idle_s - time.monotonic()
            self._idle_timer = _timer(max(0.0, due) + 0.01, self._end_idle)

    def _end_idle(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._idle_timer = None
            idle = [w for w in self._workers if w.job is None and now - w.idle_since >= self.idle_s]
            for worker in idle:
                self._workers.remove(worker)
            self._idle_soon()
        if idle:
            log.debug("%d idle PDF worker process(es) ended", len(idle))
            _stop(idle, wait=False)

    # ------------------------------------------------------- cancel, end
    def _give_up(self, jobs: list[_Job]) -> list[_Worker]:
        """Nobody waits for ``jobs`` any more: drop the queued ones, terminate the workers
        running the others (a slow page can hold one for minutes). The terminated
        workers' jobs count as ended once their processes are gone."""
        with self._lock:
            for job in jobs:
                if job in self._pending:
                    self._pending.remove(job)
                    job.ended.set()
            busy = [w for w in self._workers if w.job in jobs]
            for worker in busy:
                self._workers.remove(worker)
                assert worker.job is not None
                self._dying.add(worker.job)
            self.terminated += len(busy)
        for job in jobs:
            job.future.cancel()
        _stop(busy, wait=False)
        return busy

    def abandon(self, group: object | None) -> int:
        """Give up every job of ``group`` (a cancelled run), including those submitted
        from threads; returns how many workers were terminated."""
        with self._lock:
            jobs = [job for job in self._jobs() if job.group is group]
        return len(self._give_up(jobs))

    def drain(self, timeout: float | None = 60.0, group: object | None = None) -> None:
        """Block until the jobs already handed out (of ``group``, or all) have ended, or
        their terminated workers have exited: a run removes its temp folder only then."""
        with self._lock:
            jobs = [job for job in self._jobs() if group is None or job.group is group]
            self._dying = {job for job in self._dying if not job.ended.is_set()}
            jobs += [j for j in self._dying if group is None or j.group is group]
        deadline = None if timeout is None else time.monotonic() + timeout
        for job in jobs:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            job.ended.wait(left)

    def _jobs(self) -> list[_Job]:
        """(Under the lock) the jobs queued or running."""
        running = [w.job for w in self._workers if w.job is not None and w.job is not _BOOTING]
        return [*running, *self._pending]

    def shutdown(self) -> None:
        """End every worker within about a second: none is waited for (a busy one runs a
        job nobody wants any more; an idle one holds nothing)."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
            pending, self._pending = list(self._pending), deque()
            for timer in (self._grow_timer, self._idle_timer):
                if timer is not None:
                    timer.cancel()
            self._ready.notify_all()
        for job in pending:
            job.future.cancel()
            job.ended.set()
        _stop(workers, wait=True)


#: the job of a worker busy with its warm-up
_BOOTING = _Job(_warm, (), None)


def _timer(seconds: float, action: Callable[[], None]) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.daemon = True  # never keeps the app alive at exit
    timer.start()
    return timer


def _stop(workers: list[_Worker], *, wait: bool) -> None:
    """Terminate the workers' processes; ``wait``: until they are gone (bounded), else
    a helper thread reaps them. Their jobs count as ended once the processes are gone."""
    processes = [p for w in workers for p in w.processes()]
    jobs = [w.job for w in workers if w.job is not None and w.job is not _BOOTING]
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for worker in workers:
        worker.executor.shutdown(wait=False, cancel_futures=True)
    if wait:
        _reap(processes, jobs)
    else:
        name = "reap-workers"
        threading.Thread(target=_reap, args=(processes, jobs), name=name, daemon=True).start()


def _reap(processes: list[multiprocessing.Process], jobs: list[_Job]) -> None:
    deadline = time.monotonic() + _TERMINATE_WAIT_S
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(_TERMINATE_WAIT_S)
    for job in jobs:
        job.ended.set()
