"""A generic Qt table model over a Qt-free list that announces its changes.

Why generic: the state layer (``gui.state``) stays plain Python and testable without a
display, and each table is just a list of :class:`Column` descriptors. The adapter only
translates change notices into the model signals views expect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor

from gui.state.observable import Change

Row = TypeVar("Row")
_Index = QModelIndex | QPersistentModelIndex


class ObservableList(Protocol[Row]):
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> Row: ...
    def subscribe(self, listener: Callable[[Change, int], None]) -> None: ...


@dataclass(frozen=True)
class Column(Generic[Row]):
    """How one column shows (and maybe edits) a row."""

    header: str
    display: Callable[[Row], str]
    header_tooltip: str = ""
    edit: Callable[[int, str], None] | None = None
    edit_value: Callable[[Row], str] | None = None
    tooltip: Callable[[Row], str | None] | None = None
    invalid: Callable[[Row], bool] | None = None
    color: Callable[[Row], QColor | None] | None = None
    align_right: bool = False


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_EDIT = int(Qt.ItemDataRole.EditRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_ROLES = frozenset({_DISPLAY, _EDIT, _TOOLTIP, _FOREGROUND, _BACKGROUND, _ALIGN})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

INVALID_FG = QColor("#c62828")
INVALID_BG = QColor(229, 57, 53, 45)


class StateTableModel(QAbstractTableModel, Generic[Row]):
    def __init__(
        self,
        rows: ObservableList[Row],
        columns: Sequence[Column[Row]],
        parent: QObject | None = None,
        *,
        coalesce_ms: int = 0,
    ) -> None:
        """``coalesce_ms`` > 0 gathers row changes and announces them together at most that
        often: a run's burst of events (hundreds of sections starting at once) then costs
        one repaint per interval instead of one per event."""
        super().__init__(parent)
        self._rows = rows
        self._columns = list(columns)
        self._dirty: tuple[int, int] | None = None
        self._flush_timer: QTimer | None = None
        if coalesce_ms > 0:
            self._flush_timer = QTimer(self)
            self._flush_timer.setSingleShot(True)
            self._flush_timer.setInterval(coalesce_ms)
            self._flush_timer.timeout.connect(self.flush)
        rows.subscribe(self._on_change)

    def flush(self) -> None:
        """Announce gathered row changes now."""
        if self._dirty is None:
            return
        first, last = self._dirty
        self._dirty = None
        last = min(last, len(self._rows) - 1)
        if first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self._columns) - 1))

    def _on_change(self, change: Change, index: int) -> None:
        if change is Change.ROW and self._flush_timer is not None:
            first, last = self._dirty or (index, index)
            self._dirty = (min(first, index), max(last, index))
            if not self._flush_timer.isActive():
                self._flush_timer.start()
            return
        if change is not Change.ROW:
            self._dirty = None
        if change is Change.ROW:
            self.dataChanged.emit(self.index(index, 0), self.index(index, len(self._columns) - 1))
        elif change is Change.INSERTED:
            self.beginInsertRows(QModelIndex(), index, index)
            self.endInsertRows()
        elif change is Change.REMOVED:
            self.beginRemoveRows(QModelIndex(), index, index)
            self.endRemoveRows()
        else:
            self.beginResetModel()
            self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.header_tooltip or None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self._columns[index.column()].edit is not None:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        # Views ask for a dozen roles per cell per repaint and most are not ours: answer
        # those before any other work (this runs thousands of times a second in a run).
        if role not in _ROLES:
            return None
        number = index.row()
        if number >= len(self._rows) or not index.isValid():
            return None
        row = self._rows[number]
        column = self._columns[index.column()]
        if role == _DISPLAY:
            return column.display(row)
        if role == _ALIGN:
            return _RIGHT if column.align_right else None
        bad = column.invalid is not None and column.invalid(row)
        if role == _FOREGROUND:
            if bad:
                return QBrush(INVALID_FG)
            color = column.color(row) if column.color else None
            return QBrush(color) if color is not None else None
        if role == _BACKGROUND:
            return QBrush(INVALID_BG) if bad else None
        if role == _EDIT:
            return (column.edit_value or column.display)(row)
        return column.tooltip(row) if column.tooltip else column.header_tooltip or None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        column = self._columns[index.column()]
        if column.edit is None:
            return False
        column.edit(index.row(), str(value))
        return True

    def refresh_columns(self, columns: Sequence[int]) -> None:
        """Repaint some columns of every row (live timers) without a reset."""
        if not len(self._rows):
            return
        last = len(self._rows) - 1
        for column in columns:
            self.dataChanged.emit(self.index(0, column), self.index(last, column))

    def row_at(self, index: int) -> Row:
        return self._rows[index]
