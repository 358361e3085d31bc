"""What the fake Gemini "reads" in a document: page count, a short hash and the first line.

The fake answers are computed from the bytes it received, so a test can prove that each
section's answer came from that section's own pages. PyMuPDF is not thread-safe (DESIGN.md
§3) and the fake serves requests on many threads inside the test process, next to whatever
the code under test does with PyMuPDF. So by default the parsing runs in one shared
``spawn`` worker process (about 0.2 s to start, once per test session); a PDF that crashes
MuPDF then kills that worker and not pytest. ``in_subprocess=False`` parses in-process under
:data:`FITZ_LOCK` instead (faster to start, fine when nothing else uses PyMuPDF).
"""

from __future__ import annotations

import atexit
import hashlib
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

PDF_MIME = "application/pdf"

#: Serialises every in-process PyMuPDF call made by the fakes (and by the fixtures that build
#: PDFs), because PyMuPDF must never run on two threads at once.
FITZ_LOCK = threading.RLock()

_FIRST_LINE_MAX = 200


@dataclass(frozen=True)
class DocInfo:
    """The facts the fake model reports about one document it was given."""

    mime_type: str
    size: int
    sha: str  # first 12 hex digits of sha256(bytes)
    pages: int
    first_line: str
    readable: bool = True
    error: str = ""

    @property
    def is_pdf(self) -> bool:
        return self.mime_type == PDF_MIME


def short_sha(data: bytes) -> str:
    """The 12-hex-digit fingerprint that appears in every fake answer."""
    return hashlib.sha256(data).hexdigest()[:12]


def analyze_bytes(data: bytes, mime_type: str) -> DocInfo:
    """Parse ``data`` with PyMuPDF (only PDFs are opened; other types get pages=0).

    Must run in a worker process or under :data:`FITZ_LOCK`.
    """
    sha = short_sha(data)
    if mime_type != PDF_MIME:
        return DocInfo(mime_type, len(data), sha, 0, "")
    import pymupdf

    try:
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            pages = doc.page_count
            first_line = _first_line(doc[0].get_text("text")) if pages else ""
    except Exception as exc:  # MuPDF raises several types for garbage input
        return DocInfo(mime_type, len(data), sha, 0, "", readable=False, error=str(exc))
    if pages == 0:
        return DocInfo(mime_type, len(data), sha, 0, "", readable=False, error="no pages")
    return DocInfo(mime_type, len(data), sha, pages, first_line)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:_FIRST_LINE_MAX]
    return ""


class PdfAnalyzer:
    """Runs :func:`analyze_bytes` either in the shared worker process or under the lock."""

    def __init__(self, in_subprocess: bool = True) -> None:
        self.in_subprocess = in_subprocess

    def analyze(self, data: bytes, mime_type: str) -> DocInfo:
        if mime_type != PDF_MIME:
            return analyze_bytes(data, mime_type)  # no PyMuPDF involved
        if not self.in_subprocess:
            with FITZ_LOCK:
                return analyze_bytes(data, mime_type)
        return _analyze_in_worker(data, mime_type)


_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _get_pool(replace: bool = False) -> ProcessPoolExecutor:
    """One spawn worker for the whole test session; spawn, because forking a process that
    runs server threads (and maybe Qt) is unsafe."""
    global _pool
    with _pool_lock:
        if replace and _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
        if _pool is None:
            _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def _analyze_in_worker(data: bytes, mime_type: str) -> DocInfo:
    for attempt in range(2):
        try:
            return _get_pool(replace=attempt > 0).submit(analyze_bytes, data, mime_type).result()
        except BrokenProcessPool:
            continue  # the worker died (MuPDF crash?): start a fresh one and try once more
    return DocInfo(mime_type, len(data), short_sha(data), 0, "", False, "PDF worker crashed")


@atexit.register
def _shutdown_pool() -> None:
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
