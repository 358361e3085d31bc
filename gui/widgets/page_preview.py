"""A large preview of one page, rendered on the PDF thread at the window's size.

Non-modal so the analyst can keep it open beside the grid; Left/Right (or PageUp/PageDown)
step through pages. Opened from a citation it also marks the quote: its rectangles are
found in the render process (``PdfService.find_quote``) and drawn over the page here.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from core.citations.locate import QuoteRects
from gui.pdf_thread import PdfService

PREVIEW_WIDTH = 1000
HIGHLIGHT = QColor(255, 214, 0, 110)


class PagePreview(QDialog):
    def __init__(self, service: PdfService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.page = 0
        #: the quote marked on this page ("" for none) and where it was drawn (image pixels)
        self.quote = ""
        self.highlights: list[QRectF] = []
        self._image: QImage | None = None
        self._found: QuoteRects | None = None
        self.setWindowTitle("Page preview")
        self.resize(760, 980)
        self.image = QLabel("Rendering…", self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setToolTip("Left/Right or PageUp/PageDown for the previous or next page")
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.image)
        self.scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        for key, step in (("Left", -1), ("PgUp", -1), ("Right", 1), ("PgDown", 1)):
            QShortcut(QKeySequence(key), self, activated=lambda s=step: self.step(s))
        service.page_rendered.connect(self._on_rendered)
        service.quote_found.connect(self._on_quote)

    def show_page(self, page: int, quote: str = "") -> None:
        """Show a page; with ``quote``, mark where it is written on the page."""
        document = self._service.document
        if document is None:
            return
        self.page = max(1, min(page, document.info.page_count))
        self.quote = " ".join(quote.split())
        self.highlights = []
        self._image = self._found = None
        self.setWindowTitle(f"Page {self.page} of {document.info.page_count}")
        width = int(PREVIEW_WIDTH * self.devicePixelRatioF())
        self._service.render(self.page, width, force=True)
        if self.quote:
            self._service.find_quote(self.page, self.quote)
        self.show()
        self.raise_()

    def step(self, delta: int) -> None:
        self.show_page(self.page + delta)

    def _on_rendered(self, generation: int, page: int, width: int, image: QImage) -> None:
        if page != self.page or image.isNull() or width < PREVIEW_WIDTH:
            return
        self._image = image
        self._draw()

    def _on_quote(self, generation: int, page: int, quote: str, found: QuoteRects) -> None:
        if page != self.page or quote != self.quote:
            return
        self._found = found
        document = self._service.document
        if found.label and found.label != str(page) and document is not None:
            self.setWindowTitle(f"Page {page} ({found.label}) of {document.info.page_count}")
        self._draw()

    def _draw(self) -> None:
        if self._image is None:
            return
        image = self._image
        found = self._found
        if found is not None and found.rects and found.width > 0:
            scale = image.width() / found.width
            self.highlights = [
                QRectF(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale)
                for x0, y0, x1, y1 in found.rects
            ]
            image = image.copy()
            painter = QPainter(image)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
            for rect in self.highlights:
                painter.fillRect(rect, HIGHLIGHT)
            painter.end()
        pixmap = QPixmap.fromImage(image)
        ratio = self.devicePixelRatioF()
        pixmap.setDevicePixelRatio(ratio)
        self.image.setPixmap(pixmap)
        if self.highlights:
            top = self.highlights[0].top() / ratio
            margin = self.scroll.viewport().height() // 3
            self.scroll.ensureVisible(0, int(top), 0, margin)
