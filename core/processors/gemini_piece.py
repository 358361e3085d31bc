"""One PDF sent to Gemini, and what the processor knows of it through its life: inline
bytes or an upload, its ledger entry, whether Gemini has read it, its answer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.processors.gemini_answer import PieceAnswer


@dataclass(slots=True)
class Piece:
    """One PDF sent to Gemini: the whole section, or one piece of an oversized one."""

    path: Path
    pages: tuple[int, ...]  # original 1-based page numbers
    size_bytes: int
    temp: bool = False  # written by us (a piece of an oversized section): delete on cleanup
    data: bytes | None = None  # inline bytes; None when uploaded
    display_name: str = ""
    remote_name: str | None = None
    uri: str | None = None
    ledger_id: int | None = None
    answer: PieceAnswer | None = None  # kept so a retried analyse skips finished pieces
    sha256: str | None = None  # of the PDF's bytes: a kept upload of them is reused
    reused: bool = False  # points at a kept upload of an earlier run
    #: the poll until the uploaded file is ACTIVE, going on after the upload returned
    activation: asyncio.Task[None] | None = None
    #: Gemini has read it (ACTIVE): only such an upload is worth keeping for re-asks
    active: bool = False

    @property
    def inline(self) -> bool:
        return self.data is not None
