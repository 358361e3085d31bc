"""The one observable list that the Qt-free state classes share.

Widgets bind to state through a single generic adapter (gui/widgets/list_model.py), as
glue does; each state class only says what its rows are and when they change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import Enum, auto
from typing import Generic, TypeVar

R = TypeVar("R")


class Change(Enum):
    RESET = auto()  # rows replaced wholesale (or reordered)
    ROW = auto()  # one row's fields changed
    INSERTED = auto()
    REMOVED = auto()


Listener = Callable[[Change, int], None]


class ObservableRows(Generic[R]):
    """An ordered list of rows with change notifications (index -1: the whole list)."""

    def __init__(self) -> None:
        self._rows: list[R] = []
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _notify(self, change: Change, index: int = -1) -> None:
        for listener in list(self._listeners):
            listener(change, index)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> R:
        return self._rows[index]

    def __iter__(self) -> Iterator[R]:
        return iter(self._rows)
