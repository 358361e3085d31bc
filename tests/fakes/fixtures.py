"""Reusable fixtures and helpers for tests that talk to :class:`FakeGemini`.

Use them from any test package with::

    from tests.fakes.fixtures import *  # noqa: F403  (in that package's conftest.py)

Fixtures: ``fake_gemini`` (a running FakeGemini, closed afterwards, failing the test if the
fake itself crashed), ``transport`` (parametrised "httpx"/"aiohttp", applies
:func:`force_transport`), ``genai_client`` (an SDK client on ``fake_gemini`` with the chosen
transport), ``pdf_factory`` (writes small PDFs to tmp_path).
Helpers: :func:`force_transport`, :func:`make_client`, :func:`make_pdf`,
:func:`wait_until_active`, :func:`stats_wait`.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

from tests.fakes.gemini import FakeGemini
from tests.fakes.gemini_pdf import FITZ_LOCK
from tests.fakes.gemini_stats import FakeStats

if TYPE_CHECKING:
    from google import genai

__all__ = [
    "TRANSPORTS",
    "fake_gemini",
    "force_transport",
    "genai_client",
    "make_client",
    "make_pdf",
    "pdf_factory",
    "stats_wait",
    "transport",
    "wait_until_active",
]

Transport = Literal["httpx", "aiohttp"]
TRANSPORTS: tuple[Transport, ...] = ("httpx", "aiohttp")


def force_transport(monkeypatch: pytest.MonkeyPatch, name: Transport) -> None:
    """Make the SDK's *async* client use ``name`` for the rest of the test.

    How google-genai decides (3.6.x, ``google/genai/_api_client.py``): at import it sets the
    module global ``has_aiohttp = True`` if ``import aiohttp`` works, and
    ``BaseApiClient._use_aiohttp()`` returns ``has_aiohttp and no custom httpx transport or
    httpx_async_client was given``; it is consulted at client construction and again on
    every request, upload chunk and download. Otherwise the async client uses httpx2 (the
    SDK's default backend; plain httpx only if httpx2 is missing or
    ``GOOGLE_GENAI_HTTP_CLIENT=httpx``). So flipping that one global switches the transport,
    and "httpx" here means whatever non-aiohttp backend the SDK picks (httpx2 in this venv).
    Apply it before creating the client; monkeypatch undoes it after the test.
    """
    from google.genai import _api_client

    if name == "httpx":
        monkeypatch.setattr(_api_client, "has_aiohttp", False)
    elif name == "aiohttp":
        try:
            import aiohttp
        except ImportError:
            pytest.skip("aiohttp is not installed")
        if getattr(_api_client, "aiohttp", None) is None:
            monkeypatch.setattr(_api_client, "aiohttp", aiohttp, raising=False)
        monkeypatch.setattr(_api_client, "has_aiohttp", True)
    else:
        raise ValueError(f"transport must be 'httpx' or 'aiohttp', not {name!r}")


def make_client(
    fake: FakeGemini,
    *,
    api_key: str = "test",
    timeout_ms: int = 10_000,
    retry_attempts: int | None = None,
    share_ssl_context: bool = True,
) -> genai.Client:
    """An SDK client on the fake, configured as docs/ARCHITECTURE.md ("Gemini protocol") says.

    ``retry_attempts=1`` sets HttpRetryOptions, which (besides retry policy) turns off the
    SDK's hidden aiohttp reconnect: on a dropped connection the aiohttp path otherwise sleeps
    1-10 s and re-sends once, even with retries "off".

    ``share_ssl_context``: every ``genai.Client`` builds three SSL contexts from certifi
    (httpx, aiohttp, websockets; about 0.14 s together), even for plain http. Handing it one
    shared context through ``async_client_args`` (``verify`` for httpx, ``ssl`` for aiohttp;
    each client drops the key it does not know) makes test clients almost free. Set False
    for the exact construction the app uses.
    """
    from google import genai
    from google.genai import types

    retry = types.HttpRetryOptions(attempts=retry_attempts) if retry_attempts else None
    context = _shared_ssl_context() if share_ssl_context else None
    return genai.Client(
        api_key=api_key,
        http_options=types.HttpOptions(
            base_url=fake.base_url,
            api_version="v1beta",
            timeout=timeout_ms,
            retry_options=retry,
            async_client_args={"verify": context, "ssl": context} if context else None,
        ),
    )


@functools.cache
def _shared_ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def make_pdf(
    first_line: str,
    pages: int = 1,
    *,
    noise_bytes: int = 0,
    path: Path | None = None,
) -> bytes:
    """A PDF whose page 1 starts with ``first_line``; each page says which page it is.

    ``noise_bytes`` adds incompressible random images (spread over the pages) to make big
    files, e.g. > 8 MiB to force a multi-chunk upload. Holds FITZ_LOCK: the fake may be
    parsing a PDF on another thread at the same moment.
    """
    import os

    import pymupdf

    with FITZ_LOCK, pymupdf.open() as doc:
        for number in range(1, pages + 1):
            page = doc.new_page()
            text = first_line if number == 1 else f"{first_line} / page {number}"
            page.insert_text((72, 72), text, fontsize=12)
            page.insert_text((72, 100), f"Body of page {number} of {pages}.", fontsize=10)
        per_page = noise_bytes // pages if noise_bytes else 0
        for number in range(pages if per_page else 0):
            side = max(1, int((per_page / 3) ** 0.5))
            pixmap = pymupdf.Pixmap(pymupdf.csRGB, side, side, os.urandom(side * side * 3), 0)
            doc[number].insert_image(pymupdf.Rect(72, 120, 540, 720), pixmap=pixmap)
        data = doc.tobytes(garbage=0, deflate=False)
    if path is not None:
        path.write_bytes(data)
    return data


async def wait_until_active(
    client: genai.Client, name: str, timeout: float = 5.0, poll_s: float = 0.02
) -> object:
    """Poll ``files.get`` until ACTIVE, as the real app must (the SDK never polls)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        file = await client.aio.files.get(name=name)
        state = getattr(file.state, "value", file.state)
        if state != "PROCESSING":
            return file
        if loop.time() > deadline:
            raise TimeoutError(f"{name} still PROCESSING after {timeout}s")
        await asyncio.sleep(poll_s)


async def stats_wait(
    fake: FakeGemini, predicate: Callable[[FakeStats], bool], timeout: float = 5.0
) -> None:
    """Await a condition on the fake's stats without blocking the event loop."""
    if not await asyncio.to_thread(fake.stats.wait_for, predicate, timeout):
        raise TimeoutError("fake Gemini stats never reached the expected state")


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini(latency=0.0, processing_delay=0.05) as fake:
        yield fake
    assert not fake.server_errors, "the fake Gemini itself failed:\n" + "\n".join(
        fake.server_errors
    )


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    force_transport(monkeypatch, request.param)
    return str(request.param)


@pytest.fixture
async def genai_client(fake_gemini: FakeGemini, transport: str) -> AsyncIterator[genai.Client]:
    client = make_client(fake_gemini)
    try:
        yield client
    finally:
        await client.aio.aclose()


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    """``pdf_factory("Section A", pages=3)`` → path of a fresh PDF in tmp_path."""
    counter = iter(range(1_000_000))

    def build(first_line: str, pages: int = 1, *, noise_bytes: int = 0) -> Path:
        path = tmp_path / f"doc{next(counter)}.pdf"
        make_pdf(first_line, pages, noise_bytes=noise_bytes, path=path)
        return path

    return build
