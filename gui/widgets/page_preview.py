"""A large preview of one page, rendered on the PDF thread at the window's size.

Non-modal so the analyst can keep it open beside the grid; Left/Right (or PageUp/PageDown)
step through pages.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from gui.pdf_thread import PdfService

PREVIEW_WIDTH = 1000


class PagePreview(QDialog):
    def __init__(self, service: PdfService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.page = 0
        self.setWindowTitle("Page preview")
        self.resize(760, 980)
        self.image = QLabel("Rendering…", self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setToolTip("Left/Right or PageUp/PageDown for the previous or next page")
        scroll = QScrollArea(self)
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        for key, step in (("Left", -1), ("PgUp", -1), ("Right", 1), ("PgDown", 1)):
            QShortcut(QKeySequence(key), self, activated=lambda s=step: self.step(s))
        service.page_rendered.connect(self._on_rendered)

    def show_page(self, page: int) -> None:
        document = self._service.document
        if document is None:
            return
        self.page = max(1, min(page, document.info.page_count))
        self.setWindowTitle(f"Page {self.page} of {document.info.page_count}")
        width = int(PREVIEW_WIDTH * self.devicePixelRatioF())
        self._service.render(self.page, width, force=True)
        self.show()
        self.raise_()

    def step(self, delta: int) -> None:
        self.show_page(self.page + delta)

    def _on_rendered(self, generation: int, page: int, width: int, image: QImage) -> None:
        if page != self.page or image.isNull() or width < PREVIEW_WIDTH:
            return
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.image.setPixmap(pixmap)
