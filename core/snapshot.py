"""Run-start snapshots: the source PDF and the settings a run used.

The source is copied into the run's private temp directory so that the user deleting,
moving or overwriting the file mid-run cannot change what the sections see; the copy's
hash is the document's identity for the journal and the cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.errors import NotAPdfError
from core.settings import Settings

_SECRET_FIELDS = {"gemini_api_key", "google_api_key"}
#: proxy URLs may carry a user and password: exported as scheme://host:port only
_PROXY_FIELDS = ("https_proxy", "http_proxy")


def snapshot_source(src: Path, workdir: Path) -> tuple[Path, str]:
    src = Path(src)
    if not src.is_file():
        raise NotAPdfError(f"'{src.name}' does not exist (was it moved or deleted?)")
    dest = workdir / "source.pdf"
    digest = hashlib.sha256()
    with src.open("rb") as reader, dest.open("wb") as writer:
        while block := reader.read(1 << 20):
            digest.update(block)
            writer.write(block)
    return dest, digest.hexdigest()


def public_settings(settings: Settings) -> dict[str, Any]:
    """The settings as exported and journaled: every value except the secrets."""
    data = settings.model_dump(mode="json", exclude=_SECRET_FIELDS)
    data["processor"] = settings.resolved_processor().value
    for name in _PROXY_FIELDS:
        secret = getattr(settings, name)
        data[name] = redact_url(secret.get_secret_value()) if secret is not None else None
    return data


def redact_url(url: str) -> str:
    """``url`` without the user and password it may carry (``http://u:p@host:3128`` →
    ``http://***@host:3128``), for logs and exports."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
