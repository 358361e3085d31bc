"""One row per page; thumbnails are asked for lazily and cached.

Qt only asks a view's model for the decoration of items it paints, so requesting the
render from :meth:`ThumbnailModel.image` renders exactly the pages that scroll into view.
Images are kept in an LRU cache keyed by page, at the largest width rendered so far, so
zooming out never re-renders and zooming in renders once per size step.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QImage

from gui.pdf_thread import OpenedDocument, PdfService

PageRole = Qt.ItemDataRole.UserRole + 1
HighlightRole = Qt.ItemDataRole.UserRole + 2

#: renders are made in steps of this many device pixels so a zoom drag renders rarely
WIDTH_STEP = 96
CACHE_PAGES = 800

_Index = QModelIndex | QPersistentModelIndex


class ThumbnailModel(QAbstractListModel):
    def __init__(self, service: PdfService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._document: OpenedDocument | None = None
        self._page_count = 0
        self._images: OrderedDict[int, tuple[int, QImage]] = OrderedDict()
        self._pending: dict[int, int] = {}
        self._highlight: frozenset[int] = frozenset()
        self.device_pixel_ratio = 1.0
        self.thumb_width = 140
        service.page_rendered.connect(self._on_rendered)

    # -- document ---------------------------------------------------------------------

    def set_document(self, document: OpenedDocument | None) -> None:
        self.beginResetModel()
        self._document = document
        self._page_count = document.info.page_count if document else 0
        self._images.clear()
        self._pending.clear()
        self._highlight = frozenset()
        self.endResetModel()

    @property
    def page_count(self) -> int:
        return self._page_count

    def rendered_pages(self) -> set[int]:
        return {page for page, (_, image) in self._images.items() if not image.isNull()}

    # -- highlight (pages of the selected section) ------------------------------------

    def set_highlight(self, pages: frozenset[int] | set[int]) -> None:
        old, self._highlight = self._highlight, frozenset(pages)
        changed = old ^ self._highlight
        if changed:
            first, last = min(changed), max(changed)
            self.dataChanged.emit(
                self.index(first - 1), self.index(last - 1), [HighlightRole]
            )

    @property
    def highlight(self) -> frozenset[int]:
        return self._highlight

    # -- Qt model ---------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._page_count

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        page = index.row() + 1
        if role == Qt.ItemDataRole.DisplayRole:
            return str(page)
        if role == PageRole:
            return page
        if role == HighlightRole:
            return page in self._highlight
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"Page {page}. Click, Shift+click or Ctrl+click to select pages; "
                "double-click for a large preview"
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Page {page}"
        return None

    # -- images -----------------------------------------------------------------------

    def wanted_width(self) -> int:
        pixels = self.thumb_width * self.device_pixel_ratio
        return max(WIDTH_STEP, math.ceil(pixels / WIDTH_STEP) * WIDTH_STEP)

    def image(self, page: int) -> QImage | None:
        """The best image we have for the page (maybe low-res), asking for a better one."""
        want = self.wanted_width()
        cached = self._images.get(page)
        if cached is not None:
            self._images.move_to_end(page)
        if (cached is None or cached[0] < want) and self._pending.get(page, 0) < want:
            self._pending[page] = want
            self._service.render(page, want)
        return cached[1] if cached else None

    def _on_rendered(self, generation: int, page: int, width: int, image: QImage) -> None:
        document = self._document
        if document is None or generation != document.generation:
            return
        if self._pending.get(page) == width:
            del self._pending[page]
        if image.isNull():  # skipped: scrolled away before its turn; ask again when seen
            return
        cached = self._images.get(page)
        if cached is None or cached[0] <= width:
            self._images[page] = (width, image)
            self._images.move_to_end(page)
            while len(self._images) > CACHE_PAGES:
                self._images.popitem(last=False)
        index = self.index(page - 1)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
