"""Google Cloud credentials for Vertex AI, refreshed through the organisation's network.

Imported only when Vertex with a project is chosen (google-auth is the SDK's dependency).
"""

from __future__ import annotations

import json

import google.auth
import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import DefaultCredentialsError
from google.auth.transport.requests import Request
from google.oauth2 import credentials as user
from google.oauth2 import service_account

from core.errors import permanent
from core.settings import Settings

CLOUD_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def load_credentials(settings: Settings) -> Credentials:
    """Google Cloud credentials for Vertex: the service account's JSON file the settings
    name, else Application Default Credentials; a clear error when there are none."""
    path = settings.google_application_credentials
    try:
        if path:
            credentials = _from_file(path)
        else:
            credentials, _ = google.auth.default(scopes=[CLOUD_SCOPE])
    except (DefaultCredentialsError, OSError, ValueError) as exc:
        where = f"the file {path}" if path else "Application Default Credentials"
        raise permanent(
            f"Vertex AI could not load Google Cloud credentials from {where}: {exc}. Run "
            "'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS "
            "to a service account's JSON key file"
        ) from None
    return _routed(credentials, settings)


def _from_file(path: str) -> Credentials:
    """A service account's key or a user's ADC file by its declared type (the loaders
    google-auth recommends over its generic one); other types through the generic one."""
    with open(path, encoding="utf-8") as handle:
        kind = json.load(handle).get("type")
    if kind == "service_account":
        return service_account.Credentials.from_service_account_file(path, scopes=[CLOUD_SCOPE])
    if kind == "authorized_user":
        return user.Credentials.from_authorized_user_file(path, scopes=[CLOUD_SCOPE])
    credentials, _ = google.auth.load_credentials_from_file(path, scopes=[CLOUD_SCOPE])
    return credentials


def routed_session(settings: Settings) -> requests.Session:
    """A ``requests`` session through the settings' proxy and CA (Cloud Storage's too)."""
    session = requests.Session()
    session.verify = settings.ssl_cert_file or settings.ssl_cert_dir or True
    for scheme, secret in (("https", settings.https_proxy), ("http", settings.http_proxy)):
        if secret is not None:
            session.proxies[scheme] = secret.get_secret_value()
    if settings.no_proxy:
        session.proxies["no_proxy"] = settings.no_proxy
    return session


def _routed(credentials: Credentials, settings: Settings) -> Credentials:
    """``credentials`` whose token refresh goes through the settings' proxy and CA.

    The SDK refreshes a token with google-auth's default ``requests`` transport, which
    knows only the environment's proxy and certifi's CAs: behind a TLS-inspecting proxy
    named in ``.env`` the refresh would fail. This wrapper refreshes the real credentials
    with a session set up like the client's transports, and shows the SDK their token.
    """
    return RoutedCredentials(credentials, Request(routed_session(settings)))


class RoutedCredentials(Credentials):
    """Shows the SDK the token of ``inner``, refreshed with ``transport`` whatever
    transport the SDK hands to :meth:`refresh`."""

    def __init__(self, inner: Credentials, transport: Request) -> None:
        super().__init__()
        self.inner = inner
        self.transport = transport

    @property
    def quota_project_id(self) -> str | None:
        return getattr(self.inner, "quota_project_id", None)

    def refresh(self, request: object) -> None:
        self.inner.refresh(self.transport)
        self.token, self.expiry = self.inner.token, self.inner.expiry
