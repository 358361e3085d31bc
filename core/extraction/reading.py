"""A page's text as lines with their fonts and positions, and its ruled tables.

Ligatures come out as plain letters: without ``TEXT_PRESERVE_LIGATURES`` MuPDF expands
the glyphs it knows, and :data:`LIGATURES` maps the Unicode ligature characters that a
font's own mapping may still yield, because 'diﬃcult' breaks search and keywords.
"""

from __future__ import annotations

import pymupdf

from core.extraction import tables
from core.extraction.model import Line, PageText, Piece

_TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
# no images (TEXTFLAGS_DICT would copy every picture's bytes), no dehyphenation:
# blocks.join_lines re-joins hyphenated words per paragraph
_BOLD = pymupdf.TEXT_FONT_BOLD
_MONO = pymupdf.TEXT_FONT_MONOSPACED
_MONO_NAMES = ("mono", "courier", "consol", "menlo", "code")
_SCAN_MAX_CHARS = 100  # a page with less text than this and ...
_SCAN_COVER = 0.6  # ... a picture over this share of it is treated as a scan
_CELL_GAP = 0.5  # a gap this many times the font size parts two cells of a line
LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)


def read_page(page: pymupdf.Page, number: int) -> PageText:
    """The page's lines (unordered) and ruled tables; lines inside a table are dropped."""
    drawings = page.get_cdrawings()
    grids = tables.find_ruled(drawings)
    data = page.get_text("dict", flags=_TEXT_FLAGS)
    lines: list[Line] = []
    for block in data.get("blocks", ()):
        if block.get("type") == 0:
            lines += [ln for raw in block.get("lines", ()) if (ln := _line(raw)) is not None]
    found = tables.fill_ruled(grids, lines)
    lines = [ln for ln in lines if not any(tables.inside(ln, table) for table in found)]
    has_images = bool(page.get_images(full=False))
    chars = sum(len(line.text) for line in lines)
    mostly_image = has_images and chars < _SCAN_MAX_CHARS and _image_cover(page) >= _SCAN_COVER
    return PageText(
        number=number,
        width=page.rect.width,
        height=page.rect.height,
        lines=lines,
        tables=found,
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
    spans = [span for span in raw.get("spans", ()) if span.get("text", "").strip()]
    if not spans or raw.get("dir", (1, 0))[0] < 0.5:  # vertical or upside-down text
        return None
    pieces = _pieces(spans)
    text = " ".join(piece.text for piece in pieces)
    if not text:
        return None
    chars = sum(len(s["text"].strip()) for s in spans) or 1
    size = sum(len(s["text"].strip()) * s["size"] for s in spans) / chars
    drawn = "".join(s["text"] for s in raw["spans"]).translate(LIGATURES).rstrip()
    width = sum(s["bbox"][2] - s["bbox"][0] for s in spans)
    x0, y0, x1, y1 = raw["bbox"]
    return Line(
        text=text,
        x0=x0,
        y0=y0,
        x1=x1,
        y1=y1,
        size=round(size, 1),
        bold=all(_is_bold(s) for s in spans),
        mono=all(_is_mono(s) for s in spans),
        indent=len(drawn) - len(drawn.lstrip(" ")),
        raw=drawn.lstrip(" "),
        char_w=width / max(1, sum(len(s["text"]) for s in spans)),
        pieces=pieces,
        spaced=raw["spans"][-1]["text"].endswith(" "),
    )


def _pieces(spans: list[dict]) -> list[Piece]:
    """The line's text in runs split at gaps wide enough to part table cells."""
    pieces: list[Piece] = []
    spaced = False  # the previous span ended with a space
    for span in spans:
        raw = span["text"].translate(LIGATURES)
        text = " ".join(raw.split())
        x0, x1 = span["bbox"][0], span["bbox"][2]
        last = pieces[-1] if pieces else None
        gap = x0 - last.x1 if last is not None else 0.0
        if last is not None and gap < span["size"] * _CELL_GAP:
            apart = spaced or raw[:1].isspace() or gap > span["size"] * 0.15
            last.text, last.x1 = last.text + (" " if apart else "") + text, x1
        else:
            pieces.append(Piece(x0, x1, text))
        spaced = raw[-1:].isspace()
    return pieces


def _is_bold(span: dict) -> bool:
    font = str(span.get("font", "")).lower()
    return bool(span.get("flags", 0) & _BOLD) or "bold" in font or "black" in font


def _is_mono(span: dict) -> bool:
    font = str(span.get("font", "")).lower()
    return bool(span.get("flags", 0) & _MONO) or any(name in font for name in _MONO_NAMES)
