"""Run-start snapshots: the source PDF and the settings a run used.

The source is copied into the run's private temp directory so that the user deleting,
moving or overwriting the file mid-run cannot change what the sections see; the copy's
hash is the document's identity for the journal and the cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from core.errors import NotAPdfError
from core.redact import hide_url_credentials
from core.settings import Settings

_SECRET_FIELDS = {"gemini_api_key", "google_api_key"}
#: proxy URLs may carry a user and password: exported as scheme://host:port only
_PROXY_FIELDS = ("https_proxy", "http_proxy")


def snapshot_source(src: Path, workdir: Path) -> tuple[Path, str]:
    src = Path(src)
    if not src.exists():
        raise NotAPdfError(f"'{src.name}' does not exist (was it moved or deleted?)")
    if not src.is_file():  # reading a FIFO would wait for a writer forever
        raise NotAPdfError(f"'{src.name}' is not a regular file (a pipe, socket or device)")
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
        url = secret.get_secret_value() if secret is not None else None
        data[name] = hide_url_credentials(url) if url else None
    if settings.gemini_base_url:
        data["gemini_base_url"] = hide_url_credentials(settings.gemini_base_url)
    return data
