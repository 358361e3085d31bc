"""A manual-like PDF for benchmarks: many pages of text with fonts, images and links.

Made with PyMuPDF so the benchmark runs anywhere; its shape follows the real manuals of
docs/ARCHITECTURE.md, "PyMuPDF" (dense text, a table of contents of internal links, a figure
every few pages).
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

_WORDS = [
    "revenue",
    "margin",
    "segment",
    "forecast",
    "liquidity",
    "covenant",
    "exposure",
    "hedge",
    "capital",
    "reserve",
    "regulator",
    "filing",
    "audit",
    "impairment",
    "goodwill",
    "lease",
    "pension",
    "tax",
    "dividend",
    "outlook",
    "risk",
]


def _paragraph(number: int, words: int = 90) -> str:
    return (
        " ".join(_WORDS[(number * 7 + i * 3) % len(_WORDS)] for i in range(words)).capitalize()
        + "."
    )


def make_manual(path: Path, pages: int = 1200, chapter_every: int = 45) -> Path:
    doc = pymupdf.open()
    figure = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 120, 80), False)
    figure.set_rect(figure.irect, (40, 90, 160))
    toc: list[list[object]] = []
    for number in range(1, pages + 1):
        page = doc.new_page()
        if (number - 1) % chapter_every == 0:
            chapter = (number - 1) // chapter_every + 1
            page.insert_text((72, 60), f"Chapter {chapter}", fontsize=20, fontname="helv")
            toc.append([1, f"Chapter {chapter}", number])
        box = pymupdf.Rect(72, 80, 540, 760)
        page.insert_textbox(box, "\n\n".join(_paragraph(number + k) for k in range(5)), fontsize=9)
        if number % 5 == 0:
            page.insert_image(pymupdf.Rect(400, 680, 520, 760), pixmap=figure)
        if number > 1:
            page.insert_link(
                {"kind": pymupdf.LINK_GOTO, "from": pymupdf.Rect(72, 765, 200, 780), "page": 0}
            )
    doc.set_toc(toc)
    doc.save(path, garbage=3, deflate=True)
    doc.close()
    return path
