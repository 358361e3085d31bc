"""Vertex AI's way to large sections: a Cloud Storage bucket the user names (GCS_BUCKET).

Vertex has no Files API, so a section goes inline; with ``GCS_BUCKET`` set, one above
``INLINE_MAX_MB`` is written to ``gs://BUCKET/[PREFIX/]sectionflow/…pdf`` instead and sent
as a ``file_data`` part with that URI, which Vertex reads with the project's own access.
Each object is recorded in the remote-file ledger (scope ``gs://BUCKET``) under its URI
*before* the upload starts, since the name is ours to choose: a run killed mid-upload
leaves an entry the next sweep deletes (404 counts as deleted). A bucket keeps objects
until they are deleted, so these entries never "expire" in the ledger
(docs/ARCHITECTURE.md, "In an organisation").

google-cloud-storage is synchronous (``requests``): every call runs in a thread. Its
requests go through an ``AuthorizedSession`` over the same proxy and CA as Vertex's
(:func:`core.processors.gemini_credentials.routed_session`); ``STORAGE_EMULATOR_HOST``
points it at another server (the tests' fake), as the library documents.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ProcessingError, permanent, transient
from core.processors.gemini_errors import scrub
from core.remote_ledger import GCS_PREFIX

if TYPE_CHECKING:
    from core.remote_ledger import RemoteLedger, SweepReport
    from core.settings import Settings

log = logging.getLogger("sectionflow.gemini")

PDF_MIME = "application/pdf"


@dataclass(frozen=True, slots=True)
class BucketPath:
    """``GCS_BUCKET``: a bucket name, or ``gs://bucket/some/prefix``."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, value: str) -> BucketPath:
        bucket, _, prefix = value.strip().removeprefix(GCS_PREFIX).strip("/").partition("/")
        return cls(bucket, prefix.strip("/"))

    @property
    def scope(self) -> str:
        """The ledger's scope of this bucket's objects."""
        return f"{GCS_PREFIX}{self.bucket}"

    def uri(self, name: str) -> str:
        return f"{self.scope}/{name}"

    def object_name(self, uri: str) -> str:
        return uri.removeprefix(f"{self.scope}/")


class GcsStaging:
    """One run's objects in the bucket: written, recorded, deleted."""

    def __init__(
        self, settings: Settings, ledger: RemoteLedger, secrets: tuple[str, ...] = ()
    ) -> None:
        assert settings.gcs_bucket
        self.settings = settings
        self.ledger = ledger
        self.secrets = secrets
        self.path = BucketPath.parse(settings.gcs_bucket)
        self._bucket: Any = None
        self._making = threading.Lock()  # uploads of several sections run at once
        self._names = itertools.count(1)

    @property
    def scope(self) -> str:
        return self.path.scope

    def _client_bucket(self) -> Any:
        """The bucket handle, made once (in a thread: it loads credentials)."""
        with self._making:
            if self._bucket is None:
                self._bucket = self._make_bucket()
            return self._bucket

    def _make_bucket(self) -> Any:
        """Google's client over the Vertex credentials, the proxy and the CA."""
        from google.auth.transport.requests import AuthorizedSession
        from google.cloud import storage

        from core.processors.gemini_credentials import load_credentials, routed_session

        credentials = load_credentials(self.settings)
        session = AuthorizedSession(credentials)
        routed = routed_session(self.settings)
        session.verify, session.proxies = routed.verify, routed.proxies
        client = storage.Client(
            project=self.settings.google_cloud_project, credentials=credentials, _http=session
        )
        return client.bucket(self.path.bucket)

    async def upload(self, path: Path, display_name: str) -> tuple[int, str]:
        """Write ``path`` to the bucket; its ledger entry and ``gs://`` URI."""
        stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in display_name)[:120]
        parts = [self.path.prefix, "sectionflow", f"{stem}-{next(self._names)}.pdf"]
        name = "/".join(part for part in parts if part)
        uri = self.path.uri(name)
        ledger_id = await asyncio.to_thread(self.ledger.record_intent, display_name, self.scope)
        await asyncio.to_thread(self.ledger.record_remote, ledger_id, uri, uri)
        try:
            await asyncio.to_thread(self._upload, path, name)
        except Exception as exc:
            raise self._error(exc, f"writing '{display_name}' to {self.scope}") from None
        log.debug("Wrote '%s' to %s", display_name, uri)
        return ledger_id, uri

    def _upload(self, path: Path, name: str) -> None:
        self._client_bucket().blob(name).upload_from_filename(str(path), content_type=PDF_MIME)

    async def delete(self, uri: str) -> None:
        """Delete the object (already gone counts as deleted)."""
        await asyncio.to_thread(self._delete, self.path.object_name(uri))

    def _delete(self, name: str) -> None:
        from google.api_core.exceptions import NotFound

        try:
            self._client_bucket().blob(name).delete()
        except NotFound:
            log.debug("%s was already gone", name)

    async def sweep(self, include_own: bool) -> SweepReport:
        """Delete the recorded objects of this bucket that no live run uses."""
        return await self.ledger.sweep(
            None, scope=self.scope, include_own=include_own, delete=self.delete
        )

    def _error(self, exc: BaseException, doing: str) -> ProcessingError:
        """A storage failure in plain words: a refusal is permanent, others transient."""
        if isinstance(exc, ProcessingError):
            return exc
        code = getattr(exc, "code", None)
        detail = scrub(getattr(exc, "message", None) or exc, self.secrets)
        message = f"Cloud Storage failed while {doing}: {detail}"
        if code in (400, 401, 403, 404):
            return permanent(f"{message} (check GCS_BUCKET and the account's access to it)")
        return transient(message)
