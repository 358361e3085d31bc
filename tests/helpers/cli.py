"""Running ``sectionflow`` in its own process, for tests that kill it, scrape its metrics
or read its output while it runs."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.gemini import FakeGemini

ROOT = Path(__file__).resolve().parents[2]


async def start_cli(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """The CLI in its own process; its output goes to a file (a full pipe would block it)."""
    with log.open("wb") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli",
            *args,
            cwd=env["WORKDIR"],
            env=env,
            stdout=sink,
            stderr=sink,
        )


def gemini_env(tmp_path: Path, fake: FakeGemini) -> dict[str, str]:
    """The environment of a CLI run against the fake Gemini, with its own data folder."""
    return {
        **os.environ,
        "WORKDIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "SECTIONFLOW_DATA_DIR": str(tmp_path / "data"),
        "GEMINI_API_KEY": "test-key",
        "GEMINI_BASE_URL": fake.base_url,
        "INLINE_MAX_MB": "0",
        "ENABLE_MEMORY_MONITORING": "false",
    }
