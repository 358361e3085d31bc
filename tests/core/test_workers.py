"""The PDF worker processes never outlive the app, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

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
