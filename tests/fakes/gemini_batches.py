"""The fake Gemini's Batch API: create, get, list, cancel and delete batch jobs.

REST shapes as google-genai 3.6 speaks them (``google/genai/batches.py``, Gemini Developer
API side):

- ``POST /{v}/models/{model}:batchGenerateContent`` with ``{"batch": {"displayName",
  "inputConfig": {"fileName": "files/ID"} | {"requests": {"requests": [{"request",
  "metadata"}]}}}}`` answers the job as a long-running operation: ``{"name": "batches/ID",
  "metadata": {GenerateContentBatch: model, displayName, state "BATCH_STATE_PENDING", ...},
  "done": false}``; the SDK maps ``metadata.state`` to ``JOB_STATE_*``.
- ``GET /{v}/batches/ID`` the same operation, ``GET /{v}/batches`` ``{"operations": [...],
  "nextPageToken"}``, ``POST /{v}/batches/ID:cancel`` ``{}``, ``DELETE /{v}/batches/ID`` ``{}``.
- A JSONL input file holds one ``{"key": K, "request": GenerateContentRequest}`` per line. A
  finished job's ``metadata.output`` is ``{"responsesFile": "files/ID"}`` (a generated JSONL
  of ``{"key": K, "response": GenerateContentResponse}`` or ``{"key": K, "error": Status}``
  lines, fetched with ``GET /{v}/files/ID:download?alt=media``) for file input, or
  ``{"inlinedResponses": {"inlinedResponses": [{"response" | "error", "metadata"}]}}`` for
  inlined requests.

States advance with time: PENDING for ``batch_pending_s`` after creation (None: until
:meth:`FakeGemini.release_batches`), RUNNING for ``batch_running_s``, then SUCCEEDED, when
the answers are computed exactly as generateContent computes them, from the files each
request references (a file that is gone gives that line an error). A cancelled job is
CANCELLED. Faults with endpoint ``batch_item`` (error kinds) turn matching lines into
errors; the endpoints ``batch_create``, ``batch_get``, ``batch_list``, ``batch_cancel``,
``batch_delete`` and ``download`` take the usual error/hang/reset faults.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.fakes import gemini_errors as errors
from tests.fakes.gemini_files import rfc3339
from tests.fakes.gemini_http import Reply, Request

if TYPE_CHECKING:
    from tests.fakes.gemini import FakeGemini

_BATCH = re.compile(r"^/(?P<v>[^/]+)/batches/(?P<id>[^/:]+)$")
_BATCH_CANCEL = re.compile(r"^/(?P<v>[^/]+)/batches/(?P<id>[^/:]+):cancel$")
_BATCHES = re.compile(r"^/(?P<v>[^/]+)/batches$")
_DOWNLOAD = re.compile(r"^/(?P<v>[^/]+)/files/(?P<id>[^/:]+):download$")
_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta."
_ID_ALPHABET = string.ascii_lowercase + string.digits
_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"}

Handler = Callable[[Request, Any], Reply]


@dataclass
class BatchLine:
    key: str
    request: dict[str, Any]
    metadata: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


@dataclass
class FakeBatch:
    """One batch job as the fake keeps it."""

    batch_id: str
    model: str
    display_name: str
    input_config: dict[str, Any]
    lines: list[BatchLine]
    from_file: bool
    created: datetime
    created_at: float  # time.monotonic()
    pending_s: float | None
    running_s: float
    released_at: float | None = None
    cancelled_at: float | None = None
    finished_at: float | None = None
    output_file: str | None = None  # files/ID of the responses file
    settled: bool = False
    gets: int = 0

    @property
    def name(self) -> str:
        return f"batches/{self.batch_id}"

    def state(self, now: float) -> str:
        if self.cancelled_at is not None:
            return "CANCELLED"
        if self.pending_s is None:
            if self.released_at is None:
                return "PENDING"
            running_from = self.released_at
        else:
            running_from = self.created_at + self.pending_s
        if now < running_from:
            return "PENDING"
        if now < running_from + self.running_s:
            return "RUNNING"
        return "SUCCEEDED"


@dataclass(frozen=True)
class BatchInfo:
    """What :meth:`FakeGemini.batches` hands to tests."""

    name: str
    display_name: str
    model: str
    state: str
    keys: tuple[str, ...]
    from_file: bool
    output_file: str | None
    gets: int
    #: each line's ``generationConfig`` as the job received it (keys in camelCase)
    configs: tuple[dict[str, Any], ...] = ()


@dataclass
class BatchStore:
    lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: dict[str, FakeBatch] = field(default_factory=dict)


class BatchApi:
    """The batch endpoints of one FakeGemini (routing, state machine, answers)."""

    def __init__(self, fake: FakeGemini) -> None:
        self.fake = fake
        self.store = BatchStore()

    # --- routing -----------------------------------------------------------------------------

    def route(self, method: str, path: str) -> tuple[str, Handler] | None:
        """(endpoint name, handler) for a batch or download request, else None."""
        if method == "POST" and (m := _BATCH_CANCEL.match(path)):
            return "batch_cancel", lambda req, call: self._cancel(req, call, m["id"])
        if method in ("GET", "DELETE") and (m := _BATCH.match(path)):
            if method == "GET":
                return "batch_get", lambda req, call: self._get(req, call, m["id"])
            return "batch_delete", lambda req, call: self._delete(req, call, m["id"])
        if method == "GET" and _BATCHES.match(path):
            return "batch_list", self._list
        if method == "GET" and (m := _DOWNLOAD.match(path)):
            return "download", lambda req, call: self._download(req, call, m["id"])
        return None

    def create_handler(self, model: str) -> Handler:
        return lambda req, call: self._create(req, call, model)

    # --- inspection and control (test side) -------------------------------------------------

    def infos(self) -> list[BatchInfo]:
        now = time.monotonic()
        with self.store.lock:
            jobs = list(self.store.jobs.values())
        return [
            BatchInfo(
                job.name,
                job.display_name,
                job.model,
                job.state(now),
                tuple(line.key for line in job.lines),
                job.from_file,
                job.output_file,
                job.gets,
                tuple(_get(line.request, "generationConfig") or {} for line in job.lines),
            )
            for job in jobs
        ]

    def release(self) -> None:
        now = time.monotonic()
        with self.store.lock:
            for job in self.store.jobs.values():
                if job.pending_s is None and job.released_at is None:
                    job.released_at = now

    # --- handlers ----------------------------------------------------------------------------

    def _early(self, request: Request, call: Any, endpoint: str, key: str) -> Reply | None:
        call.key = key
        fault = self.fake._faults.take(endpoint, [key])
        return self.fake._before(request, call, fault, "")

    def _create(self, request: Request, call: Any, model: str) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return Reply.json(400, errors.invalid_argument("Invalid JSON payload.").body())
        batch = _get(body, "batch") or {}
        display = str(_get(batch, "displayName") or "")
        if (early := self._early(request, call, "batch_create", display)) is not None:
            return early
        source = _get(batch, "inputConfig") or {}
        lines, problem, from_file = self._read_source(source)
        if problem is not None:
            return Reply.json(problem.code, problem.body())
        if not lines:
            message = "The batch has no requests."
            return Reply.json(400, errors.invalid_argument(message).body())
        job = FakeBatch(
            batch_id="".join(secrets.choice(_ID_ALPHABET) for _ in range(16)),
            model=model,
            display_name=display,
            input_config=source,
            lines=lines,
            from_file=from_file,
            created=datetime.now(UTC),
            created_at=time.monotonic(),
            pending_s=self.fake.batch_pending_s,
            running_s=self.fake.batch_running_s,
        )
        with self.store.lock:
            self.store.jobs[job.batch_id] = job
        return Reply.json(200, self._operation(job))

    def _read_source(
        self, source: dict[str, Any]
    ) -> tuple[list[BatchLine], errors.ApiError | None, bool]:
        file_name = _get(source, "fileName")
        if file_name:
            stored = self.fake._files.get(str(file_name).rsplit("/", 1)[-1])
            if stored is None:
                return [], errors.file_not_found(str(file_name)), True
            if stored.state != "ACTIVE":
                return [], errors.file_not_active(str(file_name)), True
            lines: list[BatchLine] = []
            for number, raw in enumerate(stored.data.decode("utf-8").splitlines(), start=1):
                if not raw.strip():
                    continue
                try:
                    entry = json.loads(raw)
                    key, req = str(entry["key"]), entry["request"]
                    if not isinstance(req, dict):
                        raise TypeError
                except (ValueError, KeyError, TypeError):
                    message = f"Line {number} of {file_name} is not a {{key, request}} object."
                    return [], errors.invalid_argument(message), True
                lines.append(BatchLine(key, req))
            return lines, None, True
        inlined = _get(_get(source, "requests") or {}, "requests") or []
        lines = []
        for index, entry in enumerate(inlined):
            metadata = _get(entry, "metadata") or {}
            key = str(metadata.get("key", index))
            lines.append(BatchLine(key, _get(entry, "request") or {}, metadata))
        return lines, None, False

    def _job(self, batch_id: str) -> FakeBatch | None:
        with self.store.lock:
            return self.store.jobs.get(batch_id)

    def _get(self, request: Request, call: Any, batch_id: str) -> Reply:
        job = self._job(batch_id)
        if (early := self._early(request, call, "batch_get", job.name if job else "")) is not None:
            return early
        if job is None:
            return Reply.json(404, errors.not_found(f"batches/{batch_id}").body())
        job.gets += 1
        return Reply.json(200, self._operation(job))

    def _list(self, request: Request, call: Any) -> Reply:
        if (early := self._early(request, call, "batch_list", "")) is not None:
            return early
        with self.store.lock:
            jobs = list(self.store.jobs.values())
        try:
            size = max(1, min(100, int(request.query.get("pageSize", "10"))))
            start = int(request.query.get("pageToken") or 0)
        except ValueError:
            return Reply.json(400, errors.invalid_argument("Bad page token or size.").body())
        body: dict[str, Any] = {
            "operations": [self._operation(j) for j in jobs[start : start + size]]
        }
        if start + size < len(jobs):
            body["nextPageToken"] = str(start + size)
        return Reply.json(200, body)

    def _cancel(self, request: Request, call: Any, batch_id: str) -> Reply:
        job = self._job(batch_id)
        if (
            early := self._early(request, call, "batch_cancel", job.name if job else "")
        ) is not None:
            return early
        if job is None:
            return Reply.json(404, errors.not_found(f"batches/{batch_id}").body())
        with self.store.lock:
            if job.state(time.monotonic()) in _TERMINAL:
                error = errors.ApiError(
                    400, "FAILED_PRECONDITION", "The batch has already finished."
                )
                return Reply.json(400, error.body())
            job.cancelled_at = job.finished_at = time.monotonic()
        return Reply.json(200, {})

    def _delete(self, request: Request, call: Any, batch_id: str) -> Reply:
        job = self._job(batch_id)
        if (
            early := self._early(request, call, "batch_delete", job.name if job else "")
        ) is not None:
            return early
        with self.store.lock:
            removed = self.store.jobs.pop(batch_id, None)
        if removed is None:
            return Reply.json(404, errors.not_found(f"batches/{batch_id}").body())
        return Reply.json(200, {})

    def _download(self, request: Request, call: Any, file_id: str) -> Reply:
        stored = self.fake._files.get(file_id)
        key = stored.display_name if stored else ""
        if (early := self._early(request, call, "download", key)) is not None:
            return early
        if stored is None:
            return Reply.json(403, errors.file_not_found(file_id).body())
        if stored.source != "GENERATED":
            message = "Only generated files can be downloaded."
            return Reply.json(400, errors.invalid_argument(message).body())
        return Reply(200, stored.data, content_type="application/octet-stream")

    # --- state and answers -------------------------------------------------------------------

    def _operation(self, job: FakeBatch) -> dict[str, Any]:
        now = time.monotonic()
        state = job.state(now)
        if state == "SUCCEEDED":
            self._settle(job)
        stamp = datetime.now(UTC)
        done = state in _TERMINAL
        failed = sum(1 for line in job.lines if line.error is not None) if job.settled else 0
        succeeded = len(job.lines) - failed if job.settled else 0
        metadata: dict[str, Any] = {
            "@type": _TYPE + "GenerateContentBatch",
            "name": job.name,
            "model": f"models/{job.model}",
            "displayName": job.display_name,
            "inputConfig": job.input_config,
            "state": f"BATCH_STATE_{state}",
            "createTime": rfc3339(job.created),
            "updateTime": rfc3339(stamp),
            "batchStats": {
                "requestCount": str(len(job.lines)),
                "pendingRequestCount": str(0 if done else len(job.lines)),
                "successfulRequestCount": str(succeeded),
                "failedRequestCount": str(failed),
            },
        }
        body: dict[str, Any] = {"name": job.name, "metadata": metadata, "done": done}
        if done:
            metadata["endTime"] = rfc3339(stamp)
        if state == "SUCCEEDED":
            output = self._output(job)
            metadata["output"] = output
            body["response"] = {"@type": _TYPE + "GenerateContentBatchOutput", **output}
        return body

    def _output(self, job: FakeBatch) -> dict[str, Any]:
        if job.from_file:
            return {"responsesFile": job.output_file}
        items = []
        for line in job.lines:
            item: dict[str, Any] = {"metadata": line.metadata or {"key": line.key}}
            if line.error is not None:
                item["error"] = line.error
            else:
                item["response"] = line.response
            items.append(item)
        return {"inlinedResponses": {"inlinedResponses": items}}

    def _settle(self, job: FakeBatch) -> None:
        """Compute the answers once, when the job is first seen SUCCEEDED."""
        with self.store.lock:
            if job.settled:
                return
            job.settled = True
            job.finished_at = time.monotonic()
        for line in job.lines:
            self._answer_line(job.model, line)
        if job.from_file:
            text = "".join(
                json.dumps(
                    {"key": line.key, "error": line.error}
                    if line.error is not None
                    else {"key": line.key, "response": line.response}
                )
                + "\n"
                for line in job.lines
            )
            stored = self.fake._files.add_generated(
                f"batch-{job.batch_id}-responses", "application/jsonl", text.encode()
            )
            job.output_file = stored.name

    def _answer_line(self, model: str, line: BatchLine) -> None:
        status, body = self.fake._answer_request(model, line.request, "batch_item")
        if status == 200:
            line.response = body
        else:
            line.error = body.get("error", {"code": status, "message": "failed"})


def _get(obj: dict[str, Any], camel: str) -> Any:
    if camel in obj:
        return obj[camel]
    return obj.get(re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower())
