"""Sections of a document and the page-range syntax analysts type.

Pages are 1-based in everything a user sees or types (``"1-3,5,8-"``) and 0-based only
inside :mod:`core.pdf`. Keeping the conversion in one place avoids off-by-one drift
between the GUI, the CLI and the splitter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

_PART = re.compile(r"^\s*(\d+)?\s*(-)?\s*(\d+)?\s*$")


class PageRangeError(ValueError):
    """A page range the user typed cannot be used; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled set of pages (1-based, sorted, unique) with an optional prompt of its own."""

    id: str
    title: str
    pages: tuple[int, ...]
    prompt: str | None = None

    def __post_init__(self) -> None:
        if not self.pages:
            raise PageRangeError(f"Section '{self.title}' has no pages")

    @property
    def page_spec(self) -> str:
        return format_ranges(self.pages)

    @property
    def first_page(self) -> int:
        return self.pages[0]

    def with_pages(self, pages: Iterable[int]) -> Section:
        return replace(self, pages=tuple(sorted(set(pages))))


def parse_ranges(spec: str, page_count: int) -> tuple[int, ...]:
    """Parse ``"1-3,5,8-"`` into sorted unique 1-based pages, checked against page_count."""
    if spec is None or not spec.strip():
        raise PageRangeError("The page range is empty: type pages like 1-3,5,8-")
    pages: set[int] = set()
    for raw in spec.split(","):
        if not raw.strip():
            continue
        pages.update(_parse_part(raw, page_count))
    if not pages:
        raise PageRangeError("The page range is empty: type pages like 1-3,5,8-")
    return tuple(sorted(pages))


def _parse_part(raw: str, page_count: int) -> range:
    match = _PART.match(raw)
    if not match or (match.group(1) is None and match.group(3) is None):
        raise PageRangeError(f"'{raw.strip()}' is not a page range: use pages like 1-3,5,8-")
    start_s, dash, end_s = match.groups()
    start = int(start_s) if start_s else 1
    end = int(end_s) if end_s else (page_count if dash else start)
    if not dash and end_s:
        raise PageRangeError(f"'{raw.strip()}' is not a page range: use pages like 1-3,5,8-")
    if start < 1 or end < 1:
        raise PageRangeError(f"Page numbers start at 1; '{raw.strip()}' has page 0")
    if start > end:
        raise PageRangeError(f"'{raw.strip()}' runs backwards: write the lower page first")
    if end > page_count:
        raise PageRangeError(
            f"'{raw.strip()}' goes past the last page: the document has {page_count} pages"
        )
    return range(start, end + 1)


def format_ranges(pages: Iterable[int]) -> str:
    """The shortest range spec for a set of pages: (1,2,3,5) -> '1-3,5'."""
    ordered = sorted(set(pages))
    parts: list[str] = []
    run_start = prev = None
    for page in ordered:
        if prev is not None and page == prev + 1:
            prev = page
            continue
        if run_start is not None:
            parts.append(_run(run_start, prev))
        run_start = prev = page
    if run_start is not None:
        parts.append(_run(run_start, prev))
    return ",".join(parts)


def _run(start: int, end: int | None) -> str:
    return str(start) if end == start else f"{start}-{end}"


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """One bookmark: its depth (1 = top), title and 1-based target page."""

    level: int
    title: str
    page: int


@dataclass(slots=True)
class SectionIds:
    """Hands out short stable ids: s1, s2, ... so events and exports can refer to sections."""

    taken: set[str] = field(default_factory=set)
    counter: int = 0

    def next(self) -> str:
        while True:
            self.counter += 1
            candidate = f"s{self.counter}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


def whole_document(page_count: int, title: str = "Whole document") -> list[Section]:
    return [Section(id="s1", title=title, pages=tuple(range(1, page_count + 1)))]


def every_n_pages(page_count: int, n: int) -> list[Section]:
    if n < 1:
        raise PageRangeError("Every N pages needs N of at least 1")
    sections = []
    for index, start in enumerate(range(1, page_count + 1, n), start=1):
        end = min(start + n - 1, page_count)
        label = f"Pages {start}-{end}" if end > start else f"Page {start}"
        sections.append(Section(id=f"s{index}", title=label, pages=tuple(range(start, end + 1))))
    return sections


def from_outline(entries: Sequence[OutlineEntry], page_count: int, level: int = 1) -> list[Section]:
    """One section per outline entry at `level`, each running up to the next such entry.

    Pages before the first entry become a 'Front matter' section so no page is dropped.
    Entries pointing at the same page as the next one share it rather than vanish.
    """
    chosen = [e for e in entries if e.level == level and 1 <= e.page <= page_count]
    if not chosen:
        raise PageRangeError(f"The document has no bookmarks at level {level}")
    chosen.sort(key=lambda e: e.page)
    sections: list[Section] = []
    ids = SectionIds()
    if chosen[0].page > 1:
        front = tuple(range(1, chosen[0].page))
        sections.append(Section(id=ids.next(), title="Front matter", pages=front))
    for index, entry in enumerate(chosen):
        nxt = chosen[index + 1].page if index + 1 < len(chosen) else page_count + 1
        end = max(entry.page, nxt - 1)
        pages = tuple(range(entry.page, end + 1))
        sections.append(
            Section(id=ids.next(), title=entry.title.strip() or "Untitled", pages=pages)
        )
    return sections


def parse_section_list(spec: str, page_count: int) -> list[Section]:
    """Parse the CLI's ``"Intro:1-3;Body:4-20"`` into sections, with clear errors."""
    sections: list[Section] = []
    ids = SectionIds()
    for chunk in spec.split(";"):
        if not chunk.strip():
            continue
        title, sep, ranges = chunk.rpartition(":")
        if not sep:
            title, ranges = "", chunk
        pages = parse_ranges(ranges, page_count)
        sid = ids.next()
        sections.append(
            Section(id=sid, title=title.strip() or f"Pages {format_ranges(pages)}", pages=pages)
        )
    if not sections:
        raise PageRangeError("No sections given: use --sections 'Intro:1-3;Body:4-20'")
    return sections
