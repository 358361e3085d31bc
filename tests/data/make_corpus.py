"""Builds the awkward-PDF corpus in this folder (run: python -m tests.data.make_corpus).

Every file is made here with PyMuPDF or by hand-written bytes, so its origin is this
script; see README.md beside it. The files are committed so a test failure can be
reproduced by opening the same bytes in any PDF viewer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf

from tests.helpers.pdfs import zero_page_pdf

HERE = Path(__file__).resolve().parent
LONG_NAME = "Jahresbericht_Überblick_年度報告_" + "x" * 150 + ".pdf"


def _text_pdf(pages: int, label: str = "Page") -> pymupdf.Document:
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page()
        page.insert_text((72, 72), f"{label} {number}", fontsize=14)
        page.insert_text((72, 100), f"Revenue grew in quarter {number}. Risks remain.")
    return doc


def user_password() -> bytes:
    doc = _text_pdf(3)
    return doc.tobytes(
        encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="open-sesame", owner_pw="owner"
    )


def owner_password_only() -> bytes:
    doc = _text_pdf(3)
    return doc.tobytes(
        encryption=pymupdf.PDF_ENCRYPT_AES_128,
        owner_pw="owner-only",
        user_pw="",
        permissions=pymupdf.PDF_PERM_ACCESSIBILITY,
    )


def broken_xref() -> bytes:
    """A good PDF whose cross-reference offsets all point to the wrong place."""
    data = _text_pdf(4).tobytes(garbage=1)
    return re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), data)


def zero_pages() -> bytes:
    return zero_page_pdf()


def not_a_pdf() -> bytes:
    return b"Quarterly figures\nRevenue,100\nCosts,80\n"


def truncated() -> bytes:
    """The first 300 bytes of a PDF: a download cut short."""
    return _text_pdf(2).tobytes()[:300]


def scanned() -> bytes:
    """Two pages that are only pictures of text (no text layer), one normal page."""
    doc = pymupdf.open()
    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 400, 200), False)
    pix.set_rect(pix.irect, (235,))
    for _ in range(2):
        doc.new_page().insert_image(pymupdf.Rect(72, 72, 472, 272), pixmap=pix)
    doc.new_page().insert_text((72, 72), "Appendix with a real text layer.")
    return doc.tobytes()


def unicode_long_name() -> bytes:
    return _text_pdf(2, label="Seite").tobytes()


CORPUS = {
    "encrypted-user-password.pdf": user_password,
    "encrypted-owner-only.pdf": owner_password_only,
    "broken-xref.pdf": broken_xref,
    "zero-pages.pdf": zero_pages,
    "not-a-pdf.pdf": not_a_pdf,
    "truncated.pdf": truncated,
    "scanned.pdf": scanned,
    LONG_NAME: unicode_long_name,
}


def main() -> None:
    for name, make in CORPUS.items():
        (HERE / name).write_bytes(make())
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
