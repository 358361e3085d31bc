"""What the fake Gemini "reads" in a document: page count, a short hash and the first line.

The fake answers are computed from the bytes it received, so a test can prove that each
section's answer came from that section's own pages. PyMuPDF is not thread-safe
(docs/ARCHITECTURE.md, "PyMuPDF") and the fake serves requests on many threads inside the
test process, next to whatever the code under test does with PyMuPDF. So by default the
parsing runs in one shared worker process (about 0.2 s to start, once per test session, in
the background); a PDF that crashes MuPDF then kills that worker, not pytest, and the fake
answers 400 for it. ``in_subprocess=False`` parses in-process under :data:`FITZ_LOCK`
instead (faster to start, fine when nothing else in the process uses PyMuPDF).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

PDF_MIME = "application/pdf"

#: Serialises every in-process PyMuPDF call made by the fakes (and by the fixtures that build
#: PDFs), because PyMuPDF must never run on two threads at once.
FITZ_LOCK = threading.RLock()

_FIRST_LINE_MAX = 200
_TEXT_PAGES = 60


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
    #: the text lines of each page (the first :data:`_TEXT_PAGES`), for quotes to cite
    page_lines: tuple[tuple[str, ...], ...] = ()

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
            lines = tuple(_lines(doc[i].get_text("text")) for i in range(min(pages, _TEXT_PAGES)))
    except Exception as exc:  # MuPDF raises several types for garbage input
        return DocInfo(mime_type, len(data), sha, 0, "", readable=False, error=str(exc))
    if pages == 0:
        return DocInfo(mime_type, len(data), sha, 0, "", readable=False, error="no pages")
    return DocInfo(mime_type, len(data), sha, pages, first_line, page_lines=lines)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:_FIRST_LINE_MAX]
    return ""


class PdfAnalyzer:
    """Runs :func:`analyze_bytes` either in the shared worker process or under the lock."""

    def __init__(self, in_subprocess: bool = True) -> None:
        self.in_subprocess = in_subprocess

    def warm_up(self) -> None:
        """Start the worker in the background so the first upload does not wait for it."""
        if self.in_subprocess:
            _WORKER.start()

    def analyze(self, data: bytes, mime_type: str) -> DocInfo:
        if mime_type != PDF_MIME:
            return analyze_bytes(data, mime_type)  # no PyMuPDF involved
        if not self.in_subprocess:
            with FITZ_LOCK:
                return analyze_bytes(data, mime_type)
        return _WORKER.analyze(data, mime_type)


class _Worker:
    """One child process running :func:`_serve`, shared by every fake in this process.

    A plain ``subprocess`` with a length-prefixed pickle protocol on stdin/stdout rather than
    multiprocessing: spawn would re-import the parent's ``__main__`` in the child, which breaks
    (or re-runs) any test launcher script without an ``if __name__ == "__main__"`` guard.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            root = str(Path(__file__).resolve().parents[2])
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "from tests.fakes.gemini_pdf import _serve; _serve()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                cwd=root,
            )
        return self._proc

    def analyze(self, data: bytes, mime_type: str) -> DocInfo:
        with self._lock:
            proc = self._ensure_started()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                _write_frame(proc.stdin, (data, mime_type))
                result = _read_frame(proc.stdout)
            except (OSError, EOFError):
                result = None
            if isinstance(result, DocInfo):
                return result
            proc.kill()  # crashed (MuPDF?) or confused: a fresh worker next time
            proc.wait()
            self._proc = None
        return DocInfo(mime_type, len(data), short_sha(data), 0, "", False, "PDF worker crashed")

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()  # EOF: the worker exits
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


_FRAME = struct.Struct(">Q")


def _write_frame(stream: BinaryIO, obj: object) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(payload)) + payload)
    stream.flush()


def _read_frame(stream: BinaryIO) -> object:
    header = stream.read(_FRAME.size)
    if len(header) < _FRAME.size:
        raise EOFError
    (size,) = _FRAME.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)


def _serve() -> None:
    """Worker main loop: read (bytes, mime) frames, answer DocInfo frames, until EOF."""
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt frames
    sys.stdout = sys.stderr
    import pymupdf  # noqa: F401  (import before the first request: that is the warm-up)

    while True:
        try:
            data, mime_type = _read_frame(requests)  # type: ignore[misc]
        except EOFError:
            return
        _write_frame(replies, analyze_bytes(data, mime_type))


_WORKER = _Worker()
atexit.register(_WORKER.stop)
