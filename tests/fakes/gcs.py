"""A fake Cloud Storage JSON API on loopback, for Vertex runs through GCS_BUCKET.

google-cloud-storage sends every request to ``STORAGE_EMULATOR_HOST`` when it is set (its
``Client`` then also works without credentials). What the library does for a section's
PDF, and the fake answers:

- ``blob.upload_from_filename`` of a file up to 8 MiB: ``POST /upload/storage/v1/b/B/o
  ?uploadType=multipart`` with a ``multipart/related`` body (the object's JSON metadata,
  then its bytes); 200 with the object resource.
- ``blob.delete()``: ``DELETE /storage/v1/b/B/o/NAME`` (NAME percent-encoded); 204, or
  404 once it is gone. Before deleting, the library reads the bucket's metadata
  (``GET /storage/v1/b/B?projection=noAcl``): the bucket resource.

Buckets other than the ones named at construction answer 404, as a bucket that does not
exist does. Bearer tokens are recorded, not checked. ``FakeGemini.gcs`` set to this
store lets Vertex's generateContent read ``gs://`` file URIs from it.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

from tests.fakes.gemini_http import FakeHttpServer, Reply, read_request, send_reply

_UPLOAD = "/upload/storage/v1/b/"
_OBJECTS = "/storage/v1/b/"


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    name: str
    content_type: str
    data: bytes

    @property
    def uri(self) -> str:
        return f"gs://{self.bucket}/{self.name}"


class FakeGcs:
    """The fake server. Starts at construction; ``close()`` (or leaving ``with``) stops it."""

    def __init__(self, buckets: tuple[str, ...] = ("sectionflow-test",)) -> None:
        self.buckets = set(buckets)
        self.server_errors: list[str] = []
        #: (method, path) of every request, in order
        self.requests: list[tuple[str, str]] = []
        self.authorizations: list[str] = []
        self._objects: dict[tuple[str, str], StoredObject] = {}
        self._lock = threading.Lock()
        self._server = FakeHttpServer(("127.0.0.1", 0), self._dispatch, self.server_errors.append)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def __enter__(self) -> FakeGcs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- what tests look at -------------------------------------------------------------

    def objects(self) -> list[StoredObject]:
        with self._lock:
            return list(self._objects.values())

    def put(self, uri: str, data: bytes) -> None:
        """An object as if some earlier client had written it."""
        bucket, _, name = uri.removeprefix("gs://").partition("/")
        with self._lock:
            self._objects[(bucket, name)] = StoredObject(bucket, name, "application/pdf", data)

    def read(self, uri: str) -> bytes | None:
        """The bytes of ``gs://bucket/name``, if it exists."""
        bucket, _, name = uri.removeprefix("gs://").partition("/")
        with self._lock:
            stored = self._objects.get((bucket, name))
        return stored.data if stored else None

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.requests if m == method)

    # --- requests -----------------------------------------------------------------------

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        request = read_request(handler)
        self.requests.append((request.method, request.path))
        self.authorizations.append(request.header("Authorization"))
        if request.method == "POST" and request.path.startswith(_UPLOAD):
            bucket = request.path.removeprefix(_UPLOAD).split("/", 1)[0]
            reply = self._upload(bucket, request.header("Content-Type"), request.body)
        elif request.method == "GET" and request.path.startswith(_OBJECTS):
            bucket = request.path.removeprefix(_OBJECTS)
            reply = self._bucket(bucket)
        elif request.method == "DELETE" and request.path.startswith(_OBJECTS):
            bucket, _, name = request.path.removeprefix(_OBJECTS).partition("/o/")
            reply = self._delete(bucket, unquote(name))
        else:
            reply = _error(404, f"Not Found: {request.method} {request.path}")
        send_reply(handler, reply)

    def _upload(self, bucket: str, content_type: str, body: bytes) -> Reply:
        if bucket not in self.buckets:
            return _error(404, "The specified bucket does not exist.")
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        parts = list(message.iter_parts())
        if len(parts) != 2:
            return _error(400, "A multipart upload needs metadata and media.")
        metadata = json.loads(parts[0].get_content())
        data = parts[1].get_payload(decode=True) or b""
        stored = StoredObject(
            bucket, metadata["name"], metadata.get("contentType", "application/pdf"), data
        )
        with self._lock:
            self._objects[(bucket, stored.name)] = stored
        return Reply.json(200, _resource(stored))

    def _bucket(self, bucket: str) -> Reply:
        if bucket not in self.buckets:
            return _error(404, "The specified bucket does not exist.")
        resource = {"kind": "storage#bucket", "id": bucket, "name": bucket}
        return Reply.json(200, {**resource, "location": "EUROPE-WEST4"})

    def _delete(self, bucket: str, name: str) -> Reply:
        with self._lock:
            stored = self._objects.pop((bucket, name), None)
        if stored is None:
            return _error(404, f"No such object: {bucket}/{name}")
        return Reply(204)


def _resource(stored: StoredObject) -> dict[str, object]:
    return {
        "kind": "storage#object",
        "id": f"{stored.bucket}/{stored.name}/1",
        "name": stored.name,
        "bucket": stored.bucket,
        "generation": "1",
        "contentType": stored.content_type,
        "size": str(len(stored.data)),
    }


def _error(code: int, message: str) -> Reply:
    return Reply.json(code, {"error": {"code": code, "message": message, "errors": []}})
