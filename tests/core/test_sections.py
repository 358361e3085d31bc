"""Page-range syntax and the section builders."""

from __future__ import annotations

import pytest

from core.sections import (
    OutlineEntry,
    PageRangeError,
    Section,
    every_n_pages,
    format_ranges,
    from_outline,
    parse_ranges,
    parse_section_list,
    whole_document,
)


@pytest.mark.parametrize(
    ("spec", "pages"),
    [
        ("1-3,5,8-", (1, 2, 3, 5, 8, 9, 10)),
        ("5", (5,)),
        (" 2 - 4 , 4-6 ", (2, 3, 4, 5, 6)),
        ("-3", (1, 2, 3)),
        ("9-", (9, 10)),
        ("3,1,2", (1, 2, 3)),
    ],
)
def test_parse_ranges(spec: str, pages: tuple[int, ...]) -> None:
    assert parse_ranges(spec, 10) == pages


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "The page range is empty: type pages like 1-3,5,8-"),
        (" , ", "The page range is empty: type pages like 1-3,5,8-"),
        ("4-2", "'4-2' runs backwards: write the lower page first"),
        ("3-12", "'3-12' goes past the last page: the document has 10 pages"),
        ("11", "'11' goes past the last page: the document has 10 pages"),
        ("0-2", "Page numbers start at 1; '0-2' has page 0"),
        ("a-b", "'a-b' is not a page range: use pages like 1-3,5,8-"),
        ("1-2-3", "'1-2-3' is not a page range: use pages like 1-3,5,8-"),
        ("-", "'-' is not a page range: use pages like 1-3,5,8-"),
    ],
)
def test_bad_ranges_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(PageRangeError) as error:
        parse_ranges(spec, 10)
    assert str(error.value) == message


def test_format_round_trips() -> None:
    assert format_ranges([1, 2, 3, 5, 8, 9, 10]) == "1-3,5,8-10"
    assert parse_ranges(format_ranges((2, 4, 5, 6, 9)), 10) == (2, 4, 5, 6, 9)


def test_non_contiguous_section() -> None:
    section = Section(id="s1", title="Odd", pages=(1, 3, 5))
    assert section.page_spec == "1,3,5"


def test_every_n_pages_covers_every_page_once() -> None:
    sections = every_n_pages(23, 5)
    assert [s.page_spec for s in sections] == ["1-5", "6-10", "11-15", "16-20", "21-23"]
    assert [s.id for s in sections] == ["s1", "s2", "s3", "s4", "s5"]


def test_whole_document() -> None:
    (section,) = whole_document(7)
    assert section.page_spec == "1-7"


def test_from_outline_each_entry_runs_to_the_next() -> None:
    toc = [
        OutlineEntry(1, "Introduction", 3),
        OutlineEntry(2, "Scope", 4),
        OutlineEntry(1, "Background", 6),
        OutlineEntry(1, "Results", 10),
    ]
    top = from_outline(toc, 12, level=1)
    assert [(s.title, s.page_spec) for s in top] == [
        ("Front matter", "1-2"),
        ("Introduction", "3-5"),
        ("Background", "6-9"),
        ("Results", "10-12"),
    ]
    second = from_outline(toc, 12, level=2)
    assert [(s.title, s.page_spec) for s in second] == [("Front matter", "1-3"), ("Scope", "4-12")]


def test_from_outline_without_that_level() -> None:
    with pytest.raises(PageRangeError, match="no bookmarks at level 3"):
        from_outline([OutlineEntry(1, "A", 1)], 5, level=3)


def test_cli_section_list() -> None:
    sections = parse_section_list("Intro:1-3;Body:4-20", 30)
    assert [(s.id, s.title, s.page_spec) for s in sections] == [
        ("s1", "Intro", "1-3"),
        ("s2", "Body", "4-20"),
    ]
    with pytest.raises(PageRangeError, match="goes past the last page"):
        parse_section_list("Intro:1-3;Body:4-40", 30)
