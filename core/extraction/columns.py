"""Reading order: columns read top to bottom, one after the other, not line by line.

Sorting a two-column page by height interleaves the columns. A gutter is a vertical
strip of the text area that (almost) no line crosses, with text on both sides that
fills its column (lines reaching the gutter: wrapped prose, not the short cells of a
borderless table). Elements crossing the gutter (a title, an abstract, a wide table)
span the page and cut it into bands; within a band the left column is read before
the right one, and each side may have columns of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class Boxed(Protocol):
    x0: float
    y0: float
    x1: float
    y1: float


T = TypeVar("T", bound=Boxed)

_MIN_GUTTER = 8.0  # points of clear space between columns
_CROSSING = 0.06  # share of lines that may cross a gutter (titles, wide tables)
_MIN_SIDE = 2  # lines a column needs (the last page of a paper may end early)
_MIN_LINES = 8  # lines a page needs before columns are looked for
_FILLED = 0.35  # share of a side's lines that reach the gutter (wrapped text) ...
_REACH = 0.25  # ... ending in the last quarter of the column's width
_DEPTH = 3


def reading_order(elements: Sequence[T], depth: int = 0) -> list[list[T]]:
    """Elements in reading order as flows: runs that each read top to bottom."""
    ordered = sorted(elements, key=lambda e: (round(e.y0), e.x0))
    gutter = find_gutter(ordered) if depth < _DEPTH else None
    if gutter is None:
        return [ordered] if ordered else []
    left_edge, right_edge = gutter
    flows: list[list[T]] = []
    band: list[T] = []
    across: list[T] = []  # consecutive elements spanning the gutter read as one flow
    for element in ordered:
        if element.x0 < right_edge and element.x1 > left_edge:
            flows += _band(band, left_edge, depth)
            band = []
            across.append(element)
        else:
            if across:
                flows.append(across)
                across = []
            band.append(element)
    flows += _band(band, left_edge, depth)
    return [*flows, across] if across else flows


def _band(band: list[T], left_edge: float, depth: int) -> list[list[T]]:
    left = [e for e in band if e.x1 <= left_edge]
    right = [e for e in band if e.x1 > left_edge]
    return reading_order(left, depth + 1) + reading_order(right, depth + 1)


def find_gutter(elements: Sequence[T]) -> tuple[float, float] | None:
    """The clearest vertical strip between columns, or None for a one-column layout."""
    if len(elements) < _MIN_LINES:
        return None
    x0 = min(e.x0 for e in elements)
    x1 = max(e.x1 for e in elements)
    width = x1 - x0
    if width < 100:
        return None
    levels = [0] * (int(width) + 2)
    for e in elements:
        levels[int(e.x0 - x0)] += 1
        levels[int(e.x1 - x0) + 1] -= 1
    cover, running = [], 0
    for delta in levels:
        running += delta
        cover.append(running)
    lo, hi = int(width * 0.2), int(width * 0.8)
    least = min(cover[lo : hi + 1])
    best = None
    for allowed in range(least, max(1, int(len(elements) * _CROSSING)) + 1):
        best = _widest_strip(cover, lo, hi, allowed)
        if best is not None and best[1] - best[0] >= _MIN_GUTTER:
            break
        best = None
    if best is None:
        return None
    gutter = (x0 + best[0], x0 + best[1])
    return gutter if _columns_filled(elements, gutter) else None


def _widest_strip(cover: list[int], lo: int, hi: int, allowed: int) -> tuple[int, int] | None:
    """The widest run of x positions in [lo, hi] that at most ``allowed`` lines cross."""
    best: tuple[int, int] | None = None
    start: int | None = None
    for index in range(lo, hi + 2):
        clear = index <= hi and cover[index] <= allowed
        if clear and start is None:
            start = index
        elif not clear and start is not None:
            if best is None or index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


def _columns_filled(elements: Sequence[T], gutter: tuple[float, float]) -> bool:
    left = [e for e in elements if e.x1 <= gutter[0]]
    right = [e for e in elements if e.x0 >= gutter[1]]
    if len(left) < _MIN_SIDE or len(right) < _MIN_SIDE:
        return False
    return _filled(left, gutter[0]) and _filled(right, max(e.x1 for e in right))


def _filled(side: Sequence[T], edge: float) -> bool:
    """Whether enough of a side's lines run close to its right edge (wrapped text)."""
    left = min(e.x0 for e in side)
    reach = edge - (edge - left) * _REACH
    return sum(1 for e in side if e.x1 >= reach) >= _FILLED * len(side)
