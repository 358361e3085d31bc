"""Vertex AI: the same run through Vertex's paths, every section inline, no Files API.

Both of Vertex's ways in are run through the real SDK against the fake server, on both
transports: express mode (an API key) and a project with a service account, whose token
the SDK fetches from the fake's OAuth endpoint (the JSON key's ``token_uri``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.processors.gemini_client import (
    VERTEX_INLINE_MAX_BYTES,
    VERTEX_MAX_PAGES,
    ServiceKind,
    missing_credentials,
    service_for,
)
from core.remote_ledger import RemoteLedger
from core.settings import Settings
from core.workers import PdfWorkers
from tests.core.gemini_support import KEY, build_document, run_sections, settings_for
from tests.fakes.gemini import FakeGemini
from tests.fakes.gemini_vertex import service_account_file

FILES_API = ("upload", "upload_chunk", "get", "list", "delete")


def assert_no_files_api(fake: FakeGemini) -> None:
    assert {endpoint: fake.stats.count(endpoint) for endpoint in FILES_API} == dict.fromkeys(
        FILES_API, 0
    )


async def test_express_mode_sends_every_section_inline_on_vertex_paths(
    fake_gemini: FakeGemini,
    transport: str,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [2, 3, 1, 2])
    # INLINE_MAX_MB=0 would upload everything on the Gemini API: Vertex has no Files API
    settings = settings_for(fake_gemini, google_genai_use_vertexai=True, inline_max_mb=0)

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    records = fake_gemini.stats.document_calls()
    # the whole-document synthesis (text only) goes to Vertex the same way
    synthesis = fake_gemini.stats.text_only_calls()
    assert len(synthesis) == 1
    assert len(records) == len(sections)
    assert all(r.inline and r.service == "vertex-express" for r in records)
    assert all(r.api_key == KEY for r in records)
    assert {r.path for r in [*records, *synthesis]} == {
        "/v1beta1/publishers/google/models/gemini-3.8-flash:generateContent"
    }
    assert_no_files_api(fake_gemini)
    assert remote_ledger.entries() == []


async def test_a_project_with_a_service_account_needs_no_api_key(
    fake_gemini: FakeGemini,
    transport: str,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2, 2])
    key_file = service_account_file(tmp_path / "sa.json", fake_gemini.base_url, "acme-research")
    settings = settings_for(
        fake_gemini,
        gemini_api_key=None,
        google_genai_use_vertexai=True,
        google_cloud_project="acme-research",
        google_cloud_location="europe-west4",
        google_application_credentials=str(key_file),
    )

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    records = fake_gemini.stats.document_calls()
    # the whole-document synthesis (text only) goes to Vertex the same way
    synthesis = fake_gemini.stats.text_only_calls()
    assert len(synthesis) == 1
    assert {r.path for r in [*records, *synthesis]} == {
        "/v1/projects/acme-research/locations/europe-west4/publishers/google/models/"
        "gemini-3.8-flash:generateContent"
    }
    assert all(r.inline and r.service == "vertex" and not r.api_key for r in records)
    assert fake_gemini.stats.count("token", 200) >= 1  # the SDK's token came from us
    assert_no_files_api(fake_gemini)


async def test_a_bad_service_account_file_fails_every_section_in_words(
    fake_gemini: FakeGemini, workers: PdfWorkers, remote_ledger: RemoteLedger, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    (tmp_path / "sa.json").write_text("{not json")
    settings = settings_for(
        fake_gemini,
        gemini_api_key=None,
        google_genai_use_vertexai=True,
        google_cloud_project="acme-research",
        google_application_credentials=str(tmp_path / "sa.json"),
    )

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    reasons = {failure.reason for failure in run.outcome.failures.values()}
    assert len(run.outcome.failures) == len(sections)
    assert all("could not load Google Cloud credentials" in reason for reason in reasons)
    assert fake_gemini.stats.count("generate") == 0


def test_which_service_the_settings_choose() -> None:
    def service(**values: object) -> str:
        return service_for(Settings(_env_file=None, **values)).describe()  # type: ignore[arg-type]

    assert service() == "Gemini API"
    assert service(google_genai_use_vertexai=True) == "Vertex AI express mode (API key)"
    assert (
        service(google_genai_use_vertexai=True, google_cloud_project="p")
        == "Vertex AI (project p, global)"
    )
    chosen = service_for(
        Settings(
            _env_file=None,
            google_genai_use_vertexai=True,
            google_cloud_project="p",
            google_cloud_location="us-east5",
        )
    )
    assert chosen.kind is ServiceKind.VERTEX
    assert chosen.base_url == "https://us-east5-aiplatform.googleapis.com"
    assert not chosen.files_api
    assert chosen.piece_limits(1000, 50 << 20) == (VERTEX_MAX_PAGES, VERTEX_INLINE_MAX_BYTES)


@pytest.mark.parametrize(
    ("values", "key", "says"),
    [
        ({}, None, "No Gemini API key is set"),
        ({"google_genai_use_vertexai": True}, None, "Vertex AI needs GOOGLE_CLOUD_PROJECT"),
        ({"google_genai_use_vertexai": True}, "k", None),
        ({"google_genai_use_vertexai": True, "google_cloud_project": "p"}, None, None),
    ],
)
def test_missing_credentials_are_named(
    values: dict[str, object], key: str | None, says: str | None
) -> None:
    problem = missing_credentials(Settings(_env_file=None, **values), key)  # type: ignore[arg-type]
    if says is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(says)
