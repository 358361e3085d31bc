"""Cheaper re-asks: by default (KEEP_UPLOADS_HOURS=4) a second prompt on the same document
uploads nothing new; the ledger still holds every kept file, and forgetting deletes them.
With KEEP_UPLOADS_HOURS=0 nothing is kept."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from core import remote_ledger as remote_ledger_module
from core.engine import Engine
from core.processors.base import Prompt
from core.remote_ledger import RemoteLedger
from core.workers import PdfWorkers
from tests.core.gemini_support import PROMPT, build_document, run_sections, settings_for
from tests.fakes.gemini import FakeGemini

DEFAULT_KEEP_HOURS = 4.0

OTHER_PROMPT = Prompt(name="custom", text="List the risks named in this section.")


async def test_a_second_prompt_on_the_same_document_uploads_nothing_new(
    fake_gemini: FakeGemini,
    transport: str,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [2, 1, 3])
    settings = settings_for(fake_gemini)  # the default keeping; inline_max_mb=0: uploads
    assert settings.keep_uploads_hours == DEFAULT_KEEP_HOURS

    begun = time.time()
    first = await run_sections(settings, workers, remote_ledger, pdf, sections)
    uploads = fake_gemini.stats.count("upload")
    kept = remote_ledger.entries()

    assert set(first.outcome.results) == {s.id for s in sections}
    assert uploads == len(sections)
    assert len(kept) == len(sections) and all(entry.kept and entry.sha256 for entry in kept)
    for entry in kept:  # kept for the default time, no longer
        assert entry.keep_until is not None
        assert begun + 4 * 3600 <= entry.keep_until <= time.time() + 4 * 3600
    assert len(fake_gemini.stored_files()) == len(sections)  # kept on Gemini, and recorded
    assert fake_gemini.stats.count("delete") == 0

    second = await run_sections(
        settings, workers, RemoteLedger(remote_ledger.path), pdf, sections, prompt=OTHER_PROMPT
    )

    assert set(second.outcome.results) == {s.id for s in sections}
    assert fake_gemini.stats.count("upload") == uploads  # nothing new went up
    assert fake_gemini.stats.count("upload_chunk") == uploads
    asked = [r for r in fake_gemini.stats.document_calls() if "risks named" in r.prompt]
    assert len(asked) == len(sections)
    assert {name for r in asked for name in r.display_names} == {e.display_name for e in kept}
    assert all(r.stats["reused_uploads"] == 1 for r in second.outcome.results.values())
    assert {e.id for e in remote_ledger.entries()} == {e.id for e in kept}

    with Engine(ledger_path=remote_ledger.path, workers=workers) as engine:
        assert await engine.forget_kept_uploads(settings) == len(sections)
    assert fake_gemini.stored_files() == []
    assert remote_ledger.entries() == []


async def test_a_kept_upload_gemini_no_longer_has_is_uploaded_again(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    settings = settings_for(fake_gemini, keep_uploads_hours=1)
    await run_sections(settings, workers, remote_ledger, pdf, sections)
    dropped = remote_ledger.entries()[0]
    assert dropped.remote_name is not None
    fake_gemini.drop_file(dropped.remote_name)  # as if Gemini had expired it

    again = await run_sections(settings, workers, remote_ledger, pdf, sections, OTHER_PROMPT)

    assert set(again.outcome.results) == {s.id for s in sections}
    assert fake_gemini.stats.count("upload") == len(sections) + 1
    assert dropped.id not in {e.id for e in remote_ledger.entries()}
    assert len(remote_ledger.entries()) == len(sections)


async def test_without_keeping_nothing_is_left_on_gemini(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    settings = settings_for(fake_gemini, keep_uploads_hours=0)
    await run_sections(settings, workers, remote_ledger, pdf, sections, PROMPT)
    assert fake_gemini.stats.count("delete") == len(sections)
    assert fake_gemini.stored_files() == []
    assert remote_ledger.entries() == []


async def test_kept_uploads_are_deleted_by_the_first_run_after_their_time(
    fake_gemini: FakeGemini,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing stays on Gemini past the keep time once any run opens after it: the run's
    opening sweep deletes the lapsed uploads (and uploads its own sections afresh)."""
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    settings = settings_for(fake_gemini)
    await run_sections(settings, workers, remote_ledger, pdf, sections)
    lapsed = {e.remote_name for e in remote_ledger.entries()}
    assert len(lapsed) == len(sections) and lapsed <= {f.name for f in fake_gemini.stored_files()}

    later = time.time() + (DEFAULT_KEEP_HOURS + 0.5) * 3600  # the keep time has passed
    monkeypatch.setattr(remote_ledger_module, "time", SimpleNamespace(time=lambda: later))
    assert not any(entry.kept for entry in remote_ledger.entries())

    again = await run_sections(settings, workers, remote_ledger, pdf, sections, OTHER_PROMPT)

    assert set(again.outcome.results) == {s.id for s in sections}
    assert fake_gemini.stats.count("upload") == 2 * len(sections)  # nothing lapsed reused
    assert lapsed.isdisjoint(f.name for f in fake_gemini.stored_files())
    assert lapsed.isdisjoint(e.remote_name for e in remote_ledger.entries())
