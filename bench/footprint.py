"""What one big run leaves behind, and whether it throttles the runs after it.

``python -m bench.footprint`` opens the engine once, as the app does, and makes ten
offline runs in a row over a 1,158-page manual cut every 50 pages, ten sections at once,
under the default memory limits (throttle 768 MB, maximum 1,024 MB). Memory is the
figure the memory gate itself reads (``core.memory.process_tree_rss_mb``: this process
and its PDF workers), sampled before each run and once it has ended.

Two contenders, side by side in one run: the engine as shipped, and the same engine
with its workers kept for good and this process's free pages not handed back (no
``malloc_trim`` at a run's end), as it was before (docs/ARCHITECTURE.md, "Footprint";
the workers still shrink MuPDF's store after each job in both).

The last line is ``footprint_after_run_delta_mb=… footprint_throttled_later_runs=…
footprint_delta_mb_kept=…``: the memory over the level before the first run once the
engine has been idle a while after the tenth (longer than a worker's idle time), the
runs after the first whose sections waited on the memory gate, and the first figure
for the other contender. Each run's level a moment after it ends is printed too: that is
what the next run starts with.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.corpus import make_manual
from core import events as ev
from core.engine import Engine
from core.memory import process_tree_rss_mb
from core.prompts import get_prompt
from core.run_types import RunRequest
from core.sections import every_n_pages
from core.settings import Settings
from core.workers import PdfWorkers

PAGES, EVERY, AT_ONCE, RUNS = 1158, 50, 10, 10
#: how long after a run the level is read before the next run starts
SETTLE_S = 2.0
#: at rest: longer than a worker's idle time (core.workers.IDLE_S)
REST_S = 22.0


@contextlib.contextmanager
def _nothing_given_back() -> Iterator[None]:
    """No ``malloc_trim`` at a run's end in this process."""
    import core.pipeline

    saved = core.pipeline.release_free_memory
    core.pipeline.release_free_memory = lambda: False  # type: ignore[assignment]
    try:
        yield
    finally:
        core.pipeline.release_free_memory = saved


async def _runs(pdf: Path, folder: Path, *, give_back: bool) -> tuple[float, int]:
    """Memory over the first level once at rest after the runs, and the later runs that
    throttled."""
    settings = Settings(
        _env_file=None,
        processor="local",
        max_concurrent_section_tasks=AT_ONCE,
        max_concurrent_splits=AT_ONCE,
    )
    idle = 20.0 if give_back else 1e9
    workers = PdfWorkers(idle_s=idle)
    deltas: list[float] = []
    throttled_runs = 0
    rest = 0.0
    with Engine(journal_path=folder / f"journal-{give_back}.sqlite3", workers=workers) as engine:
        await workers.warm(1)
        await asyncio.sleep(SETTLE_S)
        before = process_tree_rss_mb()
        sections = every_n_pages(PAGES, EVERY)
        for number in range(RUNS):
            throttles: list[ev.ThrottleChanged] = []

            def listen(event: ev.Event, seen: list[ev.ThrottleChanged] = throttles) -> None:
                if isinstance(event, ev.ThrottleChanged) and event.throttled:
                    seen.append(event)

            request = RunRequest(
                pdf_path=pdf,
                sections=sections,
                prompt=get_prompt(None, None),
                use_cache=False,
                synthesis=False,
            )
            await engine.pipeline(settings, listen).run(request)
            await asyncio.sleep(SETTLE_S)
            deltas.append(process_tree_rss_mb() - before)
            throttled_runs += bool(throttles) and number > 0
            print(
                f"  run {number + 1:2d}: {deltas[-1]:+7.1f} MB over the level before run 1, "
                f"{SETTLE_S:g} s after it{' (throttled)' if throttles else ''}",
                flush=True,
            )
        await asyncio.sleep(REST_S)
        rest = process_tree_rss_mb() - before
        print(f"  at rest {REST_S:g} s after the last run: {rest:+.1f} MB", flush=True)
    workers.shutdown()
    return rest, throttled_runs


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sectionflow-footprint-") as name:
        folder = Path(name)
        pdf = make_manual(folder / "manual.pdf", pages=PAGES)
        print(f"{RUNS} offline runs of {PAGES} pages every {EVERY}, {AT_ONCE} at once")
        print("as shipped (workers end when idle, freed memory given back):")
        ours, throttled = asyncio.run(_runs(pdf, folder, give_back=True))
        print("workers kept, no malloc_trim at a run's end:")
        with _nothing_given_back():
            kept, _ = asyncio.run(_runs(pdf, folder, give_back=False))
    print(f"left over at rest: {ours:.1f} MB as shipped, {kept:.1f} MB the other way")
    print(
        f"footprint_after_run_delta_mb={ours:.1f} footprint_throttled_later_runs={throttled} "
        f"footprint_delta_mb_kept={kept:.1f}"
    )
    return 0 if ours <= 50 and throttled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
