"""Shared helpers for the Gemini backend tests: a document, settings and a run.

Every run goes through the real pipeline, the real google-genai SDK and real HTTP to the
fake Gemini server (tests/fakes/gemini.py), with the transport chosen by the ``transport``
fixture. Settings are small (short timeouts, 0.05 s backoff) so each run takes a second or
two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from core.events import Event
from core.pipeline import Pipeline
from core.processors.base import Prompt
from core.processors.gemini import GeminiProcessor
from core.remote_ledger import RemoteLedger
from core.run_types import RunOutcome, RunRequest
from core.sections import Section
from core.settings import Settings
from core.workers import PdfWorkers
from tests.fakes.gemini import FakeGemini
from tests.fakes.gemini_pdf import FITZ_LOCK

KEY = "AIzaSyTESTKEY-do-not-leak-0123456789abcdef"
PROMPT = Prompt(name="summary", text="Summarise this section.")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "pages": {"type": "integer"},
        "key_facts": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["summary", "pages", "key_facts"],
}


def marker(index: int) -> str:
    """A unique text on a section's first page; fault ``match`` targets it (no prefix
    collisions such as 'Section 1' inside 'Section 10')."""
    return f"<<SEC-{index:02d}>>"


def build_document(path: Path, pages_per_section: list[int]) -> list[Section]:
    """A PDF whose sections each start with their marker; returns the sections."""
    import pymupdf

    sections: list[Section] = []
    page = 1
    with FITZ_LOCK, pymupdf.open() as doc:
        for index, count in enumerate(pages_per_section):
            for offset in range(count):
                new = doc.new_page()
                text = marker(index) if offset == 0 else f"{marker(index)} page {offset + 1}"
                new.insert_text((72, 72), text, fontsize=12)
                new.insert_text((72, 100), f"Body text of section {index}.", fontsize=10)
            sections.append(
                Section(
                    id=f"s{index:02d}",
                    title=f"Section {marker(index)}",
                    pages=tuple(range(page, page + count)),
                )
            )
            page += count
        doc.save(path)
    return sections


def settings_for(fake: FakeGemini, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "gemini_api_key": KEY,
        "gemini_base_url": fake.base_url,
        "processor": "gemini",
        "max_concurrent_section_tasks": 3,
        "max_concurrent_uploads": 2,
        "max_concurrent_splits": 4,
        "inline_max_mb": 0,
        "retry_backoff_base_seconds": 0.05,
        "retry_backoff_max_seconds": 0.5,
        "upload_max_retries": 2,
        "process_max_retries": 2,
        "processing_timeout_seconds": 10,
        "upload_timeout_seconds": 10,
        "section_task_timeout_seconds": 60,
        "enable_memory_monitoring": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Run:
    """Everything a test looks at after a run."""

    outcome: RunOutcome
    events: list[Event]
    processor: GeminiProcessor
    sections: list[Section] = field(default_factory=list)

    def result_text(self, section: Section) -> str:
        return self.outcome.results[section.id].raw_text or ""


def make_pipeline(
    settings: Settings,
    workers: PdfWorkers,
    ledger: RemoteLedger,
    events: list[Event],
    **processor_kwargs: Any,
) -> tuple[Pipeline, GeminiProcessor]:
    processor = GeminiProcessor(
        settings, ledger, workers=workers, poll_initial_s=0.02, **processor_kwargs
    )
    return Pipeline(settings, processor, workers, emit=events.append), processor


async def run_sections(
    settings: Settings,
    workers: PdfWorkers,
    ledger: RemoteLedger,
    pdf: Path,
    sections: list[Section],
    prompt: Prompt = PROMPT,
    **processor_kwargs: Any,
) -> Run:
    events: list[Event] = []
    pipeline, processor = make_pipeline(settings, workers, ledger, events, **processor_kwargs)
    outcome = await pipeline.run(RunRequest(pdf_path=pdf, sections=sections, prompt=prompt))
    return Run(outcome, events, processor, sections)


@pytest.fixture
def remote_ledger(tmp_path: Path) -> RemoteLedger:
    """A ledger of its own per test (tests/conftest.py points SECTIONFLOW_DATA_DIR there)."""
    return RemoteLedger(tmp_path / "data" / "remote-files.sqlite3")
