"""``sectionflow compare A B``: two runs side by side, section by section.

A and B are run ids (from ``sectionflow runs``) or exported JSON files. Prints one line
per section (same, changed, added, removed) and writes ``--json`` / ``--markdown``. See
:mod:`core.compare` for how sections are matched and what decides their status.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from cli.common import EXIT_OK, check_export_paths, run_cancellable, stdout_console
from core.compare.report import CHANGED, write_comparison
from core.engine import Engine
from core.sections import format_ranges

if TYPE_CHECKING:
    from cli.common import Commands
    from core.compare.report import Comparison

_COLOURS = {"same": "green", "changed": "yellow", "added": "cyan", "removed": "red"}


def add_command(commands: Commands) -> None:
    compare = commands.add_parser(
        "compare",
        help="compare two runs section by section",
        description="Compare two runs, given as run ids (see 'sectionflow runs') or "
        "exported JSON files. Sections are matched by title, then by text; each is same, "
        "changed, added or removed. Two versions of a PDF: which pages' text changed. One "
        "PDF under two prompts or models: both answers side by side with a word diff.",
    )
    compare.set_defaults(handler=run)
    compare.add_argument("a", metavar="A", help="a run id or an exported JSON file")
    compare.add_argument("b", metavar="B", help="a run id or an exported JSON file")
    compare.add_argument("--json", type=Path, metavar="OUT", help="write the comparison as JSON")
    compare.add_argument("--markdown", type=Path, metavar="OUT", help="write it as Markdown")


def run(args: argparse.Namespace) -> int:
    check_export_paths(args.json, args.markdown)
    with Engine() as engine:
        comparison = run_cancellable(lambda: engine.compare_runs(args.a, args.b))
    print_comparison(comparison)
    for path in write_comparison(comparison, args.json, args.markdown):
        print(f"Wrote {path}", file=sys.stderr)
    return EXIT_OK


def print_comparison(comparison: Comparison) -> None:
    """One row per section, then the counts (stdout)."""
    table = Table(
        title=f"{comparison.a.run_id} (A) · {comparison.b.run_id} (B)", title_justify="left"
    )
    for name in ("Section", "Status", "Pages A", "Pages B", "Text changed on"):
        table.add_column(name, overflow="fold")
    for diff in comparison.sections:
        pages = diff.changed_pages
        changed = format_ranges(pages.get("b") or pages.get("a") or [])
        if diff.status == CHANGED and not pages:
            changed = "(the answers differ)"
        colour = _COLOURS[diff.status]
        table.add_row(
            escape(diff.title),
            f"[{colour}]{diff.status}[/]",
            diff.a.page_spec if diff.a else "–",
            diff.b.page_spec if diff.b else "–",
            changed,
        )
    console = stdout_console()
    console.print(table)
    counts = ", ".join(f"{n} {status}" for status, n in comparison.counts().items())
    how = "the pages' text" if comparison.by_text else "the answers"
    console.print(f"Compared by {how}: {counts}")
