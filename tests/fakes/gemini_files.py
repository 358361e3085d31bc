"""The fake Files API: resumable upload sessions and stored files with a state machine.

A file is PROCESSING for ``processing_delay`` seconds after its upload is finalised, then
ACTIVE (or FAILED when a ``failed_file`` fault matched its upload). The SDK never polls, so
code under test has to poll ``files.get`` itself; this is what makes that code testable.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.gemini_pdf import DocInfo

FILE_TTL = timedelta(hours=48)
_ID_ALPHABET = string.ascii_lowercase + string.digits


def rfc3339(moment: datetime) -> str:
    """Google timestamps: UTC, microseconds, ``Z`` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_file_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


@dataclass
class UploadSession:
    """One resumable upload between its ``start`` and its ``finalize`` command."""

    token: str
    display_name: str
    mime_type: str
    declared_size: int | None
    fail_processing: bool = False  # a failed_file fault matched the start request
    fail_message: str | None = None
    data: bytearray = field(default_factory=bytearray)
    chunks: int = 0

    @property
    def offset(self) -> int:
        return len(self.data)


@dataclass
class StoredFile:
    """A finished upload, as kept by the fake."""

    file_id: str
    display_name: str
    mime_type: str
    data: bytes
    doc: DocInfo
    created: datetime
    ready_at: float  # time.monotonic() when processing ends
    fail_processing: bool = False
    fail_message: str | None = None
    chunks: int = 1
    source: str = "UPLOADED"  # GENERATED: made by the server (batch results), downloadable

    @property
    def name(self) -> str:
        return f"files/{self.file_id}"

    @property
    def state(self) -> str:
        if time.monotonic() < self.ready_at:
            return "PROCESSING"
        return "FAILED" if self.fail_processing else "ACTIVE"

    def to_json(self, base_url: str, api_version: str = "v1beta") -> dict[str, Any]:
        state = self.state
        body: dict[str, Any] = {
            "name": self.name,
            "displayName": self.display_name,
            "mimeType": self.mime_type,
            "sizeBytes": str(len(self.data)),
            "createTime": rfc3339(self.created),
            "updateTime": rfc3339(self.created),
            "expirationTime": rfc3339(self.created + FILE_TTL),
            "uri": f"{base_url}/{api_version}/files/{self.file_id}",
            "state": state,
            "source": self.source,
        }
        if self.source == "GENERATED":
            uri = f"{base_url}/{api_version}/files/{self.file_id}:download?alt=media"
            body["downloadUri"] = uri
        if state == "FAILED":
            body["error"] = {
                "code": 400,
                "message": self.fail_message or "File processing failed: the file is corrupt.",
            }
        return body


@dataclass(frozen=True)
class StoredFileInfo:
    """What :meth:`FakeGemini.stored_files` hands to tests (no bytes, no live state)."""

    name: str
    display_name: str
    mime_type: str
    size: int
    state: str
    pages: int
    sha: str
    first_line: str
    chunks: int


class FileStore:
    """Thread-safe registry of upload sessions and stored files."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, UploadSession] = {}
        self._files: dict[str, StoredFile] = {}

    def open_session(
        self,
        display_name: str,
        mime_type: str,
        declared_size: int | None,
        fail_processing: bool,
        fail_message: str | None,
    ) -> UploadSession:
        session = UploadSession(
            secrets.token_urlsafe(16),
            display_name,
            mime_type,
            declared_size,
            fail_processing,
            fail_message,
        )
        with self._lock:
            self._sessions[session.token] = session
        return session

    def session(self, token: str) -> UploadSession | None:
        with self._lock:
            return self._sessions.get(token)

    def close_session(self, token: str) -> bool:
        """Forget a session; True if it was still open (for the in-flight count)."""
        with self._lock:
            return self._sessions.pop(token, None) is not None

    def add_file(self, session: UploadSession, doc: DocInfo, processing_delay: float) -> StoredFile:
        stored = StoredFile(
            file_id=new_file_id(),
            display_name=session.display_name,
            mime_type=session.mime_type,
            data=bytes(session.data),
            doc=doc,
            created=datetime.now(UTC),
            ready_at=time.monotonic() + processing_delay,
            fail_processing=session.fail_processing,
            fail_message=session.fail_message,
            chunks=session.chunks,
        )
        with self._lock:
            self._files[stored.file_id] = stored
        return stored

    def add_generated(self, display_name: str, mime_type: str, data: bytes) -> StoredFile:
        """A file the server made itself (a batch's responses): ACTIVE at once."""
        stored = StoredFile(
            file_id=new_file_id(),
            display_name=display_name,
            mime_type=mime_type,
            data=data,
            doc=DocInfo(mime_type, len(data), "", 0, ""),
            created=datetime.now(UTC),
            ready_at=time.monotonic(),
            source="GENERATED",
        )
        with self._lock:
            self._files[stored.file_id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def delete(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.pop(file_id, None)

    def all(self) -> list[StoredFile]:
        with self._lock:
            return list(self._files.values())

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
            self._sessions.clear()

    def open_session_count(self) -> int:
        with self._lock:
            return len(self._sessions)


def info(stored: StoredFile) -> StoredFileInfo:
    return StoredFileInfo(
        name=stored.name,
        display_name=stored.display_name,
        mime_type=stored.mime_type,
        size=len(stored.data),
        state=stored.state,
        pages=stored.doc.pages,
        sha=stored.doc.sha,
        first_line=stored.doc.first_line,
        chunks=stored.chunks,
    )
