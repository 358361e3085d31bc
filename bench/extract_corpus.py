"""PDFs with a known structure, for the extraction benchmark and the extractor's tests.

Each document is written with PyMuPDF's Story API from HTML we write here, so what the
Markdown should hold is known exactly: the paragraphs in reading order, the heading
levels, every table cell and its row, the code lines with their indentation, the list
items, the ligature-prone words, the running headers and footers stamped on each page.
Story sets text in Charis SIL, which has fi/ff/fl ligatures, and code in a monospaced
font, as real papers and manuals do.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

PAGE = pymupdf.paper_rect("a4")
MARGIN_X, TOP, BOTTOM = 56.0, 64.0, 60.0
GUTTER = 20.0
CSS = """
body { font-size: 10pt; }
h1 { font-size: 20pt; } h2 { font-size: 15pt; } h3 { font-size: 12pt; }
p { margin-top: 3pt; margin-bottom: 5pt; }
pre { font-size: 9pt; margin-top: 4pt; margin-bottom: 6pt; }
table { border-collapse: collapse; margin-bottom: 8pt; }
td, th { padding: 3pt; vertical-align: top; text-align: left; }
table.ruled td, table.ruled th { border: 0.8pt solid black; }
table.columns td, table.columns th { border-left: 0.8pt solid black;
  border-right: 0.8pt solid black; }
table.columns th { border-bottom: 0.8pt solid black; border-top: 0.8pt solid black; }
table.columns tr.last td { border-bottom: 0.8pt solid black; }
div.note { border: 0.8pt solid black; padding: 4pt; margin-top: 6pt; margin-bottom: 8pt; }
"""

LIGATURE_WORDS = (
    "difficult",
    "office",
    "efficient",
    "workflow",
    "first",
    "floor",
    "affect",
    "official",
    "fluent",
    "profile",
    "define",
    "suffix",
)

_NOUNS = (
    "sensor",
    "ledger",
    "turbine",
    "reviewer",
    "archive",
    "schedule",
    "budget",
    "network",
    "sample",
    "harbour",
    "kernel",
    "survey",
)
_VERBS = ("checks", "records", "moves", "reports", "builds", "keeps", "opens", "sorts")
_ADJ = ("quiet", "steady", "careful", "large", "recent", "narrow", "simple", "broad")


@dataclass
class Truth:
    """What a perfect extraction of one document contains."""

    name: str
    path: Path
    pages: int = 0
    sentences: list[str] = field(default_factory=list)  # in reading order
    headings: list[tuple[int, str]] = field(default_factory=list)  # (level, text)
    tables: list[list[list[str]]] = field(default_factory=list)
    not_tables: list[str] = field(default_factory=list)  # boxed notes, not tables
    code: list[list[str]] = field(default_factory=list)  # lines, indentation kept
    list_items: list[str] = field(default_factory=list)
    ligature_words: int = 0  # occurrences of LIGATURE_WORDS drawn
    running: list[str] = field(default_factory=list)  # every header/footer line stamped
    toc_lines: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ writing
def write_story(path: Path, body: str, columns: int = 1, lead: str = "", css: str = CSS) -> int:
    """Lay `body` out in `columns` columns (after a full-width `lead` on page 1)."""
    writer = pymupdf.DocumentWriter(str(path))
    story = pymupdf.Story(body, user_css=css)
    col_w = (PAGE.width - 2 * MARGIN_X - GUTTER * (columns - 1)) / columns
    device, pages, top = None, 0, TOP
    if lead:
        device, pages = writer.begin_page(PAGE), 1
        head = pymupdf.Story(lead, user_css=css)
        _, filled = head.place(pymupdf.Rect(MARGIN_X, TOP, PAGE.width - MARGIN_X, 400))
        head.draw(device)
        top = pymupdf.Rect(filled).y1 + 8
    more = True
    while more:
        if device is None:
            device, pages = writer.begin_page(PAGE), pages + 1
        for index in range(columns):
            x0 = MARGIN_X + index * (col_w + GUTTER)
            more, _ = story.place(pymupdf.Rect(x0, top, x0 + col_w, PAGE.height - BOTTOM))
            story.draw(device)
            if not more:
                break
        writer.end_page()
        device, top = None, TOP
    writer.close()
    return pages


def stamp(path: Path, header: Callable[[int], str], footer: Callable[[int], str]) -> list[str]:
    """Put a running header and footer on every page; returns the lines stamped."""
    stamped: list[str] = []
    with pymupdf.open(path) as doc:
        for index, page in enumerate(doc):
            number = index + 1
            top, bottom = header(number), footer(number)
            if top:
                x = (
                    56
                    if number % 2
                    else page.rect.width - 56 - pymupdf.get_text_length(top, "helv", 8)
                )
                page.insert_text((x, 36), top, fontname="helv", fontsize=8)
                stamped.append(top)
            if bottom:
                page.insert_text(
                    (page.rect.width / 2 - 10, page.rect.height - 28), bottom, fontsize=8
                )
                stamped.append(bottom)
        doc.saveIncr()
    return stamped


# ------------------------------------------------------------------------ content
class Writer:
    """Deterministic sentences that are unique, so each can be found in the output."""

    def __init__(self, truth: Truth) -> None:
        self.truth = truth
        self.count = 0

    def sentence(self, ligature: bool = True) -> str:
        n = self.count = self.count + 1
        words = [
            f"The {_ADJ[n % 8]} {_NOUNS[n % 12]} {_VERBS[n % 8]} item {n}",
            f"for the {_NOUNS[(n * 5) % 12]} team",
        ]
        if ligature:
            words.append(f"on the {LIGATURE_WORDS[n % len(LIGATURE_WORDS)]} day")
            self.truth.ligature_words += 1
        return " ".join(words) + "."

    def paragraph(self, sentences: int = 3) -> str:
        text = [self.sentence() for _ in range(sentences)]
        self.truth.sentences += text
        return f"<p>{' '.join(text)}</p>"

    def heading(self, level: int, text: str) -> str:
        self.truth.headings.append((level, text))
        return f"<h{level}>{html.escape(text)}</h{level}>"


def _rows_html(rows: Sequence[Sequence[str]], last_class: bool = False) -> str:
    out = []
    for index, row in enumerate(rows):
        tag = "th" if index == 0 else "td"
        cls = ' class="last"' if last_class and index == len(rows) - 1 else ""
        cells = "".join(f"<{tag}>{html.escape(cell)}</{tag}>" for cell in row)
        out.append(f"<tr{cls}>{cells}</tr>")
    return "".join(out)


def paper(folder: Path) -> Truth:
    """A two-column paper: title, authors and abstract across, then numbered sections."""
    truth = Truth("paper", folder / "paper.pdf")
    w = Writer(truth)
    lead = (
        w.heading(1, "Steady Sensors in Quiet Harbours")
        + "<p><b>Ada Lind, Bo Strand and Cy Vale, Harbour Institute</b></p>"
    )
    truth.sentences.clear()
    body = [w.heading(2, "Abstract"), w.paragraph(4)]
    for section in range(1, 13):
        body.append(w.heading(2, f"{section}. Section {_NOUNS[section % 12].title()} Study"))
        body += [w.paragraph(4), w.paragraph(3)]
        for sub in range(1, 3):
            body.append(w.heading(3, f"{section}.{sub} The {_ADJ[(sub + section) % 8]} case"))
            body.append(w.paragraph(3))
    css = CSS + "p { text-align: justify; }"
    truth.pages = write_story(truth.path, "".join(body), columns=2, lead=lead, css=css)
    truth.running = stamp(
        truth.path,
        lambda n: (
            f"Journal of Harbour Studies 12 ({n + 100})"
            if n % 2
            else f"{n + 100} Lind, Strand and Vale"
        ),
        lambda n: "",
    )
    return truth


def newsletter(folder: Path) -> Truth:
    """A three-column newsletter in narrow justified columns: words spread so far apart
    that PyMuPDF parts a line at its gaps."""
    truth = Truth("newsletter", folder / "newsletter.pdf")
    w = Writer(truth)
    lead = w.heading(1, "Harbour Weekly Newsletter")
    body = []
    for desk in range(1, 13):
        body.append(w.heading(2, f"{desk}. News of the {_NOUNS[desk % 12].title()} desk"))
        body += [w.paragraph(3), w.paragraph(2)]
    css = CSS + "p { text-align: justify; }"
    truth.pages = write_story(truth.path, "".join(body), columns=3, lead=lead, css=css)
    return truth


CODE = [
    [
        "from reportlab.pdfgen import canvas",
        "",
        "def hello(c):",
        '    c.drawString(100, 100, "Hello World")',
        "    for row in range(3):",
        "        c.line(0, row, 10, row)",
        "    return c",
    ],
    [
        "octave> x = linspace(0, 2 * pi, 50);",
        "octave> y = sin(x);",
        "octave> plot(x, y)",
    ],
    [
        "if (n > 1) {",
        "    total = fold(items, 0);",
        "    while (total < limit) {",
        "        total += step;",
        "    }",
        "}",
    ],
]


def manual(folder: Path) -> Truth:
    """A one-column manual: a contents page, chapters, code, lists and running heads."""
    truth = Truth("manual", folder / "manual.pdf")
    w = Writer(truth)
    toc = [w.heading(1, "Contents")]
    chapters = ("A Brief Introduction", "Getting Started", "Plotting Data")
    page = 3
    for number, chapter in enumerate(chapters, 1):
        for line in (f"{number} {chapter}", f"{number}.1 Basic Concepts", f"{number}.2 More"):
            entry = f"{line} {'. ' * 24}{page}"
            truth.toc_lines.append(line)
            toc.append(f"<p style='margin:0'>{html.escape(entry)}</p>")
            page += 1
    body = ["".join(toc), "<div style='page-break-after: always'></div>"]
    for number, chapter in enumerate(chapters, 1):
        body.append(w.heading(1, f"{number} {chapter}"))
        body.append(w.paragraph(4))
        body.append(w.heading(2, f"{number}.1 Basic Concepts"))
        body.append(w.paragraph(3))
        items = [
            f"{_ADJ[(number + i) % 8].title()} {_NOUNS[(number * 3 + i) % 12]} of service"
            for i in range(4)
        ]
        truth.list_items += items
        body.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
        body.append(w.paragraph(2))
        inline = [f"{_NOUNS[(number + i) % 12].title()} code" for i in range(3)]
        truth.list_items += inline
        body.append("<p>" + " ".join(f"• {item}" for item in inline) + "</p>")
        truth.code.append(CODE[number - 1])
        body.append(f"<pre>{html.escape(chr(10).join(CODE[number - 1]))}</pre>")
        body.append(w.heading(3, f"{number}.1.1 Steps to {_VERBS[number].rstrip('s')}"))
        steps = [f"Open the {_NOUNS[(number + i) % 12]} panel and check it" for i in range(3)]
        truth.list_items += steps
        body.append("<ol>" + "".join(f"<li>{step}</li>" for step in steps) + "</ol>")
        body.append(w.heading(2, f"{number}.2 More"))
        body += [w.paragraph(4), w.paragraph(3), w.paragraph(4)]
    truth.pages = write_story(truth.path, "".join(body))
    truth.running = stamp(
        truth.path,
        lambda n: "" if n == 1 else f"Octave Guide 5.4 {n}" if n % 2 else f"{n} Octave Guide 5.4",
        lambda n: "" if n == 1 else "Chapter 1: A Brief Introduction to Octave",
    )
    return truth


RULED = [
    ["Indicator", "Recommendation", "Strength"],
    ["Date of service", "Record the date of every visit on the same day it happens", "Strong"],
    ["Place of service", "Name the clinic, the ward and the room where care was given", "Strong"],
    ["Provider", "Give the full name and the role of the person who saw the patient", "Weak"],
]
COLUMNS_ONLY = [
    ["Dose", "Advice for the clinic", "Evidence"],
    ["Low", "Start with one tablet a day and review after two weeks", "Moderate"],
    ["Medium", "Two tablets a day with food, checked by a nurse each month", "High"],
    ["High", "Only under specialist care, with blood tests before each change", "Low"],
    ["None", "Explain the reasons and book a new visit within one month", "Moderate"],
]
BORDERLESS = [
    ["Symbol", "Example", "Explanation"],
    ["%d", "42", "A whole number in decimal digits"],
    ["%x", "2a", "The same number written in hexadecimal"],
    ["%s", "text", "A string copied as it is"],
    ["%%", "%", "A literal percent sign"],
]


def tables(folder: Path) -> Truth:
    """Tables with multi-line cells, one ruled only between columns, one with no rules."""
    truth = Truth("tables", folder / "tables.pdf")
    w = Writer(truth)
    body = [w.heading(1, "Recommendations"), w.paragraph(3)]
    body.append(f"<table class='ruled'>{_rows_html(RULED)}</table>")
    truth.tables.append(RULED)
    body.append(w.paragraph(2))
    note = "NOTE: These recommendations apply to adults in outpatient care only."
    truth.not_tables.append(note)
    body.append(f"<div class='note'>{html.escape(note)}</div>")
    body.append(w.heading(2, "Dosing advice"))
    body.append(w.paragraph(2))
    body.append(f"<table class='columns'>{_rows_html(COLUMNS_ONLY, last_class=True)}</table>")
    truth.tables.append(COLUMNS_ONLY)
    body.append(w.paragraph(3))
    body.append(w.heading(2, "Format symbols"))
    body.append(w.paragraph(2))
    body.append(f"<table>{_rows_html(BORDERLESS)}</table>")
    truth.tables.append(BORDERLESS)
    body.append(w.paragraph(3))
    note = "NOTE: A symbol the printer does not know is printed as it is."
    truth.not_tables.append(note)
    body.append(f"<div class='note'>{html.escape(note)}</div>")
    body += [w.paragraph(4), w.paragraph(4)]
    truth.pages = write_story(truth.path, "".join(body))
    truth.running = stamp(truth.path, lambda n: "Clinical Records Guideline", lambda n: f"Page {n}")
    return truth


BUILDERS: tuple[Callable[[Path], Truth], ...] = (paper, newsletter, manual, tables)


def build_all(folder: Path) -> list[Truth]:
    return [build(folder) for build in BUILDERS]
