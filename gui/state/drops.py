"""What dropping these files on the window would do, said before the drop: the window
shows it while a file is dragged over it, and does it (or says why not) on the drop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Dropped:
    """One dragged item: a local path, or the URL of something that is not a local file."""

    path: Path | None
    url: str = ""


@dataclass(frozen=True, slots=True)
class DropVerdict:
    ok: bool
    text: str
    path: Path | None = None


def verdict(items: Sequence[Dropped]) -> DropVerdict:
    if not items:
        return DropVerdict(False, "Nothing usable was dropped: drop a PDF file")
    if len(items) != 1:
        return DropVerdict(False, f"{len(items)} files were dropped: drop one PDF at a time")
    item = items[0]
    if item.path is None:
        return DropVerdict(False, f"'{item.url}' is not a file on this computer: drop a PDF file")
    if item.path.is_dir():
        return DropVerdict(
            False,
            f"'{item.path.name}' is a folder: drop a PDF file (a folder goes on the Batch tab)",
        )
    return DropVerdict(True, f"Drop to open {item.path.name}", item.path)
