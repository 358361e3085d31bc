"""One row per page; thumbnails are asked for lazily and cached.

Qt only asks a view's model for the decoration of items it paints, so requesting the
render from :meth:`ThumbnailModel.image` renders exactly the pages that scroll into view.
Images are kept in an LRU cache keyed by page, at the largest width rendered so far, so
zooming out never re-renders and zooming in renders once per size step.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QImage, QPixmap

from gui.pdf_thread import OpenedDocument, PdfService

PageRole = Qt.ItemDataRole.UserRole + 1
HighlightRole = Qt.ItemDataRole.UserRole + 2

#: renders are made in steps of this many device pixels so a zoom drag renders less often
WIDTH_STEP = 16
#: the thumbnail box is this many times as tall as it is wide (see thumbnail_view)
BOX_ASPECT = 1.32
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
        #: ready-to-blit pixmaps at the size last painted: scaling a page image on every
        #: paint (each scroll step repaints a dozen) was the grid's main cost
        self._scaled: OrderedDict[int, QPixmap] = OrderedDict()
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
        self._scaled.clear()
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
            self.dataChanged.emit(self.index(first - 1), self.index(last - 1), [HighlightRole])

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
        """Device pixels across the thumbnail box: renders come at exactly that size."""
        return max(WIDTH_STEP, round(self.thumb_width * self.device_pixel_ratio))

    def image(self, page: int) -> QImage | None:
        """The best image we have for the page (maybe low-res), asking for a better one."""
        want = self.wanted_width()
        cached = self._images.get(page)
        if cached is not None:
            self._images.move_to_end(page)
        if (cached is None or cached[0] < want) and self._pending.get(page, 0) < want:
            self._pending[page] = want
            self._service.render(page, want, fit_height=int(want * BOX_ASPECT))
        return cached[1] if cached else None

    def pixmap(self, page: int, size: QSize, ratio: float) -> QPixmap | None:
        """The page scaled to fit ``size`` (logical pixels), cached until it changes."""
        cached = self._scaled.get(page)
        if cached is not None:
            wanted = size * ratio
            got = cached.size()
            if (
                got.width() <= wanted.width()
                and got.height() <= wanted.height()
                and (got.width() == wanted.width() or got.height() == wanted.height())
            ):
                self._scaled.move_to_end(page)
                return cached
        image = self.image(page)
        if image is None or image.isNull():
            return None
        box = size * ratio
        fits = image.width() <= box.width() and image.height() <= box.height()
        if not (fits and (image.width() >= box.width() - 2 or image.height() >= box.height() - 2)):
            # not the size shown (zoom moved; a render at the new size is on its way)
            image = image.scaled(
                box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        scaled = QPixmap.fromImage(image)
        scaled.setDevicePixelRatio(ratio)
        self._scaled[page] = scaled
        while len(self._scaled) > CACHE_PAGES:
            self._scaled.popitem(last=False)
        return scaled

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
            self._scaled.pop(page, None)
            while len(self._images) > CACHE_PAGES:
                self._images.popitem(last=False)
        index = self.index(page - 1)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
