"""A damaged journal or remote-file ledger is moved aside, a fresh one is started, one
line says where the old one went, and nothing is paid for and thrown away."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import (
    assert_nothing_leaked_after_forget,
    error_lines,
    gemini_env,
    offline_env,
    run_cli,
)
from tests.helpers.pdfs import make_pdf

NOT_A_DATABASE = b"hello world\n"


def damaged_copies(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f"{name}.damaged-*"))


def test_damaged_journal_is_moved_aside_and_every_command_works(tmp_path: Path) -> None:
    env = offline_env(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "journal.sqlite3").write_bytes(NOT_A_DATABASE)

    listing = run_cli(["runs"], env)
    assert listing.returncode == 0, listing.stderr
    assert "No runs yet." in listing.stdout
    (moved,) = damaged_copies(data, "journal.sqlite3")
    assert moved.read_bytes() == NOT_A_DATABASE  # kept, for whoever wants to rescue it
    notes = [line for line in listing.stderr.splitlines() if "moved aside" in line]
    assert len(notes) == 1 and str(moved) in notes[0]

    pdf = make_pdf(tmp_path / "doc.pdf", 4)
    (data / "journal.sqlite3").write_bytes(NOT_A_DATABASE)  # damaged again
    out = tmp_path / "out.json"
    args = ["process", str(pdf), "--every", "2", "--processor", "local", "--json", str(out)]
    done = run_cli([*args, "--resume"], env)
    assert done.returncode == 0, done.stderr
    assert len(damaged_copies(data, "journal.sqlite3")) == 2
    assert [s["status"] for s in json.loads(out.read_text())["sections"]] == ["done", "done"]
    forget = run_cli(["forget"], env)
    assert forget.returncode == 0 and not error_lines(forget.stderr)


def test_damaged_ledger_is_replaced_before_the_first_upload(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "doc.pdf", 6)
    data = tmp_path / "data"
    data.mkdir()
    ledger = data / "remote-files.sqlite3"
    ledger.write_bytes(NOT_A_DATABASE)
    out = tmp_path / "out.json"
    with FakeGemini(processing_delay=0.02) as fake:
        env = gemini_env(tmp_path, fake)
        args = ["process", str(pdf), "--every", "2", "--processor", "gemini", "--json", str(out)]
        done = run_cli(args, env)
        assert done.returncode == 0, done.stderr
        assert "DatabaseError" not in done.stderr
        (moved,) = damaged_copies(data, "remote-files.sqlite3")
        assert str(moved) in done.stderr
        sections = json.loads(out.read_text())["sections"]
        assert [s["status"] for s in sections] == ["done"] * 3
        # each section uploaded and analysed once: nothing paid for, then thrown away
        assert len(fake.stats.document_calls(200)) == 3
        assert fake.stats.count("upload", 200) == 3
        # a working ledger: it keeps every upload for re-asks, and forgetting clears it
        with sqlite3.connect(ledger) as fresh:
            kept = fresh.execute("SELECT COUNT(*) FROM remote_files WHERE keep_until > 0")
            assert kept.fetchone() == (3,)
        assert_nothing_leaked_after_forget(fake, env)
    with sqlite3.connect(ledger) as fresh:
        assert fresh.execute("SELECT COUNT(*) FROM remote_files").fetchone() == (0,)
