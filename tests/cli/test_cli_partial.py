"""Answers cut off at the output-token limit are 'partial' everywhere, never cached, and
asked again by --resume and retry."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.gemini import FakeGemini
from tests.helpers.cli import gemini_env, run_cli
from tests.helpers.pdfs import make_pdf

SECTIONS = 4


def test_cut_off_answers_are_partial_not_cached_and_asked_again(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "long.pdf", SECTIONS)
    out_json, out_md = tmp_path / "out.json", tmp_path / "out.md"
    with FakeGemini(processing_delay=0.02) as fake:
        env = gemini_env(tmp_path, fake)
        args = ["process", str(pdf), "--processor", "gemini", "--every", "1"]
        args += ["--json", str(out_json), "--markdown", str(out_md)]
        fake.add_fault("max_tokens")  # every answer stops at the output-token limit

        first = run_cli(args, env)
        assert first.returncode == 1, first.stderr
        assert first.stdout.count("│ partial") == SECTIONS
        assert f"0 of {SECTIONS} sections done ({SECTIONS} partial: cut off)" in first.stdout
        data = json.loads(out_json.read_text())
        for section in data["sections"]:
            assert section["status"] == "partial"
            assert (
                section["partial"]["reason"] == "the answer was cut off at the output token limit"
            )
            assert section["result"]["markdown"]  # what was said is kept
        assert out_md.read_text().count("> **⚠ Partial:** the answer was cut off") == SECTIONS
        assert len(fake.stats.document_calls(200)) == SECTIONS

        again = run_cli(args, env)  # a new run of the same pages: nothing was cached
        assert again.returncode == 1
        assert len(fake.stats.document_calls(200)) == 2 * SECTIONS

        resumed = run_cli([*args, "--resume"], env)  # resume asks the partial ones again
        assert resumed.returncode == 1
        assert f"0 of {SECTIONS} sections already done" in resumed.stderr
        assert len(fake.stats.document_calls(200)) == 3 * SECTIONS

        fake.clear_faults()
        run_id = json.loads(out_json.read_text())["run"]["id"]
        retried = run_cli(["retry", run_id, "--json", str(out_json)], env)
        assert retried.returncode == 0, retried.stderr
        assert f"retrying {SECTIONS} section(s)" in retried.stderr
        assert len(fake.stats.document_calls(200)) == 4 * SECTIONS
        statuses = [s["status"] for s in json.loads(out_json.read_text())["sections"]]
        assert statuses == ["done"] * SECTIONS
