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
