"""From a page counted inside an excerpt to the page of the whole document.

A section's PDF holds exactly its pages, in order, also when they are not contiguous
(``1-3,5,8-``), and a section above Gemini's limits is sent in parts that each hold a run
of those pages. So page *k* of what the model read is ``pages[k - 1]`` of that excerpt.
"""

from __future__ import annotations

from collections.abc import Sequence


def document_page(excerpt_page: int, pages: Sequence[int]) -> int:
    """The document page of page ``excerpt_page`` (1-based) of an excerpt of ``pages``.

    A page outside the excerpt (a model counting wrongly) is clamped to its first or last
    page; verification then looks for the quote on every page of the section and corrects
    the page when it is elsewhere.
    """
    if not pages:
        raise ValueError("an excerpt has at least one page")
    index = min(max(excerpt_page, 1), len(pages)) - 1
    return pages[index]


def remap(page: int, old_pages: Sequence[int], new_pages: Sequence[int]) -> int:
    """A document page of one section moved to the same place in another section of the
    same pages' bytes (a cached answer reused for another section or document)."""
    try:
        index = list(old_pages).index(page)
    except ValueError:
        return new_pages[0] if new_pages else page
    return new_pages[index] if index < len(new_pages) else page


def as_int(value: object) -> int | None:
    """A page number as a model may write it: 3, 3.0 or "3"; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
