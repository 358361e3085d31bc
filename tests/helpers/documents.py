"""Report-like PDFs for the offline backend's tests, made with PyMuPDF.

Each builder records the exact text it drew, so tests can check extraction against the
source (word counts, that summary sentences really come from the text) instead of
against numbers copied from a previous run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

BODY = 11.0
FOOTER = "Turbine Review · Confidential · page {n}"

INTRO = [
    "Harbour Turbines builds small wind turbines for farms and villages.",
    "Turbine sales rose by twelve percent because farmers replaced diesel generators.",
    "The turbine order book doubled in the autumn after the new grant scheme opened.",
]
MARKET = [
    "Demand for turbine maintenance grew in every coastal region we serve.",
    "Storms in March damaged older turbine blades and raised spare part sales.",
    "Competition from imported turbine kits kept prices flat for most of the year.",
]
TABLE_NOTE = [
    "The table lists turbine revenue by region in thousands of pounds.",
    "The north region grew fastest thanks to two large cooperative orders.",
]
RISKS = [
    "A shortage of blade resin could delay turbine deliveries next spring.",
    "Grant rules may change after the election and slow new orders.",
]
TABLE = [
    ["Region", "Turbines", "Revenue"],
    ["North", "41", "1,230"],
    ["South | Coast", "28", "840"],
    ["West", "19", "570"],
]
BULLETS = ["Secure a second resin supplier", "Train four more service engineers"]


@dataclass
class ReportPdf:
    """The made file and the text that went into it."""

    path: Path
    title: str = "Harbour Turbines Review"
    subtitle: str = "Trading in 2024"
    bold_heading: str = "Principal Risks"
    sentences: list[str] = field(default_factory=list)
    drawn_text: list[str] = field(default_factory=list)  # every string, footers excluded
    scanned_page: int = 3  # 1-based, in this file
    blank_page: int | None = None


def _paragraph(page: pymupdf.Page, y: float, sentences: list[str]) -> float:
    """Write sentences as a wrapped paragraph from y; returns the next free y."""
    rect = pymupdf.Rect(72, y, page.rect.width - 72, y + 200)
    text = " ".join(sentences)
    spare = page.insert_textbox(rect, text, fontname="helv", fontsize=BODY)
    used = rect.height - spare
    return y + used + BODY


def make_report_pdf(path: Path, *, blank_page: bool = False) -> ReportPdf:
    """Four (or five) pages: headings + prose, a ruled table, a scan, a bold heading + list.

    Page 1: a 24 pt title, a 16 pt subtitle, two paragraphs.
    Page 2: a paragraph and a 4x3 table ruled with lines (one cell holds a '|').
    Page 3: an image only, no text layer (a "scan").
    Page 4: a bold heading at body size, a paragraph and two bullets.
    Page 5 (optional): nothing at all.
    Pages 1, 2 and 4 carry the same footer, which extraction should drop.
    """
    info = ReportPdf(path=path)
    doc = pymupdf.open()

    page = doc.new_page()
    page.insert_text((72, 90), info.title, fontname="hebo", fontsize=24)
    page.insert_text((72, 125), info.subtitle, fontname="helv", fontsize=16)
    y = _paragraph(page, 150, INTRO)
    _paragraph(page, y, MARKET)
    info.drawn_text += [info.title, info.subtitle, *INTRO, *MARKET]

    page = doc.new_page()
    y = _paragraph(page, 72, TABLE_NOTE)
    info.drawn_text += TABLE_NOTE
    ruled_table(page, y + 10, TABLE)
    info.drawn_text += [cell for row in TABLE for cell in row]

    page = doc.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 60, 80), False)
    pix.set_rect(pix.irect, (200, 200, 190))
    page.insert_image(pymupdf.Rect(72, 72, 520, 760), pixmap=pix)

    page = doc.new_page()
    page.insert_text((72, 90), info.bold_heading, fontname="hebo", fontsize=BODY)
    y = _paragraph(page, 105, RISKS)
    for offset, bullet in enumerate(BULLETS):
        page.insert_text((72, y + 10 + offset * 16), f"• {bullet}", fontname="helv", fontsize=BODY)
    info.drawn_text += [info.bold_heading, *RISKS, *BULLETS]

    if blank_page:
        doc.new_page()
        info.blank_page = 5

    for number in (0, 1, 3):
        doc[number].insert_text(
            (72, doc[number].rect.height - 30), FOOTER.format(n=number + 1), fontsize=8
        )
    doc.set_metadata({"title": info.title})
    doc.save(path)
    doc.close()
    info.sentences = [*INTRO, *MARKET, *TABLE_NOTE, *RISKS]
    return info


def ruled_table(page: pymupdf.Page, top: float, rows: list[list[str]]) -> None:
    """A three-column table ruled with lines, its first row at ``top``."""
    xs = [72, 252, 362, 472]
    row_h = 20
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            page.insert_text((xs[c] + 4, top + r * row_h + 14), cell, fontname="helv", fontsize=10)
    shape = page.new_shape()
    bottom = top + row_h * len(rows)
    for r in range(len(rows) + 1):
        shape.draw_line((xs[0], top + r * row_h), (xs[-1], top + r * row_h))
    for x in xs:
        shape.draw_line((x, top), (x, bottom))
    shape.finish(color=(0, 0, 0), width=0.6)
    shape.commit()
