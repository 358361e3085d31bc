"""Which Gemini service a run talks to, and the SDK client that talks to it.

Three services speak the same ``generateContent`` (docs/ARCHITECTURE.md, "Gemini
protocol" and "In an organisation"):

- the **Gemini API** (``generativelanguage.googleapis.com``, an API key, the Files API);
- **Vertex AI** on a Google Cloud project (``GOOGLE_GENAI_USE_VERTEXAI=true`` with
  ``GOOGLE_CLOUD_PROJECT``, ``GOOGLE_CLOUD_LOCATION``, Application Default Credentials or
  a service account's JSON in ``GOOGLE_APPLICATION_CREDENTIALS``), with no Files API;
- **Vertex AI express mode**: Vertex with an API key and no project.

``GEMINI_BASE_URL`` overrides the endpoint of each. The client goes through the proxy the
settings name (``HTTPS_PROXY``/``HTTP_PROXY`` unless ``NO_PROXY`` covers the host) and
trusts the CA of ``SSL_CERT_FILE``/``SSL_CERT_DIR``, on both of the SDK's transports.
Nothing here imports google-genai at module level: the app asks :func:`service_for`
what to show without paying for the SDK.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import ssl
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import proxy_bypass_environment

from core.redact import hide_url_credentials
from core.settings import Settings

if TYPE_CHECKING:
    import aiohttp
    from google import genai

GEMINI_API_URL = "https://generativelanguage.googleapis.com"
VERTEX_GLOBAL_URL = "https://aiplatform.googleapis.com"
#: the API versions the paths are pinned to (the fake server speaks exactly these)
GEMINI_API_VERSION = "v1beta"
VERTEX_EXPRESS_VERSION = "v1beta1"
VERTEX_PROJECT_VERSION = "v1"
#: Vertex takes a section's PDF inline (no Files API): pieces are cut to 900 pages (the
#: lowest per-file page limit of its Gemini models, Gemini 3 Pro's) and 20 MB of PDF, so a
#: request stays well under Vertex's inline request size once base64 adds a third
#: (docs/ARCHITECTURE.md, "In an organisation").
VERTEX_MAX_PAGES = 900
VERTEX_INLINE_MAX_BYTES = 20 * 1024 * 1024


class ServiceKind(StrEnum):
    GEMINI_API = "gemini-api"
    VERTEX = "vertex"
    VERTEX_EXPRESS = "vertex-express"


@dataclass(frozen=True, slots=True)
class Service:
    """Where a run's requests go and how they are authorised."""

    kind: ServiceKind
    base_url: str
    api_version: str
    project: str | None = None
    location: str | None = None

    @property
    def vertex(self) -> bool:
        return self.kind is not ServiceKind.GEMINI_API

    @property
    def files_api(self) -> bool:
        """Only the Gemini API has the Files API; Vertex takes sections inline."""
        return self.kind is ServiceKind.GEMINI_API

    def piece_limits(self, max_pages: int, max_bytes: int) -> tuple[int, int]:
        """The most pages and bytes one PDF sent to this service may have."""
        if self.files_api:
            return max_pages, max_bytes
        return min(max_pages, VERTEX_MAX_PAGES), min(max_bytes, VERTEX_INLINE_MAX_BYTES)

    @property
    def uses_key(self) -> bool:
        return self.kind is not ServiceKind.VERTEX

    def describe(self) -> str:
        """For the app and the CLI: which service a run uses."""
        if self.kind is ServiceKind.VERTEX:
            return f"Vertex AI (project {self.project}, {self.location})"
        if self.kind is ServiceKind.VERTEX_EXPRESS:
            return "Vertex AI express mode (API key)"
        return "Gemini API"


def service_for(settings: Settings) -> Service:
    """The service the settings choose. Vertex with a project uses Google Cloud
    credentials even when an API key is also set; without a project it is express mode,
    which needs the key."""
    custom = (settings.gemini_base_url or "").rstrip("/") or None
    if not settings.google_genai_use_vertexai:
        return Service(ServiceKind.GEMINI_API, custom or GEMINI_API_URL, GEMINI_API_VERSION)
    if settings.google_cloud_project:
        location = settings.google_cloud_location or "global"
        default = (
            VERTEX_GLOBAL_URL
            if location == "global"
            else f"https://{location}-aiplatform.googleapis.com"
        )
        return Service(
            ServiceKind.VERTEX,
            custom or default,
            VERTEX_PROJECT_VERSION,
            project=settings.google_cloud_project,
            location=location,
        )
    return Service(ServiceKind.VERTEX_EXPRESS, custom or VERTEX_GLOBAL_URL, VERTEX_EXPRESS_VERSION)


def missing_credentials(settings: Settings, api_key: str | None) -> str | None:
    """Why the settings cannot reach their service, in the user's words; None if they can."""
    service = service_for(settings)
    if service.uses_key and not api_key:
        if service.vertex:
            return (
                "Vertex AI needs GOOGLE_CLOUD_PROJECT (with Google Cloud credentials) or an "
                "API key for express mode (GOOGLE_API_KEY or GEMINI_API_KEY)"
            )
        return (
            "No Gemini API key is set. Put GEMINI_API_KEY=<your key> in .env or the "
            "environment (or choose the offline processor)"
        )
    return None


def needs_key(settings: Settings) -> bool:
    """The service the settings choose takes an API key and the settings have none
    (Vertex with a project takes Google Cloud credentials instead)."""
    return service_for(settings).uses_key and not settings.api_key()


BATCH_ON_VERTEX = (
    "Gemini Batch mode is not available with Vertex AI in SectionFlow (Vertex runs batch "
    "jobs from Cloud Storage or BigQuery tables; GCS_BUCKET serves only interactive runs): "
    "run without Batch mode, or set GOOGLE_GENAI_USE_VERTEXAI=false to use the Gemini API"
)


def batch_mode_problem(settings: Settings) -> str | None:
    """Why Gemini's Batch mode cannot run with these settings; None when it can."""
    return BATCH_ON_VERTEX if service_for(settings).vertex else None


def proxy_for(url: str, settings: Settings) -> str | None:
    """The proxy a request to ``url`` goes through: HTTPS_PROXY for https, HTTP_PROXY for
    http, none when NO_PROXY covers the host (the rules of curl and Python's urllib)."""
    parts = urlsplit(url)
    secret = settings.https_proxy if parts.scheme == "https" else settings.http_proxy
    if secret is None or not secret.get_secret_value().strip():
        return None
    host = parts.hostname or ""
    if settings.no_proxy and proxy_bypass_environment(host, {"no": settings.no_proxy}):
        return None
    return secret.get_secret_value().strip()


def describe_route(settings: Settings) -> str:
    """One log line: the service, its endpoint and the proxy (without its password)."""
    service = service_for(settings)
    proxy = proxy_for(service.base_url, settings)
    via = f" via proxy {hide_url_credentials(proxy)}" if proxy else ""
    return f"{service.describe()} at {service.base_url}{via}"


@functools.lru_cache(maxsize=4)
def tls_contexts(cert_file: str | None, cert_dir: str | None) -> tuple[Any, ssl.SSLContext]:
    """The TLS contexts google-genai would build itself, built once per process.

    The SDK makes three contexts per client (httpx2, aiohttp, websockets), each loading
    the CA bundle: 0.1-0.2 s of CPU at the start of every run. These are the same contexts
    (httpx2: its own default, i.e. the OS trust store, unless SSL_CERT_FILE/SSL_CERT_DIR;
    aiohttp and websockets: certifi unless SSL_CERT_FILE/SSL_CERT_DIR), made once and
    shared, which SSL contexts allow. An organisation's CA (a TLS-inspecting proxy) goes
    in SSL_CERT_FILE: then both transports trust exactly that bundle.
    """
    import certifi

    certified = ssl.create_default_context(cafile=cert_file or certifi.where(), capath=cert_dir)
    if cert_file or cert_dir:
        return certified, certified
    try:
        import httpx2

        return httpx2.create_ssl_context(), certified
    except ImportError:
        return certified, certified


#: what the SDK gives its own aiohttp sessions to read a response with (4 MiB)
_AIOHTTP_READ_BUFFER = 2**22


def preload(settings: Settings) -> None:
    """What making a run's client imports and loads (google-genai, aiohttp, the CA
    bundles: 0.5-1 s at a run's start), for a thread: :func:`aiohttp_session` must run
    on the event loop, and paid there it stalled the loop (the window's, in the app)."""
    import google.genai  # noqa: F401

    if importlib.util.find_spec("aiohttp") is not None:
        import aiohttp  # noqa: F401
    tls_contexts(settings.ssl_cert_file, settings.ssl_cert_dir)


def aiohttp_session(settings: Settings) -> aiohttp.ClientSession | None:
    """The aiohttp session the SDK is to use, made in the running loop; None without
    aiohttp (the SDK then talks httpx2 and never needs one).

    The SDK's own session does not do: google-genai 3.6.1's aiohttp upload sends its
    chunks without the client's proxy and TLS arguments (tests/core/test_gemini_proxy.py
    found it), so on its session they went around the proxy and distrusted the
    organisation's CA. This session carries both as its defaults, for every request.
    """
    if importlib.util.find_spec("aiohttp") is None:
        return None
    import aiohttp

    if "proxy" not in inspect.signature(aiohttp.ClientSession).parameters:
        return None  # aiohttp < 3.10 has no session-wide proxy: the SDK's own session

    _, ssl_context = tls_contexts(settings.ssl_cert_file, settings.ssl_cert_dir)
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, ssl=ssl_context),
        proxy=proxy_for(service_for(settings).base_url, settings),
        trust_env=True,
        read_bufsize=_AIOHTTP_READ_BUFFER,
    )


def build_client(
    settings: Settings,
    api_key: str | None,
    aiohttp_client: aiohttp.ClientSession | None = None,
) -> genai.Client:
    """The SDK client a run uses (also built once, unused, by :mod:`core.warmup`).

    Everything is passed explicitly, so a value from ``.env`` counts as much as one from
    the environment and the SDK's own reading of the environment never decides.
    ``aiohttp_client``: see :func:`aiohttp_session` (its owner closes it).
    """
    from google import genai
    from google.genai import types

    service = service_for(settings)
    timeout_s = max(settings.upload_timeout_seconds, settings.processing_timeout_seconds)
    verify, ssl_context = tls_contexts(settings.ssl_cert_file, settings.ssl_cert_dir)
    proxy = proxy_for(service.base_url, settings)
    routed = {"proxy": proxy} if proxy else {}
    options = types.HttpOptions(
        base_url=service.base_url,
        api_version=service.api_version,
        timeout=int(timeout_s * 1000) + 5_000,
        # attempts=1: the pipeline owns retries (with RetryInfo floors); this also
        # turns off the SDK's hidden 1-10 s reconnect on aiohttp connection errors.
        retry_options=types.HttpRetryOptions(attempts=1),
        client_args={"verify": verify, **routed},
        async_client_args={"verify": verify, "ssl": ssl_context, **routed},
        aiohttp_client=aiohttp_client,
    )
    if service.kind is ServiceKind.VERTEX:
        from core.processors.gemini_credentials import load_credentials

        return genai.Client(
            vertexai=True,
            project=service.project,
            location=service.location,
            credentials=load_credentials(settings),
            http_options=options,
        )
    return genai.Client(vertexai=service.vertex, api_key=api_key, http_options=options)
