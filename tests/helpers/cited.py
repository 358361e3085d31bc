"""PDFs for the citation tests: front matter numbered i, ii, iii, a scanned page, and
pages whose sentences are known, so a test knows on which page each quote is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

FRONT = 3  # pages i-iii
#: one sentence per body page; they share words, so only the right page has each whole
BODY = [
    "The first quarter closed with revenue of 12.5 million euros across the northern region.",
    "Harbour operations hired forty-two engineers to keep the cranes running through winter.",
    "The board approved a second warehouse near the river after a long and difficult review.",
    "Fuel costs fell by nine percent because the fleet moved to electric tugs in the spring.",
    "A late shipment of steel delayed the new dock by three weeks in the autumn quarter.",
    "Insurance premiums rose sharply after the storm damaged two of the older loading cranes.",
]


@dataclass
class CitedPdf:
    path: Path
    #: sentence drawn on each 1-based page (front matter and the scan have none)
    sentences: dict[int, str] = field(default_factory=dict)
    scanned: int = 0
    labels: list[str] = field(default_factory=list)


def make_cited_pdf(path: Path) -> CitedPdf:
    """Front matter i-iii, body pages 1..6 (document pages 4-9), then a scanned page whose
    only content is a picture (document page 10, labelled 7)."""
    made = CitedPdf(path)
    doc = pymupdf.open()
    for index in range(FRONT):
        page = doc.new_page()
        page.insert_text((72, 90), f"Preface part {index + 1}", fontsize=14)
    for offset, sentence in enumerate(BODY):
        page = doc.new_page()
        number = FRONT + offset + 1
        page.insert_text((72, 80), f"Chapter {offset + 1}", fontsize=16)
        box = pymupdf.Rect(72, 100, 400, 300)  # narrow: the sentence wraps over lines
        page.insert_textbox(box, sentence, fontsize=11, fontname="helv")
        made.sentences[number] = sentence
    scan = doc.new_page()
    picture = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 60), False)
    picture.set_rect(picture.irect, (220, 215, 200))
    scan.insert_image(pymupdf.Rect(40, 40, 560, 800), pixmap=picture)
    made.scanned = doc.page_count
    doc.set_page_labels(
        [
            {"startpage": 0, "prefix": "", "style": "r", "firstpagenum": 1},
            {"startpage": FRONT, "prefix": "", "style": "D", "firstpagenum": 1},
        ]
    )
    doc.save(path)
    made.labels = [page.get_label() for page in doc]
    doc.close()
    return made
