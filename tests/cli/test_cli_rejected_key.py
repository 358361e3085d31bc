"""A rejected API key stops new sections at once: the rest are "not started", one line
says what to fix, exit 1, and not a call per section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import error_lines, gemini_env, run_cli
from tests.helpers.pdfs import make_pdf

SECTIONS = 12
AT_ONCE = 2


@pytest.mark.parametrize("how", ["invalid key", "401", "403"])
def test_rejected_key_stops_the_run(tmp_path: Path, how: str) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", SECTIONS)
    out = tmp_path / "out.json"
    with FakeGemini(processing_delay=0.02) as fake:
        if how == "invalid key":  # as Gemini answers a key that is not valid: 400
            fake.valid_keys = {"the-right-key"}
        else:  # 401 UNAUTHENTICATED, 403 PERMISSION_DENIED on the first upload
            fake.add_fault("error", status=int(how), endpoint="upload")
        env = {**gemini_env(tmp_path, fake), "MAX_CONCURRENT_SECTION_TASKS": str(AT_ONCE)}
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1", "--json", str(out)]
        done = run_cli(args, env)
        calls = len(fake.stats.requests)

    assert done.returncode == 1, done.stderr
    (line,) = error_lines(done.stderr)
    assert line.startswith("sectionflow: error: the run stopped early: Gemini ")
    if how != "403":
        assert "Check GEMINI_API_KEY" in line
    assert calls <= AT_ONCE  # the sections already going, not one per section
    sections = json.loads(out.read_text())["sections"]
    reasons = [s["failure"]["reason"] for s in sections]
    not_started = [r for r in reasons if r.startswith("Not started: the API key was")]
    assert len(not_started) >= SECTIONS - AT_ONCE
    assert all(s["status"] == "failed" for s in sections)
