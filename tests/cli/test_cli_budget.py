"""``--max-cost``: the estimate says how far the cap reaches, the run stops starting
sections there (exit 1, the rest ``skipped``), and ``retry`` with a new cap finishes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import ROOT, gemini_env
from tests.helpers.pdfs import make_pdf

SECTIONS = 6


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=env["WORKDIR"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_capped_run_skips_the_rest_and_retry_finishes_it(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", SECTIONS)
    out = tmp_path / "out.json"
    with FakeGemini(processing_delay=0.02, tokens_per_page=40_000) as fake:
        env = {**gemini_env(tmp_path, fake), "MAX_CONCURRENT_SECTION_TASKS": "1"}
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1"]
        first = cli([*args, "--max-cost", "0.05", "--json", str(out)], env)

        assert first.returncode == 1, first.stderr
        assert "budget $0.05: the run is estimated at $" in first.stderr
        data = json.loads(out.read_text())
        statuses = [s["status"] for s in data["sections"]]
        assert "done" in statuses and "skipped" in statuses
        assert set(statuses) == {"done", "skipped"}
        skipped = [s for s in data["sections"] if s["status"] == "skipped"]
        assert all(s["failure"]["reason"].startswith("budget reached (") for s in skipped)
        assert fake.stats.count("generate") == statuses.count("done") < SECTIONS

        again = cli(["retry", data["run"]["id"], "--max-cost", "0", "--json", str(out)], env)

        assert again.returncode == 0, again.stderr
        assert {s["status"] for s in json.loads(out.read_text())["sections"]} == {"done"}
        assert len(fake.stats.document_calls()) == SECTIONS  # and one synthesis request
        assert len(fake.stats.text_only_calls()) == 1


def test_a_negative_cap_is_one_line(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", 1)
    env = {
        **os.environ,
        "WORKDIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "SECTIONFLOW_DATA_DIR": str(tmp_path / "data"),
    }
    done = cli(["process", str(pdf), "--max-cost", "-2"], env)
    assert done.returncode == 2
    assert "--max-cost: '-2' is not an amount: give 0 or more" in done.stderr
    assert "Traceback" not in done.stderr
