"""The run's tables to a folder: found, joined across page breaks, written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.tables.collect import run_tables
from core.tables.join import join_continued
from core.tables.model import FoundTable
from core.tables.write import TablesWritten, write_tables

if TYPE_CHECKING:
    from core.run_types import RunOutcome


def outcome_tables(outcome: RunOutcome) -> list[FoundTable]:
    """Every table of the run, continued pieces joined, in document order."""
    return join_continued(run_tables(outcome))


def export_tables(outcome: RunOutcome, folder: str | Path) -> TablesWritten:
    """One CSV per table and ``tables.xlsx`` in ``folder``; nothing when there is none."""
    return write_tables(outcome_tables(outcome), folder)
