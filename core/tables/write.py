"""Tables to files: one CSV per table and one workbook with a sheet per table.

CSV keeps every cell exactly as read (UTF-8 with a byte-order mark, so spreadsheet apps
open accented text right). The workbook (openpyxl) starts with an *Index* sheet (each
table's sheet, section, pages, size and CSV file); each table's sheet names its section
and pages in the first row and holds the table from the third. A cell that is a plain
number written the way Python writes it ("198.4", "2024") becomes a number there, so it
can be summed, shown with the decimals it was printed with ("176.0", not 176); any other
text (1,200, 12 %, 0.50) stays text, exactly as printed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ExportError
from core.tables.model import FoundTable

WORKBOOK = "tables.xlsx"
_SLUG = re.compile(r"[^a-z0-9]+")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(slots=True)
class TablesWritten:
    """What an export of tables wrote: the CSV files, in table order, and the workbook."""

    folder: Path
    csv_files: list[Path] = field(default_factory=list)
    workbook: Path | None = None

    @property
    def count(self) -> int:
        return len(self.csv_files)


def csv_name(index: int, table: FoundTable) -> str:
    """``01-financial-review-p5.csv``: its number, section and first page."""
    slug = _SLUG.sub("-", table.section_title.casefold()).strip("-")[:40] or "section"
    return f"{index:02d}-{slug}-p{table.page}.csv"


def write_tables(tables: Sequence[FoundTable], folder: str | Path) -> TablesWritten:
    """Write every table into ``folder`` (created); raises ExportError in plain words."""
    target = Path(folder)
    written = TablesWritten(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for index, table in enumerate(tables, 1):
            path = target / csv_name(index, table)
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                csv.writer(handle).writerows(_padded(table))
            written.csv_files.append(path)
        if tables:
            written.workbook = _workbook(tables, written.csv_files, target / WORKBOOK)
    except OSError as exc:
        raise ExportError(
            f"Could not write the tables to '{target}': {exc.strerror or exc}"
        ) from None
    return written


def _padded(table: FoundTable) -> list[list[str]]:
    width = table.columns
    return [row + [""] * (width - len(row)) for row in table.rows]


def _workbook(tables: Sequence[FoundTable], files: Sequence[Path], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    index = book.active
    index.title = "Index"
    index.append(["Sheet", "Section", "Pages", "Rows", "Columns", "Caption", "CSV file"])
    names: set[str] = {"Index"}
    for number, (table, csv_path) in enumerate(zip(tables, files, strict=True), 1):
        name = _sheet_name(number, table, names)
        sheet = book.create_sheet(name)
        sections = ", ".join(dict.fromkeys([table.section_title]))
        sheet.append(
            [f"{sections} · {table.page_label}" + (f" · {table.caption}" * bool(table.caption))]
        )
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
        for row in _padded(table):
            sheet.append([_cell(value) for value in row])
            for cell, text in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(cell.value, float):  # 176.0 shows as printed, not as 176
                    cell.number_format = "0." + "0" * len(text.partition(".")[2])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        pages = table.page_label.removeprefix("pages ").removeprefix("page ")
        index.append(
            [
                name,
                table.section_title,
                pages,
                len(table.rows),
                table.columns,
                table.caption,
                csv_path.name,
            ]
        )
    for cell in index[1]:
        cell.font = Font(bold=True)
    book.save(path)
    return path


def _sheet_name(number: int, table: FoundTable, taken: set[str]) -> str:
    """Unique, at most 31 characters, none of ``[]:*?/\\`` (Excel's rules)."""
    base = _SHEET_BAD.sub(" ", f"T{number:02d} p{table.page} {table.section_title}")[:31].strip()
    name, n = base, 2
    while name in taken:
        name = f"{base[:27]} ({n})"
        n += 1
    taken.add(name)
    return name


def _cell(text: str) -> str | int | float:
    """A plain number as a number ("007", a code, stays text); anything else as text."""
    whole = text.lstrip("-").partition(".")[0]
    if not _NUMBER.fullmatch(text) or (len(whole) > 1 and whole.startswith("0")):
        return text
    return float(text) if "." in text else int(text)
