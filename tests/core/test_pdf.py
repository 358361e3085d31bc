"""Opening and splitting real PDFs, and the errors a user sees for bad ones."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pymupdf
import pytest

from core import pdf
from core.errors import DamagedPdfError, EmptyPdfError, EncryptedPdfError, NotAPdfError
from core.workers import PdfWorkers
from tests.helpers.pdfs import first_lines, make_pdf, zero_page_pdf


def test_inspect_reads_pages_outline_and_metadata(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "a.pdf", 8, outline=[(1, "One", 1), (2, "One.a", 2), (1, "Two", 5)])
    info = pdf.inspect(path)
    assert info.page_count == 8
    assert [(e.level, e.title, e.page) for e in info.outline] == [
        (1, "One", 1),
        (2, "One.a", 2),
        (1, "Two", 5),
    ]
    assert info.outline_levels == (1, 2)


def test_split_keeps_exactly_the_sections_pages(tmp_path: Path) -> None:
    src = make_pdf(tmp_path / "a.pdf", 20)
    part = pdf.split_section(src, (2, 3, 4, 9, 15), tmp_path / "part.pdf")
    assert part.page_count == 5
    assert first_lines(part.path) == ["Page 2", "Page 3", "Page 4", "Page 9", "Page 15"]
    assert part.size_bytes == part.path.stat().st_size


def test_split_keeps_images(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), False)
    pix.set_rect(pix.irect, (200, 30, 30))
    page.insert_image(pymupdf.Rect(72, 72, 200, 200), pixmap=pix)
    doc.new_page()
    doc.save(tmp_path / "img.pdf")
    part = pdf.split_section(tmp_path / "img.pdf", (1,), tmp_path / "p.pdf")
    with pymupdf.open(part.path) as out:
        assert len(out[0].get_images()) == 1


def test_not_a_pdf(tmp_path: Path) -> None:
    fake = tmp_path / "report.pdf"
    fake.write_text("Quarterly numbers, as plain text\n")
    with pytest.raises(NotAPdfError, match=r"'report\.pdf' is not a PDF"):
        pdf.inspect(fake)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.pdf").write_bytes(b"")
    with pytest.raises(NotAPdfError, match="is empty"):
        pdf.inspect(tmp_path / "e.pdf")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotAPdfError, match="does not exist"):
        pdf.inspect(tmp_path / "gone.pdf")


def test_damaged_beyond_repair(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    with pytest.raises(DamagedPdfError, match="damaged beyond repair"):
        pdf.inspect(bad)


def test_zero_pages(tmp_path: Path) -> None:
    zero = tmp_path / "zero.pdf"
    zero.write_bytes(zero_page_pdf())
    with pytest.raises(EmptyPdfError, match=r"'zero\.pdf' has no pages"):
        pdf.inspect(zero)


def test_encrypted_needs_password(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "locked.pdf", 3, password="s3cret")
    with pytest.raises(EncryptedPdfError) as error:
        pdf.inspect(path)
    assert "protected by a password" in str(error.value)
    assert not error.value.wrong_password
    with pytest.raises(EncryptedPdfError) as wrong:
        pdf.inspect(path, password="nope")
    assert wrong.value.wrong_password
    assert pdf.inspect(path, password="s3cret").page_count == 3
    part = pdf.split_section(path, (2,), tmp_path / "p.pdf", "s3cret")
    assert first_lines(part.path) == ["Page 2"]


async def test_a_password_error_raised_in_a_worker_reads_the_same_in_the_app(
    tmp_path: Path,
) -> None:
    """The run inspects its PDF in a worker process; the error crosses back pickled."""
    path = make_pdf(tmp_path / "locked.pdf", 2, password="s3cret")
    workers = PdfWorkers(max_workers=1)
    try:
        with pytest.raises(EncryptedPdfError) as wrong:
            await workers.run(pdf.inspect, path, "nope")
    finally:
        await asyncio.to_thread(workers.shutdown)
    assert str(wrong.value) == "The password for 'locked.pdf' is not right. Try again."
    assert wrong.value.wrong_password


def test_owner_password_only_opens_without_asking(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "owner.pdf", 2, owner_password="owner")
    info = pdf.inspect(path)
    assert info.page_count == 2 and info.encrypted


def test_contiguous_runs() -> None:
    assert pdf.contiguous_runs((1, 2, 3, 7, 9, 10)) == [(0, 2), (6, 6), (8, 9)]
