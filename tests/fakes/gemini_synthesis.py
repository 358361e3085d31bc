"""The fake model's whole-document synthesis: an answer to a text-only request that
holds section answers (``core.synthesis.prompt``), computed from that prompt.

Like a real model told to keep the citations, it writes one point per section it was
given, naming the section and ending with the first ``[p. N: "quote"]`` marker of that
section's answer, copied as given; a section answer without a marker gives a point
without one. Deterministic, so a test knows which pages the synthesis must cite.
"""

from __future__ import annotations

import re

from core.synthesis.prompt import HEAD

_SECTION = re.compile(r"^=== Section (\d+): (.*) \(pages? [^)]*\) ===$", re.MULTILINE)
_MARKER = re.compile(r'\[p\. \d+(?::\s*"[^"]*")?\]')


def is_synthesis(prompt: str) -> bool:
    """Whether a text-only prompt asks for the whole-document synthesis."""
    return prompt.startswith(HEAD)


def synthesis_answer(prompt: str) -> str:
    """An overview line, then one cited point per section of the prompt."""
    heads = list(_SECTION.finditer(prompt))
    points = []
    for index, head in enumerate(heads):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(prompt)
        marker = _MARKER.search(prompt, head.end(), end)
        cite = f" {marker.group(0)}" if marker else ""
        points.append(f"- Section {head.group(1)}, {head.group(2)}: what it says.{cite}")
    return f"Fake synthesis of {len(heads)} section answer(s).\n\n" + "\n".join(points)
