"""Killed mid-run, resumed from the journal: nothing lost, nothing billed twice, nothing leaked."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import ROOT, assert_nothing_leaked_after_forget, start_cli
from tests.helpers.leaks import leaked
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


def in_use(fake: FakeGemini, marker: str) -> list[str]:
    """Names of the files on the fake whose display name holds ``marker``."""
    return [f.name for f in fake.stored_files() if marker in f.display_name]


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
        # the answers of the 4th and 5th sections never come: with both slots held, the
        # run stands still when it is killed, their files on the server and in use (not
        # kept for re-asks), and no section between its journal entry and its result-cache
        # entry (two commits: a kill there would make the third run ask it again)
        fake.add_fault("hang", match=re.compile(r"\[s[45]\]"))
        first = await start_cli(args, env, tmp_path / "first.log")
        await until(
            lambda: (
                (state := journal_state(data))[1] == len(state[0]) == 3
                and len(set(leaked(fake, data)) & set(in_use(fake, "[s4]") + in_use(fake, "[s5]")))
                == 2
            ),
            timeout=60,
        )
        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert first.returncode == -signal.SIGKILL
        kept = done_in_journal(data)
        assert 3 <= len(kept) < 10 and not out.exists()
        assert leaked(fake, data)  # the killed run left files on the server; the next sweeps
        fake.clear_faults()
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
        assert_nothing_leaked_after_forget(fake, env)
