"""The extractor's data: lines read from a page, the blocks made of them, the result.

Every block and summary sentence carries the page it came from, numbered as in the
whole document, so a result can cite where each of its statements is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Piece:
    """A run of a line's text set apart from the rest by a wide gap (a table cell)."""

    x0: float
    x1: float
    text: str


@dataclass(slots=True)
class Line:
    """One visual line of text with what layout analysis needs to know about it."""

    text: str  # spaces collapsed
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    bold: bool = False
    mono: bool = False
    indent: int = 0  # leading spaces the PDF itself drew (code keeps them)
    raw: str = ""  # the text as drawn, inner spacing kept (for code)
    char_w: float = 0.0  # mean glyph width, to turn an x offset into spaces
    pieces: list[Piece] = field(default_factory=list)
    #: drawn with a space at its end: the words go on at this height (a justified line
    #: spread so wide that PyMuPDF parts it at the gaps)
    spaced: bool = False
    #: a paper's author list set large under its title, or a line of its byline after
    #: it (affiliations): text, never a heading
    byline: bool = False

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(slots=True)
class Table:
    """A table found on a page, as rows of cell texts, and where it sits."""

    x0: float
    y0: float
    x1: float
    y1: float
    rows: list[list[str]]


@dataclass(slots=True)
class PageText:
    number: int  # as the user knows it (the page number in the whole document)
    width: float
    height: float
    lines: list[Line]
    tables: list[Table] = field(default_factory=list)
    has_images: bool = False
    has_drawings: bool = False
    #: a picture covers most of the page and there is hardly any text: a scan whose
    #: few text-layer words (a stamp, a page number) are not its content
    mostly_image: bool = False
    contents: bool = False  # a table-of-contents page

    @property
    def empty(self) -> bool:
        return not self.tables and not any(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of the Markdown: its kind, its Markdown text and its page."""

    kind: str  # heading | paragraph | item | table | code | contents
    markdown: str
    page: int
    words: int = 0

    @property
    def is_prose(self) -> bool:
        return self.kind in ("paragraph", "item")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A summary sentence and the page it was taken from."""

    text: str
    page: int


@dataclass(frozen=True, slots=True)
class LocalAnalysis:
    """What the worker sends back: small, picklable, and enough to build a result."""

    text_markdown: str
    pages: int
    words: int
    keywords: list[str] = field(default_factory=list)
    summary: list[Sentence] = field(default_factory=list)
    #: sentences stating figures, each with its page (see text.key_facts)
    facts: list[Sentence] = field(default_factory=list)
    scanned_pages: list[int] = field(default_factory=list)
    blank_pages: list[int] = field(default_factory=list)
    tables: int = 0
    blocks: list[Block] = field(default_factory=list)

    def stats(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "words": self.words,
            "keywords": list(self.keywords),
            "summary": [sentence.text for sentence in self.summary],
            "summary_pages": [sentence.page for sentence in self.summary],
            "key_facts": [sentence.text for sentence in self.facts],
            "key_fact_pages": [sentence.page for sentence in self.facts],
            "scanned_pages": list(self.scanned_pages),
            "blank_pages": list(self.blank_pages),
            "tables": self.tables,
        }

    @property
    def cited(self) -> list[Sentence]:
        """The sentences the result cites, in the order its Markdown shows them."""
        return [*self.summary, *self.facts]
