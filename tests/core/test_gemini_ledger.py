"""The remote-file ledger: nothing stays on Gemini past the next start, even after SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.processors.gemini import GeminiProcessor
from core.remote_ledger import RemoteLedger, default_path
from tests.core.gemini_support import (
    build_document,
    settings_for,
)
from tests.fakes.fixtures import make_client, make_pdf, stats_wait
from tests.fakes.gemini import FakeGemini
from tests.helpers.wait import until

ROOT = Path(__file__).resolve().parents[2]


def record_in_dead_process(path: Path, display_name: str, scope: str) -> None:
    """Write an intent from a process that then exits, as a killed run would leave it."""
    code = (
        "import sys; from core.remote_ledger import RemoteLedger; "
        "RemoteLedger(sys.argv[1]).record_intent(sys.argv[2], sys.argv[3])"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(path), display_name, scope], cwd=ROOT, check=True
    )


def test_default_path_honours_the_env_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECTIONFLOW_DATA_DIR", str(tmp_path / "d"))
    assert default_path() == tmp_path / "d" / "remote-files.sqlite3"
    monkeypatch.delenv("SECTIONFLOW_DATA_DIR")
    assert "SectionFlow" in str(default_path())


def test_entries_are_durable_and_struck_off(remote_ledger: RemoteLedger) -> None:
    entry = remote_ledger.record_intent("Intro [s1] #x-1", "http://h")
    remote_ledger.record_remote(entry, "files/abc")
    [stored] = RemoteLedger(remote_ledger.path).entries()  # a fresh reader sees the commit
    assert (stored.display_name, stored.remote_name, stored.owner_pid) == (
        "Intro [s1] #x-1",
        "files/abc",
        os.getpid(),
    )
    with sqlite3.connect(remote_ledger.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    remote_ledger.strike(entry)
    assert remote_ledger.entries() == []


@pytest.mark.usefixtures("transport")
async def test_sweep_finds_cut_short_uploads_by_display_name(
    fake_gemini: FakeGemini, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    from google.genai import types

    client = make_client(fake_gemini)
    try:
        pdf = tmp_path / "a.pdf"
        make_pdf("orphan", path=pdf)
        name = "Orphan [s9] #dead-1"
        record_in_dead_process(remote_ledger.path, name, fake_gemini.base_url)
        await client.aio.files.upload(
            file=pdf, config=types.UploadFileConfig(mime_type="application/pdf", display_name=name)
        )
        record_in_dead_process(
            remote_ledger.path, "Never uploaded [s8] #dead-2", fake_gemini.base_url
        )
        assert len(fake_gemini.stored_files()) == 1

        report = await remote_ledger.sweep(client, scope=fake_gemini.base_url)

        assert fake_gemini.stored_files() == []
        assert len(report.deleted) == 1 and report.abandoned_intents == 1
        assert remote_ledger.entries() == []
    finally:
        await client.aio.aclose()


@pytest.mark.usefixtures("transport")
async def test_sweep_leaves_files_of_live_runs_alone(
    fake_gemini: FakeGemini, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    from google.genai import types

    client = make_client(fake_gemini)
    try:
        pdf = tmp_path / "a.pdf"
        make_pdf("busy", path=pdf)
        other_run = RemoteLedger(remote_ledger.path)  # another run in this (live) process
        entry = other_run.record_intent("Busy [s1] #live-1", fake_gemini.base_url)
        remote = await client.aio.files.upload(
            file=pdf, config=types.UploadFileConfig(mime_type="application/pdf")
        )
        other_run.record_remote(entry, remote.name)

        report = await remote_ledger.sweep(client, include_own=True)

        assert report.kept_live == 1 and report.deleted == []
        assert len(fake_gemini.stored_files()) == 1
        report = await other_run.sweep(client, include_own=True)  # its own end of run
        assert report.deleted == [remote.name]
        assert fake_gemini.stored_files() == []
    finally:
        await client.aio.aclose()


@pytest.mark.usefixtures("transport")
@pytest.mark.parametrize("held", ["generate", "upload_chunk"])
async def test_sigkill_mid_run_leaks_nothing_past_the_next_start(
    fake_gemini: FakeGemini, tmp_path: Path, held: str
) -> None:
    """Killed while answers are awaited (six files up there: three being analysed, three
    uploaded ahead of them) or mid-upload (intents whose remote name was never learnt):
    the next start cleans up either way."""
    data_dir = tmp_path / "data"
    build_document(tmp_path / "doc.pdf", [1] * 6)
    fake_gemini.pause(held)  # the child's requests on that endpoint wait until resume()
    env = {**os.environ, "SECTIONFLOW_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.core.gemini_kill_child",
            fake_gemini.base_url,
            "doc.pdf",
            "6",
        ],
        cwd=tmp_path,
        env=env,
        start_new_session=True,  # its PDF workers share its process group
    )
    if held == "generate":
        ready, stored = (lambda s: s.generate_in_flight >= 3), 6
    else:
        ready, stored = (lambda s: s.uploads_in_flight >= 2), 0
    try:
        await stats_wait(fake_gemini, ready, timeout=45)
        await until(lambda: len(fake_gemini.stored_files()) == stored, timeout=45)
        if held == "generate":  # the six uploads' names written down, as the run goes on
            ledger = RemoteLedger(data_dir / "remote-files.sqlite3")
            await until(lambda: sum(bool(e.remote_name) for e in ledger.entries()) == 6, 45)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # the orphaned PDF workers, if any
        child.wait(10)
        fake_gemini.resume()
    assert len(fake_gemini.stored_files()) == stored  # what the kill leaked

    remote_ledger = RemoteLedger(data_dir / "remote-files.sqlite3")
    entries = remote_ledger.entries()
    assert len(entries) == (6 if held == "generate" else 2)
    assert all(bool(e.remote_name) == (held == "generate") for e in entries)
    next_start = GeminiProcessor(settings_for(fake_gemini), remote_ledger)
    await next_start.open()
    await next_start.started()  # the start-up sweep is over
    try:
        assert fake_gemini.stored_files() == []
        assert remote_ledger.entries() == []
    finally:
        await next_start.close()
