"""The left side of the window: the page grid, its zoom, and the page-range box.

The range box and the grid selection mirror each other: typing ``1-3,5`` selects those
pages, selecting pages writes their shortest range. Parsing is core's
(:func:`core.sections.parse_ranges`), so the box accepts exactly what the CLI accepts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.sections import PageRangeError, format_ranges, parse_ranges
from gui.pdf_thread import PdfService
from gui.widgets.elided_label import ElidedLabel
from gui.widgets.start_hint import StartHint
from gui.widgets.thumbnail_model import ThumbnailModel
from gui.widgets.thumbnail_view import ThumbnailView
from gui.widgets.validity import mark_invalid

MIN_ZOOM, MAX_ZOOM = 64, 360


class PagesPanel(QWidget):
    #: 1-based pages the user wants as a new section
    add_section_requested = Signal(list)
    preview_requested = Signal(int)

    def __init__(self, service: PdfService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ThumbnailModel(service, self)
        self.view = ThumbnailView(self.model, self)
        service.set_wanted(self.view.is_wanted)
        self.model.wanted = self.view.is_wanted
        self._syncing = False

        self.title = ElidedLabel("", self)  # plain text: metadata is untrusted
        self.title.setObjectName("documentTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.page_count_label = QLabel("", self)
        self.page_count_label.setToolTip("Number of pages in the open document")

        self.zoom = QSlider(Qt.Orientation.Horizontal, self)
        self.zoom.setRange(MIN_ZOOM, MAX_ZOOM)
        self.zoom.setValue(self.model.thumb_width)
        self.zoom.setSingleStep(8)
        self.zoom.setPageStep(48)
        self.zoom.setMaximumWidth(160)
        self.zoom.setMinimumWidth(60)
        self.zoom.setToolTip("Thumbnail size (Ctrl++ / Ctrl+- also zoom)")
        self.zoom.setAccessibleName("Thumbnail size")
        self.zoom.valueChanged.connect(self.view.set_thumb_width)
        zoom_label = QLabel("Zoom", self)
        zoom_label.setBuddy(self.zoom)

        self.range_box = QLineEdit(self)
        self.range_box.setPlaceholderText("Pages, e.g. 1-3,5,8-")
        self.range_box.setClearButtonEnabled(True)
        self.range_box.setToolTip(
            "Type pages to select them (1-3,5,8- means 1 to 3, 5, and 8 to the end); "
            "press Enter to add them as a section"
        )
        self.range_box.setAccessibleName("Page range")
        # wide enough for its hint and a range like "106-120,131-140" (never just "P…")
        sample = self.range_box.placeholderText()
        self.range_box.setMinimumWidth(self.range_box.fontMetrics().horizontalAdvance(sample) + 24)
        self.range_box.textEdited.connect(self._on_range_typed)
        self.range_box.returnPressed.connect(self._on_add)

        self.add_button = QPushButton("Add section", self)
        self.add_button.setToolTip("Make a section of the selected pages (Ctrl+Shift+A)")
        self.add_button.clicked.connect(self._on_add)
        self.add_button.setEnabled(False)
        QShortcut(QKeySequence("Ctrl+Shift+A"), self, activated=self._on_add)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, activated=lambda: self._zoom_by(24))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, activated=lambda: self._zoom_by(-24))

        # the title gets the whole width (the pane may be narrow); the zoom goes below
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        footer = QHBoxLayout()
        footer.addWidget(self.page_count_label, 1)
        footer.addWidget(zoom_label)
        footer.addWidget(self.zoom)
        tools = QHBoxLayout()
        tools.addWidget(self.range_box, 1)
        tools.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addLayout(tools)
        self.hint = StartHint(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.view)
        layout.addWidget(self.stack, 1)
        layout.addLayout(footer)

        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.view.preview_requested.connect(self.preview_requested)
        self.model.modelReset.connect(self._on_reset)

    def show_pages(self, pages: frozenset[int]) -> None:
        """Scroll the grid to a chosen section's first page, unless it is in sight."""
        if not pages:
            return
        first_shown, last_shown = self.view.visible_pages()
        first = min(pages)
        if not first_shown <= first <= last_shown:
            self.view.scroll_to_page(first)

    def _zoom_by(self, delta: int) -> None:
        self.zoom.setValue(self.zoom.value() + delta)

    def set_document_title(self, title: str, page_count: int) -> None:
        self.title.setText(title)
        self.title.setToolTip(title)
        word = "page" if page_count == 1 else "pages"
        self.page_count_label.setText(f"{page_count} {word}" if page_count else "")

    def _on_reset(self) -> None:
        # the first-run hint until a document is open, the pages after
        self.stack.setCurrentWidget(self.view if self.model.page_count else self.hint)
        self.view.scrollToTop()  # a new document starts at its first page
        self.range_box.clear()
        mark_invalid(self.range_box, None)
        self.add_button.setEnabled(False)

    def _on_selection(self, *_: object) -> None:
        pages = self.view.selected_pages()
        self.add_button.setEnabled(bool(pages))
        if self._syncing:
            return
        self.range_box.setText(format_ranges(pages))
        mark_invalid(self.range_box, None)

    def _on_range_typed(self, text: str) -> None:
        if not text.strip():
            mark_invalid(self.range_box, None)
            self._select(set())
            return
        try:
            pages = parse_ranges(text, self.model.page_count)
        except PageRangeError as exc:
            mark_invalid(self.range_box, str(exc))
            self.add_button.setEnabled(False)
            return
        mark_invalid(self.range_box, None)
        self._select(set(pages))

    def _select(self, pages: set[int]) -> None:
        self._syncing = True
        try:
            self.view.select_pages(pages)
        finally:
            self._syncing = False

    def _on_add(self) -> None:
        text = self.range_box.text()
        if text.strip() and self.model.page_count:
            try:
                pages = list(parse_ranges(text, self.model.page_count))
            except PageRangeError as exc:
                mark_invalid(self.range_box, str(exc))
                return
        else:
            pages = self.view.selected_pages()
        if pages:
            self.add_section_requested.emit(pages)
