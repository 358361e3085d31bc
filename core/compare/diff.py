"""A word diff of two answers, as data and as Markdown (~~removed~~ **added**)."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

#: answers longer than this (in words) are diffed on their first words only
MAX_WORDS = 6000


def word_diff(a: str, b: str) -> list[dict[str, Any]]:
    """Runs of words: ``{"op": "equal" | "delete" | "insert", "text": ...}``, in order
    (a replacement is a delete then an insert)."""
    left, right = a.split()[:MAX_WORDS], b.split()[:MAX_WORDS]
    runs: list[dict[str, Any]] = []
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("equal", "delete", "replace") and i2 > i1:
            runs.append(
                {"op": "equal" if op == "equal" else "delete", "text": " ".join(left[i1:i2])}
            )
        if op in ("insert", "replace") and j2 > j1:
            runs.append({"op": "insert", "text": " ".join(right[j1:j2])})
    return runs


def diff_markdown(runs: list[dict[str, Any]]) -> str:
    """The diff as one Markdown paragraph: removed words struck out, added words bold."""
    marks = {"equal": "{}", "delete": "~~{}~~", "insert": "**{}**"}
    return " ".join(marks[run["op"]].format(_escape(run["text"])) for run in runs)


def similarity(a: str, b: str) -> float:
    """0-1: how much of the two texts' words are the same, in order."""
    left, right = a.split()[:MAX_WORDS], b.split()[:MAX_WORDS]
    if not left and not right:
        return 1.0
    return SequenceMatcher(None, left, right, autojunk=False).ratio()


def _escape(text: str) -> str:
    return text.replace("~", "\\~").replace("*", "\\*")
