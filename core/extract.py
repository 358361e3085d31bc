"""Offline analysis of a section's PDF: Markdown text, counts, keywords, a summary.

This is what the local backend returns when there is no Gemini key (or no network), so it
must be a real result and not a placeholder: the section's text laid out as Markdown
(headings told apart by font size and weight, paragraphs, tables that PyMuPDF finds),
word and page counts, the most frequent content words and an extractive summary.

Everything here is a pure function of its input. :func:`analyze_section_pdf` is the one
entry point that touches PyMuPDF; it is top level so a worker *process* can run it
(PyMuPDF is not thread-safe and must stay off the event loop thread). The text
functions below it (keywords, sentences, summary) are plain Python and cheap to test.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pymupdf

if hasattr(pymupdf, "no_recommend_layout"):  # find_tables would print an advert to stdout
    pymupdf.no_recommend_layout()

SCANNED_NOTE = "scanned page: use Gemini"

# Markdown heading depth of the biggest heading found in a section's text. The local
# result nests the text under "## Text", so the text's own headings start one below it.
TOP_HEADING_DEPTH = 3
MAX_HEADING_DEPTH = 6

_TEXT_FLAGS = (
    pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
)  # no images (TEXTFLAGS_DICT would copy every picture's bytes), no dehyphenation:
# join_lines re-joins hyphenated words per paragraph
_BOLD = pymupdf.TEXT_FONT_BOLD
_HEADING_RATIO = 1.15  # a line this much larger than body text is a heading
_MARGIN_SHARE = 0.08  # top/bottom band of a page where running headers and footers live
_MIN_GRID_EDGES = 3  # distinct x (and y) positions of ruling lines a table needs at least
_SCAN_MAX_CHARS = 100  # a page with less text than this and ...
_SCAN_COVER = 0.6  # ... a picture over this share of it is treated as a scan
_MIN_RULE_PT = 10.0  # shorter strokes are underscores, bullets or ornaments, not rules
_BULLETS = ("•", "◦", "▪", "‣", "–", "- ", "* ", "·")

WORD_RE = re.compile(r"\w+(?:['’.,\-]\w+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")

# A common English stopword list (NLTK's and scikit-learn's, merged and trimmed), kept
# inline so the offline backend needs no download.
STOPWORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway
    anywhere are aren around as at back be became because become becomes becoming been
    before beforehand behind being below beside besides between beyond both but by can
    cannot could couldn did didn do does doesn doing don done down due during each eg
    either else elsewhere enough etc even ever every everyone everything everywhere except
    few for former formerly from further get gets given go had hadn has hasn have haven
    having he hence her here hereafter hereby herein hers herself him himself his how
    however i ie if in indeed instead into is isn it its itself just last later latter
    least less let like ll made make makes many may me meanwhile might mine more moreover
    most mostly much must my myself namely near neither never nevertheless next no nobody
    none noone nor not nothing now nowhere of off often on once one only onto or other
    others otherwise our ours ourselves out over own per perhaps please put rather re same
    see seem seemed seeming seems several shall she should shouldn since so some somehow
    someone something sometime sometimes somewhere still such than that the their theirs
    them themselves then thence there thereafter thereby therefore therein thereupon these
    they this those though through throughout thru thus to together too toward towards
    under until up upon us used using ve very via was wasn we well were weren what whatever
    when whence whenever where whereafter whereas whereby wherein whereupon wherever
    whether which while whither who whoever whole whom whose why will with within without
    won would wouldn yet you your yours yourself yourselves also new two three four five
    six seven eight nine ten first second third year years percent page pages
    """.split()  # noqa: SIM905 - a word list reads better as text
)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, slots=True)
class LocalAnalysis:
    """What the worker sends back: small, picklable, and enough to build a result."""

    text_markdown: str
    pages: int
    words: int
    keywords: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    scanned_pages: list[int] = field(default_factory=list)
    blank_pages: list[int] = field(default_factory=list)
    tables: int = 0

    def stats(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "words": self.words,
            "keywords": list(self.keywords),
            "summary": list(self.summary),
            "scanned_pages": list(self.scanned_pages),
            "blank_pages": list(self.blank_pages),
            "tables": self.tables,
        }


# ------------------------------------------------------------------------ text layer
@dataclass(slots=True)
class Line:
    """One visual line of text with the facts heading detection needs."""

    text: str
    size: float
    bold: bool
    y0: float
    y1: float


@dataclass(slots=True)
class Item:
    """A piece of a page in reading order: a run of lines or a finished Markdown table."""

    y: float
    lines: list[Line] = field(default_factory=list)
    table: str | None = None
    table_words: int = 0


@dataclass(slots=True)
class PageText:
    number: int  # as the user knows it (the page number in the whole document)
    height: float
    items: list[Item]
    has_images: bool
    has_drawings: bool
    #: a picture covers most of the page and there is hardly any text: a scan whose
    #: few text-layer words (a stamp, a page number) are not its content
    mostly_image: bool = False

    @property
    def empty(self) -> bool:
        return not any(
            item.table or any(ln.text.strip() for ln in item.lines) for item in self.items
        )


def analyze_section_pdf(path: str, page_numbers: Sequence[int] | None = None) -> LocalAnalysis:
    """Read a section's PDF and analyse it. Runs in a worker process.

    ``page_numbers`` are the section's pages in the whole document, so notes such as
    "page 12 is scanned" name the page the user sees, not its index in the split file.
    """
    with pymupdf.open(path) as doc:
        numbers = list(page_numbers or range(1, doc.page_count + 1))
        if len(numbers) != doc.page_count:
            numbers = list(range(1, doc.page_count + 1))
        pages = [read_page(page, number) for page, number in zip(doc, numbers, strict=True)]
    return analyze_pages(pages)


def read_page(page: pymupdf.Page, number: int) -> PageText:
    """The page's text lines and tables in reading order (top to bottom)."""
    drawings = page.get_cdrawings()
    tables = find_tables(page, drawings)
    table_boxes = [pymupdf.Rect(box) for box, _, _ in tables]
    items: list[Item] = [Item(y=box[1], table=md, table_words=words) for box, md, words in tables]
    data = page.get_text("dict", flags=_TEXT_FLAGS, sort=True)
    for block in data.get("blocks", ()):
        if block.get("type") != 0:
            continue
        box = pymupdf.Rect(block["bbox"])
        if any(_mostly_inside(box, tb) for tb in table_boxes):
            continue
        lines = [line for raw in block.get("lines", ()) if (line := _line(raw)) is not None]
        if lines:
            items.append(Item(y=box.y0, lines=lines))
    items.sort(key=lambda item: item.y)
    has_images = bool(page.get_images(full=False))
    chars = sum(len(line.text) for item in items for line in item.lines)
    mostly_image = has_images and chars < _SCAN_MAX_CHARS and _image_cover(page) >= _SCAN_COVER
    return PageText(
        number=number,
        height=page.rect.height,
        items=items,
        has_images=has_images,
        has_drawings=bool(drawings),
        mostly_image=mostly_image,
    )


def _image_cover(page: pymupdf.Page) -> float:
    """Share of the page that the largest picture covers (0..1)."""
    area = abs(page.rect) or 1.0
    boxes = [pymupdf.Rect(info["bbox"]) & page.rect for info in page.get_image_info()]
    return max((abs(box) / area for box in boxes), default=0.0)


def _line(raw: dict) -> Line | None:
    spans = [span for span in raw.get("spans", ()) if span.get("text", "")]
    if not spans:
        return None
    parts: list[str] = []
    previous_x1: float | None = None
    for span in spans:
        text = span["text"]
        x0 = span["bbox"][0]
        gap = x0 - previous_x1 if previous_x1 is not None else 0.0
        if parts and gap > span["size"] * 0.25 and not parts[-1].endswith(" "):
            parts.append(" ")  # spans set apart on the line (columns, tab stops)
        parts.append(text)
        previous_x1 = span["bbox"][2]
    text = " ".join("".join(parts).split())
    if not text:
        return None
    weighted = [(len(s["text"].strip()), s) for s in spans if s["text"].strip()]
    chars = sum(n for n, _ in weighted) or 1
    size = sum(n * s["size"] for n, s in weighted) / chars
    bold = all(_is_bold(s) for _, s in weighted)
    y0, y1 = raw["bbox"][1], raw["bbox"][3]
    return Line(text=text, size=round(size, 1), bold=bold, y0=y0, y1=y1)


def _is_bold(span: dict) -> bool:
    font = str(span.get("font", "")).lower()
    return bool(span.get("flags", 0) & _BOLD) or "bold" in font or "black" in font


def _mostly_inside(box: pymupdf.Rect, table: pymupdf.Rect) -> bool:
    overlap = box & table
    area = box.get_area()
    return area > 0 and not overlap.is_empty and overlap.get_area() >= 0.6 * area


# ---------------------------------------------------------------------------- tables
def find_tables(
    page: pymupdf.Page, drawings: Sequence[dict] | None = None
) -> list[tuple[tuple[float, float, float, float], str, int]]:
    """Ruled tables on the page as (bbox, Markdown, word count).

    ``find_tables`` costs 35-100 ms a page, so it only runs where ruling lines could form
    a grid (see :func:`may_have_table`): that keeps a 40-page section well under a second.
    """
    if not may_have_table(page.get_cdrawings() if drawings is None else drawings):
        return []
    try:
        found = page.find_tables()
    except Exception:  # table detection is best effort; the text is still extracted
        return []
    tables = []
    for table in found.tables:
        rows = table.extract()
        markdown = table_to_markdown(rows)
        if markdown:
            words = sum(len(WORD_RE.findall(cell or "")) for row in rows for cell in row)
            tables.append((tuple(table.bbox), markdown, words))
    return tables


def may_have_table(drawings: Sequence[dict]) -> bool:
    """Whether vector paths could rule a table: 3+ distinct vertical and horizontal edges.

    Short strokes (underscores, bullets) do not count, and boxes sharing the same left
    and right edges (code listings, frames) give only two vertical positions, so pages
    with those are skipped; a grid of two columns and two rows passes.
    """
    xs: set[int] = set()
    ys: set[int] = set()
    for path in drawings:
        for item in path.get("items", ()):
            kind = item[0] if item else ""
            if kind == "l":
                (x0, y0), (x1, y1) = item[1], item[2]
                _edge(xs, ys, x0, y0, x1, y1)
            elif kind in ("re", "qu"):
                rect = pymupdf.Rect(item[1]) if kind == "re" else pymupdf.Quad(item[1]).rect
                _edge(xs, ys, rect.x0, rect.y0, rect.x1, rect.y0)
                _edge(xs, ys, rect.x0, rect.y1, rect.x1, rect.y1)
                _edge(xs, ys, rect.x0, rect.y0, rect.x0, rect.y1)
                _edge(xs, ys, rect.x1, rect.y0, rect.x1, rect.y1)
    return len(xs) >= _MIN_GRID_EDGES and len(ys) >= _MIN_GRID_EDGES


def _edge(xs: set[int], ys: set[int], x0: float, y0: float, x1: float, y1: float) -> None:
    if abs(x1 - x0) <= 1.5 and abs(y1 - y0) >= _MIN_RULE_PT:
        xs.add(round(x0))
    elif abs(y1 - y0) <= 1.5 and abs(x1 - x0) >= _MIN_RULE_PT:
        ys.add(round(y0))


def table_to_markdown(rows: Sequence[Sequence[str | None]]) -> str:
    """A GitHub-style Markdown table; the first row is the header. Empty -> ''."""
    cleaned = [[_cell(cell) for cell in row] for row in rows if row]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return ""
    width = max(len(row) for row in cleaned)
    cleaned = [row + [""] * (width - len(row)) for row in cleaned]
    header, *body = cleaned
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def _cell(value: str | None) -> str:
    return " ".join((value or "").split()).replace("|", "\\|")


# ---------------------------------------------------------------------- page -> text
def analyze_pages(pages: Sequence[PageText]) -> LocalAnalysis:
    """Turn read pages into the analysis; pure, so tests can feed it synthetic pages."""
    body = body_size(line for page in pages for item in page.items for line in item.lines)
    _drop_running_lines(pages, body)
    levels = heading_levels(pages, body)
    chunks: list[str] = []
    prose: list[str] = []
    scanned: list[int] = []
    blank: list[int] = []
    words = tables = 0
    for page in pages:
        if page.mostly_image and not page.empty:
            scanned.append(page.number)
            chunks.append(f"> Page {page.number}: {SCANNED_NOTE} (it is mostly a picture).")
        if page.empty:
            if page.has_images or page.has_drawings:
                scanned.append(page.number)
                chunks.append(
                    f"> Page {page.number}: {SCANNED_NOTE} (this page has no text layer)."
                )
            else:
                blank.append(page.number)
                chunks.append(f"> Page {page.number} is blank.")
            continue
        for item in page.items:
            if item.table:
                tables += 1
                words += item.table_words
                chunks.append(item.table)
                continue
            for kind, text in _blocks(item.lines, body, levels):
                words += len(WORD_RE.findall(text))
                chunks.append(text)
                if kind == "p":
                    prose.append(text.removeprefix("- "))
    all_text = "\n".join(prose)
    freq = term_frequencies(all_text)
    return LocalAnalysis(
        text_markdown=join_chunks(chunks),
        pages=len(pages),
        words=words,
        keywords=top_keywords(freq),
        summary=extractive_summary(prose, freq),
        scanned_pages=scanned,
        blank_pages=blank,
        tables=tables,
    )


def join_chunks(chunks: Sequence[str]) -> str:
    """Blank lines between blocks, but list items stay together as one tight list."""
    out = ""
    for chunk in chunks:
        if out:
            tight = chunk.startswith("- ") and out.rsplit("\n", 1)[-1].startswith("- ")
            out += "\n" if tight else "\n\n"
        out += chunk
    return out.strip()


def _drop_running_lines(pages: Sequence[PageText], body: float) -> None:
    """Remove running headers, footers and page numbers (lines repeated in the margins).

    A line counts as running when, with digits masked, it sits in the top or bottom band
    of at least two pages and of at least half of the pages that have text. Heading-sized
    lines never count: "Chapter 3" atop each chapter is a heading, not a running header.
    """
    with_text = [page for page in pages if not page.empty]
    if len(with_text) < 2:
        return
    seen: Counter[str] = Counter()
    for page in with_text:
        keys = {_mask(ln.text) for item in page.items for ln in _margin_lines(page, item, body)}
        seen.update(keys)
    running = {key for key, count in seen.items() if count >= max(2, len(with_text) / 2)}
    if not running:
        return
    for page in with_text:
        for item in page.items:
            margin = {id(line) for line in _margin_lines(page, item, body)}
            item.lines = [
                ln for ln in item.lines if id(ln) not in margin or _mask(ln.text) not in running
            ]
        page.items = [item for item in page.items if item.table or item.lines]


def _margin_lines(page: PageText, item: Item, body: float) -> Iterable[Line]:
    band = page.height * _MARGIN_SHARE
    return (
        ln
        for ln in item.lines
        if (ln.y1 <= band or ln.y0 >= page.height - band) and not _is_heading_size(ln, body)
    )


def _mask(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def body_size(lines: Iterable[Line]) -> float:
    """The font size most characters are set in: the yardstick for headings."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def heading_levels(pages: Sequence[PageText], body: float) -> dict[float, int]:
    """Map heading font sizes to Markdown depths, biggest first (### under '## Text')."""
    sizes = sorted(
        {
            round(line.size * 2) / 2
            for page in pages
            for item in page.items
            for line in item.lines
            if _is_heading_size(line, body)
        },
        reverse=True,
    )
    return {
        size: min(TOP_HEADING_DEPTH + index, MAX_HEADING_DEPTH) for index, size in enumerate(sizes)
    }


def _is_heading_size(line: Line, body: float) -> bool:
    return line.size >= body * _HEADING_RATIO and len(line.text) <= 120


def _heading_depth(line: Line, body: float, levels: dict[float, int], lines_in_block: int) -> int:
    """0 when the line is body text, else its Markdown depth."""
    if _is_heading_size(line, body):
        return levels.get(round(line.size * 2) / 2, MAX_HEADING_DEPTH)
    looks_like_title = (
        line.bold
        and lines_in_block <= 2
        and len(line.text) <= 90
        and not line.text.rstrip().endswith((".", ",", ";", ":"))
        and line.size >= body * 0.95
    )
    if looks_like_title:
        return min(TOP_HEADING_DEPTH + len(levels), MAX_HEADING_DEPTH)
    return 0


def _blocks(lines: Sequence[Line], body: float, levels: dict[float, int]) -> list[tuple[str, str]]:
    """A text block's lines as Markdown pieces: ('h', '### Title') or ('p', 'text')."""
    pieces: list[tuple[str, str]] = []
    paragraph: list[str] = []
    heading: list[str] = []
    heading_depth = 0

    def flush_paragraph() -> None:
        if paragraph:
            pieces.append(("p", join_lines(paragraph)))
            paragraph.clear()

    def flush_heading() -> None:
        nonlocal heading_depth
        if heading:
            pieces.append(("h", "#" * heading_depth + " " + " ".join(heading)))
            heading.clear()
            heading_depth = 0

    for line in lines:
        depth = _heading_depth(line, body, levels, len(lines))
        if depth:
            flush_paragraph()
            if heading and depth != heading_depth:
                flush_heading()
            heading_depth = depth
            heading.append(line.text)
            continue
        flush_heading()
        bullet = _bullet(line.text)
        if bullet is not None:
            flush_paragraph()
            paragraph.append("- " + bullet)
            continue
        paragraph.append(line.text)
    flush_heading()
    flush_paragraph()
    return pieces


def _bullet(text: str) -> str | None:
    for mark in _BULLETS:
        if text.startswith(mark) and len(text) > len(mark):
            return text[len(mark) :].strip()
    return None


def join_lines(lines: Sequence[str]) -> str:
    """Lines of one paragraph as one string, re-joining words hyphenated at line ends."""
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}"
    return out


# ------------------------------------------------------------- keywords and summary
def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (numbers like 1,200.5 and words like first-pass stay whole)."""
    return [token.lower().replace("’", "'") for token in WORD_RE.findall(text)]


def _content_word(token: str) -> str | None:
    word = token.removesuffix("'s")
    if len(word) < 3 or word in STOPWORDS or not word.replace("-", "").replace("'", "").isalpha():
        return None
    return word


def term_frequencies(text: str) -> Counter[str]:
    """Counts of content words; a plural is folded into its singular when both occur."""
    counts: Counter[str] = Counter()
    for token in tokenize(text):
        word = _content_word(token)
        if word:
            counts[word] += 1
    for word in [w for w in counts if w.endswith("s") and not w.endswith("ss")]:
        singular = word[:-1]
        if singular in counts:
            counts[singular] += counts.pop(word)
    return counts


def _canonical(word: str, freq: Counter[str]) -> str:
    if word not in freq and word.endswith("s") and word[:-1] in freq:
        return word[:-1]
    return word


def top_keywords(freq: Counter[str], count: int = 10) -> list[str]:
    """The most frequent content words; ties keep first-seen order (Counter is ordered)."""
    return [word for word, n in freq.most_common(count) if n >= 1]


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph. A heuristic: end punctuation then a capital or digit."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def extractive_summary(paragraphs: Sequence[str], freq: Counter[str]) -> list[str]:
    """The 3-5 most representative sentences, in the order they appear.

    A sentence scores the summed frequency of its distinct content words, damped by its
    length so long sentences do not win by size alone; the first sentence of a paragraph
    gets a small bonus (topic sentences). Only prose qualifies (see :func:`is_prose`):
    code, signatures and lists of names make poor summaries however frequent their words.
    """
    candidates: list[tuple[int, str, float]] = []
    seen: set[str] = set()
    for paragraph in paragraphs:
        for index, sentence in enumerate(split_sentences(paragraph)):
            key = sentence.lower()
            words = tokenize(sentence)
            if key in seen or not is_prose(sentence, words):
                continue
            seen.add(key)
            content = {_canonical(w, freq) for t in words if (w := _content_word(t)) is not None}
            if not content:
                continue
            score = sum(freq.get(w, 0) for w in content) / len(words) ** 0.7
            if index == 0:
                score *= 1.1
            candidates.append((len(candidates), sentence, score))
    if not candidates:
        return []
    wanted = 3 if len(candidates) <= 15 else 4 if len(candidates) <= 40 else 5
    best = sorted(candidates, key=lambda c: (-c[2], c[0]))[:wanted]
    return [sentence for _, sentence, _ in sorted(best)]


_CODE_CHARS = frozenset("<>{}[]=*_\\/|#@$^~`;")


def is_prose(sentence: str, words: Sequence[str]) -> bool:
    """A complete sentence of words: 6-50 words, a capital start, an end mark, few symbols."""
    if not 6 <= len(words) <= 50:
        return False
    stripped = sentence.rstrip('"”’)] ')
    if not stripped.endswith((".", "!", "?")):
        return False
    first = sentence.lstrip('"“‘([')[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    symbols = sum(1 for ch in sentence if ch in _CODE_CHARS)
    if symbols > max(1, len(sentence) // 60):
        return False
    alphabetic = sum(1 for w in words if w.replace("-", "").replace("'", "").isalpha())
    return alphabetic >= 0.7 * len(words)


# -------------------------------------------------------------------------- markdown
def render_local_markdown(analysis: LocalAnalysis) -> str:
    """The local result as a person reads it: Summary, Keywords, then the text."""
    parts = ["## Summary", ""]
    if analysis.summary:
        parts += [f"- {sentence}" for sentence in analysis.summary]
    else:
        parts.append("_No sentences to summarise in this section._")
    parts += ["", "## Keywords", ""]
    parts.append(", ".join(analysis.keywords) if analysis.keywords else "_None found._")
    parts += ["", "## Text", ""]
    facts = [_plural(analysis.pages, "page"), _plural(analysis.words, "word")]
    if analysis.tables:
        facts.append(_plural(analysis.tables, "table"))
    if analysis.scanned_pages:
        facts.append(_plural(len(analysis.scanned_pages), "scanned page"))
    parts += [f"_{', '.join(facts)}._", ""]
    parts.append(analysis.text_markdown or "_This section has no text layer._")
    return "\n".join(parts).rstrip() + "\n"


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
