"""All PyMuPDF work of the GUI process, off the GUI thread.

PyMuPDF must never run on two threads at once (docs/ARCHITECTURE.md, "PyMuPDF"), and it
must never run on
the GUI thread either, or a 2,000-page outline or a slow page stalls the window. So every
call goes through one single-worker executor (as Anki does for its database) and the
answer comes back as a queued Qt signal. Jobs carry the document's *generation*: opening
another file bumps it, and stale jobs still in the queue return at once without touching
MuPDF, so a fast scroll through a big file or a quick re-open never backs the thread up.

Page images are drawn one step further away, in a render process of their own: MuPDF
holds the GIL while it renders (5-20 ms a page), so a render on a thread of this process
stops the window's event loop for that long, several times per scroll step. The thread
only waits for the process (which releases the GIL) and wraps the raw samples it sends
back in a QImage. One process serves every window of the app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from core import pdf
from core.citations.locate import QuoteRects, quote_rects
from core.errors import PdfError
from core.workers import PdfWorkers

log = logging.getLogger("sectionflow.gui.pdf")
#: a page that takes longer than this to draw is shown blank rather than block the rest
RENDER_TIMEOUT_S = 60.0
_renderer: PdfWorkers | None = None
_renderer_lock = threading.Lock()


def renderer() -> PdfWorkers:
    """The app's one render process (started on first use, by the caller's thread)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = PdfWorkers(max_workers=1)
        return _renderer


def shutdown_renderer() -> None:
    """Stop the render process (at application exit)."""
    global _renderer
    with _renderer_lock:
        workers, _renderer = _renderer, None
    if workers is not None:
        workers.shutdown()


def to_qimage(page: pdf.PageImage) -> QImage:
    """Wrap RGB samples in a QImage that owns its copy of them."""
    image = QImage(page.samples, page.width, page.height, page.stride, QImage.Format.Format_RGB888)
    return image.copy()


@dataclass(frozen=True, slots=True)
class OpenedDocument:
    """What the window needs about an open PDF; ``password`` is kept for renders and runs."""

    info: pdf.DocumentInfo
    password: str | None
    generation: int

    @property
    def path(self) -> Path:
        return self.info.path


class PdfService(QObject):
    """Opens documents and renders pages on one worker thread; answers by signal."""

    #: OpenedDocument
    opened = Signal(object)
    #: path (str), the PdfError (or other exception) whose text is shown to the user
    open_failed = Signal(str, object)
    #: generation, page (1-based), width_px, QImage
    page_rendered = Signal(int, int, int, QImage)
    #: generation, page (1-based), quote, QuoteRects (empty when it was not found)
    quote_found = Signal(int, int, str, object)
    #: the open document's file is gone (moved, renamed, deleted); once per document
    document_missing = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pymupdf")
        self._generation = 0
        self._lock = threading.Lock()
        self._document: OpenedDocument | None = None
        #: pages the views still want; read by the worker to skip renders scrolled away
        self._wanted: Callable[[int], bool] = lambda page: True
        self._closed = False
        self._missing_told = -1  # the generation whose missing file was reported
        # start the render process now, off the GUI thread, so the first page is quick
        self._submit(lambda: renderer().prestart(1))

    @property
    def document(self) -> OpenedDocument | None:
        return self._document

    def set_wanted(self, predicate: Callable[[int], bool]) -> None:
        """Tell the worker which queued renders are still worth doing (e.g. visible ones)."""
        self._wanted = predicate

    def _submit(self, fn: Callable[[], None]) -> Future | None:
        if self._closed:
            return None
        future = self._executor.submit(fn)
        future.add_done_callback(_log_crash)
        return future

    def open(self, path: str | Path, password: str | None = None) -> Future | None:
        with self._lock:
            self._generation += 1
            generation = self._generation
        path = Path(path)

        def job() -> None:
            try:
                info = pdf.inspect(path, password)
            except PdfError as exc:
                self.open_failed.emit(str(path), exc)
                return
            except Exception as exc:
                log.exception("Could not open %s", path)
                self.open_failed.emit(str(path), exc)
                return
            document = OpenedDocument(info=info, password=password, generation=generation)
            self._document = document
            self.opened.emit(document)

        return self._submit(job)

    def render(
        self, page: int, width_px: int, *, force: bool = False, fit_height: int = 0
    ) -> Future | None:
        """Render one page of the current document; skipped if no longer wanted.

        ``fit_height`` > 0 also scales the image down to that height when it is taller, on
        this thread, so the grid can paint it as it comes without scaling on the GUI
        thread (that scaling was the biggest part of a scroll step's repaint).
        """

        def job(document: OpenedDocument, generation: int) -> None:
            self._render_one(document, generation, page, width_px, force, fit_height)

        return self._document_job(job)

    def _render_one(
        self,
        document: OpenedDocument,
        generation: int,
        page: int,
        width_px: int,
        force: bool,
        fit_height: int,
    ) -> None:
        """On the worker thread: draw one page in the render process and hand it over."""
        if not force and not self._wanted(page):
            self.page_rendered.emit(generation, page, width_px, QImage())
            return
        if self._gone(document):
            self.page_rendered.emit(generation, page, width_px, _blank())
            return
        try:
            drawn = renderer().call(
                pdf.render_page,
                str(document.path),
                page,
                width_px,
                document.password,
                fit_height,
                timeout=RENDER_TIMEOUT_S,
            )
            image = to_qimage(drawn)
        except Exception:
            log.warning("Could not render page %d of %s", page, document.path.name)
            image = QImage()
        if image.isNull():
            image = _blank()
        self.page_rendered.emit(generation, page, width_px, image)

    def render_many(self, pages: list[int], width_px: int, *, fit_height: int = 0) -> None:
        """Render pages of the current document one after another in one job (the grid's
        batch once scrolling settles); each still skipped once no longer wanted."""

        def job(document: OpenedDocument, generation: int) -> None:
            for page in pages:
                if generation != self._generation or self._closed:
                    return
                self._render_one(document, generation, page, width_px, False, fit_height)

        self._document_job(job)

    def find_quote(self, page: int, quote: str) -> Future | None:
        """Where ``quote`` is drawn on a page of the current document, in the render
        process (a search reads the page's text: MuPDF work, never on the GUI thread)."""

        def job(document: OpenedDocument, generation: int) -> None:
            try:
                found = renderer().call(
                    quote_rects,
                    str(document.path),
                    page,
                    quote,
                    document.password,
                    timeout=RENDER_TIMEOUT_S,
                )
            except Exception:
                log.warning("Could not look for a quote on page %d", page)
                found = QuoteRects(0.0, 0.0)
            self.quote_found.emit(generation, page, quote, found)

        return self._document_job(job)

    def _document_job(self, work: Callable[[OpenedDocument, int], None]) -> Future | None:
        """Run ``work(document, generation)`` on the worker for the current document,
        unless another document has been opened by the time its turn comes."""
        document = self._document
        if document is None:
            return None
        generation = document.generation

        def job() -> None:
            if generation == self._generation:
                work(document, generation)

        return self._submit(job)

    def _gone(self, document: OpenedDocument) -> bool:
        """On the worker thread: the file is not there any more (told once, not a warning
        per page)."""
        if document.path.is_file():
            return False
        if self._missing_told != document.generation:
            self._missing_told = document.generation
            log.warning("%s is no longer where it was opened from", document.path.name)
            self.document_missing.emit(str(document.path))
        return True

    def shutdown(self) -> None:
        """Drop queued renders and wait for the one running (a render is milliseconds)."""
        self._closed = True
        with self._lock:
            self._generation += 1
        self._executor.shutdown(wait=True, cancel_futures=True)


def _blank() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_RGB32)
    image.fill(0xFFFFFFFF)
    return image


def _log_crash(future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("PDF worker job failed", exc_info=future.exception())
