"""Killed mid-run, resumed from the journal: nothing lost, nothing billed twice, nothing leaked."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import ROOT, start_cli
from tests.helpers.pdfs import make_pdf
from tests.helpers.wait import until

SECTION_ID = re.compile(r"\[(s\d+)\]")


def done_in_journal(data_dir: Path) -> set[str]:
    return journal_state(data_dir)[0]


def journal_state(data_dir: Path) -> tuple[set[str], int]:
    """The sections recorded done and the answers cached, read at one moment."""
    path = data_dir / "journal.sqlite3"
    if not path.exists():
        return set(), 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            rows = db.execute("SELECT section_id FROM sections WHERE state='done'").fetchall()
            (cached,) = db.execute("SELECT COUNT(*) FROM cache").fetchone()
    except sqlite3.OperationalError:  # created but no table yet
        return set(), 0
    return {row[0] for row in rows}, cached


def processed_sections(fake: FakeGemini) -> list[str]:
    """Section ids of the successful generate calls the server answered."""
    ids = []
    for record in fake.stats.generate_records():
        if record.status == 200:
            ids += SECTION_ID.findall(record.key)
    return ids


async def test_sigkill_then_resume_processes_only_the_rest(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", 10)
    data = tmp_path / "data"
    out = tmp_path / "out.json"
    with FakeGemini(latency=0.25, processing_delay=0.02) as fake:
        env = {
            **os.environ,
            "WORKDIR": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            "SECTIONFLOW_DATA_DIR": str(data),
            "GEMINI_API_KEY": "test-key",
            "GEMINI_BASE_URL": fake.base_url,
            "INLINE_MAX_MB": "0",
            "MAX_CONCURRENT_SECTION_TASKS": "2",
        }
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1", "--json", str(out)]
        first = await start_cli(args, env, tmp_path / "first.log")
        # kill while a section's file is on the server and the run is at rest: answers
        # held (no section can finish), every recorded one cached too (a kill between a
        # section's journal record and its cache entry makes a later new run ask again)
        await until(lambda: len(done_in_journal(data)) >= 3, timeout=60)
        fake.pause("generate")

        def at_rest() -> bool:
            done, cached = journal_state(data)
            held = fake.stats.generate_in_flight == 2  # MAX_CONCURRENT_SECTION_TASKS
            return held and cached == len(done) and bool(fake.stored_files())

        await until(at_rest, timeout=60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        fake.resume()
        assert first.returncode == -signal.SIGKILL
        kept = done_in_journal(data)
        assert 3 <= len(kept) < 10 and not out.exists()
        assert fake.stored_files()  # the killed run left files on the server
        fake.reset_stats()

        second = await start_cli([*args, "--resume"], env, tmp_path / "second.log")
        await second.wait()
        output = (tmp_path / "second.log").read_text()
        assert second.returncode == 0, output
        assert "already done" in output
        again = processed_sections(fake)
        exported = json.loads(out.read_text())
        ids = [s["id"] for s in exported["sections"]]
        assert sorted(ids, key=lambda i: int(i[1:])) == [f"s{i}" for i in range(1, 11)]
        assert all(s["status"] == "done" for s in exported["sections"])
        # only the unfinished sections were processed, each once
        assert sorted(again) == sorted({f"s{i}" for i in range(1, 11)} - kept)
        # the synthesis was made once, by the resumed run, from all ten answers
        assert len(fake.stats.text_only_calls()) == 1
        assert exported["synthesis"]["sections"] == 10

        fake.reset_stats()  # once more: the run is complete, nothing is sent again
        third = await start_cli([*args, "--resume"], env, tmp_path / "third.log")
        await third.wait()
        assert third.returncode == 0, (tmp_path / "third.log").read_text()
        assert fake.stats.generate_records() == []
        assert json.loads(out.read_text())["synthesis"] == exported["synthesis"]
        assert fake.stored_files() == []
