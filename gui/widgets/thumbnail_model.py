"""One row per page; thumbnails are asked for lazily, after scrolling settles, and cached.

Qt only asks a view's model for the decoration of items it paints, so noting the render
in :meth:`ThumbnailModel.image` finds exactly the pages that scroll into view. The notes
are *coalesced*: each paint only restarts a short timer, and once the view has been still
for ``SETTLE_MS`` the pages still in sight go to the PDF thread as one batch. Paging fast
through thousands of pages therefore costs the GUI thread a cached pixmap or a grey
placeholder per painted card and nothing per page passed (docs/ARCHITECTURE.md, "Paging").
Images are kept in an LRU cache bounded in bytes, keyed by page, at the largest width
rendered so far, so zooming out never re-renders and zooming in renders once per step.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QImage, QPixmap

from gui.pdf_thread import OpenedDocument, PdfService

PageRole = Qt.ItemDataRole.UserRole + 1
HighlightRole = Qt.ItemDataRole.UserRole + 2

#: renders are made in steps of this many device pixels so a zoom drag renders less often
WIDTH_STEP = 16
#: the thumbnail box is this many times as tall as it is wide (see thumbnail_view)
BOX_ASPECT = 1.32
#: page images kept, in bytes (about 500 thumbnails at the default size)
CACHE_BYTES = 40 * 2**20
#: ready-to-paint pixmaps kept: a few screens' worth
PIXMAP_PAGES = 240
#: the view must be this still before the pages in sight are asked for
SETTLE_MS = 90

_Index = QModelIndex | QPersistentModelIndex


class ThumbnailModel(QAbstractListModel):
    def __init__(self, service: PdfService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._document: OpenedDocument | None = None
        self._page_count = 0
        self._images: OrderedDict[int, tuple[int, QImage]] = OrderedDict()
        self._image_bytes = 0
        self._pending: dict[int, int] = {}
        #: pages painted without a good enough image since the view last settled
        self._asked: dict[int, int] = {}
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._flush)
        #: which pages are still worth rendering once settled (the view's pages in sight)
        self.wanted: Callable[[int], bool] = lambda page: True
        #: the pages sent to the PDF thread for this document, in order (tests read it)
        self.requested_pages: list[int] = []
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
        self._image_bytes = 0
        self._scaled.clear()
        self._pending.clear()
        self._asked.clear()
        self.requested_pages = []
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
        """The best image we have for the page (maybe low-res), noting that a better one
        is wanted once the view settles."""
        want = self.wanted_width()
        cached = self._images.get(page)
        if cached is not None:
            self._images.move_to_end(page)
        if (cached is None or cached[0] < want) and self._pending.get(page, 0) < want:
            self._asked[page] = want
            self._settle.start()  # restarted by every paint: fires once scrolling stops
        return cached[1] if cached else None

    def moved(self) -> None:
        """The view scrolled: hold back what was asked until it is still again."""
        if self._asked:
            self._settle.start()

    def _flush(self) -> None:
        """The view is still: ask for the pages in sight as one batch, in page order."""
        asked, self._asked = self._asked, {}
        batch = sorted(page for page in asked if self.wanted(page))
        if not batch:
            return
        want = max(asked[page] for page in batch)
        for page in batch:
            self._pending[page] = want
        self.requested_pages.extend(batch)
        self._service.render_many(batch, want, fit_height=int(want * BOX_ASPECT))

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
        while len(self._scaled) > PIXMAP_PAGES:
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
            if cached is not None:
                self._image_bytes -= cached[1].sizeInBytes()
            self._images[page] = (width, image)
            self._image_bytes += image.sizeInBytes()
            self._images.move_to_end(page)
            self._scaled.pop(page, None)
            while self._image_bytes > CACHE_BYTES and len(self._images) > 1:
                _, (_, dropped) = self._images.popitem(last=False)
                self._image_bytes -= dropped.sizeInBytes()
        index = self.index(page - 1)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
