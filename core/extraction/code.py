"""Code: runs of monospaced lines become fenced blocks with their indentation kept.

Indentation is whatever the PDF shows: leading spaces it drew, plus the offset of a
line's first glyph from the block's leftmost one in character widths (many PDFs place
each code line at its x and draw no spaces at all). A pitch much wider than the
block's line spacing stands for a blank line.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence

from core.extraction.model import Line

_BLANK_PITCH = 1.6  # a pitch this many times the usual one is a blank line


def code_markdown(lines: Sequence[Line]) -> str:
    """The lines as a fenced code block."""
    width = statistics.median(ln.char_w for ln in lines) or 5.0
    starts = [ln.x0 + ln.indent * width for ln in lines]
    left = min(starts)
    pitches = [b.y0 - a.y0 for a, b in itertools.pairwise(lines) if b.y0 > a.y0]
    usual = min(pitches, default=0.0)
    out: list[str] = []
    for index, (line, start) in enumerate(zip(lines, starts, strict=True)):
        if index and usual and line.y0 - lines[index - 1].y0 > usual * _BLANK_PITCH:
            out.append("")
        out.append(" " * round((start - left) / width) + (line.raw or line.text).strip())
    fence = "~~~" if any(ln.lstrip().startswith("```") for ln in out) else "```"
    return "\n".join([fence, *out, fence])
