"""Soak: ten kill -9s at random moments under mixed faults, each followed by --resume.

In the end every section is exported exactly once, Gemini answered each section only
when it needed an answer (never again once its result was in the journal, never twice
within one process), and nothing is leaked: no remote file the ledger does not keep for
re-asks (and none at all after ``forget``), no temp folder, no stray export file. The
moments and faults come from a random generator started from a printed number (pytest
shows it when the test fails); SECTIONFLOW_SOAK_START=N replays a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
from collections import Counter
from pathlib import Path

import pytest

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import (
    assert_nothing_leaked_after_forget,
    gemini_env,
    journal_rows,
    start_cli,
)
from tests.helpers.pdfs import make_pdf
from tests.helpers.wait import until

START = int(os.environ.get("SECTIONFLOW_SOAK_START", "20251129"))
SECTIONS = 16
KILLS = 10
#: (kind, endpoint): faults a run recovers from by itself, or that fail a section for
#: this run only (a FAILED file), to be run again by the next --resume
FAULTS = [
    ("503", "generate"),
    ("429", "generate"),
    ("reset", "generate"),
    ("disconnect", "generate"),
    ("lost_session", "upload_final"),
    ("reset", "upload_final"),
    ("failed_file", "upload"),
]
SECTION_ID = re.compile(r"\[(s\d+)\]")
DONE = "SELECT section_id FROM sections WHERE state='done'"


def clean_answers(fake: FakeGemini, key: str) -> Counter[str]:
    """Whole answers (200, no fault cutting them) Gemini gave the process using ``key``."""
    counts: Counter[str] = Counter()
    for record in fake.stats.generate_records():
        if record.status == 200 and record.fault is None and record.api_key == key:
            counts.update(SECTION_ID.findall(record.key))
    return counts


def add_faults(fake: FakeGemini, rng: random.Random) -> None:
    fake.clear_faults()
    for number in rng.sample(range(1, SECTIONS + 1), 4):
        kind, endpoint = rng.choice(FAULTS)
        fake.add_fault(kind, f"[s{number}]", times=1, endpoint=endpoint, retry_delay_s=0.2)


async def kill_at_random(
    process: asyncio.subprocess.Process, fake: FakeGemini, rng: random.Random
) -> None:
    """kill -9 at a random moment: once 0-40 more requests have reached Gemini (0: while
    it starts), unless it has ended by then."""
    target = len(fake.stats.requests) + rng.randint(0, 40)
    await until(
        lambda: process.returncode is not None or len(fake.stats.requests) >= target,
        timeout=120,
    )
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_kill_nine_ten_times_under_faults_then_resume(tmp_path: Path) -> None:
    print(f"soak start: {START} (SECTIONFLOW_SOAK_START={START} replays this run)")
    rng = random.Random(START)
    pdf = make_pdf(tmp_path / "soak.pdf", SECTIONS)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "soak.json"
    temp = tmp_path / "tmp"
    temp.mkdir()
    with FakeGemini(latency=0.15, processing_delay=0.05) as fake:
        env = {
            **gemini_env(tmp_path, fake),
            "TMPDIR": str(temp),
            "MAX_CONCURRENT_SECTION_TASKS": "3",
            "RETRY_BACKOFF_BASE_SECONDS": "0.1",
            "RETRY_BACKOFF_MAX_SECONDS": "0.5",
            "UPLOAD_MAX_RETRIES": "6",
            "PROCESS_MAX_RETRIES": "6",
        }
        data = Path(env["SECTIONFLOW_DATA_DIR"])
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1"]
        args += ["--json", str(out), "--resume"]
        for cycle in range(KILLS + 1):
            final = cycle == KILLS
            if final:
                fake.clear_faults()
            else:
                add_faults(fake, rng)
            done_before = {row[0] for row in journal_rows(data, DONE)}
            key = f"soak-{cycle}"
            log = tmp_path / f"cycle-{cycle}.log"
            process = await start_cli(args, {**env, "GEMINI_API_KEY": key}, log)
            if not final:
                await kill_at_random(process, fake, rng)
            code = await process.wait()
            assert code in (0, 1, -signal.SIGKILL), log.read_text()
            assert "Traceback" not in log.read_text()
            answers = clean_answers(fake, key)
            # once per section per process, and never for a section already journaled
            assert set(answers.values()) <= {1}, (cycle, answers)
            assert not set(answers) & done_before, (cycle, answers, done_before)
        assert code == 0, log.read_text()

        exported = json.loads(out.read_text())["sections"]
        ids = [section["id"] for section in exported]
        assert sorted(ids) == sorted(f"s{i}" for i in range(1, SECTIONS + 1))
        assert all(section["status"] == "done" for section in exported)
        cached = {s["id"] for s in exported if "from cache" in s["result"]["notes"]}
        # the last run asked Gemini for exactly the sections it had no answer for: not
        # in the journal, not in the cache (a killed run may have cached, not journaled)
        assert set(answers) == set(ids) - done_before - cached
        # every file left on Gemini is one the ledger keeps for re-asks; forget ends that
        assert_nothing_leaked_after_forget(fake, env)
    assert [p.name for p in temp.iterdir()] == []
    assert [p.name for p in out_dir.iterdir()] == ["soak.json"]
