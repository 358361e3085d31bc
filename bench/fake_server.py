"""Start the fake Gemini server in its own process for benchmarks.

In its own process so its work (parsing every PDF it receives) neither competes with
the app's event loop for the GIL nor shows up in the app's memory figures.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def fake_gemini_process(*args: str) -> Iterator[str]:
    """Yields the base URL of a fake Gemini server started with the given CLI flags."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.gemini", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError("the fake Gemini server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
