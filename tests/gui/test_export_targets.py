"""The app's Export refuses what the command line refuses: the PDF itself as a target."""

from __future__ import annotations

from pathlib import Path

from tests.gui.conftest import wait_until
from tests.helpers.pdfs import make_pdf


async def test_export_onto_the_open_pdf_is_refused(make_window, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "scan.md", 4)  # a PDF with an unlucky name: X.md
    before = pdf.read_bytes()
    window = make_window()
    window.open_file(pdf)
    await wait_until(lambda: window.document is not None)
    window.sections.add("1-4", "All")
    await window.start_run()
    assert window.export_to(tmp_path / "scan.json") is None  # writes scan.json + scan.md
    assert "that is the PDF being analysed" in window.last_error
    assert pdf.read_bytes() == before
    assert not (tmp_path / "scan.json").exists()
    assert window.export_to(tmp_path / "results.json") is not None  # elsewhere: fine
