"""The text of each page, to tell which pages changed between two versions of a PDF.

From the PDF itself when it is still where the run read it, unchanged (its sha256 is the
run's): :func:`pdf_page_texts` runs in a PDF worker process, as all PyMuPDF work does.
Otherwise from an offline answer, whose Markdown marks every page (``<!-- page N -->``).
"""

from __future__ import annotations

import re

from core.citations.match import normalise
from core.results import SectionResult

_PAGE_MARK = re.compile(r"<!--\s*page\s+(\d+)\s*-->")


def pdf_page_texts(path: str, password: str | None = None) -> list[str]:
    """Every page's text, normalised (letters and digits). Runs in a worker process."""
    from core import pdf

    return [normalise(page.get_text()) for page in pdf.source_document(path, password)]


def answer_page_texts(result: SectionResult) -> dict[int, str]:
    """Page -> normalised text of an offline answer's page-marked Markdown ({} without)."""
    marks = list(_PAGE_MARK.finditer(result.markdown))
    texts: dict[int, str] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(result.markdown)
        texts[int(mark.group(1))] = normalise(result.markdown[mark.end() : end])
    return texts
