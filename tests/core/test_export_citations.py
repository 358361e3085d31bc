"""Citations in the exports: JSON ``sections[].citations[]`` and the Markdown's markers."""

from __future__ import annotations

from pathlib import Path

from core import export
from core.citations import markers
from core.citations.check import finish_result
from core.citations.model import NOT_FOUND, SCANNED, Citation
from core.processors.base import Prompt
from core.results import SectionResult
from core.run_types import Failure, RunOutcome
from core.sections import Section

FRONT = Section(id="s1", title="Preface", pages=(1, 2))
BODY = Section(id="s2", title="Body", pages=(3, 4, 5))
ANNEX = Section(id="s3", title="Annex", pages=(6,))
CHECKED = [
    Citation(page=2, label="ii", quote="We thank the crew.", verified=True, claim="Thanks"),
    Citation(page=4, label="2", quote="Sales rose 9%.", verified=True, corrected_from=3),
    Citation(page=5, label="3", quote="Made-up words.", verified=False, reason=NOT_FOUND),
    Citation(page=5, label="3", quote="From a scan.", verified=False, reason=SCANNED),
]


def _result(section: Section, body: str, citations: list[Citation]) -> SectionResult:
    pending = SectionResult(
        section_id=section.id,
        title=section.title,
        pages=section.page_spec,
        processor="gemini",
        markdown=body,
        citations=[Citation.unchecked(c.page, c.quote, c.claim) for c in citations],
    )
    return finish_result(pending, citations)


def _outcome(tmp_path: Path) -> RunOutcome:
    p = markers.pending
    front = _result(FRONT, f"- Thanks {p(2)}", CHECKED[:1])
    body = _result(BODY, f"- Sales {p(3)}\n- Costs {p(5)}\n- Scan {p(5)}", CHECKED[1:])
    return RunOutcome(
        run_id="run1",
        document=tmp_path / "Manual.pdf",
        document_sha256="ab" * 32,
        page_count=6,
        sections=[FRONT, BODY, ANNEX],
        prompt=Prompt(name="summary", text="Summarise"),
        processor="gemini",
        model="gemini-test",
        settings={},
        started_at="2025-03-01T12:00:00+00:00",
        elapsed_s=1.0,
        cancelled=False,
        results={FRONT.id: front, BODY.id: body},
        failures={ANNEX.id: Failure(reason="Gemini blocked the answer", attempts=1)},
        attempts={FRONT.id: 1, BODY.id: 1, ANNEX.id: 1},
    )


def test_json_sections_carry_their_citations_with_the_four_keys(tmp_path: Path) -> None:
    sections = export.to_json_dict(_outcome(tmp_path))["sections"]
    front, body, annex = sections
    assert front["citations"] == [
        {
            "page": 2,
            "label": "ii",
            "quote": "We thank the crew.",
            "verified": True,
            "claim": "Thanks",
        }
    ]
    for citation in body["citations"]:
        assert {"page", "label", "quote", "verified"} <= set(citation)
    assert [c["verified"] for c in body["citations"]] == [True, False, False]
    assert body["citations"][0]["corrected_from"] == 3
    assert [c.get("reason") for c in body["citations"]] == [None, NOT_FOUND, SCANNED]
    assert annex["citations"] == []


def test_markdown_shows_each_claims_label_and_marks_the_unverified(tmp_path: Path) -> None:
    text = export.render_markdown(_outcome(tmp_path))
    assert "- Thanks [p. ii]" in text
    assert "- Sales [p. 2]\n- Costs [p. 3, unverified]\n- Scan [p. 3, unverified]" in text
    assert "- [p. 2] “Sales rose 9%.” (the answer said page 3)" in text
    assert f"- [p. 3, unverified: {NOT_FOUND}] “Made-up words.”" in text
    assert f"- [p. 3, unverified: {SCANNED}] “From a scan.”" in text
    assert markers.SENTINEL not in text
