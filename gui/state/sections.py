"""The sections being drafted, as plain Python with change notifications.

Why no Qt here: the rules (what a valid range is, which pages a section covers, which
ids are handed out) live in :mod:`core.sections`; this layer only keeps the user's
half-typed drafts — including invalid ones, which a frozen ``Section`` cannot hold — and
tells listeners what changed. Qt models adapt it (``gui.widgets.list_model``), so it can be
tested without a display and two views (thumbnails, table) can never disagree: both read
the same object.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from core.sections import (
    OutlineEntry,
    PageRangeError,
    Section,
    SectionIds,
    every_n_pages,
    format_ranges,
    from_outline,
    parse_ranges,
    whole_document,
)
from gui.state.observable import Change, ObservableRows


@dataclass(frozen=True, slots=True)
class SectionDraft:
    """One row as the user sees it: ``spec`` is what they typed, ``pages`` what it means.

    ``error`` holds the reason when ``spec`` is not a usable range for this document;
    ``pages`` is then empty.
    """

    id: str
    title: str
    spec: str
    prompt: str | None = None
    pages: tuple[int, ...] = ()
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and bool(self.pages)


#: how many replacements or deletions Edit ▸ Undo can take back
UNDO_DEPTH = 20


class SectionsState(ObservableRows["SectionDraft"]):
    """An ordered list of section drafts for one document."""

    def __init__(self, page_count: int = 0) -> None:
        super().__init__()
        self.page_count = page_count
        self._ids = SectionIds()
        self._undo: list[tuple[list[SectionDraft], SectionIds]] = []
        #: section id -> (other section's title, pages both cover), for rows that overlap
        self.overlaps: dict[str, list[tuple[str, tuple[int, ...]]]] = {}

    def _notify(self, change: Change, index: int = -1) -> None:
        self.overlaps = _overlaps(self._rows)
        super()._notify(change, index)

    # -- undo -------------------------------------------------------------------------
    # Bookmarks, Split, Whole document and Delete throw rows away: each keeps what it
    # replaced, so a click on the wrong button costs one Ctrl+Z, not the hand-made rows.

    def _remember(self) -> None:
        if self._rows:
            self._undo.append((list(self._rows), copy.deepcopy(self._ids)))
            del self._undo[:-UNDO_DEPTH]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> int:
        """Bring back the rows before the last replacement or deletion; how many."""
        if not self._undo:
            return 0
        self._rows, self._ids = self._undo.pop()
        self._notify(Change.RESET)
        return len(self._rows)

    # -- observation ------------------------------------------------------------------

    # -- reading ----------------------------------------------------------------------

    def index_of(self, section_id: str) -> int:
        for index, row in enumerate(self._rows):
            if row.id == section_id:
                return index
        return -1

    @property
    def all_valid(self) -> bool:
        return bool(self._rows) and all(row.valid for row in self._rows)

    def problems(self) -> list[str]:
        """Why Run is not possible, one line per problem, for the tooltip and status bar."""
        if self.page_count == 0:
            return ["Open a PDF first"]
        if not self._rows:
            return ["Add at least one section"]
        return [f"{row.title}: {row.error}" for row in self._rows if row.error]

    def to_sections(self) -> list[Section]:
        """The engine's sections; only call when :attr:`all_valid`."""
        return [
            Section(id=row.id, title=row.title, pages=row.pages, prompt=row.prompt or None)
            for row in self._rows
            if row.valid
        ]

    # -- editing ----------------------------------------------------------------------

    def _draft(self, sid: str, title: str, spec: str, prompt: str | None) -> SectionDraft:
        try:
            pages = parse_ranges(spec, self.page_count) if self.page_count else ()
            error = None if pages else "Open a PDF first"
        except PageRangeError as exc:
            pages, error = (), str(exc)
        return SectionDraft(
            id=sid, title=title, spec=spec.strip(), prompt=prompt, pages=pages, error=error
        )

    def set_document(self, page_count: int) -> None:
        """A new document: the old sections meant other pages, so they go."""
        self.page_count = page_count
        self._rows = []
        self._ids = SectionIds()
        self._undo.clear()
        self._notify(Change.RESET)

    def add_pages(self, pages: Iterable[int], title: str | None = None) -> SectionDraft:
        chosen = sorted(set(pages))
        if not chosen:
            raise PageRangeError("Select some pages first (click, shift-click or type 1-3,5)")
        spec = format_ranges(chosen)
        return self.add(spec, title or self._default_title(spec))

    def add(self, spec: str, title: str, prompt: str | None = None) -> SectionDraft:
        row = self._draft(self._ids.next(), title, spec, prompt)
        self._rows.append(row)
        self._notify(Change.INSERTED, len(self._rows) - 1)
        return row

    def replace_all(self, sections: Sequence[Section]) -> None:
        self._remember()
        self._ids = SectionIds()
        self._rows = []
        for section in sections:
            self._rows.append(
                self._draft(self._ids.next(), section.title, section.page_spec, section.prompt)
            )
        self._notify(Change.RESET)

    def from_bookmarks(self, outline: Sequence[OutlineEntry], level: int) -> int:
        self.replace_all(from_outline(outline, self.page_count, level))
        return len(self._rows)

    def every_n(self, n: int) -> int:
        self.replace_all(every_n_pages(self.page_count, n))
        return len(self._rows)

    def whole(self, title: str = "Whole document") -> int:
        self.replace_all(whole_document(self.page_count, title))
        return len(self._rows)

    def set_title(self, index: int, title: str) -> None:
        row = self._rows[index]
        self._rows[index] = replace(row, title=title.strip() or row.title)
        self._notify(Change.ROW, index)

    def set_spec(self, index: int, spec: str) -> None:
        row = self._rows[index]
        self._rows[index] = self._draft(row.id, row.title, spec, row.prompt)
        self._notify(Change.ROW, index)

    def set_prompt(self, index: int, prompt: str | None) -> None:
        row = self._rows[index]
        self._rows[index] = replace(row, prompt=(prompt or "").strip() or None)
        self._notify(Change.ROW, index)

    def remove(self, indices: Iterable[int]) -> None:
        if any(0 <= index < len(self._rows) for index in indices):
            self._remember()
        for index in sorted(set(indices), reverse=True):
            if 0 <= index < len(self._rows):
                del self._rows[index]
                self._notify(Change.REMOVED, index)

    def move(self, index: int, delta: int) -> int:
        """Move one row up (-1) or down (+1); returns its new index."""
        target = max(0, min(len(self._rows) - 1, index + delta))
        if target != index:
            row = self._rows.pop(index)
            self._rows.insert(target, row)
            self._notify(Change.RESET)
        return target

    def clear(self) -> None:
        self._remember()
        self._rows = []
        self._notify(Change.RESET)

    # -- remembered per document ------------------------------------------------------

    def drafts(self) -> list[dict[str, str]]:
        """The rows as typed (bad ranges too), to be kept and given back on reopening."""
        return [
            {"title": row.title, "spec": row.spec, **({"prompt": row.prompt} if row.prompt else {})}
            for row in self._rows
        ]

    def restore_drafts(self, drafts: Sequence[dict[str, str]]) -> int:
        """Rows kept by :meth:`drafts` (for this document); how many came back."""
        self._ids = SectionIds()
        self._rows = [
            self._draft(
                self._ids.next(), str(d.get("title", "")), str(d.get("spec", "")), d.get("prompt")
            )
            for d in drafts
            if d.get("spec")
        ]
        self._notify(Change.RESET)
        return len(self._rows)

    @staticmethod
    def _default_title(spec: str) -> str:
        return f"Pages {spec}" if ("-" in spec or "," in spec) else f"Page {spec}"


def _overlaps(rows: Sequence[SectionDraft]) -> dict[str, list[tuple[str, tuple[int, ...]]]]:
    """Sections sharing pages: allowed (an overview beside its chapters), but flagged."""
    by_page: dict[int, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        for page in row.pages:
            by_page[page].append(index)
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for page, owners in by_page.items():
        if len(owners) > 1:
            for a in owners:
                for b in owners:
                    if a != b:
                        shared[(a, b)].append(page)
    found: dict[str, list[tuple[str, tuple[int, ...]]]] = defaultdict(list)
    for (a, b), pages in sorted(shared.items()):
        found[rows[a].id].append((rows[b].title, tuple(sorted(pages))))
    return dict(found)


def overlap_text(overlaps: Sequence[tuple[str, tuple[int, ...]]]) -> str:
    """ "Overlaps 'Intro' on pages 3-4" (one clause per other section)."""
    return "; ".join(
        f"Overlaps '{title}' on page{'s' if len(pages) > 1 else ''} {format_ranges(pages)}"
        for title, pages in overlaps
    )
