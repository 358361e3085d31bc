"""Which section of one run is which section of the other.

By title first (case and spacing ignored), in order; then the sections left over, by the
similarity of their text (rapidfuzz's token-set ratio, order-insensitive, so a section
that only moved or was retitled is still found), best pairs first, at least
:data:`MIN_SIMILARITY`. What is still left was added or removed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

from core.sections import Section

MIN_SIMILARITY = 70.0
_SAMPLE_CHARS = 6000


def match_sections(
    a: Sequence[Section], b: Sequence[Section], text: Callable[[str, Section], str]
) -> list[tuple[Section | None, Section | None, str]]:
    """(a section, b section, how: 'title' | 'text' | '') in b's order; a removed section
    (``b`` None) comes after the b section that followed it in a."""
    pairs: dict[str, tuple[Section, str]] = {}  # b id -> (a section, how)
    left = list(a)
    for section in b:
        key = _key(section.title)
        same = next((s for s in left if _key(s.title) == key), None)
        if same is not None:
            pairs[section.id] = (same, "title")
            left.remove(same)
    rest = [s for s in b if s.id not in pairs]
    scored = sorted(
        (
            (fuzz.token_set_ratio(text("a", x)[:_SAMPLE_CHARS], text("b", y)[:_SAMPLE_CHARS]), i, j)
            for i, x in enumerate(left)
            for j, y in enumerate(rest)
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for score, i, j in scored:
        if score < MIN_SIMILARITY or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs[rest[j].id] = (left[i], "text")
    removed = [s for i, s in enumerate(left) if i not in used_a]
    out: list[tuple[Section | None, Section | None, str]] = []
    for section in b:
        match = pairs.get(section.id)
        out.append((match[0] if match else None, section, match[1] if match else ""))
    order = {s.id: i for i, s in enumerate(a)}
    for gone in removed:
        at = _after(out, order, order[gone.id])
        out.insert(at, (gone, None, ""))
    return out


def _after(
    out: list[tuple[Section | None, Section | None, str]], order: dict[str, int], position: int
) -> int:
    """Where a removed section goes: before the first pair whose a section came after it."""
    for index, (x, _, _) in enumerate(out):
        if x is not None and order.get(x.id, -1) > position:
            return index
    return len(out)


def _key(title: str) -> str:
    return " ".join(title.split()).casefold()
