"""Why a citation is not verified, in the words the exports and the window show.

A module of its own without pydantic: the PDF worker processes that check quotes
(:mod:`.verify`) import it, and pydantic would add 0.3-0.5 s to each worker's first
check (docs/ARCHITECTURE.md, "Footprint").
"""

from __future__ import annotations

SCANNED = "scanned page"
BLANK = "blank page"
NOT_FOUND = "quote not found on the page"
NO_QUOTE = "no quote given"
