"""Vertex AI on the fake Gemini: its model paths, its OAuth token endpoint, and a
service account whose tokens the fake issues.

What google-genai 3.6 sends (checked against a logging server, docs/ARCHITECTURE.md,
"In an organisation"):

- express mode (``vertexai=True`` with an API key, no project):
  ``POST /v1beta1/publishers/google/models/M:generateContent`` with ``x-goog-api-key``;
- a project (``vertexai=True, project=P, location=L`` and credentials):
  ``POST /v1/projects/P/locations/L/publishers/google/models/M:generateContent`` (with
  api_version ``v1``) and ``Authorization: Bearer TOKEN``; a service account gets its
  token by posting a signed JWT (``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``)
  to its JSON file's ``token_uri``, which here is the fake's ``/token``.

Vertex has no Files API, so none of ``/upload``/``/files`` exists under these paths.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from tests.fakes import gemini_errors as errors
from tests.fakes.gemini_http import Reply, Request

#: express mode: no project in the path; a project: /projects/P/locations/L/ first
VERTEX_MODEL = re.compile(
    r"^/(?P<v>v1beta1|v1)/(?:projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/)?"
    r"publishers/google/models/(?P<model>[^:/]+):(?P<method>[A-Za-z]+)$"
)
TOKEN_PATH = "/token"
_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class VertexCall:
    """Which service a model call reached and how it was authorised."""

    service: str  # "vertex" (a project) or "vertex-express"
    project: str | None
    location: str | None
    api_version: str


def vertex_call(match: re.Match[str]) -> VertexCall:
    project = match["project"]
    service = "vertex" if project else "vertex-express"
    return VertexCall(service, project, match["location"], match["v"])


class TokenIssuer:
    """The OAuth endpoint a service account's ``token_uri`` names: every JWT-bearer grant
    gets a fresh token, and model calls of a project must carry one it issued."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self.issued: list[str] = []

    def grant(self, request: Request) -> Reply:
        form = dict(parse_qsl(request.body.decode("ascii", "replace")))
        if form.get("grant_type") != _JWT_BEARER or form.get("assertion", "").count(".") != 2:
            body = {"error": "invalid_grant", "error_description": "Expected a signed JWT."}
            return Reply.json(400, body)
        with self._lock:
            token = f"ya29.fake-{next(self._numbers)}"
            self.issued.append(token)
        return Reply.json(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    def check(self, request: Request, call: VertexCall) -> Reply | None:
        """None when the call is authorised as its service requires, else the error."""
        if call.service == "vertex-express":
            if request.api_key:
                return None
            return Reply.json(401, errors.unauthenticated().body())
        token = request.header("Authorization").removeprefix("Bearer ").strip()
        with self._lock:
            known = token in self.issued
        return None if known else Reply.json(401, errors.unauthenticated().body())


@functools.cache
def _private_key_pem() -> str:
    """One RSA key per test session: generating it takes ~0.1 s."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def service_account_file(path: Path, base_url: str, project: str = "test-project") -> Path:
    """A service account's JSON key whose tokens come from the fake at ``base_url``."""
    data = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": "fake-key-1",
        "private_key": _private_key_pem(),
        "client_email": f"sectionflow@{project}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": f"{base_url}{TOKEN_PATH}",
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
