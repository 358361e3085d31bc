"""The PDF worker processes: started on demand, ended when idle, terminated when the job
they are busy with is given up, and never outliving the app, however it ends."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from core.workers import PdfWorkers
from tests.helpers.pdfs import make_pdf
from tests.helpers.processes import all_gone
from tests.helpers.splits import (
    niceness_of_a_normal_priority_job,
    stuck_split,
    worker_niceness,
    worker_pid,
)
from tests.helpers.wait import until

ROOT = Path(__file__).resolve().parents[2]

KILLED_PARENT = """
import os, signal
from core.workers import PdfWorkers
if __name__ == "__main__":
    workers = PdfWorkers(max_workers=2)
    workers.prestart(2)
    print(" ".join(str(pid) for pid in workers.pids()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no shutdown, no atexit: as a crash
"""


def test_workers_end_when_the_app_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "killed_parent.py"
    script.write_text(KILLED_PARENT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "pids.txt"
    with out.open("w") as handle:  # a file, not a pipe: leftover workers would hold a pipe
        returncode = subprocess.run(
            [sys.executable, str(script)], cwd=ROOT, env=env, stdout=handle, timeout=120
        ).returncode
    assert returncode == -signal.SIGKILL
    pids = [int(pid) for pid in out.read_text().split()]
    assert len(pids) == 2
    workers = [p for p in (_process(pid) for pid in pids) if p is not None]
    _, alive = psutil.wait_procs(workers, timeout=15)
    for leftover in alive:  # do not leave them behind even when the test fails
        leftover.kill()
    assert alive == []


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


@pytest.fixture
async def idle_quick() -> AsyncIterator[PdfWorkers]:
    """Workers that end after 0.2 s without a job."""
    workers = PdfWorkers(max_workers=2, idle_s=0.2)
    yield workers
    await asyncio.to_thread(workers.shutdown)


async def test_workers_start_on_demand_end_when_idle_and_come_back(
    idle_quick: PdfWorkers,
) -> None:
    assert idle_quick.pids() == []  # nothing runs before the first job
    first = await idle_quick.run(worker_pid)
    assert idle_quick.pids() == [first]
    await until(lambda: idle_quick.pids() == [], timeout=20)
    assert all_gone([first])
    second = await idle_quick.run(worker_pid)  # the next job starts a worker again
    assert second != first
    assert idle_quick.pids() == [second]


async def test_cancelling_a_job_terminates_its_busy_worker_and_the_next_job_runs(
    idle_quick: PdfWorkers, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 2)
    out = tmp_path / "part.pdf"
    job = asyncio.create_task(idle_quick.run(stuck_split, pdf, (1,), out))
    pid_file = Path(f"{out}.pid")
    await until(pid_file.exists, timeout=30)
    busy = int(pid_file.read_text())
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(job, 10)  # not waiting for the page that never ends
    assert all_gone([busy])
    assert idle_quick.terminated == 1
    assert await idle_quick.run(worker_pid) != busy


@pytest.mark.skipif(not hasattr(os, "nice"), reason="priorities by niceness are POSIX")
async def test_a_worker_inspects_at_normal_priority_and_does_the_rest_a_little_below(
    idle_quick: PdfWorkers,
) -> None:
    """The run's inspection is on the way to its first section; the splits and
    extractions leave the window its turns on a small machine."""
    mine = os.nice(0)
    assert await idle_quick.run(niceness_of_a_normal_priority_job) == mine
    assert await idle_quick.run(worker_niceness) == mine + 5
    assert await idle_quick.run(niceness_of_a_normal_priority_job) == mine + 5  # for good
