"""JSON and Markdown exports: the versioned schema, the table's order, failures, cost,
atomicity."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
from pathlib import Path

import pytest

from core import export
from core.errors import ExportError, SectionFlowError
from core.processors.base import Prompt
from core.results import SectionResult, TokenUsage
from core.run_types import Failure, RunOutcome
from core.sections import Section

SECRET = "AIza-not-a-real-key"


def _result(section: Section, markdown: str, tokens: int = 0) -> SectionResult:
    return SectionResult(
        section_id=section.id,
        title=section.title,
        pages=section.page_spec,
        processor="gemini",
        model="gemini-test",
        markdown=markdown,
        raw_text=markdown,
        fields={"facts": [{"fact": "Revenue rose", "value": "9%", "page": 1}]},
        tokens=TokenUsage(prompt=tokens, output=10, total=tokens + 10),
        stats={"pages": len(section.pages)},
        notes=["answer was cut at the token limit"] if tokens > 100 else [],
    )


@pytest.fixture
def outcome(tmp_path: Path) -> RunOutcome:
    """Four sections handed over out of document order: done, failed, cancelled, never run."""
    body = Section(id="s2", title="Body", pages=(4, 5, 6))
    intro = Section(id="s1", title="Intro", pages=(1, 2, 3))
    annex = Section(id="s3", title="Annex", pages=(7,))
    late = Section(id="s4", title="Late", pages=(8, 9), prompt="Only tables")
    done = {
        intro.id: _result(
            intro, "# Overview\n\nIt began.\n\n## Detail\n\n```\n# not a heading\n```"
        ),
        body.id: _result(body, "Body text.", tokens=500),
    }
    return RunOutcome(
        run_id="run123",
        document=tmp_path / "Annual Report.pdf",
        document_sha256="ab" * 32,
        page_count=9,
        sections=[body, late, intro, annex],
        prompt=Prompt(name="key_facts", text="List facts", schema={"type": "object"}),
        processor="gemini",
        model="gemini-test",
        settings={"max_concurrent_uploads": 3, "processor": "gemini"},
        started_at="2025-03-01T12:00:00+00:00",
        elapsed_s=12.34567,
        cancelled=False,
        results=done,
        failures={
            annex.id: Failure(reason="Gemini blocked the answer (SAFETY)", attempts=1),
            late.id: Failure(reason="Cancelled", attempts=2, cancelled=True),
        },
        timings={intro.id: {"split": 0.12345, "total": 2.0}, body.id: {"total": 3.5}},
        attempts={intro.id: 1, body.id: 3, annex.id: 1, late.id: 2},
        summary={"sections": 4, "done": 2, "failed": 2},
        title="Annual Report 2024",
    )


# ------------------------------------------------------------------------------ JSON
def test_json_schema_fields(outcome: RunOutcome) -> None:
    data = export.to_json_dict(outcome)
    assert data["schema"] == "sectionflow.run/1"
    assert data["document"] == {
        "path": str(outcome.document.resolve()),
        "name": "Annual Report.pdf",
        "title": "Annual Report 2024",
        "sha256": "ab" * 32,
        "page_count": 9,
    }
    run = data["run"]
    assert run["id"] == "run123" and run["started_at"] == "2025-03-01T12:00:00+00:00"
    assert run["elapsed_s"] == 12.346 and run["cancelled"] is False
    assert (run["processor"], run["model"]) == ("gemini", "gemini-test")
    assert run["prompt"]["name"] == "key_facts" and run["prompt"]["text"] == "List facts"
    assert data["settings"] == outcome.settings
    assert data["summary"] == {**outcome.summary, "cost_usd": None}  # no price for the model
    json.dumps(data)  # plain data all the way down


def test_json_sections_in_the_tables_order_with_status(outcome: RunOutcome) -> None:
    sections = export.to_json_dict(outcome)["sections"]
    assert [s["id"] for s in sections] == ["s2", "s4", "s1", "s3"]  # as listed, not by page
    assert [s["status"] for s in sections] == ["done", "cancelled", "done", "failed"]
    body, late, intro, annex = sections
    assert intro["pages"] == "1-3" and intro["page_count"] == 3
    assert intro["timings"] == {"split": 0.123, "total": 2.0}
    assert body["attempts"] == 3
    assert body["tokens"]["total"] == 510
    assert body["result"]["fields"]["facts"][0]["value"] == "9%"
    assert set(body["result"]) >= {"markdown", "raw_text", "fields", "stats", "notes"}
    assert "failure" not in body
    assert annex["failure"] == {"reason": "Gemini blocked the answer (SAFETY)"}
    assert "result" not in annex and annex["tokens"]["total"] == 0
    assert late["failure"]["reason"] == "Cancelled" and late["prompt"] == "Only tables"


def test_a_section_with_no_record_is_reported_not_dropped(outcome: RunOutcome) -> None:
    outcome.sections.append(Section(id="s5", title="Ghost", pages=(9,)))
    ghost = export.to_json_dict(outcome)["sections"][-1]
    assert ghost["status"] == "failed" and ghost["failure"]["reason"]
    outcome.cancelled = True
    ghost = export.to_json_dict(outcome)["sections"][-1]
    assert ghost["status"] == "cancelled"


def test_write_json_round_trips_and_leaves_no_temp(outcome: RunOutcome, tmp_path: Path) -> None:
    out = tmp_path / "out" / "run.json"
    out.parent.mkdir()
    written = export.write_json(outcome, out)
    assert written == out
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        json.dumps(export.to_json_dict(outcome))
    )
    assert [p.name for p in out.parent.iterdir()] == ["run.json"]


def test_exported_settings_carry_no_secret(tmp_path: Path, outcome: RunOutcome) -> None:
    from core.settings import Settings
    from core.snapshot import public_settings

    outcome.settings = public_settings(Settings(_env_file=None, gemini_api_key=SECRET))
    out = export.write_json(outcome, tmp_path / "run.json")
    assert SECRET not in out.read_text(encoding="utf-8")


# -------------------------------------------------------------------------- Markdown
def test_markdown_report(outcome: RunOutcome) -> None:
    text = export.render_markdown(outcome)
    lines = text.splitlines()
    assert lines[0] == "# Annual Report 2024"
    assert lines[2].startswith("_Run run123") and "2 of 4 sections done" in lines[2]
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Body (pages 4-6)",
        "## Late (pages 8-9)",
        "## Intro (pages 1-3)",
        "## Annex (page 7)",
    ]
    assert "**Prompt** (key_facts):" in lines and "> List facts" in lines
    assert "**Prompt for this section:** Only tables" in lines
    assert "> Failed: Gemini blocked the answer (SAFETY)" in lines
    assert "> Cancelled: Cancelled" in lines
    assert "> Note: answer was cut at the token limit" in lines


def test_cost_per_section_and_in_all(outcome: RunOutcome) -> None:
    """At gemini-2.5-flash's $0.30 in and $2.50 out per million tokens: Intro 0 + 10
    tokens, Body 500 + 10; the annex failed and costs nothing known."""
    for result in outcome.results.values():
        result.model = "gemini-2.5-flash"
    data = export.to_json_dict(outcome)
    costs = {s["id"]: s["cost_usd"] for s in data["sections"]}
    intro = 10 * 2.50 / 1e6
    body = (500 * 0.30 + 10 * 2.50) / 1e6
    assert costs == {"s1": round(intro, 6), "s2": round(body, 6), "s3": None, "s4": None}
    assert data["summary"]["cost_usd"] == round(intro + body, 6)
    text = export.render_markdown(outcome)
    assert f"cost ${intro + body:.4f}" in text.splitlines()[2]
    assert f"_510 tokens · cost ${body:.4f}_" in text


def test_markdown_nests_answer_headings_under_the_section(outcome: RunOutcome) -> None:
    text = export.render_markdown(outcome)
    assert "### Overview" in text and "#### Detail" in text
    assert "\n# not a heading\n" in text  # code blocks are left as they are
    untitled = dataclasses.replace(outcome, title="")
    assert export.render_markdown(untitled).splitlines()[0] == "# Annual Report"  # file name


def test_write_markdown(outcome: RunOutcome, tmp_path: Path) -> None:
    out = export.write_markdown(outcome, tmp_path / "run.md")
    assert out.read_text(encoding="utf-8") == export.render_markdown(outcome)


def test_demote_headings() -> None:
    assert export.demote_headings("## A\n### B", top=3) == "### A\n#### B"
    assert export.demote_headings("#### deep", top=3) == "#### deep"
    assert export.demote_headings("# A\n###### six", top=3) == "### A\n###### six"
    assert export.demote_headings("#hashtag\nplain", top=3) == "#hashtag\nplain"


# ------------------------------------------------------------------------- atomicity
def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores modes")
def test_read_only_folder_gives_export_error(outcome: RunOutcome, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="permission denied"):
            export.write_json(outcome, folder / "run.json")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_path_through_a_file_gives_export_error(outcome: RunOutcome, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ExportError) as caught:
        export.write_markdown(outcome, blocker / "run.md")
    assert isinstance(caught.value, SectionFlowError)
    assert "Could not write" in str(caught.value)
    assert _leftovers(tmp_path) == []


def test_a_folder_as_target_gives_export_error(outcome: RunOutcome, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="folder"):
        export.write_json(outcome, tmp_path)


def test_full_disk_keeps_the_old_file_and_no_temp(
    outcome: RunOutcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "run.json"
    target.write_text("previous export")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", full)
    with pytest.raises(ExportError, match="the disk is full"):
        export.write_json(outcome, target)
    assert target.read_text() == "previous export"  # all or nothing
    assert _leftovers(tmp_path) == []


def test_new_file_gets_normal_permissions(outcome: RunOutcome, tmp_path: Path) -> None:
    out = export.write_json(outcome, tmp_path / "run.json")
    if os.name == "posix":
        umask = os.umask(0)
        os.umask(umask)
        assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_permission_denied_at_rename_removes_the_temp(
    outcome: RunOutcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a read-only folder does to a non-root user, simulated so root runs it too."""

    def denied(src: str, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(export.os, "replace", denied)
    with pytest.raises(ExportError, match="permission denied"):
        export.write_markdown(outcome, tmp_path / "run.md")
    assert list(tmp_path.iterdir()) == []
