"""Opening, inspecting, rendering and splitting PDFs with PyMuPDF.

PyMuPDF is not thread-safe, so nothing here is called from more than one thread of a
process: the pipeline runs :func:`split_section` in worker processes (see
:mod:`core.workers`), the GUI renders pages in a render process of its own and inspects
documents on one dedicated thread.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from core.errors import DamagedPdfError, EmptyPdfError, EncryptedPdfError, NotAPdfError
from core.job_priority import at_normal_priority
from core.processors.base import SplitPart
from core.sections import OutlineEntry

if TYPE_CHECKING:
    import pymupdf

_mupdf_ready = False


def _mupdf() -> ModuleType:
    """PyMuPDF, imported on first use: a tenth of a second the app's window and the
    command line's parsing need not wait for (MuPDF only runs in the worker processes
    and the render process; docs/ARCHITECTURE.md, "Start-up")."""
    global _mupdf_ready
    import pymupdf

    if not _mupdf_ready:
        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)
        _mupdf_ready = True
    return pymupdf


_MAGIC_WINDOW = 1024


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    path: Path
    page_count: int
    outline: tuple[OutlineEntry, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    encrypted: bool = False
    repaired: bool = False
    size_bytes: int = 0

    @property
    def title(self) -> str:
        return self.own_title or self.path.stem

    @property
    def own_title(self) -> str:
        """The title the PDF itself gives (its metadata), or "" (a run inspects a private
        copy of the file, whose name says nothing)."""
        return (self.metadata.get("title") or "").strip()

    @property
    def notices(self) -> tuple[str, ...]:
        """Things the user should know although the document opened."""
        if self.repaired:
            return (
                f"'{self.path.name}' was damaged (its cross-reference table is broken) and "
                "has been repaired for this session; check the results, and consider saving "
                "a repaired copy from your PDF viewer.",
            )
        return ()

    @property
    def outline_levels(self) -> tuple[int, ...]:
        return tuple(sorted({entry.level for entry in self.outline}))


def open_document(path: str | os.PathLike[str], password: str | None = None) -> pymupdf.Document:
    """Open a PDF or raise a PdfError whose message says what is wrong in plain words."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise NotAPdfError(f"'{name}' does not exist (was it moved or deleted?)")
    if path.is_dir():
        raise NotAPdfError(f"'{name}' is a folder, not a PDF")
    if not path.is_file():  # reading a FIFO would wait for a writer forever
        raise NotAPdfError(f"'{name}' is not a regular file (a pipe, socket or device)")
    with path.open("rb") as handle:
        head = handle.read(_MAGIC_WINDOW)
    if not head:
        raise NotAPdfError(f"'{name}' is empty (0 bytes), not a PDF")
    if b"%PDF-" not in head:
        raise NotAPdfError(f"'{name}' is not a PDF (its content is not PDF data)")
    mupdf = _mupdf()
    try:
        doc = mupdf.open(path, filetype="pdf")
    except (mupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise DamagedPdfError(f"'{name}' is damaged beyond repair and cannot be opened") from exc
    try:
        return _checked(doc, path, password)
    except RuntimeError as exc:
        # MuPDF opens some broken files and fails on first use instead, e.g. a page tree
        # with a negative count: "code=7: Invalid number of pages"
        doc.close()
        raise DamagedPdfError(f"'{name}' is damaged and cannot be read: {exc}") from None


def _checked(doc: pymupdf.Document, path: Path, password: str | None) -> pymupdf.Document:
    """``doc`` unlocked and with pages, or the PdfError that says why not."""
    name = path.name
    if doc.needs_pass:
        if password is None:
            doc.close()
            raise EncryptedPdfError(str(path))
        if not doc.authenticate(password):
            doc.close()
            raise EncryptedPdfError(str(path), wrong_password=True)
    if doc.page_count == 0:
        repaired = doc.is_repaired
        doc.close()
        if repaired:
            raise DamagedPdfError(f"'{name}' is damaged beyond repair: no page could be read")
        raise EmptyPdfError(f"'{name}' has no pages")
    return doc


@at_normal_priority
def inspect(path: str | os.PathLike[str], password: str | None = None) -> DocumentInfo:
    """Page count, outline and metadata; cheap even for thousands of pages."""
    path = Path(path)
    with open_document(path, password) as doc:
        outline = tuple(
            OutlineEntry(level=level, title=str(title), page=int(page))
            for level, title, page in doc.get_toc(simple=True)
            if page >= 1
        )
        meta = {k: v for k, v in (doc.metadata or {}).items() if isinstance(v, str) and v}
        return DocumentInfo(
            path=path,
            page_count=doc.page_count,
            outline=outline,
            metadata=meta,
            encrypted=bool(doc.is_encrypted or doc.needs_pass or meta.get("encryption")),
            repaired=bool(doc.is_repaired),
            size_bytes=path.stat().st_size,
        )


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The file's SHA-256: the document's identity in the journal and the cache."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def contiguous_runs(pages: tuple[int, ...]) -> list[tuple[int, int]]:
    """1-based pages -> 0-based inclusive (from, to) runs for insert_pdf."""
    runs: list[tuple[int, int]] = []
    for page in pages:
        index = page - 1
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


# One open source document per worker process: reopening a 5,000-page file for each of
# its sections would dominate the split time.
_open_cache: dict[tuple[str, int, int, str | None], pymupdf.Document] = {}


def _cached_source(src: Path, password: str | None) -> pymupdf.Document:
    stat = src.stat()
    key = (str(src), stat.st_mtime_ns, stat.st_size, password)
    doc = _open_cache.get(key)
    if doc is None:
        for old in _open_cache.values():
            old.close()
        _open_cache.clear()
        doc = open_document(src, password)
        _open_cache[key] = doc
    return doc


def source_document(path: str | os.PathLike[str], password: str | None = None) -> pymupdf.Document:
    """The open document at ``path``, kept open for this worker's next call (citations are
    checked against the run's source right after its sections are split from it)."""
    return _cached_source(Path(path), password)


def split_section(
    src: str | os.PathLike[str],
    pages: tuple[int, ...],
    out_path: str | os.PathLike[str],
    password: str | None = None,
) -> SplitPart:
    """Write the given 1-based pages of src to out_path as a new PDF.

    Links, annotations and form widgets are not copied: resolving links dominates the
    default ``insert_pdf`` time (bench/split.py) while the text, fonts and images an
    analysis needs come with the page content stream either way.
    """
    source = _cached_source(Path(src), password)
    out_path = Path(out_path)
    tmp = out_path.with_suffix(".partial")
    out = _mupdf().open()
    try:
        for first, last in contiguous_runs(pages):
            out.insert_pdf(
                source, from_page=first, to_page=last, links=False, annots=False, widgets=False
            )
        # save() straight to a file is ~3x faster than tobytes(), which writes through a
        # Python callback in small chunks (bench/split.py).
        out.save(tmp, garbage=1, no_new_id=True)  # same pages, same bytes: cacheable
    finally:
        out.close()
    os.replace(tmp, out_path)
    return SplitPart(
        path=out_path,
        page_count=len(pages),
        size_bytes=out_path.stat().st_size,
        sha256=file_sha256(out_path),
    )


@dataclass(frozen=True, slots=True)
class PageImage:
    """A rendered page as raw RGB samples: cheap to pickle out of a render process and to
    wrap in an image on the other side (a PNG would be encoded and decoded for nothing)."""

    width: int
    height: int
    stride: int
    samples: bytes


def render_page(
    path: str | os.PathLike[str],
    page_number: int,
    width_px: int,
    password: str | None = None,
    fit_height: int = 0,
) -> PageImage:
    """One 1-based page scaled to width_px wide, or less when ``fit_height`` > 0 and the
    page would be taller than that; for thumbnails and previews."""
    doc = _cached_source(Path(path), password)
    page = doc[page_number - 1]
    zoom = width_px / max(page.rect.width, 1)
    if fit_height > 0:
        zoom = min(zoom, fit_height / max(page.rect.height, 1))
    zoom = max(0.05, zoom)
    pix = page.get_pixmap(matrix=_mupdf().Matrix(zoom, zoom), alpha=False)
    return PageImage(pix.width, pix.height, pix.stride, bytes(pix.samples))
