"""The sections table and the ways to fill it.

Everything that decides *what* a section is (range syntax, bookmarks, every N pages) is
core's; this widget binds :class:`gui.state.sections.SectionsState` to a table through the generic
adapter and turns button presses into state calls. The current row's pages are announced
(``highlight_changed``) on selection *and* on edits, which is what keeps the thumbnail
highlight and the table in agreement.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.sections import OutlineEntry, PageRangeError
from gui.state.observable import Change
from gui.state.sections import SectionDraft, SectionsState, overlap_text
from gui.widgets.list_model import Column, StateTableModel

TITLE, PAGES, PROMPT = range(3)
OVERLAP_COLOR = QColor("#e65100")


class SectionsPanel(QWidget):
    #: pages (frozenset) of the current section, empty when none
    highlight_changed = Signal(frozenset)
    #: a message for the status bar (e.g. why bookmarks could not be used)
    message = Signal(str)

    def __init__(self, state: SectionsState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._outline: tuple[OutlineEntry, ...] = ()
        columns: list[Column[SectionDraft]] = [
            Column(
                "Title",
                lambda row: row.title,
                header_tooltip="The section's name in results and exports (double-click to edit)",
                edit=state.set_title,
            ),
            Column(
                "Pages",
                lambda row: f"⚠ {row.spec}" if row.id in state.overlaps else row.spec,
                header_tooltip=(
                    "Pages in range syntax, e.g. 1-3,5,8- (double-click to edit); ⚠ marks "
                    "pages another section also covers (allowed, but they are analysed twice)"
                ),
                edit=state.set_spec,
                edit_value=lambda row: row.spec,
                tooltip=lambda row: self._pages_tip(row),
                invalid=lambda row: row.error is not None,
                color=lambda row: OVERLAP_COLOR if row.id in state.overlaps else None,
            ),
            Column(
                "Own prompt",
                lambda row: row.prompt or "",
                header_tooltip=(
                    "A prompt for this section only; empty uses the run's prompt template"
                ),
                edit=state.set_prompt,
                tooltip=lambda row: row.prompt or "Uses the run's prompt (double-click to set one)",
            ),
        ]
        self.model = StateTableModel(state, columns, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PAGES, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PROMPT, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(PAGES, 80)
        header.resizeSection(PROMPT, 120)  # the title gets the rest of the width
        self.table.setToolTip(
            "Sections to analyse. F2 or double-click edits a cell; Delete removes; "
            "Alt+Up/Alt+Down reorders."
        )
        self.table.setAccessibleName("Sections")

        self.delete_button = self._tool("Delete", "Remove the selected sections (Delete)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.up_button = self._tool("▲", "Move the section up (Alt+Up)")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = self._tool("▼", "Move the section down (Alt+Down)")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        QShortcut(QKeySequence.StandardKey.Delete, self.table, activated=self.delete_selected)
        QShortcut(QKeySequence("Alt+Up"), self.table, activated=lambda: self.move_current(-1))
        QShortcut(QKeySequence("Alt+Down"), self.table, activated=lambda: self.move_current(1))

        self.level_combo = QComboBox(self)
        self.level_combo.setToolTip("Which bookmark level makes one section per entry")
        self.level_combo.setAccessibleName("Bookmark level")
        self.level_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.level_combo.setMinimumContentsLength(8)
        self.bookmarks_button = QPushButton("From bookmarks", self)
        self.bookmarks_button.setToolTip(
            "Replace the sections with one per bookmark at the chosen level "
            "(pages before the first bookmark become 'Front matter')"
        )
        self.bookmarks_button.clicked.connect(self.apply_bookmarks)

        self.every_spin = QSpinBox(self)
        self.every_spin.setRange(1, 10_000)
        self.every_spin.setValue(10)
        self.every_spin.setPrefix("every ")
        self.every_spin.setSuffix(" pages")
        self.every_spin.setToolTip("Section length for 'Every N pages'")
        self.every_spin.setAccessibleName("Pages per section")
        self.every_button = QPushButton("Split", self)
        self.every_button.setToolTip("Replace the sections with consecutive runs of N pages")
        self.every_button.clicked.connect(
            lambda: self._replace(self.state.every_n, self.every_spin.value())
        )

        self.whole_button = QPushButton("Whole document", self)
        self.whole_button.setToolTip("Replace the sections with one covering every page")
        self.whole_button.clicked.connect(lambda: self._replace(self.state.whole))

        self.count_label = QLabel(self)
        self.count_label.setToolTip("Number of sections, and whether they can be run")

        # two rows of ways to fill the table: one row was wider than a small screen
        bookmarks_row = QHBoxLayout()
        bookmarks_row.addWidget(self.level_combo)
        bookmarks_row.addWidget(self.bookmarks_button)
        bookmarks_row.addStretch(1)
        split_row = QHBoxLayout()
        split_row.addWidget(self.every_spin)
        split_row.addWidget(self.every_button)
        split_row.addWidget(self.whole_button)
        split_row.addStretch(1)
        row2 = QHBoxLayout()
        row2.addWidget(self.count_label, 1)
        row2.addWidget(self.up_button)
        row2.addWidget(self.down_button)
        row2.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bookmarks_row)
        layout.addLayout(split_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(row2)

        self.table.selectionModel().currentRowChanged.connect(self._emit_highlight)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        state.subscribe(self._on_state)
        self.set_outline(())
        self._on_state(Change.RESET, -1)

    def _pages_tip(self, row: SectionDraft) -> str:
        if row.error:
            return row.error
        tip = f"{len(row.pages)} pages: {row.spec}"
        overlaps = self.state.overlaps.get(row.id)
        return f"{tip}\n⚠ {overlap_text(overlaps)}" if overlaps else tip

    def _tool(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        return button

    # -- document ---------------------------------------------------------------------

    def set_outline(self, outline: tuple[OutlineEntry, ...]) -> None:
        self._outline = tuple(outline)
        self.level_combo.clear()
        levels = sorted({entry.level for entry in outline})
        for level in levels:
            count = sum(1 for entry in outline if entry.level == level)
            self.level_combo.addItem(f"Level {level} ({count})", level)
        has = bool(levels)
        self.level_combo.setEnabled(has)
        self.bookmarks_button.setEnabled(has)
        if not has:
            self.level_combo.addItem("No bookmarks")
        self._update_buttons()

    # -- actions ----------------------------------------------------------------------

    def apply_bookmarks(self) -> None:
        level = self.level_combo.currentData()
        if level is None:
            self.message.emit("This document has no bookmarks")
            return
        self._replace(self.state.from_bookmarks, self._outline, int(level))

    def _replace(self, fn, *args: object) -> None:
        before = len(self.state)
        try:
            count = fn(*args)
        except PageRangeError as exc:
            self.message.emit(str(exc))
            return
        undo = f"; they replace {before} (Edit ▸ Undo, Ctrl+Z, brings those back)" if before else ""
        self.message.emit(f"{count} sections{undo}")
        if len(self.state):
            self.select_row(0)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, TITLE)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        self.state.remove(rows)
        if len(self.state):
            self.select_row(min(rows[0] if rows else 0, len(self.state) - 1))

    def move_current(self, delta: int) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        column = index.column()
        target = self.state.move(index.row(), delta)
        self.select_row(target)
        self.table.setCurrentIndex(self.model.index(target, column))

    # -- sync -------------------------------------------------------------------------

    def _on_state(self, change: Change, index: int) -> None:
        count = len(self.state)
        problems = [row for row in self.state if row.error]
        text = f"{count} section{'s' if count != 1 else ''}"
        if problems:
            text += f" · {len(problems)} with a bad page range"
        if self.state.overlaps:
            text += f" · ⚠ {len(self.state.overlaps)} overlapping"
        self.count_label.setText(text)
        current = self.table.currentIndex()
        if change is not Change.ROW or (current.isValid() and current.row() == index):
            self._emit_highlight()
        if change is not Change.REMOVED:
            self._fit_pages_column()
        self._update_buttons()

    def _fit_pages_column(self) -> None:
        """Page ranges whole ("106-120,131-140", not "106-1…"), within reason."""
        hint = self.table.sizeHintForColumn(PAGES) if len(self.state) else 0
        self.table.horizontalHeader().resizeSection(PAGES, max(70, min(hint + 8, 260)))

    def _emit_highlight(self, *_: object) -> None:
        current = self.table.currentIndex()
        if current.isValid() and current.row() < len(self.state):
            self.highlight_changed.emit(frozenset(self.state[current.row()].pages))
        else:
            self.highlight_changed.emit(frozenset())

    def _update_buttons(self, *_: object) -> None:
        has_doc = self.state.page_count > 0
        has_rows = len(self.state) > 0
        self.every_button.setEnabled(has_doc)
        self.every_spin.setEnabled(has_doc)
        self.whole_button.setEnabled(has_doc)
        self.delete_button.setEnabled(has_rows)
        self.up_button.setEnabled(has_rows)
        self.down_button.setEnabled(has_rows)
