"""Vertex AI with GCS_BUCKET: sections too big for inline go through ``gs://`` objects,
recorded in the remote-file ledger and deleted afterwards; small ones stay inline.

The real google-cloud-storage client talks to a fake Cloud Storage JSON API on loopback
(``STORAGE_EMULATOR_HOST``), with the service account of the tests' fake OAuth endpoint;
the real SDK sends Vertex's requests to the fake Gemini server, which reads the objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.processors.gemini_gcs import BucketPath
from core.remote_ledger import RemoteLedger
from core.settings import Settings
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, run_sections, settings_for
from tests.core.test_gemini_ledger import record_in_dead_process
from tests.core.test_gemini_vertex import assert_no_files_api
from tests.fakes.gcs import FakeGcs
from tests.fakes.gemini import FakeGemini
from tests.fakes.gemini_vertex import service_account_file
from tests.fakes.proxy import TestProxy

BUCKET = "sectionflow-test"


@pytest.fixture
def fake_gcs(fake_gemini: FakeGemini, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGcs]:
    with FakeGcs((BUCKET,)) as gcs:
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs.base_url)
        fake_gemini.gcs = gcs
        yield gcs
        assert gcs.server_errors == []


def vertex_with_bucket(fake: FakeGemini, tmp_path: Path, **overrides: object) -> Settings:
    key_file = service_account_file(tmp_path / "sa.json", fake.base_url, "acme-research")
    values: dict[str, object] = {
        "gemini_api_key": None,
        "google_genai_use_vertexai": True,
        "google_cloud_project": "acme-research",
        "google_cloud_location": "europe-west4",
        "google_application_credentials": str(key_file),
        "gcs_bucket": f"gs://{BUCKET}/runs",
        "inline_max_mb": 0,  # every section through the bucket
    }
    values.update(overrides)
    return settings_for(fake, **values)


async def test_sections_too_big_for_inline_go_through_the_bucket_and_are_deleted(
    fake_gemini: FakeGemini,
    fake_gcs: FakeGcs,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [2, 3, 1])
    settings = vertex_with_bucket(fake_gemini, tmp_path)

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    for section in sections:
        assert f"pages={len(section.pages)}" in (run.result_text(section) or "")
    records = fake_gemini.stats.document_calls(status=200)
    assert len(records) == len(sections)
    assert all(not r.inline and r.service == "vertex" for r in records)
    uris = [name for r in records for name in r.display_names]
    assert len(set(uris)) == len(sections)
    assert all(uri.startswith(f"gs://{BUCKET}/runs/sectionflow/") for uri in uris)
    assert fake_gcs.count("POST") == len(sections)
    assert fake_gcs.count("DELETE") == len(sections)
    assert fake_gcs.objects() == []  # nothing left in the bucket
    assert remote_ledger.entries() == []
    assert all(auth.startswith("Bearer ") for auth in fake_gcs.authorizations)
    assert_no_files_api(fake_gemini)


async def test_small_sections_stay_inline_with_a_bucket(
    fake_gemini: FakeGemini,
    fake_gcs: FakeGcs,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    settings = vertex_with_bucket(fake_gemini, tmp_path, inline_max_mb=4)

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    assert all(r.inline for r in fake_gemini.stats.document_calls())
    assert fake_gcs.requests == []


async def test_an_object_left_by_a_killed_run_is_deleted_by_the_next_run(
    fake_gemini: FakeGemini,
    fake_gcs: FakeGcs,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    settings = vertex_with_bucket(fake_gemini, tmp_path)
    orphan = f"gs://{BUCKET}/runs/sectionflow/orphan-1.pdf"
    fake_gcs.put(orphan, b"%PDF-1.7 left by a killed run")
    record_in_dead_process(remote_ledger.path, "Orphan [s9] #dead-1", f"gs://{BUCKET}")
    [entry] = remote_ledger.entries()
    remote_ledger.record_remote(entry.id, orphan, orphan)

    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1])
    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    assert fake_gcs.objects() == [] and remote_ledger.entries() == []


async def test_a_missing_bucket_fails_the_section_in_words(
    fake_gemini: FakeGemini,
    fake_gcs: FakeGcs,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1])
    settings = vertex_with_bucket(fake_gemini, tmp_path, gcs_bucket="no-such-bucket")

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    [failure] = run.outcome.failures.values()
    assert "gs://no-such-bucket" in failure.reason and "GCS_BUCKET" in failure.reason
    assert fake_gemini.stats.document_calls() == []
    assert remote_ledger.entries() == []


def test_the_bucket_setting_takes_a_name_or_a_gs_url() -> None:
    assert BucketPath.parse("acme-docs") == BucketPath("acme-docs", "")
    assert BucketPath.parse("gs://acme-docs/team/a/") == BucketPath("acme-docs", "team/a")
    assert BucketPath.parse("gs://acme-docs").uri("x.pdf") == "gs://acme-docs/x.pdf"


async def test_the_bucket_is_reached_through_the_organisations_proxy(
    fake_gemini: FakeGemini,
    fake_gcs: FakeGcs,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    with TestProxy(credentials=("analyst", "pr0xy-s3cret-word")) as proxy:
        settings = vertex_with_bucket(fake_gemini, tmp_path, http_proxy=proxy.url)
        run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    to_bucket = [p for p in proxy.seen if p.target.startswith(fake_gcs.base_url)]
    forwarded = [p for p in to_bucket if p.status != 407]
    assert len(forwarded) == len(fake_gcs.requests)  # every one the bucket saw
    assert {p.method for p in forwarded} == {"POST", "GET", "DELETE"}
    assert [p for p in to_bucket if p.status == 407] == []  # the proxy's password was sent
    assert fake_gcs.objects() == []
