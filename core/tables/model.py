"""A table found in a run's answers: its cells, where it is, and whether it may go on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class FoundTable:
    """Rows of cell texts (the first is the header) and the pages they are on.

    ``ends_page`` / ``starts_page``: nothing else of the answer follows the table on its
    last page, or comes before it on its first page. Known only for answers with page
    markers (the offline extractor's); None when unknown.
    """

    section_id: str
    section_title: str
    pages: list[int]
    rows: list[list[str]]
    caption: str = ""
    ends_page: bool | None = None
    starts_page: bool | None = None
    #: the sections it was found in (two or more once joined across a boundary)
    sections: list[str] = field(default_factory=list)

    @property
    def page(self) -> int:
        return self.pages[0]

    @property
    def columns(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    @property
    def header(self) -> list[str]:
        return self.rows[0] if self.rows else []

    @property
    def page_label(self) -> str:
        first, last = self.pages[0], self.pages[-1]
        return f"page {first}" if first == last else f"pages {first}-{last}"
