"""A side of a comparison: a run from the journal, or a run exported as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.citations.model import Citation
from core.errors import SectionFlowError
from core.export import SCHEMA
from core.processors.base import Prompt
from core.results import SectionResult, TokenUsage
from core.run_types import Failure, RunOutcome
from core.sections import Section, parse_ranges

if TYPE_CHECKING:
    from core.journal import Journal


class CompareError(SectionFlowError):
    """A side that cannot be compared: no such run, not an export, unreadable."""


def load_side(spec: str, journal: Journal) -> RunOutcome:
    """``spec`` is an exported JSON file (when such a file exists) or a run id."""
    path = Path(spec)
    if path.suffix.lower() == ".json" or path.is_file():
        return load_export(path)
    try:
        return journal.load(spec)
    except KeyError:
        raise CompareError(
            f"'{spec}' is neither a run id (see 'sectionflow runs') nor an exported JSON file"
        ) from None


def load_export(path: Path) -> RunOutcome:
    """A run as its JSON export (``sectionflow.run/1``) describes it."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CompareError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompareError(f"{path} is not a SectionFlow JSON export: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CompareError(f"{path} is not a SectionFlow JSON export (schema {SCHEMA})")
    try:
        return outcome_from_json(data, path)
    except (KeyError, TypeError, ValueError) as exc:
        raise CompareError(f"{path} is an export SectionFlow cannot read: {exc}") from None


def outcome_from_json(data: dict[str, Any], path: Path) -> RunOutcome:
    document, run = data["document"], data["run"]
    prompt = run.get("prompt") or {}
    outcome = RunOutcome(
        run_id=str(run["id"]),
        document=Path(document.get("path") or path),
        document_sha256=str(document.get("sha256", "")),
        page_count=int(document["page_count"]),
        sections=[],
        prompt=Prompt(
            str(prompt.get("name", "")), str(prompt.get("text", "")), prompt.get("schema")
        ),
        processor=str(run.get("processor", "")),
        model=run.get("model"),
        settings=dict(data.get("settings") or {}),
        started_at=str(run.get("started_at", "")),
        title=str(document.get("title") or ""),
    )
    for entry in data["sections"]:
        section = Section(
            id=str(entry["id"]),
            title=str(entry["title"]),
            pages=parse_ranges(str(entry["pages"]), outcome.page_count),
            prompt=entry.get("prompt"),
        )
        outcome.sections.append(section)
        result = entry.get("result")
        if result is None:
            reason = (entry.get("failure") or {}).get("reason") or entry.get("status", "failed")
            outcome.failures[section.id] = Failure(str(reason), int(entry.get("attempts", 1)))
            continue
        outcome.results[section.id] = SectionResult(
            section_id=section.id,
            title=section.title,
            pages=section.page_spec,
            processor=str(result.get("processor") or outcome.processor),
            model=result.get("model"),
            markdown=str(result.get("markdown") or ""),
            raw_text=result.get("raw_text"),
            fields=result.get("fields"),
            tokens=TokenUsage(**(entry.get("tokens") or {})),
            stats=dict(result.get("stats") or {}),
            notes=list(result.get("notes") or []),
            citations=[Citation(**c) for c in entry.get("citations") or []],
        )
    return outcome
