"""Cutting a section's PDF into pieces that fit Gemini's per-document limits.

Gemini accepts at most 1,000 pages and 50 MB per PDF. A section above either limit is cut
into consecutive pieces, each sent on its own, and the answers are merged in order.

:func:`split_to_fit` uses PyMuPDF, which must never run on two threads at once, so it is
only ever called inside a worker *process* (``core.workers.PdfWorkers.run``); it is a
top-level function taking and returning plain picklable values for that reason.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

#: Gemini's documented limits for one PDF (docs/ARCHITECTURE.md, "Gemini protocol").
MAX_PAGES = 1000
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PieceFile:
    """One piece on disk: pages [first, last] (0-based, inclusive) of the section's PDF."""

    path: Path
    first: int
    last: int
    size_bytes: int
    sha256: str

    @property
    def page_count(self) -> int:
        return self.last - self.first + 1


class PieceTooLargeError(ValueError):
    """A single page is above the byte limit: no cut can make it fit."""


def needs_split(page_count: int, size_bytes: int, max_pages: int, max_bytes: int) -> bool:
    return page_count > max_pages or size_bytes > max_bytes


def split_to_fit(
    src: str | os.PathLike[str], max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES
) -> list[PieceFile]:
    """Write ``src`` as consecutive pieces of at most max_pages pages and max_bytes bytes.

    Pieces are first cut by page count; a piece still over the byte limit is halved until
    it fits. Files are written next to ``src`` as ``<stem>.piece<N>.pdf``.
    """
    import pymupdf

    src = Path(src)
    pieces: list[PieceFile] = []
    with pymupdf.open(src) as doc:
        total = doc.page_count
        pending = [
            (start, min(start + max_pages, total) - 1) for start in range(0, total, max_pages)
        ]
        pending.reverse()  # a stack: halves are pushed back so the order stays ascending
        while pending:
            first, last = pending.pop()
            data = _extract(doc, first, last)
            if len(data) > max_bytes:
                if first == last:
                    raise PieceTooLargeError(
                        f"page {first + 1} alone is {len(data) / 1e6:.1f} MB, above Gemini's "
                        f"limit of {max_bytes / 1e6:.0f} MB per document"
                    )
                middle = (first + last) // 2
                pending.append((middle + 1, last))
                pending.append((first, middle))
                continue
            path = src.with_name(f"{src.stem}.piece{len(pieces) + 1}.pdf")
            tmp = path.with_suffix(".partial")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            pieces.append(PieceFile(path, first, last, len(data), hashlib.sha256(data).hexdigest()))
    return pieces


def _extract(doc: object, first: int, last: int) -> bytes:
    import pymupdf

    out = pymupdf.open()
    try:
        out.insert_pdf(doc, from_page=first, to_page=last, links=False, annots=False, widgets=False)
        return out.tobytes(garbage=1, deflate=False)
    finally:
        out.close()
