"""A comparison of two runs: per section its status, the pages whose text changed and
the two answers with a word diff; as JSON (``sectionflow.compare/1``) and Markdown."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.citations.match import normalise
from core.compare.diff import diff_markdown, similarity, word_diff
from core.compare.match import match_sections
from core.compare.pages import answer_page_texts
from core.export import atomic_write_text, document_title
from core.run_types import RunOutcome
from core.sections import Section, format_ranges

SCHEMA = "sectionflow.compare/1"
SAME, CHANGED, ADDED, REMOVED = "same", "changed", "added", "removed"
#: an answer longer than this is cut in the Markdown's side-by-side table
_SIDE_CHARS = 4000

#: page -> normalised text of one side's PDF, when it could be read
PageTexts = dict[int, str]


@dataclass(slots=True)
class SectionDiff:
    title: str
    status: str
    a: Section | None
    b: Section | None
    matched_by: str = ""
    #: pages of each side whose text differs from the other side's page at that place
    changed_pages: dict[str, list[int]] = field(default_factory=dict)
    word_diff: list[dict[str, Any]] = field(default_factory=list)
    similarity: float | None = None


@dataclass(slots=True)
class Comparison:
    a: RunOutcome
    b: RunOutcome
    sections: list[SectionDiff]
    #: whether the pages' text decided (two versions of a document) or the answers did
    by_text: bool

    @property
    def same_document(self) -> bool:
        return self.a.document_sha256 == self.b.document_sha256

    def counts(self) -> dict[str, int]:
        found = Counter(s.status for s in self.sections)
        return {status: found.get(status, 0) for status in (SAME, CHANGED, ADDED, REMOVED)}


def compare(
    a: RunOutcome, b: RunOutcome, texts_a: PageTexts | None, texts_b: PageTexts | None
) -> Comparison:
    """Match the sections of ``a`` and ``b`` and say how each changed. ``texts_*`` are
    the pages' texts of each side's PDF, None when it could not be read (the offline
    answers' own page text is used then, on both sides, so like is compared with like)."""
    if not texts_a or not texts_b:
        texts_a, texts_b = _answer_texts(a), _answer_texts(b)
    by_text = not _same_run_input(a, b) and bool(texts_a) and bool(texts_b)

    def text(side: str, section: Section) -> str:
        run, texts = (a, texts_a) if side == "a" else (b, texts_b)
        pages = " ".join(texts.get(p, "") for p in section.pages)
        return pages.strip() or _answer(run, section)

    diffs = []
    for left, right, how in match_sections(a.sections, b.sections, text):
        diffs.append(_section_diff(a, b, left, right, how, texts_a, texts_b, by_text))
    return Comparison(a, b, diffs, by_text)


def _same_run_input(a: RunOutcome, b: RunOutcome) -> bool:
    return a.document_sha256 == b.document_sha256 and bool(a.document_sha256)


def _section_diff(
    a: RunOutcome,
    b: RunOutcome,
    left: Section | None,
    right: Section | None,
    how: str,
    texts_a: PageTexts,
    texts_b: PageTexts,
    by_text: bool,
) -> SectionDiff:
    title = (right or left).title  # type: ignore[union-attr]
    if left is None or right is None:
        return SectionDiff(title, ADDED if left is None else REMOVED, left, right)
    answer_a, answer_b = _answer(a, left), _answer(b, right)
    diff = SectionDiff(title, SAME, left, right, how)
    if by_text:
        changed_a, changed_b = _changed_pages(left, right, texts_a, texts_b)
        diff.changed_pages = {"a": changed_a, "b": changed_b}
        changed = bool(changed_a or changed_b)
    else:
        changed = normalise(answer_a) != normalise(answer_b)
    if changed:
        diff.status = CHANGED
        diff.word_diff = word_diff(answer_a, answer_b)
        diff.similarity = round(similarity(answer_a, answer_b), 3)
    return diff


def _changed_pages(
    left: Section, right: Section, texts_a: PageTexts, texts_b: PageTexts
) -> tuple[list[int], list[int]]:
    """Pages at the same place in both sections whose text differs; pages one side has
    beyond the other's count changed too."""
    changed_a, changed_b = [], []
    for index in range(max(len(left.pages), len(right.pages))):
        pa = left.pages[index] if index < len(left.pages) else None
        pb = right.pages[index] if index < len(right.pages) else None
        ta = texts_a.get(pa) if pa is not None else None
        tb = texts_b.get(pb) if pb is not None else None
        if ta != tb:
            changed_a += [pa] if pa is not None else []
            changed_b += [pb] if pb is not None else []
    return changed_a, changed_b


def _answer(run: RunOutcome, section: Section) -> str:
    result = run.results.get(section.id)
    if result is not None:
        return result.markdown
    failure = run.failures.get(section.id)
    return f"(no answer: {failure.reason})" if failure is not None else "(no answer)"


def _answer_texts(run: RunOutcome) -> PageTexts:
    texts: PageTexts = {}
    for result in run.results.values():
        texts.update(answer_page_texts(result))
    return texts


# ------------------------------------------------------------------------------ JSON
def to_json_dict(comparison: Comparison) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "a": _side(comparison.a),
        "b": _side(comparison.b),
        "same_document": comparison.same_document,
        "compared_by": "page text" if comparison.by_text else "answers",
        "counts": comparison.counts(),
        "sections": [_section_json(comparison, diff) for diff in comparison.sections],
    }


def _side(run: RunOutcome) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "document": Path(run.document).name,
        "title": document_title(run),
        "sha256": run.document_sha256,
        "prompt": {"name": run.prompt.name, "text": run.prompt.text},
        "processor": run.processor,
        "model": run.model,
        "started_at": run.started_at,
    }


def _section_json(comparison: Comparison, diff: SectionDiff) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": diff.title,
        "status": diff.status,
        "a": _section_side(comparison.a, diff.a),
        "b": _section_side(comparison.b, diff.b),
    }
    if diff.matched_by:
        entry["matched_by"] = diff.matched_by
    if diff.changed_pages:
        entry["changed_pages"] = diff.changed_pages
    if diff.status == CHANGED:
        entry["similarity"] = diff.similarity
        entry["word_diff"] = diff.word_diff
    return entry


def _section_side(run: RunOutcome, section: Section | None) -> dict[str, Any] | None:
    if section is None:
        return None
    result = run.results.get(section.id)
    return {
        "id": section.id,
        "title": section.title,
        "pages": section.page_spec,
        "answer": _answer(run, section),
        "citations": [c.export() for c in result.citations] if result is not None else [],
    }


# -------------------------------------------------------------------------- Markdown
def render_markdown(comparison: Comparison) -> str:
    a, b = comparison.a, comparison.b
    counts = comparison.counts()
    lines = [
        f"# Comparison: {document_title(a)} · {document_title(b)}",
        "",
        f"- **A**: {_describe(a)}",
        f"- **B**: {_describe(b)}",
        "",
        "Compared by "
        + ("the pages' text (two versions of a document)" if comparison.by_text else "the answers")
        + ": "
        + ", ".join(f"{n} {status}" for status, n in counts.items()),
        "",
        "| Section | Status | Pages A | Pages B | Pages whose text changed |",
        "| --- | --- | --- | --- | --- |",
    ]
    for diff in comparison.sections:
        pages = diff.changed_pages
        changed = ""
        if pages.get("a") or pages.get("b"):
            changed = f"A {format_ranges(pages['a']) or '–'} · B {format_ranges(pages['b']) or '–'}"
        lines.append(
            f"| {_cell(diff.title)} | {diff.status} | {diff.a.page_spec if diff.a else '–'} "
            f"| {diff.b.page_spec if diff.b else '–'} | {changed} |"
        )
    lines.append("")
    for diff in comparison.sections:
        if diff.status != SAME:
            lines += _section_markdown(comparison, diff)
    return "\n".join(lines).rstrip() + "\n"


def _describe(run: RunOutcome) -> str:
    backend = run.processor + (f" ({run.model})" if run.model else "")
    return (
        f"run {run.run_id} of {Path(run.document).name}, {backend}, prompt "
        f"'{run.prompt.name}', {run.started_at}"
    )


def _section_markdown(comparison: Comparison, diff: SectionDiff) -> list[str]:
    lines = [f"## {diff.title}: {diff.status}", ""]
    if diff.status == ADDED:
        return [*lines, "Only in B.", ""]
    if diff.status == REMOVED:
        return [*lines, "Only in A.", ""]
    if diff.changed_pages:
        a_pages = format_ranges(diff.changed_pages["a"]) or "–"
        b_pages = format_ranges(diff.changed_pages["b"]) or "–"
        lines += [f"Pages whose text changed: A {a_pages}, B {b_pages}.", ""]
    assert diff.a is not None and diff.b is not None
    left, right = _answer(comparison.a, diff.a), _answer(comparison.b, diff.b)
    lines += ["| A | B |", "| --- | --- |", f"| {_side_cell(left)} | {_side_cell(right)} |", ""]
    lines += [
        "**Word diff** (~~only in A~~, **only in B**):",
        "",
        diff_markdown(diff.word_diff),
        "",
    ]
    return lines


def _side_cell(text: str) -> str:
    cut = text.strip()[:_SIDE_CHARS] + ("…" if len(text.strip()) > _SIDE_CHARS else "")
    return "<br>".join(_cell(line) for line in cut.splitlines())


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def write_comparison(
    comparison: Comparison, json_path: Path | None, markdown_path: Path | None
) -> list[Path]:
    """Each export asked for, atomically (as a run's exports are written)."""
    written = []
    if json_path is not None:
        text = json.dumps(to_json_dict(comparison), indent=2, ensure_ascii=False)
        written.append(atomic_write_text(json_path, text + "\n"))
    if markdown_path is not None:
        written.append(atomic_write_text(markdown_path, render_markdown(comparison)))
    return written
