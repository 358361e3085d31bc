"""Real PDFs for tests, made with PyMuPDF (no binary fixtures to keep in sync)."""

from __future__ import annotations

from pathlib import Path

import pymupdf


def make_pdf(
    path: Path,
    pages: int,
    *,
    outline: list[tuple[int, str, int]] | None = None,
    password: str | None = None,
    owner_password: str | None = None,
    label: str = "Page",
) -> Path:
    """A PDF whose page N says '<label> N' on its first line, so a split can be checked."""
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page()
        page.insert_text((72, 72), f"{label} {number}", fontsize=14)
        page.insert_text((72, 100), f"Body text of page {number} about revenue and risk.")
    if outline:
        doc.set_toc([list(entry) for entry in outline])
    kwargs: dict[str, object] = {}
    if password or owner_password:
        kwargs = {
            "encryption": pymupdf.PDF_ENCRYPT_AES_256,
            "user_pw": password or "",
            "owner_pw": owner_password or password or "",
        }
    doc.save(path, **kwargs)
    doc.close()
    return path


def first_lines(path: Path) -> list[str]:
    """The first text line of each page: what the pages of a split PDF are."""
    with pymupdf.open(path) as doc:
        return [page.get_text().strip().splitlines()[0] for page in doc]


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF file from numbered object bodies (object 1 is the catalog), with its xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty (PyMuPDF refuses to save one)."""
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def make_big_pdf(path: Path, pages: int) -> Path:
    """Like make_pdf (page N says 'Page N') but written as raw PDF objects, so thousands of
    pages take milliseconds instead of PyMuPDF's ~5 ms a page for insert_text."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for number in range(1, pages + 1):
        text = f"BT /F1 14 Tf 72 720 Td (Page {number}) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    path.write_bytes(raw_pdf(objects))
    return path
