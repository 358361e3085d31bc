"""Proxies: every request of a run goes through the proxy the settings name, on both SDK
transports, with the proxy's password in no log line, export or event.

The fake Gemini is on http://127.0.0.1, so HTTP_PROXY applies to it (HTTPS_PROXY would
apply to Google's https endpoints the same way, through CONNECT). NO_PROXY is cleared by
tests/conftest.py: a default that exempts 127.0.0.1 would make the test prove nothing,
so one test also checks that NO_PROXY, when set, does route around the proxy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.export import to_json_dict
from core.processors.gemini_client import proxy_for
from core.remote_ledger import RemoteLedger
from core.settings import Settings
from core.workers import PdfWorkers
from tests.core.gemini_support import build_document, run_sections, settings_for
from tests.fakes.gemini import FakeGemini
from tests.fakes.proxy import TestProxy
from tests.fakes.tls import make_authority

PASSWORD = "pr0xy-s3cret-word"


@pytest.fixture
def proxy() -> Iterator[TestProxy]:
    with TestProxy(credentials=("analyst", PASSWORD)) as server:
        yield server


async def test_every_request_of_a_run_goes_through_the_proxy(
    fake_gemini: FakeGemini,
    transport: str,
    proxy: TestProxy,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [2, 1, 3])
    # inline_max_mb=0: uploads, upload chunks, polls and deletes go through it too (the
    # uploads are deleted at once, not kept for re-asks, so that deletes are sent)
    settings = settings_for(fake_gemini, http_proxy=proxy.url, keep_uploads_hours=0)

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    served = fake_gemini.stats.requests
    forwarded = [p for p in proxy.seen if p.status != 407]
    assert len(served) >= 4 * len(sections)  # upload, chunk, generate, delete each
    assert len(forwarded) == len(served)
    # every request the fake served came in on a connection the proxy opened
    assert {r.peer_port for r in served} <= proxy.upstream_ports
    assert {p.method for p in forwarded} >= {"POST", "DELETE"}
    assert all(p.target.startswith(fake_gemini.base_url) for p in forwarded)
    assert [p for p in proxy.seen if p.status == 407] == []  # the credentials were sent

    texts = [record.getMessage() for record in caplog.records]
    texts += [repr(event) for event in run.events]
    texts.append(repr(to_json_dict(run.outcome)))
    assert any("via proxy http://***@127.0.0.1" in text for text in texts)
    assert [text for text in texts if PASSWORD in text] == []


async def test_no_proxy_reaches_listed_hosts_directly(
    fake_gemini: FakeGemini,
    transport: str,
    proxy: TestProxy,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 1])
    settings = settings_for(
        fake_gemini, http_proxy=proxy.url, no_proxy="localhost,127.0.0.1", inline_max_mb=4
    )

    run = await run_sections(settings, workers, remote_ledger, pdf, sections)

    assert set(run.outcome.results) == {s.id for s in sections}
    assert len(fake_gemini.stats.document_calls()) == len(sections)
    assert proxy.seen == []


async def test_https_through_connect_with_the_organisations_ca(
    transport: str,
    proxy: TestProxy,
    workers: PdfWorkers,
    remote_ledger: RemoteLedger,
    tmp_path: Path,
) -> None:
    """Google's endpoints are https: the proxy tunnels them (CONNECT), and the server's
    certificate is trusted only through SSL_CERT_FILE, the organisation's CA."""
    authority = make_authority(tmp_path)
    pdf = tmp_path / "doc.pdf"
    sections = build_document(pdf, [1, 2])
    with FakeGemini(tls=authority.server_context) as fake:
        settings = settings_for(fake, https_proxy=proxy.url, ssl_cert_file=str(authority.ca_file))
        run = await run_sections(settings, workers, remote_ledger, pdf, sections)
        served = fake.stats.requests

    assert fake.base_url.startswith("https://")
    assert set(run.outcome.results) == {s.id for s in sections}
    assert len(served) >= 4 * len(sections)
    tunnels = [p for p in proxy.seen if p.method == "CONNECT"]
    assert tunnels and all(p.target == fake.base_url.removeprefix("https://") for p in tunnels)
    assert {r.peer_port for r in served} <= proxy.upstream_ports
    assert not fake.server_errors


def test_which_proxy_a_url_takes() -> None:
    settings = Settings(
        _env_file=None,
        https_proxy="http://u:p@proxy.corp:3128",
        http_proxy="http://plain.corp:8080",
        no_proxy=".internal.corp,localhost",
    )
    assert proxy_for("https://generativelanguage.googleapis.com", settings) == (
        "http://u:p@proxy.corp:3128"
    )
    assert proxy_for("http://gemini.test:8000", settings) == "http://plain.corp:8080"
    assert proxy_for("https://llm.internal.corp", settings) is None
    assert proxy_for("http://localhost:8765", settings) is None
    assert proxy_for("https://x.googleapis.com", Settings(_env_file=None)) is None
    assert "u:p" not in repr(settings) and "p@" not in str(settings.model_dump())


def test_a_proxy_password_in_an_error_message_is_masked() -> None:
    from core.processors.gemini_errors import scrub

    text = scrub(f"Cannot connect to proxy http://analyst:{PASSWORD}@proxy.corp:3128 (refused)")
    assert PASSWORD not in text and "http://***@proxy.corp:3128" in text
