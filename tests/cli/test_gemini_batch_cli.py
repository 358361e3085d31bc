"""Gemini Batch mode from the command line: submit, get killed while the job is pending,
pick the job up by name, and end with every answer exported and nothing left on Gemini."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import ROOT, error_lines, gemini_env, run_cli, start_cli
from tests.helpers.pdfs import make_pdf
from tests.helpers.wait import until

SECTIONS = 4


def journaled_job(data_dir: Path) -> str | None:
    path = data_dir / "journal.sqlite3"
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT job_name FROM batch_jobs").fetchone()
    except sqlite3.OperationalError:  # no table yet
        return None
    return row[0] if row else None


async def test_killed_while_pending_then_resumed_by_job_name(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", SECTIONS)
    out, md = tmp_path / "out.json", tmp_path / "out.md"
    data = tmp_path / "data"
    with FakeGemini(processing_delay=0.02, batch_pending_s=None, batch_running_s=0.05) as fake:
        env = gemini_env(tmp_path, fake)
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1", "--batch-mode"]
        args += ["--poll-every", "0.02", "--json", str(out), "--markdown", str(md)]
        first = await start_cli(args, env, tmp_path / "first.log")

        def polled_while_pending() -> bool:
            jobs = fake.batches()
            return bool(jobs) and jobs[0].gets >= 2 and journaled_job(data) == jobs[0].name

        await until(polled_while_pending, timeout=60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        first_log = (tmp_path / "first.log").read_text()
        assert "interactive" in first_log and "batch" in first_log  # the cost comparison
        assert "JOB_STATE_PENDING" in first_log
        (job,) = fake.batches()
        assert job.state == "PENDING" and job.keys == tuple(f"s{i}" for i in range(1, 5))
        assert len(fake.stored_files()) == SECTIONS + 1  # the sections and the JSONL
        assert not out.exists()

        # A run starting now must not sweep the files the pending job needs.
        listing = subprocess.run(
            [sys.executable, "-m", "cli", "batch-resume"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listing.returncode == 0 and job.name in listing.stdout
        fake.release_batches()
        second = await start_cli(
            ["batch-resume", job.name.removeprefix("batches/"), "--poll-every", "0.02"],
            env,
            tmp_path / "second.log",
        )
        await asyncio.wait_for(second.wait(), 90)
        second_log = (tmp_path / "second.log").read_text()
        assert second.returncode == 0, second_log
        assert "JOB_STATE_SUCCEEDED" in second_log

        exported = json.loads(out.read_text())
        assert [s["status"] for s in exported["sections"]] == ["done"] * SECTIONS
        for number, section in enumerate(exported["sections"], start=1):
            assert f"first_line=Page {number}" in section["result"]["raw_text"]
            assert section["result"]["stats"]["batch_job"] == job.name
        assert "first_line=Page 4" in md.read_text()
        # every section's answer came from the batch; one text-only request made the
        # whole-document synthesis from them, by the process that collected them
        assert len(fake.stats.generate_records()) == 1
        assert len(fake.stats.text_only_calls()) == 1
        assert exported["synthesis"]["sections"] == SECTIONS
        assert fake.stored_files() == []  # sections, JSONL and the answers file: all deleted
        assert not fake.server_errors

        again = subprocess.run(
            [sys.executable, "-m", "cli", "batch-resume", job.name],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 2 and "already collected" in again.stderr
        assert again.stderr.count("\n") == 1


def test_batch_resume_unknown_job_is_one_line(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "SECTIONFLOW_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "batch-resume", "batches/nope"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("sectionflow: error: no batch job 'batches/nope'")
    assert proc.stderr.count("\n") == 1


def test_batch_mode_on_vertex_with_a_bucket_is_one_clear_line(tmp_path: Path) -> None:
    """Batch mode is out of scope on Vertex, bucket or not: one line, nothing sent."""
    pdf = make_pdf(tmp_path / "report.pdf", SECTIONS)
    with FakeGemini() as fake:
        env = gemini_env(tmp_path, fake)
        env.update(GOOGLE_GENAI_USE_VERTEXAI="true", GCS_BUCKET="gs://acme-docs/runs")
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1", "--batch-mode"]
        proc = run_cli(args, env)
    assert proc.returncode == 2
    [line] = error_lines(proc.stderr)
    assert "Batch mode is not available with Vertex AI" in line and "GCS_BUCKET" in line
    assert fake.stats.count("batch_create") == 0 and fake.stats.count("upload") == 0
