"""A long manual as real manuals are: roman-numbered front matter with a contents page,
chapters with sections, lists, tables and code, running headers and footers, text set in
a font with ligatures, a scanned page, and one bookmark per chapter.

Written with PyMuPDF's Story API through the extraction corpus's writer
(``bench/extract_corpus.py``), whose sentences are unique, so a test can tell which page
a quote belongs to.
"""

from __future__ import annotations

import html
import unicodedata
from pathlib import Path

import pymupdf

from bench.extract_corpus import RULED, Truth, Writer, stamp, write_story

_CHAPTERS = ("Installing", "Configuring", "Operating", "Maintaining", "Troubleshooting")


def long_manual(path: Path, chapters: int = 64, sections: int = 8) -> Truth:
    """About five pages a chapter (64 chapters: some 330 pages), after three pages of
    front matter (the title, two pages of contents), and a scanned page in chapter 3."""
    truth = Truth("long-manual", path)
    writer = Writer(truth)
    preface = writer.heading(2, "Preface") + writer.paragraph(4)
    body = [_front_matter(chapters, preface)]
    for chapter in range(1, chapters + 1):
        body.append(writer.heading(1, _chapter_title(chapter)))
        body.append(writer.paragraph(5))
        for section in range(1, sections + 1):
            body.append(writer.heading(2, f"{chapter}.{section} Step {section} of the task"))
            body += [writer.paragraph(6), writer.paragraph(5), writer.paragraph(6)]
            if section == 2:
                rows = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                    for row in RULED
                )
                body.append(f"<table class='ruled'>{rows}</table>")
            if section == 4:
                items = [f"Check the {n}th valve before the {n + 1}th run" for n in (4, 5, 6)]
                body.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            body += [writer.paragraph(6), writer.paragraph(5)]
        body.append("<div style='page-break-after: always'></div>")
    truth.pages = write_story(path, "".join(body))
    _finish(path, truth, chapters)
    return truth


def _chapter_title(number: int) -> str:
    return f"Chapter {number}: {_CHAPTERS[number % len(_CHAPTERS)]} the unit"


def _front_matter(chapters: int, preface: str) -> str:
    title = "<h1>Harbour Crane Service Manual</h1><p>Edition 7, for service engineers.</p>"
    title += preface
    contents = "".join(
        f"<p style='margin:0'>{html.escape(_chapter_title(n))} {'. ' * 20}{n}</p>"
        for n in range(1, chapters + 1)
    )
    return (
        f"{title}<div style='page-break-after: always'></div>"
        f"<h1>Contents</h1>{contents}<div style='page-break-after: always'></div>"
    )


def _finish(path: Path, truth: Truth, chapters: int) -> None:
    """Running lines, a scan, bookmarks and page labels (front matter i, ii…; then 1, 2…).
    A chapter starts on the page where its title is a line of its own (a contents entry
    has dot leaders after it); the text layer keeps the font's ligatures (ﬁ)."""
    with pymupdf.open(path) as doc:
        lines = [unicodedata.normalize("NFKC", page.get_text()).splitlines() for page in doc]
    toc = [
        [1, _chapter_title(n), index + 1]
        for index, page_lines in enumerate(lines)
        for n in range(1, chapters + 1)
        if _chapter_title(n) in page_lines
    ]
    front = toc[0][2] - 1
    stamp(
        path,
        lambda n: "" if n <= front else f"Crane Service Manual {n - front}",
        lambda n: "" if n <= front else "Harbour Cranes Ltd. · Edition 7",
    )
    with pymupdf.open(path) as doc:
        scan_at = toc[2][2] + 3  # a page of chapter 3, scanned: a picture and no text
        scan = doc.new_page(scan_at - 1)
        picture = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 50, 70), False)
        picture.set_rect(picture.irect, (225, 220, 205))
        scan.insert_image(
            pymupdf.Rect(40, 40, scan.rect.x1 - 40, scan.rect.y1 - 40), pixmap=picture
        )
        doc.set_toc([[lvl, t, p + (1 if p >= scan_at else 0)] for lvl, t, p in toc])
        doc.set_page_labels(
            [
                {"startpage": 0, "prefix": "", "style": "r", "firstpagenum": 1},
                {"startpage": front, "prefix": "", "style": "D", "firstpagenum": 1},
            ]
        )
        doc.save(path.with_suffix(".tmp"), garbage=3, deflate=True)
    path.with_suffix(".tmp").replace(path)
    truth.pages += 1
