"""Folder batches in-process (offline backend): planning, bad files, index, resume."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cli.main import entry
from core import events as ev
from core.batch_outcome import BatchOptions
from core.batch_plan import BatchError, SectionRule, find_pdfs, output_names
from core.engine import Engine
from core.pdf import inspect
from core.processors.base import Prompt
from core.processors.local import LocalProcessor
from core.settings import Settings
from core.workers import PdfWorkers
from tests.helpers.pdfs import make_pdf

PROMPT = Prompt(name="summary", text="Summarise.")


def folder_of(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    outline = [(1, "One", 1), (1, "Two", 2)]
    for name in ("alpha", "beta", "gamma"):
        make_pdf(folder / f"{name}.pdf", 3, outline=outline, label=f"{name} page")
    make_pdf(folder / "locked.pdf", 2, password="secret")
    (folder / "notes.pdf").write_text("not a PDF at all")
    (folder / "readme.txt").write_text("ignored: not *.pdf")
    return folder


async def run_batch(
    tmp_path: Path, workers: PdfWorkers, folder: Path, **options: object
) -> tuple[object, list[ev.Event]]:
    settings = Settings(
        _env_file=None,
        processor="local",
        max_concurrent_section_tasks=2,
        enable_memory_monitoring=False,
    )
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    events: list[ev.Event] = []
    engine = Engine(
        journal_path=tmp_path / "data" / "journal.sqlite3",
        workers=workers,
        processor_factory=lambda settings, engine: LocalProcessor(engine.workers),
    )
    try:
        runner = engine.folder_batch(
            settings,
            BatchOptions(
                rule=options.pop("rule", SectionRule("auto")),
                prompt=PROMPT,  # type: ignore[arg-type]
                out_dir=out,
                **options,
            ),  # type: ignore[arg-type]
            emit=events.append,
        )
        outcome = await runner.run(str(folder), find_pdfs(str(folder)))
    finally:
        engine.close()
    return outcome, events


def test_find_pdfs_and_unique_names(tmp_path: Path) -> None:
    folder = folder_of(tmp_path)
    found = find_pdfs(str(folder))
    assert [p.name for p in found] == [
        "alpha.pdf",
        "beta.pdf",
        "gamma.pdf",
        "locked.pdf",
        "notes.pdf",
    ]
    assert [p.name for p in find_pdfs(str(folder / "[ab]*.pdf"))] == ["alpha.pdf", "beta.pdf"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match="has no PDF"):
        find_pdfs(str(tmp_path / "empty"))
    with pytest.raises(BatchError, match="no file matches"):
        find_pdfs(str(tmp_path / "*.nothing"))
    with pytest.raises(BatchError, match="neither a folder"):
        find_pdfs(str(tmp_path / "missing"))
    names = output_names(
        [Path("a/report.pdf"), Path("b/report.pdf"), Path("index.pdf"), Path("c/Report.PDF")]
    )
    assert names == ["report", "report-2", "index-2", "Report-3"]


def test_rule_falls_back_to_one_section_with_a_note(tmp_path: Path) -> None:
    info = inspect(make_pdf(tmp_path / "plain.pdf", 4))
    sections, note = SectionRule("outline", 2).sections_for(info)
    assert len(sections) == 1 and note and "level 2" in note
    assert SectionRule("auto").sections_for(info)[1] is None
    assert len(SectionRule("every", 3).sections_for(info)[0]) == 2


async def test_batch_lists_bad_files_and_goes_on_then_resumes(
    tmp_path: Path, workers: PdfWorkers
) -> None:
    folder = folder_of(tmp_path)
    outcome, events = await run_batch(tmp_path, workers, folder)
    by_name = {f.path.name: f for f in outcome.files}  # type: ignore[attr-defined]
    assert {n: f.status for n, f in by_name.items()} == {
        "alpha.pdf": "done",
        "beta.pdf": "done",
        "gamma.pdf": "done",
        "locked.pdf": "skipped",
        "notes.pdf": "skipped",
    }
    assert "password" in (by_name["locked.pdf"].reason or "")
    assert "not a PDF" in (by_name["notes.pdf"].reason or "")
    out = tmp_path / "out"
    index = json.loads((out / "index.json").read_text())
    assert [f["name"] for f in index["files"]] == sorted(by_name)
    assert index["totals"] == {
        "files": 5,
        "statuses": {"done": 3, "skipped": 2},
        "sections": 6,
        "done": 6,
        "failed": 0,
        "tokens": 0,
    }
    alpha = json.loads((out / "alpha.json").read_text())
    assert [s["title"] for s in alpha["sections"]] == ["One", "Two"]
    assert "alpha page 1" in alpha["sections"][0]["result"]["markdown"]
    assert "not a PDF" in (out / "index.md").read_text()
    started = [e for e in events if isinstance(e, ev.BatchStarted)]
    assert started and started[0].sections[str(folder / "alpha.pdf")] == 2
    file_events = {e.file for e in events if isinstance(e, ev.FileEvent)}
    assert file_events == {str(folder / f"{n}.pdf") for n in ("alpha", "beta", "gamma")}

    # beta's run is made unfinished (as if killed after one section); resume runs only that
    db = sqlite3.connect(tmp_path / "data" / "journal.sqlite3")
    with db:
        db.execute("UPDATE runs SET status='running' WHERE run_id=?", (by_name["beta.pdf"].run_id,))
        db.execute(
            "UPDATE sections SET state='pending', result=NULL WHERE run_id=? AND section_id='s2'",
            (by_name["beta.pdf"].run_id,),
        )
    db.close()
    (out / "alpha.json").unlink()
    again, events = await run_batch(tmp_path, workers, folder, resume=True)
    statuses = {f.path.name: f.status for f in again.files}  # type: ignore[attr-defined]
    assert statuses["alpha.pdf"] == statuses["gamma.pdf"] == "kept"
    assert statuses["beta.pdf"] == "done"
    assert (out / "alpha.json").exists()  # written again from the journal
    ran = [
        (e.file, e.event.section_id)
        for e in events
        if isinstance(e, ev.FileEvent)
        and isinstance(e.event, ev.SectionDone)
        and e.event.source == "run"
    ]
    assert ran == [(str(folder / "beta.pdf"), "s2")]
    beta = {f.path.name: f for f in again.files}["beta.pdf"]  # type: ignore[attr-defined]
    assert beta.run_id == by_name["beta.pdf"].run_id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["batch", "IN"], "--out"),
        (["batch", "MISSING", "--out", "OUT"], "neither a folder"),
        (["batch", "--out", "OUT"], "give the folder"),
        (["batch", "IN", "--out", "OUT", "--metrics-port", "99999"], "--metrics-port"),
        (["batch", "IN", "--out", "OUT", "--processor", "gemini"], "no Gemini API key"),
    ],
)
def test_batch_bad_input_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("core.keys.get_key", lambda settings: settings.api_key())
    folder = folder_of(tmp_path)
    argv = [
        a.replace("IN", str(folder))
        .replace("OUT", str(tmp_path / "o"))
        .replace("MISSING", str(tmp_path / "missing"))
        for a in args
    ]
    try:
        code = entry(argv)
    except SystemExit as stop:  # argparse's own check (a bad port) exits from the parser
        code = stop.code  # type: ignore[assignment]
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sectionflow: error: ") and message in err[0]
