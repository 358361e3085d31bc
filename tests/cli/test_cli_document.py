"""``process`` and ``batch`` and the whole document: the synthesis (on by default,
``--no-synthesis``) and ``--tables DIR`` (CSV per table and one workbook)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from resources.make_sample import CHAPTERS
from tests.cli.test_cli import SAMPLE, one_error_line, run_cli


def segment_table() -> list[list[str]]:
    """The sample's segment table, cell for cell, as resources/make_sample.py draws it."""
    tables = [
        payload
        for _, parts in CHAPTERS
        for _, blocks in parts
        for kind, payload in blocks
        if kind == "table"
    ]
    assert len(tables) == 1
    return tables[0]  # type: ignore[return-value]


def test_process_writes_the_synthesis_and_the_sample_segment_table(tmp_path: Path) -> None:
    out, tables = tmp_path / "out.json", tmp_path / "tables"
    done = run_cli(
        "process", str(SAMPLE), "--processor", "local", "--json", str(out), "--tables",
        str(tables), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Whole document: a synthesis of 7 section answers" in done.stdout
    data = json.loads(out.read_text())
    assert data["synthesis"]["markdown"].startswith("## Overview")
    assert {c["page"] for c in data["synthesis"]["citations"]} >= {1, 2, 4}

    files = sorted(tables.glob("*.csv"))
    assert [f.name for f in files] == ["01-2-financial-review-p5.csv"]
    with files[0].open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == segment_table()
    book = load_workbook(tables / "tables.xlsx")
    index, sheet = book["Index"], book[book.sheetnames[1]]
    assert [c.value for c in index[2]][:3] == [sheet.title, "2. Financial Review", "5"]
    assert sheet["A1"].value == "2. Financial Review · page 5 · 2.2 Segment results"
    cells = [[shown(c) for c in row] for row in sheet.iter_rows(min_row=3)]
    assert cells == segment_table()
    assert isinstance(sheet["B4"].value, float)  # 198.4 can be summed


def shown(cell: Cell) -> str:
    """A cell as a spreadsheet shows it: a number with its format's decimals."""
    if isinstance(cell.value, int | float) and "." in cell.number_format:
        return f"{cell.value:.{len(cell.number_format.partition('.')[2])}f}"
    return str(cell.value)


def test_no_synthesis_and_a_batch_with_tables(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(SAMPLE.read_bytes())
    out, tables = tmp_path / "out", tmp_path / "tables"
    done = run_cli(
        "batch", str(folder), "--out", str(out), "--processor", "local", "--no-synthesis",
        "--tables", str(tables), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "report.json").read_text())["synthesis"] is None
    assert "## Whole document" not in (out / "report.md").read_text()
    assert (tables / "report" / "tables.xlsx").is_file()
    assert len(list((tables / "report").glob("*.csv"))) == 1


def test_tables_into_a_file_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    done = run_cli(
        "process", str(SAMPLE), "--processor", "local", "--tables", "taken", cwd=tmp_path
    )
    assert done.returncode == 2
    assert "that is a file" in one_error_line(done.stderr)


def test_compare_two_exports_and_two_run_ids(tmp_path: Path) -> None:
    from tests.core.test_compare import EDITED_PAGE, edited_copy

    copy = edited_copy(tmp_path / "v2.pdf")
    for pdf, out in ((SAMPLE, "a.json"), (copy, "b.json")):
        done = run_cli("process", str(pdf), "--processor", "local", "--json", out, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    done = run_cli(
        "compare", "a.json", "b.json", "--json", "diff.json", "--markdown", "diff.md",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "diff.json").read_text())
    changed = [s for s in data["sections"] if s["status"] != "same"]
    assert [(s["title"], s["changed_pages"]["b"]) for s in changed] == [
        ("3. Operations", [EDITED_PAGE])
    ]
    assert "## 3. Operations: changed" in (tmp_path / "diff.md").read_text()
    assert "1 changed" in done.stdout and "6 same" in done.stdout

    ids = [json.loads((tmp_path / name).read_text())["run"]["id"] for name in ("a.json", "b.json")]
    by_id = run_cli("compare", *ids, "--json", "ids.json", cwd=tmp_path)
    assert by_id.returncode == 0, by_id.stderr
    assert json.loads((tmp_path / "ids.json").read_text())["sections"] == data["sections"]
    bad = run_cli("compare", ids[0], "no-such-run", cwd=tmp_path)
    assert bad.returncode == 2 and "neither a run id" in one_error_line(bad.stderr)
