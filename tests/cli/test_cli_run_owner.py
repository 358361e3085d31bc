"""One run, one process: a second --resume of a live run refuses (or waits with --wait),
two resumes of a killed run never analyse a section twice."""

from __future__ import annotations

import json
import re
import signal
from collections import Counter
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import (
    assert_nothing_leaked_after_forget,
    gemini_env,
    journal_rows,
    start_cli,
)
from tests.helpers.pdfs import make_pdf
from tests.helpers.wait import until

SECTION_ID = re.compile(r"\[(s\d+)\]")
SECTIONS = 8


def analysed(fake: FakeGemini, key: str) -> Counter[str]:
    """How many answers each section got from the process that used API key ``key``."""
    counts: Counter[str] = Counter()
    for record in fake.stats.generate_records():
        if record.status == 200 and record.api_key == key:
            counts.update(SECTION_ID.findall(record.key))
    return counts


async def test_resume_of_a_live_run_refuses_or_waits(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", SECTIONS)
    out = tmp_path / "out.json"
    with FakeGemini(latency=0.4, processing_delay=0.02) as fake:
        env = {**gemini_env(tmp_path, fake), "MAX_CONCURRENT_SECTION_TASKS": "2"}
        data = Path(env["SECTIONFLOW_DATA_DIR"])
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1", "--json", str(out)]
        first = await start_cli(args, {**env, "GEMINI_API_KEY": "first"}, tmp_path / "1.log")
        await until(lambda: journal_rows(data, "SELECT pid FROM run_owners"), timeout=60)
        ((owner,),) = journal_rows(data, "SELECT pid FROM run_owners")
        assert owner == first.pid

        second = await start_cli(
            [*args, "--resume"], {**env, "GEMINI_API_KEY": "second"}, tmp_path / "2.log"
        )
        assert await second.wait() == 2
        refusal = (tmp_path / "2.log").read_text().strip()
        assert refusal.startswith("sectionflow: error: run ")
        assert f"(pid {first.pid})" in refusal and "--wait" in refusal
        assert len(refusal.splitlines()) == 1

        third = await start_cli(
            [*args, "--resume", "--wait"], {**env, "GEMINI_API_KEY": "third"}, tmp_path / "3.log"
        )
        assert await first.wait() == 0
        assert await third.wait() == 0, (tmp_path / "3.log").read_text()
        assert f"waiting for process {first.pid}" in (tmp_path / "3.log").read_text()
        assert analysed(fake, "first") == Counter({f"s{i}": 1 for i in range(1, SECTIONS + 1)})
        assert not analysed(fake, "second") and not analysed(fake, "third")
        exported = json.loads(out.read_text())["sections"]
        assert [s["status"] for s in exported] == ["done"] * SECTIONS
        assert journal_rows(data, "SELECT * FROM run_owners") == []  # released at the end


async def test_two_resumes_of_a_killed_run_analyse_each_section_once(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", SECTIONS)
    with FakeGemini(latency=0.3, processing_delay=0.02) as fake:
        env = {**gemini_env(tmp_path, fake), "MAX_CONCURRENT_SECTION_TASKS": "2"}
        data = Path(env["SECTIONFLOW_DATA_DIR"])
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1"]
        killed = await start_cli(args, {**env, "GEMINI_API_KEY": "killed"}, tmp_path / "k.log")
        done = "SELECT section_id FROM sections WHERE state='done'"
        await until(lambda: len(journal_rows(data, done)) >= 2, timeout=60)
        killed.send_signal(signal.SIGKILL)
        await killed.wait()
        kept = {row[0] for row in journal_rows(data, done)}
        assert len(kept) < SECTIONS

        resumes = [
            await start_cli(
                [*args, "--resume", "--json", str(tmp_path / f"{name}.json")],
                {**env, "GEMINI_API_KEY": name},
                tmp_path / f"{name}.log",
            )
            for name in ("left", "right")
        ]
        codes = [await process.wait() for process in resumes]
        logs = {name: (tmp_path / f"{name}.log").read_text() for name in ("left", "right")}
        assert all(code in (0, 2) for code in codes), logs
        assert all("Traceback" not in text for text in logs.values())
        for code, text in zip(codes, logs.values(), strict=True):
            if code == 2:  # refused while the other one had the run
                assert "is being processed by another SectionFlow process" in text
        both = analysed(fake, "left") + analysed(fake, "right")
        cached = set().union(*(from_cache(tmp_path / f"{n}.json") for n in ("left", "right")))
        # every section the killed run did not finish is analysed once, by one of them
        # (unless the killed run had cached its answer just before it was killed)
        left_undone = {f"s{i}" for i in range(1, SECTIONS + 1)} - kept
        assert set(both.values()) == {1}, both
        assert set(both) | cached >= left_undone
        assert not set(both) & kept
        assert_nothing_leaked_after_forget(fake, env)


def from_cache(export: Path) -> set[str]:
    """Sections an export says were served from the result cache."""
    if not export.exists():
        return set()
    sections = json.loads(export.read_text())["sections"]
    return {s["id"] for s in sections if "from cache" in s.get("result", {}).get("notes", [])}
