"""Citations: excerpt pages mapped to document pages, quotes checked on their pages
(in a real PDF worker process, against real PDFs made with PyMuPDF), results finished."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.citations import markers
from core.citations.check import check_citations, finish_result, moved
from core.citations.match import found_in, normalise
from core.citations.model import BLANK, MAX_QUOTE, NOT_FOUND, SCANNED, Citation, clip_quote
from core.citations.pages import document_page
from core.citations.verify import verify_citations
from core.results import SectionResult
from core.workers import PdfWorkers
from tests.helpers.cited import BODY, CitedPdf, make_cited_pdf


@pytest.fixture
def cited(tmp_path: Path) -> CitedPdf:
    return make_cited_pdf(tmp_path / "cited.pdf")


# ------------------------------------------------------------------------ page mapping
def test_contiguous_section_maps_excerpt_pages_to_document_pages() -> None:
    pages = (11, 12, 13, 14)
    assert [document_page(k, pages) for k in (1, 2, 4)] == [11, 12, 14]


def test_non_contiguous_section_maps_through_its_gaps() -> None:
    pages = (1, 2, 3, 5, 8, 9, 10)  # "1-3,5,8-" of a 10-page document
    assert [document_page(k, pages) for k in range(1, 8)] == [1, 2, 3, 5, 8, 9, 10]


def test_parts_of_a_split_section_map_to_their_own_pages() -> None:
    section = (2, 3, 4, 7, 8, 9, 10)
    parts = [section[0:3], section[3:6], section[6:]]  # as gemini_split cuts by page count
    assert [document_page(1, part) for part in parts] == [2, 7, 10]
    assert [document_page(3, part) for part in parts[:2]] == [4, 9]


def test_a_page_outside_the_excerpt_is_clamped_to_it() -> None:
    assert document_page(0, (5, 6)) == 5
    assert document_page(9, (5, 6)) == 6


def test_answer_markers_become_pending_markers_on_document_pages() -> None:
    text = (
        "Overview of the part.\n"
        '- Revenue grew [p. 2: "revenue of 12.5 million"]\n'
        "- Cranes were repaired [p. 3]\n"
        "| a | b |\n"
        "[p. 1, “the table”]"
    )
    shown, citations = markers.cite_answer_text(text, (7, 8, 10))

    assert [c.page for c in citations] == [8, 10, 7]
    assert [c.quote for c in citations] == ["revenue of 12.5 million", "", "the table"]
    assert [c.claim for c in citations] == ["Revenue grew", "Cranes were repaired", "a | b"]
    assert markers.pending_pages(shown) == [8, 10, 7]
    assert "[p. 2" not in shown


# ------------------------------------------------------------------------- matching
def test_normalising_ignores_ligatures_quotes_hyphenation_and_spacing() -> None:
    page = normalise("The ﬁrst “quoted” infor-\nmation, a well-\nknown   fact.")
    assert found_in('the first "quoted" information, a well-known fact', page)
    assert found_in("The first ... well-known fact", page)


def test_a_changed_figure_is_not_a_near_match() -> None:
    page = normalise(BODY[0])
    assert found_in("revenue of 12.5 million euros across the northern region", page)
    assert found_in("revenue of 12.5 milion euros acros the northern region", page)  # typos
    assert not found_in("revenue of 125 million euros across the northern region", page)
    assert not found_in("revenue of 13.5 million euros across the northern region", page)


def test_long_quotes_are_clipped_at_a_word_boundary() -> None:
    quote = clip_quote("word " * 200)
    assert len(quote) <= MAX_QUOTE and quote.endswith("word")


# ---------------------------------------------------------------------- verification
def _cite(page: int, quote: str) -> Citation:
    return Citation.unchecked(page, quote)


async def test_quotes_are_checked_on_their_pages_with_labels(
    workers: PdfWorkers, cited: CitedPdf
) -> None:
    section = tuple(range(4, 11))  # the body and the scan
    given = [
        _cite(
            4, "revenue of 12.5 million euros across the northern region"
        ),  # right page (wrapped over two lines)
        _cite(6, "Fuel costs fell by nine percent"),  # written on page 7: one off
        _cite(5, "The harbour master resigned after the audit of the pension fund"),
        _cite(cited.scanned, "A stamped invoice for the new dock"),
        _cite(8, ""),
    ]

    checked = await workers.run(verify_citations, str(cited.path), section, given)

    right, wrong_page, invented, scanned, empty = checked
    assert (right.verified, right.page, right.label, right.reason) == (True, 4, "1", None)
    assert (wrong_page.verified, wrong_page.page, wrong_page.corrected_from) == (True, 7, 6)
    assert wrong_page.label == "4"
    assert (invented.verified, invented.page, invented.reason) == (False, 5, NOT_FOUND)
    assert (scanned.verified, scanned.reason, scanned.label) == (False, SCANNED, "7")
    assert (empty.verified, empty.reason) == (False, "no quote given")


async def test_front_matter_pages_carry_their_roman_labels(
    workers: PdfWorkers, cited: CitedPdf
) -> None:
    given = [_cite(page, f"Preface part {page}") for page in (1, 2, 3)]
    checked = await workers.run(verify_citations, str(cited.path), (1, 2, 3), given)
    assert [(c.label, c.verified) for c in checked] == [("i", True), ("ii", True), ("iii", True)]
    assert cited.labels[:5] == ["i", "ii", "iii", "1", "2"]


async def test_a_quote_is_only_moved_within_its_section(
    workers: PdfWorkers, cited: CitedPdf
) -> None:
    quote = BODY[5][:40]  # written on document page 9, outside this section
    checked = await workers.run(verify_citations, str(cited.path), (4, 5), [_cite(5, quote)])
    assert (checked[0].verified, checked[0].page, checked[0].reason) == (False, 5, NOT_FOUND)


async def test_a_blank_page_says_so(workers: PdfWorkers, tmp_path: Path) -> None:
    import pymupdf

    path = tmp_path / "blank.pdf"
    with pymupdf.open() as doc:
        doc.new_page()
        doc.save(path)
    checked = await workers.run(verify_citations, str(path), (1,), [_cite(1, "anything")])
    assert (checked[0].verified, checked[0].reason, checked[0].label) == (False, BLANK, "1")


# ---------------------------------------------------------------- finishing a result
def _result(markdown: str, citations: list[Citation], **extra: object) -> SectionResult:
    return SectionResult(
        section_id="s1",
        title="Body",
        pages="4-9",
        processor="gemini",
        markdown=markdown,
        citations=citations,
        **extra,
    )


async def test_checked_citations_give_the_markers_their_labels(
    workers: PdfWorkers, cited: CitedPdf
) -> None:
    markdown = f"- Revenue {markers.pending(4)}\n- Invented {markers.pending(5)}"
    result = _result(markdown, [_cite(4, BODY[0][:50]), _cite(5, "no such words anywhere here")])

    done = await check_citations(workers, result, cited.path, range(4, 10))

    assert done.markdown == "- Revenue [p. 1]\n- Invented [p. 2, unverified]"
    assert markers.SENTINEL not in done.markdown
    assert [c.verified for c in done.citations] == [True, False]


async def test_a_check_that_cannot_run_leaves_the_citations_unverified(
    workers: PdfWorkers, tmp_path: Path
) -> None:
    result = _result(f"Claim {markers.pending(2)}", [_cite(2, "some words")])
    done = await check_citations(workers, result, tmp_path / "gone.pdf", (1, 2))
    assert done.markdown == "Claim [p. 2, unverified]"
    assert done.citations[0].reason == "could not be checked against the document"


def test_structured_claims_take_their_checked_pages() -> None:
    fields = {"facts": [{"fact": "Fuel fell", "value": "9%", "quote": "Fuel costs", "page": 6}]}
    result = _result(
        f"- Fuel fell; 9% {markers.pending(6)}", [_cite(6, "Fuel costs")], fields=fields
    )
    checked = [result.citations[0].model_copy(update={"page": 7, "label": "4", "verified": True})]

    done = finish_result(result, checked)

    assert done.fields == {"facts": [{**fields["facts"][0], "page": 7}]}
    assert done.markdown == "- Fuel fell; 9% [p. 4]"


def test_a_cached_result_moves_its_citations_to_the_new_sections_pages() -> None:
    result = _result("x", [_cite(5, "a"), _cite(8, "b")]).model_copy(update={"pages": "4-5,8"})
    assert [c.page for c in moved(result, (20, 21, 30)).citations] == [21, 30]


def test_exports_carry_the_four_keys_and_the_extras_that_are_set() -> None:
    citation = Citation(page=7, label="4", quote="Fuel", verified=True, corrected_from=6)
    assert citation.export() == {
        "page": 7,
        "label": "4",
        "quote": "Fuel",
        "verified": True,
        "corrected_from": 6,
    }
