"""A read-only table of rows from the Qt-free state layer, one row per item.

The run's progress table and the batch's file table look and behave alike: whole-row
selection, alternating rows, no row numbers, and fixed column widths the user can drag.
Fixed, not ResizeToContents: that re-measures every row of a column on each change, which
made a 200-section run cost O(n²) data() calls on the GUI thread (bench/gui.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from gui.widgets.list_model import Column, ObservableList, StateTableModel

#: row changes are announced at most this often (a burst of events, one repaint)
COALESCE_MS = 100


class StateTableView(QTableView):
    def __init__(
        self,
        rows: ObservableList[Any],
        columns: Sequence[Column[Any]],
        widths: Sequence[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model_ = StateTableModel(rows, columns, self, coalesce_ms=COALESCE_MS)
        self.setModel(self.model_)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
