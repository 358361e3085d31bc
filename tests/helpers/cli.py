"""Running ``sectionflow`` in its own process, for tests that kill it, scrape its metrics
or read its output while it runs."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
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


def offline_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an offline CLI run with its own data and temp folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_API"))}
    env.pop("PROCESSOR", None)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(
        WORKDIR=str(tmp_path),
        PYTHONPATH=str(ROOT),
        SECTIONFLOW_DATA_DIR=str(tmp_path / "data"),
        TMPDIR=str(tmp_path / "tmp"),
        ENABLE_MEMORY_MONITORING="false",
    )
    return env


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``sectionflow ARGS`` in its own process, to its end; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=env["WORKDIR"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def error_lines(stderr: str) -> list[str]:
    """The ``sectionflow: error:`` lines of a run's stderr (there must be no traceback)."""
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("sectionflow: error: ")]


def journal_rows(data: Path, query: str) -> list[tuple[object, ...]]:
    """Rows of ``query`` on the journal in ``data``, read-only (a run may be writing);
    none while the file or its tables do not exist yet."""
    path = data / "journal.sqlite3"
    if not path.exists():
        return []
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute(query).fetchall()
    except sqlite3.OperationalError:
        return []


def assert_nothing_leaked_after_forget(fake: FakeGemini, env: dict[str, str]) -> None:
    """The CLI runs in ``env`` left no file on the fake that their ledger does not keep
    for re-asks, and ``sectionflow forget`` deletes the kept ones: none is left at all
    (tests/helpers/leaks.py says why a kept file is not a leak)."""
    from tests.helpers.leaks import leaked

    assert leaked(fake, Path(env["SECTIONFLOW_DATA_DIR"])) == []
    forgotten = run_cli(["forget"], env)
    assert forgotten.returncode == 0, forgotten.stderr
    assert fake.stored_files() == []
