"""Build ``resources/sample.pdf``: a small annual report to try SectionFlow on.

The sample exercises everything the engine and the offline backend care about: a
two-level outline (so ``--from-outline`` has chapters and sub-sections), a cover page
before the first bookmark (front matter), real sentences (keywords and an extractive
summary make sense), headings in larger or bold fonts, a table ruled with lines (what
``page.find_tables()`` detects), pictures, a repeated footer, and a last page that is an
image only (a "scan", which the offline backend must flag instead of inventing text).

It is built with PyMuPDF alone and deterministically, so the committed file can be
regenerated at any time::

    .venv/bin/python -m resources.make_sample            # writes resources/sample.pdf
    .venv/bin/python -m resources.make_sample out.pdf    # anywhere else
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

TITLE = "Kestrel Instruments Annual Report 2024"
COMPANY = "Kestrel Instruments"
PAGE_W, PAGE_H = pymupdf.paper_size("a4")
MARGIN = 64.0
BODY_SIZE = 10.5
LEADING = 1.45
FOOTER_Y = PAGE_H - 36

Block = tuple[str, object]
"""One item of a page: ("h1" | "h2" | "p" | "table" | "image", payload)."""


# --------------------------------------------------------------------------- content
CHAPTERS: list[tuple[str, list[tuple[str, list[Block]]]]] = [
    (
        "Letter from the Chair",
        [
            (
                "A year of steady growth",
                [
                    (
                        "p",
                        "Kestrel Instruments closed 2024 with revenue of 412 million euros, up "
                        "nine percent on the previous year. Growth came from every region, "
                        "but the strongest demand was for our laboratory sensors, which now "
                        "make up almost half of group revenue. Operating profit rose faster "
                        "than revenue because the new plant in Tampere reached full output in "
                        "the second quarter.",
                    ),
                    (
                        "p",
                        "The board is proud of what the company achieved in a difficult "
                        "market. Interest rates stayed high for most of the year and several "
                        "large customers delayed their capital spending. Even so, our order "
                        "book at the end of December was the largest in the history of the "
                        "company, and it gives us a firm base for the year ahead.",
                    ),
                    (
                        "p",
                        "We propose a dividend of 1.20 euros per share, an increase of ten "
                        "percent. The proposal reflects our confidence in the cash generation "
                        "of the business and our commitment to a progressive dividend policy.",
                    ),
                ],
            ),
            (
                "Our people",
                [
                    (
                        "p",
                        "At the end of the year Kestrel employed 2,140 people in eleven "
                        "countries. We hired 310 engineers and technicians, most of them for "
                        "the sensor business and for our software team in Lisbon. Staff "
                        "turnover fell to six percent, the lowest level in five years.",
                    ),
                    (
                        "p",
                        "Safety remains our first priority. The lost-time injury rate fell to "
                        "0.8 per million hours worked, and no serious accident was recorded at "
                        "any of our sites. I want to thank every colleague for the care they "
                        "take of one another and of our customers.",
                    ),
                ],
            ),
        ],
    ),
    (
        "Financial Review",
        [
            (
                "Revenue",
                [
                    (
                        "p",
                        "Group revenue grew by nine percent to 412 million euros. Organic "
                        "growth, which excludes the effect of currency movements and of the "
                        "small acquisition made in March, was seven percent. Prices "
                        "contributed about three percentage points of that growth and volumes "
                        "the rest.",
                    ),
                    (
                        "p",
                        "Revenue from recurring services, such as calibration contracts and "
                        "software subscriptions, rose by fourteen percent to 96 million euros. "
                        "Recurring revenue is more stable than equipment sales, and growing it "
                        "is one of the central aims of our strategy.",
                    ),
                    (
                        "p",
                        "Europe remained our largest market with 58 percent of revenue. North "
                        "America grew fastest, by sixteen percent, helped by new distribution "
                        "agreements with two national laboratory suppliers. Revenue in Asia was "
                        "flat because a large order from a semiconductor customer slipped into "
                        "the first quarter of 2025.",
                    ),
                ],
            ),
            (
                "Segment results",
                [
                    (
                        "p",
                        "The table below shows revenue and operating profit for each of our "
                        "three segments. Laboratory Sensors delivered the largest share of "
                        "profit, while Industrial Meters improved its margin after two weak "
                        "years.",
                    ),
                    (
                        "table",
                        [
                            ["Segment", "Revenue 2024", "Revenue 2023", "Operating profit"],
                            ["Laboratory Sensors", "198.4", "176.0", "38.2"],
                            ["Industrial Meters", "141.7", "137.9", "17.6"],
                            ["Services and Software", "71.9", "64.1", "12.9"],
                            ["Group total", "412.0", "378.0", "68.7"],
                        ],
                    ),
                    (
                        "p",
                        "All figures in the table are in millions of euros. Operating profit "
                        "for the group is stated before central costs of 4.4 million euros, "
                        "which are not allocated to the segments.",
                    ),
                ],
            ),
            (
                "Margins and costs",
                [
                    (
                        "p",
                        "The operating margin improved to 15.6 percent from 14.1 percent. The "
                        "gross margin benefited from higher prices and from lower freight "
                        "costs, which more than offset the rise in wages across our European "
                        "plants.",
                    ),
                    (
                        "p",
                        "Research and development spending rose to 31 million euros, or 7.5 "
                        "percent of revenue. Most of the increase went to the next generation "
                        "of optical sensors and to the cloud platform that connects our "
                        "instruments to customer systems.",
                    ),
                ],
            ),
            (
                "Cash flow and balance sheet",
                [
                    (
                        "p",
                        "Cash flow from operations was 74 million euros, and free cash flow "
                        "after investment reached 41 million euros. Working capital fell as a "
                        "share of revenue because inventories returned to normal levels after "
                        "the supply shortages of the two previous years.",
                    ),
                    (
                        "p",
                        "Net debt at the end of the year was 38 million euros, or 0.5 times "
                        "earnings before interest, tax, depreciation and amortisation. The "
                        "balance sheet leaves room for further acquisitions in services and "
                        "software.",
                    ),
                ],
            ),
        ],
    ),
    (
        "Operations",
        [
            (
                "Manufacturing",
                [
                    ("image", "plant"),
                    (
                        "p",
                        "Our four plants produced 1.9 million instruments during the year. The "
                        "Tampere plant, opened in 2023, reached its planned output of 600,000 "
                        "sensors a year in June, and its first-pass yield is now above 97 "
                        "percent.",
                    ),
                    (
                        "p",
                        "We moved the assembly of industrial meters from two older buildings "
                        "into a single line in Brno. The move took eight weeks and did not "
                        "interrupt deliveries, and it will save about three million euros a "
                        "year from 2025.",
                    ),
                ],
            ),
            (
                "Supply chain",
                [
                    (
                        "p",
                        "Component supply was stable for most of the year. We qualified second "
                        "sources for eighteen critical electronic components and built a "
                        "buffer stock of the optical filters that come from a single supplier "
                        "in Japan.",
                    ),
                    (
                        "p",
                        "Lead times for customers shortened from eleven weeks to seven weeks "
                        "on average. Shorter lead times helped us win several tenders in which "
                        "delivery speed mattered as much as price.",
                    ),
                ],
            ),
            (
                "Sustainability",
                [
                    (
                        "p",
                        "Emissions from our own operations fell by twenty-two percent, mainly "
                        "because the Brno and Tampere plants now buy only renewable "
                        "electricity. We have set a target to cut these emissions by seventy "
                        "percent by 2030 compared with 2021.",
                    ),
                    (
                        "p",
                        "We also began to measure the emissions of our suppliers. About sixty "
                        "percent of our purchasing spend is now with suppliers who report their "
                        "emissions to us, and we will use this data to choose suppliers in "
                        "future tenders.",
                    ),
                ],
            ),
        ],
    ),
    (
        "Risks and Uncertainties",
        [
            (
                "Principal risks",
                [
                    (
                        "p",
                        "The principal risks to our business are a sharp fall in customer "
                        "investment, the loss of a critical supplier, and a serious failure of "
                        "product quality. Each of these risks could reduce revenue and profit "
                        "for several quarters.",
                    ),
                    (
                        "p",
                        "Customer investment depends on interest rates and on public research "
                        "budgets. A fall in laboratory funding in Europe or North America would "
                        "hit demand for our sensors first, because research institutes make "
                        "up a quarter of that segment's revenue.",
                    ),
                    (
                        "p",
                        "The single supplier of optical filters remains a concentration risk. "
                        "The buffer stock covers about five months of production, and a second "
                        "supplier is testing samples, but it will not be qualified before the "
                        "end of 2025.",
                    ),
                ],
            ),
            (
                "Emerging risks",
                [
                    (
                        "p",
                        "Cyber attacks on industrial companies became more frequent during the "
                        "year. Our instruments connect to customer networks through the cloud "
                        "platform, so a security breach could harm customers as well as our "
                        "reputation.",
                    ),
                    (
                        "p",
                        "New export controls on measurement technology may limit sales of "
                        "some high-precision products to certain countries. We are reviewing "
                        "our product range and the open questions about how the rules will be "
                        "applied.",
                    ),
                ],
            ),
            (
                "Risk management",
                [
                    (
                        "p",
                        "The board reviews the risk register twice a year, and the audit "
                        "committee tests the main controls every quarter. Each principal risk "
                        "has an owner on the executive team and a plan with clear steps and "
                        "dates.",
                    ),
                    (
                        "p",
                        "During 2024 we ran two crisis exercises, one on a cyber attack and one "
                        "on the loss of the optical filter supplier. Both exercises led to "
                        "changes in our response plans.",
                    ),
                ],
            ),
        ],
    ),
    (
        "Outlook",
        [
            (
                "Guidance for 2025",
                [
                    (
                        "p",
                        "For 2025 we expect revenue growth of six to eight percent at constant "
                        "currency and an operating margin of around sixteen percent. The order "
                        "book and the delayed semiconductor order give us good visibility for "
                        "the first half of the year.",
                    ),
                    (
                        "p",
                        "Capital spending will fall to about 22 million euros now that the "
                        "Tampere plant is complete. We expect free cash flow to remain strong "
                        "and net debt to fall further unless we make an acquisition.",
                    ),
                ],
            ),
            (
                "Long-term priorities",
                [
                    (
                        "p",
                        "Our priorities for the coming years are to grow recurring revenue to a "
                        "third of the group, to launch the next generation of optical sensors, "
                        "and to reach our emissions target for 2030.",
                    ),
                    (
                        "p",
                        "We believe that precise measurement will matter more, not less, as "
                        "laboratories and factories automate their work. Kestrel Instruments "
                        "is well placed to serve them, and we look forward to reporting on our "
                        "progress next year.",
                    ),
                ],
            ),
        ],
    ),
]


# ---------------------------------------------------------------------------- layout
@dataclass
class Writer:
    """A cursor over a document: lays out wrapped text and starts pages as needed."""

    doc: pymupdf.Document
    toc: list[list[object]] = field(default_factory=list)
    page: pymupdf.Page | None = None
    y: float = 0.0

    @property
    def width(self) -> float:
        return PAGE_W - 2 * MARGIN

    def new_page(self) -> pymupdf.Page:
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.y = MARGIN + 10
        return self.page

    def ensure(self, height: float) -> pymupdf.Page:
        if self.page is None or self.y + height > FOOTER_Y - 24:
            return self.new_page()
        return self.page

    def heading(self, text: str, size: float, level: int) -> None:
        self.ensure(size * 4 if level == 1 else size * 6)
        if level == 1 and self.y > MARGIN + 10:
            self.new_page()
        assert self.page is not None
        self.y += size * 0.6
        self.page.insert_text((MARGIN, self.y + size), text, fontname="hebo", fontsize=size)
        self.toc.append([level, text, self.page.number + 1])
        self.y += size * 1.9

    def paragraph(self, text: str) -> None:
        lines = wrap(text, self.width, "helv", BODY_SIZE)
        line_h = BODY_SIZE * LEADING
        self.ensure(line_h * min(len(lines), 3))
        for line in lines:
            page = self.ensure(line_h)
            page.insert_text(
                (MARGIN, self.y + BODY_SIZE), line, fontname="helv", fontsize=BODY_SIZE
            )
            self.y += line_h
        self.y += BODY_SIZE * 0.9

    def table(self, rows: list[list[str]]) -> None:
        widths = [0.37, 0.21, 0.21, 0.21]
        row_h = 20.0
        page = self.ensure(row_h * len(rows) + 20)
        top = self.y + 6
        xs = [MARGIN]
        for share in widths:
            xs.append(xs[-1] + share * self.width)
        for r, row in enumerate(rows):
            y0 = top + r * row_h
            for c, cell in enumerate(row):
                font = "hebo" if r == 0 or r == len(rows) - 1 else "helv"
                x = (
                    xs[c] + 5
                    if c == 0
                    else xs[c + 1] - 5 - pymupdf.get_text_length(cell, font, BODY_SIZE - 1)
                )
                page.insert_text((x, y0 + 14), cell, fontname=font, fontsize=BODY_SIZE - 1)
        bottom = top + row_h * len(rows)
        shape = page.new_shape()
        for r in range(len(rows) + 1):
            y = top + r * row_h
            shape.draw_line((xs[0], y), (xs[-1], y))
        for x in xs:
            shape.draw_line((x, top), (x, bottom))
        shape.finish(color=(0.25, 0.25, 0.3), width=0.7)
        shape.commit()
        self.y = bottom + 14

    def image(self, pixmap: pymupdf.Pixmap, height: float) -> None:
        page = self.ensure(height + 12)
        rect = pymupdf.Rect(MARGIN, self.y + 4, MARGIN + self.width, self.y + 4 + height)
        page.insert_image(rect, pixmap=pixmap, keep_proportion=False)
        self.y = rect.y1 + 12


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Greedy line breaking by measured width (PyMuPDF has no paragraph layout here)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and pymupdf.get_text_length(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def gradient(width: int, height: int, start: Iterable[int], end: Iterable[int]) -> pymupdf.Pixmap:
    """A diagonal colour gradient with a few bars: a stand-in picture, made in memory."""
    a, b = list(start), list(end)
    data = bytearray(width * height * 3)
    for y in range(height):
        for x in range(width):
            t = (x / max(width - 1, 1) + y / max(height - 1, 1)) / 2
            bar = (x // 24) % 5 == 0 and y > height * (0.35 + 0.1 * ((x // 24) % 3))
            offset = (y * width + x) * 3
            for i in range(3):
                value = a[i] + (b[i] - a[i]) * t
                data[offset + i] = int(value * 0.55) if bar else int(value)
    return pymupdf.Pixmap(pymupdf.csRGB, width, height, bytes(data), False)


def scanned_page(doc: pymupdf.Document) -> pymupdf.Page:
    """A page that is only a picture of text: no text layer, like a scanned signature page."""
    width, height = 170, 240
    data = bytearray([246, 244, 238] * width * height)
    for row in range(30, 200, 9):  # grey strokes where a scanner would show lines of text
        length = width - 40 - (row * 7) % 50
        for y in range(row, row + 3):
            for x in range(20, 20 + length):
                data[(y * width + x) * 3 : (y * width + x) * 3 + 3] = bytes([70, 70, 80])
    pix = pymupdf.Pixmap(pymupdf.csRGB, width, height, bytes(data), False)
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    inner = pymupdf.Rect(40, 40, PAGE_W - 40, PAGE_H - 40)
    page.insert_image(inner, pixmap=pix, keep_proportion=False)
    return page


def build_sample(path: str | Path) -> Path:
    """Write the sample report to `path` and return it."""
    path = Path(path)
    doc = pymupdf.open()
    writer = Writer(doc)
    cover = writer.new_page()
    cover.insert_text((MARGIN, 200), COMPANY, fontname="hebo", fontsize=30)
    cover.insert_text((MARGIN, 236), "Annual Report 2024", fontname="helv", fontsize=20)
    writer.y = 262
    writer.image(gradient(240, 90, (20, 60, 120), (120, 200, 220)), 150)
    writer.paragraph(
        "This report describes the results, operations, risks and outlook of Kestrel "
        "Instruments for the financial year that ended on 31 December 2024. Kestrel designs "
        "and builds precision sensors and meters for laboratories and industry."
    )
    for chapter_number, (chapter, subsections) in enumerate(CHAPTERS, start=1):
        writer.heading(f"{chapter_number}. {chapter}", 20, level=1)
        for sub_number, (subtitle, blocks) in enumerate(subsections, start=1):
            if sub_number > 1:  # a report starts each topic on a fresh page
                writer.new_page()
            writer.heading(f"{chapter_number}.{sub_number} {subtitle}", 14, level=2)
            for kind, payload in blocks:
                if kind == "p":
                    writer.paragraph(str(payload))
                elif kind == "table":
                    writer.table(payload)  # type: ignore[arg-type]
                elif kind == "image":
                    writer.image(gradient(200, 80, (90, 90, 100), (230, 180, 90)), 130)
    scan = scanned_page(doc)
    writer.toc.append([1, "Appendix: Auditor's statement (scanned)", scan.number + 1])
    for page in doc:
        if page.number in (0, scan.number):  # no footer on the cover or on the "scan"
            continue
        footer = f"{TITLE}  ·  page {page.number + 1}"
        page.insert_text((MARGIN, FOOTER_Y), footer, fontname="helv", fontsize=8)
    doc.set_toc(writer.toc)
    doc.set_metadata(
        {
            "title": TITLE,
            "author": COMPANY,
            "subject": "Annual report: revenue, operations, risks and outlook",
            "keywords": "annual report, sample, SectionFlow",
            "creator": "SectionFlow resources/make_sample.py",
            "producer": "PyMuPDF",
            "creationDate": "D:20250301120000Z",
            "modDate": "D:20250301120000Z",
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path, garbage=3, deflate=True, no_new_id=True)
    doc.close()
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path(__file__).with_name("sample.pdf")
    build_sample(target)
    with pymupdf.open(target) as doc:
        print(f"wrote {target} ({doc.page_count} pages, {target.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
