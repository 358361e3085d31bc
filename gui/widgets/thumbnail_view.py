"""The page grid: an icon-mode list view with a delegate that paints page cards.

Selection (click, Shift+click, Ctrl+click, Ctrl+A, arrow keys) is Qt's own extended
selection; the pages of the section chosen in the table are shown by a separate highlight
so choosing pages for a new section never disturbs it. The view tells the PDF thread which
pages are on screen, so renders queued for pages scrolled past are skipped.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from gui.widgets.thumbnail_model import HighlightRole, PageRole, ThumbnailModel

PAGE_ASPECT = 1.32  # a little under A4 (1.414) and above Letter (1.29): both fit well
LABEL_HEIGHT = 20
PADDING = 8
#: pages kept "wanted" beyond the visible ones, so a slow scroll finds them ready
LOOKAHEAD = 12


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, model: ThumbnailModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        width = self._model.thumb_width
        return QSize(width + 2 * PADDING, int(width * PAGE_ASPECT) + LABEL_HEIGHT + 2 * PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        page = index.data(PageRole)
        palette = option.palette
        rect = option.rect.adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        highlighted = bool(index.data(HighlightRole))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if highlighted or selected:
            accent = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill = QColor(accent)
            fill.setAlpha(70 if selected else 35)
            painter.setPen(QPen(accent, 2.5 if highlighted else 1.5))
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 6, 6)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(
                QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DotLine)
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 5, 5)

        area = QRect(
            rect.left() + PADDING - 2,
            rect.top() + PADDING - 2,
            rect.width() - 2 * (PADDING - 2),
            rect.height() - LABEL_HEIGHT - 2 * (PADDING - 2),
        )
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = self._model.pixmap(page, area.size(), ratio)
        target = _fit(pixmap, area)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(QColor("white"))
        painter.drawRect(target)
        if pixmap is not None:
            painter.drawPixmap(target.topLeft(), pixmap)
        else:
            painter.setPen(QColor(160, 160, 160))
            painter.drawText(target, Qt.AlignmentFlag.AlignCenter, "…")

        label = QRect(rect.left(), rect.bottom() - LABEL_HEIGHT, rect.width(), LABEL_HEIGHT)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        font = painter.font()
        font.setBold(highlighted)
        painter.setFont(font)
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(page))
        painter.restore()


def _fit(pixmap: QPixmap | None, area: QRect) -> QRect:
    """Where the pixmap goes, centred in area (a page-shaped rect while none is ready)."""
    if pixmap is not None and not pixmap.isNull():
        size = pixmap.deviceIndependentSize().toSize()
        width, height = size.width(), size.height()
    else:
        width = area.width()
        height = int(width * PAGE_ASPECT)
        if height > area.height():
            height = area.height()
            width = int(height / PAGE_ASPECT)
    left = area.left() + (area.width() - width) // 2
    top = area.top() + (area.height() - height) // 2
    return QRect(left, top, width, height)


class ThumbnailView(QListView):
    """Grid of pages; emits ``preview_requested(page)`` on double-click or Enter."""

    preview_requested = Signal(int)

    def __init__(self, model: ThumbnailModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._visible = (0, -1)
        self.setModel(model)
        self.setItemDelegate(ThumbnailDelegate(model, self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSpacing(4)
        self.setWordWrap(False)
        self.setToolTip(
            "Pages of the document. Click, Shift+click or Ctrl+click to select pages, "
            "then Add section. Double-click a page for a large preview."
        )
        self.setAccessibleName("Page thumbnails")
        self.doubleClicked.connect(lambda index: self.preview_requested.emit(index.row() + 1))
        self.verticalScrollBar().valueChanged.connect(self._update_visible)
        self.verticalScrollBar().valueChanged.connect(model.moved)
        model.modelReset.connect(self._update_visible)
        self.set_thumb_width(model.thumb_width)

    def set_thumb_width(self, width: int) -> None:
        self._model.thumb_width = width
        self._model.device_pixel_ratio = self.devicePixelRatioF()
        hint = self.itemDelegate().sizeHint(QStyleOptionViewItem(), QModelIndex())
        self.setGridSize(hint + QSize(6, 6))
        self.doItemsLayout()
        self._update_visible()
        self.viewport().update()

    def visible_pages(self) -> tuple[int, int]:
        return self._visible

    def is_wanted(self, page: int) -> bool:
        """Read from the PDF thread: a plain tuple read, no Qt call."""
        first, last = self._visible
        return first - LOOKAHEAD <= page <= last + LOOKAHEAD

    def _update_visible(self, *_: object) -> None:
        if self._model.rowCount() == 0:
            self._visible = (0, -1)
            return
        viewport = self.viewport().rect()
        top = self.indexAt(QPoint(PADDING, PADDING))
        bottom = self.indexAt(viewport.bottomRight() - QPoint(PADDING, PADDING))
        first = top.row() + 1 if top.isValid() else 1
        if bottom.isValid():
            last = bottom.row() + 1
        else:
            per_row = max(1, viewport.width() // max(1, self.gridSize().width()))
            rows = viewport.height() // max(1, self.gridSize().height()) + 1
            last = first + per_row * rows
        self._visible = (first, min(last, self._model.rowCount()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_visible()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            index = self.currentIndex()
            if index.isValid():
                self.preview_requested.emit(index.row() + 1)
                return True
        return super().event(event)

    def selected_pages(self) -> list[int]:
        return sorted(index.row() + 1 for index in self.selectionModel().selectedIndexes())

    def select_pages(self, pages: set[int] | list[int]) -> None:
        selection = QItemSelection()
        for page in sorted(pages):
            index = self._model.index(page - 1)
            selection.select(index, index)
        self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if pages:
            self.scrollTo(self._model.index(min(pages) - 1))

    def scroll_to_page(self, page: int) -> None:
        self.scrollTo(self._model.index(page - 1), QAbstractItemView.ScrollHint.PositionAtTop)
