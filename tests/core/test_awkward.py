"""Awkward PDFs: each gets its own clear message or a correct result, never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pymupdf
import pytest

from core import pdf
from core.errors import DamagedPdfError, EmptyPdfError, EncryptedPdfError, NotAPdfError
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.processors.local import LocalProcessor
from core.run_types import RunOutcome, RunRequest
from core.sections import every_n_pages, whole_document
from core.settings import Settings
from core.workers import PdfWorkers
from tests.data.make_corpus import LONG_NAME
from tests.helpers.pdfs import first_lines, make_big_pdf, make_pdf
from tests.helpers.processors import InstrumentedProcessor
from tests.helpers.wait import until

DATA = Path(__file__).resolve().parents[1] / "data"
PROMPT = Prompt(name="summary", text="Summarise")


def settings() -> Settings:
    return Settings(_env_file=None, enable_memory_monitoring=False)


async def offline(workers: PdfWorkers, path: Path, password: str | None = None) -> RunOutcome:
    info = pdf.inspect(path, password)
    request = RunRequest(
        pdf_path=path, sections=whole_document(info.page_count), prompt=PROMPT, password=password
    )
    return await Pipeline(settings(), LocalProcessor(workers), workers).run(request)


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        (
            "not-a-pdf.pdf",
            NotAPdfError,
            "'not-a-pdf.pdf' is not a PDF (its content is not PDF data)",
        ),
        (
            "truncated.pdf",
            DamagedPdfError,
            "'truncated.pdf' is damaged beyond repair and cannot be opened",
        ),
        ("zero-pages.pdf", EmptyPdfError, "'zero-pages.pdf' has no pages"),
        (
            "encrypted-user-password.pdf",
            EncryptedPdfError,
            "'encrypted-user-password.pdf' is protected by a password. "
            "Enter it to open the document.",
        ),
    ],
)
async def test_unusable_files_say_why(
    name: str, error: type[Exception], message: str, workers: PdfWorkers
) -> None:
    with pytest.raises(error) as raised:
        pdf.inspect(DATA / name)
    assert str(raised.value) == message
    with pytest.raises(error) as in_run:
        await offline(workers, DATA / name)
    assert str(in_run.value) == message


async def test_user_password_opens_with_it(workers: PdfWorkers) -> None:
    path = DATA / "encrypted-user-password.pdf"
    with pytest.raises(EncryptedPdfError, match=r"password .* is not right"):
        pdf.inspect(path, "wrong")
    outcome = await offline(workers, path, "open-sesame")
    assert outcome.ok
    assert outcome.results["s1"].stats["pages"] == 3
    assert "Revenue grew in quarter 2" in outcome.results["s1"].markdown


async def test_owner_password_only_needs_no_password(workers: PdfWorkers) -> None:
    outcome = await offline(workers, DATA / "encrypted-owner-only.pdf")
    assert outcome.ok and "Page 3" in outcome.results["s1"].markdown


async def test_broken_xref_is_repaired_and_the_user_told(workers: PdfWorkers) -> None:
    info = pdf.inspect(DATA / "broken-xref.pdf")
    assert info.repaired and info.page_count == 4
    assert info.notices[0].startswith("'broken-xref.pdf' was damaged")
    outcome = await offline(workers, DATA / "broken-xref.pdf")
    assert outcome.ok and "Page 4" in outcome.results["s1"].markdown


async def test_scanned_pages_are_named(workers: PdfWorkers) -> None:
    outcome = await offline(workers, DATA / "scanned.pdf")
    result = outcome.results["s1"]
    assert result.stats["scanned_pages"] == [1, 2]
    assert "scanned page: use Gemini" in result.markdown
    assert "Appendix with a real text layer." in result.markdown


async def test_non_ascii_very_long_name(workers: PdfWorkers, tmp_path: Path) -> None:
    outcome = await offline(workers, DATA / LONG_NAME)
    assert outcome.ok and "Seite 2" in outcome.results["s1"].markdown


async def test_five_thousand_pages(workers: PdfWorkers, tmp_path: Path) -> None:
    path = make_big_pdf(tmp_path / "huge.pdf", 5000)
    assert pdf.inspect(path).page_count == 5000
    sections = every_n_pages(5000, 250)
    request = RunRequest(pdf_path=path, sections=sections, prompt=PROMPT)
    proc = InstrumentedProcessor(analyze_s=0.0)
    outcome = await Pipeline(settings(), proc, workers).run(request)
    assert outcome.ok and len(outcome.results) == 20
    last = outcome.results["s20"].markdown.splitlines()
    assert last[0] == "Page 4751" and last[-1] == "Page 5000"


@pytest.mark.parametrize("change", ["deleted", "overwritten"])
async def test_source_deleted_or_changed_during_a_run(
    change: str, workers: PdfWorkers, tmp_path: Path
) -> None:
    path = make_pdf(tmp_path / "doc.pdf", 12)
    proc = InstrumentedProcessor(analyze_s=0.0, release=asyncio.Event())
    pipe = Pipeline(settings(), proc, workers)
    request = RunRequest(pdf_path=path, sections=every_n_pages(12, 3), prompt=PROMPT)
    task = asyncio.create_task(pipe.run(request))
    await until(lambda: proc.analyses.now >= 1)
    if change == "deleted":
        path.unlink()
    else:
        make_pdf(path, 2, label="Other")
    proc.release.set()
    outcome = await task
    assert outcome.ok
    assert outcome.results["s4"].markdown.splitlines() == ["Page 10", "Page 11", "Page 12"]


def test_corpus_files_are_real_pdfs_or_deliberately_not() -> None:
    for name in ("scanned.pdf", "broken-xref.pdf", LONG_NAME):
        with pymupdf.open(DATA / name) as doc:
            assert doc.page_count > 0
    assert first_lines(DATA / LONG_NAME) == ["Seite 1", "Seite 2"]
