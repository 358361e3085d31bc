"""A fake Gemini API server that the real ``google-genai`` SDK can talk to.

Speaks the REST protocol of docs/ARCHITECTURE.md, "Gemini protocol" (resumable uploads, the
Files API with its PROCESSING→ACTIVE state machine, generateContent/streamGenerateContent,
countTokens, Google error bodies) on 127.0.0.1, with answers computed from the PDF bytes
received, faults and rate limits on demand, and thread-safe statistics. Standard library
only on the server side, so it serves the SDK's aiohttp and httpx2 transports alike.

Usage::

    with FakeGemini(latency=0.0, processing_delay=0.05, rpm=None) as fake:
        client = genai.Client(api_key="test", http_options=types.HttpOptions(
            base_url=fake.base_url, api_version="v1beta", timeout=10_000))
        fake.add_fault("429", match="[s03]", times=1, retry_delay_s=1.5)
        ...
        assert fake.stats.max_generate_in_flight <= 3
        assert fake.stats.early_retries() == []

By hand: ``python -m tests.fakes.gemini --port 8765 --latency 1 --rpm 30``.

Answers: ``pages=N sha=<12 hex of sha256(pdf)> first_line=<page 1, first line>``, or that as a
JSON object (plus ``summary``) when ``responseMimeType`` is application/json, shaped to the
request's schema if it has one (see ``gemini_answers``). Claims (schema items with a quote
and a page, or ``[p. N: "quote"]`` markers when a free-form prompt asks for them) quote the
pages received, and ``citation_rule`` makes some wrong (see ``gemini_citations``).
Faults: see ``gemini_faults``.
Stats: see ``gemini_stats``. Vertex AI (express mode and a project's paths, its OAuth
token endpoint, no Files API): see ``gemini_vertex``.
Context caches (``cachedContents`` create/get/delete, generateContent with
``cachedContent``): see ``gemini_caches``.
Batch jobs (create/get/list/cancel/delete, JSONL or inlined
answers, PENDING→RUNNING→SUCCEEDED after ``batch_pending_s``/``batch_running_s``): see
``gemini_batches``.

Section key of a generate call (matched by faults, used by the stats timelines): the display
names of the uploaded files it references joined by ``+``; for inline PDFs the first text
line of page 1; for text-only calls the first 60 characters of the prompt.

Rate limit: ``rpm`` admitted generate calls per sliding ``window_s``; a call over it gets 429
with RetryInfo = time until the oldest slot frees, rounded up to ``retry_delay_step`` (default
1 s for windows >= 10 s, else 0.1 s). Admitted calls use their slot even if a fault then fires.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import re
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes import gemini_answers as answers
from tests.fakes import gemini_errors as errors
from tests.fakes.gcs import FakeGcs
from tests.fakes.gemini_batches import BatchApi, BatchInfo
from tests.fakes.gemini_caches import CACHE, CACHES, CacheStore, StoredCache
from tests.fakes.gemini_citations import CitationRule
from tests.fakes.gemini_faults import ERROR_KINDS, Fault, FaultBook, SlidingWindowLimiter
from tests.fakes.gemini_files import FileStore, StoredFile, StoredFileInfo, info
from tests.fakes.gemini_http import (
    Action,
    FakeHttpServer,
    Reply,
    Request,
    Signal,
    WaitResult,
    read_request,
    send_reply,
    wait,
    wait_for_stop,
)
from tests.fakes.gemini_pdf import DocInfo, PdfAnalyzer
from tests.fakes.gemini_stats import NO_REPLY, FakeStats, GenerateRecord, RequestRecord
from tests.fakes.gemini_vertex import TOKEN_PATH, VERTEX_MODEL, TokenIssuer, vertex_call

__all__ = ["BatchInfo", "CitationRule", "FakeGemini", "FakeStats", "Fault", "StoredFileInfo"]

_UPLOAD_START = re.compile(r"^/upload/(?P<v>[^/]+)/files$")
_UPLOAD_SESSION = re.compile(r"^/upload-session/(?P<token>[^/]+)$")
_FILE = re.compile(r"^/(?P<v>[^/]+)/files/(?P<id>[^/:]+)$")
_FILES = re.compile(r"^/(?P<v>[^/]+)/files$")
_MODEL = re.compile(r"^/(?P<v>[^/]+)/models/(?P<model>[^:]+):(?P<method>[A-Za-z]+)$")
_FILE_URI = re.compile(r"files/(?P<id>[^/?#]+)")

_UPLOAD_FINAL = {"X-Goog-Upload-Status": "final"}
_UPLOAD_ACTIVE = {"X-Goog-Upload-Status": "active"}


@dataclass
class _Call:
    """What one request turned out to be, for the stats (filled in while handling it)."""

    endpoint: str
    started: float
    key: str = ""
    peer_port: int = 0
    fault: str | None = None
    generate: dict[str, Any] | None = None


@dataclass
class _Contents:
    """The parts of a generate/countTokens request that the fake cares about."""

    prompt: str = ""
    documents: list[DocInfo] = field(default_factory=list)
    display_names: list[str] = field(default_factory=list)
    inline: bool = False
    problem: errors.ApiError | None = None

    @property
    def key(self) -> str:
        if self.display_names:
            return "+".join(self.display_names)
        if self.documents and self.documents[0].first_line:
            return self.documents[0].first_line
        return self.prompt[:60]

    @property
    def haystacks(self) -> list[str]:
        return [*self.display_names, self.prompt, *(d.first_line for d in self.documents)]

    @property
    def pages(self) -> int:
        return sum(d.pages for d in self.documents)


class FakeGemini:
    """The fake server. Starts at construction; ``close()`` (or leaving ``with``) stops it.

    Attributes that tests may change at any time: ``latency``, ``upload_latency``,
    ``finish_cut_uploads``,
    ``processing_delay`` (applies to uploads finalised afterwards), ``rpm``, ``window_s``,
    ``valid_keys`` (None = any key works), ``thoughts``, ``tokens_per_page``.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        processing_delay: float = 0.05,
        rpm: int | None = None,
        window_s: float = 60.0,
        retry_delay_step: float | None = None,
        upload_latency: float = 0.0,
        valid_keys: Iterable[str] | None = None,
        tokens_per_page: int = 258,
        thoughts: bool = False,
        analyze_in_subprocess: bool = True,
        batch_pending_s: float | None = 0.05,
        batch_running_s: float = 0.05,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``tls``: serve https with this server context (see ``tls.make_authority``)."""
        self.latency = latency
        self.batch_pending_s = batch_pending_s
        self.batch_running_s = batch_running_s
        self.upload_latency = upload_latency
        #: an upload whose client hangs up while its last chunk is being finalised is made
        #: into a file all the same, as a real server that has every byte does
        self.finish_cut_uploads = False
        self.processing_delay = processing_delay
        self.valid_keys: set[str] | None = set(valid_keys) if valid_keys is not None else None
        self.tokens_per_page = tokens_per_page
        self.thoughts = thoughts
        self.retry_delay_step = retry_delay_step
        #: which claims of each answer are cited wrongly (see ``gemini_citations``)
        self.citation_rule = CitationRule()
        self.stats = FakeStats()
        self.server_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self._window_s = window_s
        self._rpm: int | None = None
        self._limiter: SlidingWindowLimiter | None = None
        self.rpm = rpm
        self._faults = FaultBook()
        self._files = FileStore()
        self._caches = CacheStore()
        #: a fake Cloud Storage whose ``gs://`` objects requests may name (Vertex)
        self.gcs: FakeGcs | None = None
        self._batches = BatchApi(self)
        #: Vertex AI's OAuth endpoint: the tokens it issued (see ``gemini_vertex``)
        self.tokens = TokenIssuer()
        self._analyzer = PdfAnalyzer(analyze_in_subprocess)
        self._analyzer.warm_up()
        self._stop = Signal()
        self._resume = Signal(initially=True)
        self._paused: frozenset[str] = frozenset()
        self._closed = False
        self._server = FakeHttpServer((host, port), self._dispatch, self.server_errors.append)
        scheme = "http"
        if tls is not None:  # the handshake happens in each connection's own thread
            self._server.socket = tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        self.base_url = f"{scheme}://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeGemini:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        """Stop serving; hanging, paused and slow requests are cut off at once."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._server.shutdown()
        self._server.cut_connections()
        self._server.server_close()
        self._thread.join(5)
        if self._server.join_threads(5):  # only then nobody can be selecting on the signals
            self._stop.close()
            self._resume.close()

    # --- configuration -----------------------------------------------------------------------

    @property
    def rpm(self) -> int | None:
        """Requests per ``window_s`` for generateContent (None = unlimited)."""
        return self._rpm

    @rpm.setter
    def rpm(self, value: int | None) -> None:
        self._rpm = value
        self._limiter = SlidingWindowLimiter(value, self._window_s) if value else None

    @property
    def window_s(self) -> float:
        return self._window_s

    @window_s.setter
    def window_s(self, value: float) -> None:
        self._window_s = value
        self.rpm = self._rpm  # a fresh window

    def add_fault(
        self,
        kind: str,
        match: str | re.Pattern[str] | None = None,
        times: int | None = None,
        *,
        endpoint: str | None = None,
        retry_delay_s: float | None = 2.0,
        status: int = 503,
        hang_s: float | None = None,
        message: str | None = None,
    ) -> Fault:
        """Inject a fault; see ``gemini_faults`` for kinds, endpoints and matching."""
        fault = Fault(
            kind,
            match,
            times,
            endpoint or "",
            retry_delay_s,
            status,
            hang_s,
            message,
        )
        return self._faults.add(fault)

    def remove_fault(self, fault: Fault) -> None:
        self._faults.remove(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return self._faults.list()

    def pause(self, *endpoints: str) -> None:
        """Hold requests of these endpoints (default: generate) after they count as in
        flight, until :meth:`resume`; lets a test look at a concurrency peak deterministically."""
        self._paused = frozenset(endpoints or ("generate",))
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    # --- inspection --------------------------------------------------------------------------

    def batches(self) -> list[BatchInfo]:
        """Every batch job the fake holds (see ``gemini_batches``)."""
        return self._batches.infos()

    def release_batches(self) -> None:
        """Let jobs held PENDING (``batch_pending_s=None``) start running now."""
        self._batches.release()

    def stored_files(self) -> list[StoredFileInfo]:
        return [info(f) for f in self._files.all()]

    def file_bytes(self, name: str) -> bytes:
        stored = self._files.get(name.rsplit("/", 1)[-1])
        if stored is None:
            raise KeyError(name)
        return stored.data

    def stored_caches(self) -> list[StoredCache]:
        """Context caches not deleted (nor expired) yet."""
        return [c for c in self._caches.all() if self._caches.get(c.cache_id) is not None]

    @property
    def cache_reads_before_expiry(self) -> int | None:
        return self._caches.reads_before_expiry

    @cache_reads_before_expiry.setter
    def cache_reads_before_expiry(self, reads: int | None) -> None:
        self._caches.reads_before_expiry = reads

    def expire_cache(self, name: str) -> None:
        """Forget a context cache as if its TTL had passed (its next use answers 403)."""
        self._caches.expire(name)

    def drop_file(self, name: str) -> None:
        """Forget a file as if it had expired (its next use answers 403)."""
        self._files.delete(name.rsplit("/", 1)[-1])

    def open_uploads(self) -> int:
        """Upload sessions started but neither finalised nor failed."""
        return self._files.open_session_count()

    def reset_stats(self) -> None:
        self.stats.reset()

    def wait_for_in_flight(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least ``count`` generate calls are in flight."""
        return self.stats.wait_for(lambda s: s.generate_in_flight >= count, timeout)

    # --- request handling --------------------------------------------------------------------

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        started = time.monotonic()
        request = read_request(handler)
        route, call = self._route(request, started)
        call.peer_port = _peer_port(request)
        try:
            reply = route()
        except Exception:  # a bug in the fake: answer 500 and let the fixture fail the test
            self.server_errors.append(traceback.format_exc())
            reply = Reply.json(500, errors.internal().body())
        self._record(call, reply)  # before replying: a client that got its answer sees it counted
        send_reply(handler, reply)

    def _route(self, request: Request, started: float) -> tuple[Callable[[], Reply], _Call]:
        method, path = request.method, request.path
        if method == "POST" and (m := _UPLOAD_SESSION.match(path)):
            call = _Call("upload_chunk", started)
            return lambda: self._upload_chunk(request, call, m["token"]), call
        if method == "POST" and _UPLOAD_START.match(path):
            call = _Call("upload", started)
            return self._authorised(request, lambda: self._upload_start(request, call)), call
        if method in ("GET", "DELETE") and (m := _FILE.match(path)):
            call = _Call("get" if method == "GET" else "delete", started)
            return self._authorised(
                request, lambda: self._file_op(request, call, m["v"], m["id"])
            ), call
        if (batch := self._batches.route(method, path)) is not None:
            endpoint, handler = batch
            call = _Call(endpoint, started)
            return self._authorised(request, lambda: handler(request, call)), call
        if method == "POST" and CACHES.match(path):
            call = _Call("cache_create", started)
            return self._authorised(request, lambda: self._cache_create(request, call)), call
        if method in ("GET", "DELETE") and (m := CACHE.match(path)):
            call = _Call("cache_get" if method == "GET" else "cache_delete", started)
            return self._authorised(request, lambda: self._cache_op(call, m["id"])), call
        if method == "GET" and (m := _FILES.match(path)):
            call = _Call("list", started)
            return self._authorised(request, lambda: self._list(request, call, m["v"])), call
        if method == "POST" and path == TOKEN_PATH:
            call = _Call("token", started)
            return lambda: self.tokens.grant(request), call
        if method == "POST" and (m := VERTEX_MODEL.match(path)):
            return self._vertex_route(request, started, m)
        if method == "POST" and (m := _MODEL.match(path)):
            model, verb = m["model"], m["method"]
            if verb in ("generateContent", "streamGenerateContent"):
                call = _Call("generate", started)
                stream = verb == "streamGenerateContent"
                return self._authorised(
                    request, lambda: self._generate(request, call, model, stream)
                ), call
            if verb == "batchGenerateContent":
                call = _Call("batch_create", started)
                handler = self._batches.create_handler(model)
                return self._authorised(request, lambda: handler(request, call)), call
            if verb == "countTokens":
                call = _Call("count_tokens", started)
                return self._authorised(request, lambda: self._count(request, call)), call
        call = _Call("unknown", started)
        return lambda: Reply.json(404, errors.not_found(path).body()), call

    def _vertex_route(
        self, request: Request, started: float, match: re.Match[str]
    ) -> tuple[Callable[[], Reply], _Call]:
        """Vertex's generateContent/countTokens: the Gemini API's answers, authorised as
        Vertex authorises them (an API key in express mode, a token of ours otherwise)."""
        vertex = vertex_call(match)
        model, verb = match["model"], match["method"]
        endpoint = {"countTokens": "count_tokens"}.get(verb, "generate")
        call = _Call(endpoint, started)

        def handle() -> Reply:
            if (denied := self.tokens.check(request, vertex)) is not None:
                return denied
            keys = self.valid_keys
            express = vertex.service == "vertex-express"
            if express and keys is not None and request.api_key not in keys:
                return Reply.json(400, errors.api_key_invalid().body())
            if verb == "countTokens":
                return self._count(request, call)
            if verb not in ("generateContent", "streamGenerateContent"):
                return Reply.json(404, errors.not_found(request.path).body())
            reply = self._generate(request, call, model, verb == "streamGenerateContent")
            if call.generate is not None:
                call.generate["service"] = vertex.service
                call.generate["path"] = request.path
            return reply

        return handle, call

    def _authorised(self, request: Request, then: Callable[[], Reply]) -> Callable[[], Reply]:
        def checked() -> Reply:
            if self.valid_keys is not None and request.api_key not in self.valid_keys:
                return Reply.json(400, errors.api_key_invalid().body())
            return then()

        return checked

    def _record(self, call: _Call, reply: Reply) -> None:
        finished = time.monotonic()
        status = reply.status if reply.action is Action.SEND else NO_REPLY
        record = RequestRecord(
            call.endpoint, call.key, status, call.started, finished, call.fault, call.peer_port
        )
        generate = None
        if call.generate is not None:
            generate = GenerateRecord(
                key=call.key,
                status=status,
                started=call.started,
                finished=finished,
                fault=call.fault,
                **call.generate,
            )
        self.stats.record(record, generate)

    def _wait(self, request: Request, seconds: float | None) -> WaitResult:
        return wait(request.conn, seconds, self._stop)

    def _latency_left(self, asked: float) -> float:
        """What is left of ``latency`` since the request arrived: the model's latency is
        the time from request to answer, so the fake's own work on the request (reading an
        inline PDF in its analyser, on this same computer) counts towards it instead of
        adding to it (without this, 1.0 s answers took 1.09 s on the 2-core machine)."""
        return max(0.0, self.latency - (time.monotonic() - asked))

    def _hold_if_paused(self, request: Request, endpoint: str) -> WaitResult:
        if endpoint not in self._paused or self._resume.is_set():
            return WaitResult.ELAPSED
        return wait(request.conn, None, self._stop, until=self._resume)

    def _before(
        self, request: Request, call: _Call, fault: Fault | None, model: str
    ) -> Reply | None:
        """The part of a fault that replaces the normal answer (errors, hangs, drops)."""
        if fault is None:
            return None
        call.fault = fault.kind
        if fault.kind in ERROR_KINDS:
            return Reply.json(*self._fault_error(fault, call, model))
        if fault.kind == "disconnect":
            return Reply.dropped()
        if fault.kind == "hang":
            result = self._wait(request, fault.hang_s)
            if result is not WaitResult.ELAPSED:
                return Reply.dropped()
        return None

    def _fault_error(self, fault: Fault, call: _Call, model: str) -> tuple[int, dict[str, Any]]:
        if fault.kind == "429":
            if call.generate is not None:
                call.generate["retry_delay_s"] = fault.retry_delay_s
            error = errors.quota_exceeded(fault.retry_delay_s, model, self._rpm)
        elif fault.kind == "500":
            error = errors.internal()
        elif fault.kind == "503":
            error = errors.unavailable()
        elif fault.kind == "invalid_argument":
            error = errors.invalid_argument()
        elif fault.kind == "forbidden":
            error = errors.forbidden()
        else:
            error = errors.generic(fault.status)
        if fault.message:
            error.message = fault.message
        return error.code, error.body()

    # --- Files API ---------------------------------------------------------------------------

    def _upload_start(self, request: Request, call: _Call) -> Reply:
        try:
            spec = _camel_keys((request.json() or {}).get("file") or {})
        except ValueError:
            return Reply.json(400, errors.invalid_argument("Invalid JSON payload.").body())
        if request.header("X-Goog-Upload-Protocol").lower() != "resumable" or (
            request.header("X-Goog-Upload-Command").lower() != "start"
        ):
            message = "Expected X-Goog-Upload-Protocol: resumable and -Command: start."
            return Reply.json(400, errors.invalid_argument(message).body())
        display = spec.get("displayName") or ""
        mime = (
            spec.get("mimeType")
            or request.header("X-Goog-Upload-Header-Content-Type")
            or "application/octet-stream"
        )
        size = spec.get("sizeBytes") or request.header("X-Goog-Upload-Header-Content-Length")
        call.key = display
        fault = self._faults.take("upload", [display])
        if self._hold_if_paused(request, "upload") not in (
            WaitResult.ELAPSED,
            WaitResult.SIGNALLED,
        ):
            return Reply.dropped()
        if (early := self._before(request, call, fault, "")) is not None:
            return early
        failed = fault is not None and fault.kind == "failed_file"
        session = self._files.open_session(
            display,
            mime,
            int(size) if size not in (None, "") else None,
            failed,
            fault.message if failed and fault else None,
        )
        self.stats.upload_started()
        url = f"{self.base_url}/upload-session/{session.token}"
        headers = {
            "X-Goog-Upload-URL": url,
            "X-Goog-Upload-Control-URL": url,
            "X-Goog-Upload-Chunk-Granularity": "262144",
            **_UPLOAD_ACTIVE,
        }
        reply = Reply(200, b"", headers, content_type="text/plain; charset=utf-8")
        return self._maybe_reset(reply, fault)

    def _upload_chunk(self, request: Request, call: _Call, token: str) -> Reply:
        session = self._files.session(token)
        if session is None:
            error = errors.ApiError(404, "NOT_FOUND", f"Upload session {token} not found.")
            return Reply.json(404, error.body(), _UPLOAD_FINAL)
        call.key = session.display_name
        commands = {c.strip().lower() for c in request.header("X-Goog-Upload-Command").split(",")}
        if "cancel" in commands:
            self._end_session(token)
            return Reply(200, b"", {"X-Goog-Upload-Status": "cancelled"})
        if "query" in commands:
            headers = {"X-Goog-Upload-Size-Received": str(session.offset), **_UPLOAD_ACTIVE}
            return Reply(200, b"", headers)
        fault = None
        if "finalize" in commands:
            fault = self._faults.take("upload_final", [session.display_name])
        fault = fault or self._faults.take("upload_chunk", [session.display_name])
        if fault is not None and fault.kind == "lost_session":
            call.fault = fault.kind
            self._end_session(token)
            return Reply.json(503, errors.unavailable().body())  # no upload status header
        begun = time.monotonic()
        finalizing = 1 if "finalize" in commands else 0
        self.stats.finalizing_changed(finalizing)
        try:
            waited = self._wait(request, self.upload_latency)
            if waited is not WaitResult.ELAPSED:
                if waited is WaitResult.GONE and self.finish_cut_uploads and finalizing:
                    self._finish_unheard(request, token, begun)
                self._end_session(token)
                return Reply.dropped()
        finally:
            self.stats.finalizing_changed(-finalizing)
        if self._hold_if_paused(request, "upload_chunk") not in (
            WaitResult.ELAPSED,
            WaitResult.SIGNALLED,
        ):
            self._end_session(token)
            return Reply.dropped()
        if (early := self._before(request, call, fault, "")) is not None:
            self._end_session(token)
            early.headers.update(_UPLOAD_FINAL)
            return early
        offset = request.header("X-Goog-Upload-Offset")
        if offset != str(session.offset):
            self._end_session(token)
            message = f"Invalid upload offset {offset!r}; {session.offset} bytes received."
            return Reply.json(400, errors.invalid_argument(message).body(), _UPLOAD_FINAL)
        session.data += request.body
        session.chunks += 1
        if "finalize" not in commands:
            return self._maybe_reset(Reply(200, b"", dict(_UPLOAD_ACTIVE)), fault)
        return self._maybe_reset(self._finalize(token), fault)

    def _finish_unheard(self, request: Request, token: str, begun: float) -> None:
        """The client hung up after sending its last bytes: the file is made anyway, once
        ``upload_latency`` is over, and nobody hears of its name (``finish_cut_uploads``)."""
        session = self._files.session(token)
        if session is None or request.header("X-Goog-Upload-Offset") != str(session.offset):
            return
        left = self.upload_latency - (time.monotonic() - begun)
        if left > 0 and wait_for_stop(self._stop, left):
            return  # the fake is closing
        session.data += request.body
        self._finalize(token)

    def _finalize(self, token: str) -> Reply:
        session = self._files.session(token)
        assert session is not None
        self._end_session(token)
        if session.declared_size is not None and session.declared_size != session.offset:
            message = (
                f"Upload size {session.offset} does not match declared {session.declared_size}."
            )
            return Reply.json(400, errors.invalid_argument(message).body(), _UPLOAD_FINAL)
        doc = self._analyzer.analyze(bytes(session.data), session.mime_type)
        stored = self._files.add_file(session, doc, self.processing_delay)
        return Reply.json(200, {"file": stored.to_json(self.base_url)}, _UPLOAD_FINAL)

    def _end_session(self, token: str) -> None:
        if self._files.close_session(token):
            self.stats.upload_ended()

    def _file_op(self, request: Request, call: _Call, version: str, file_id: str) -> Reply:
        stored = self._files.get(file_id)
        call.key = stored.display_name if stored else ""
        fault = self._faults.take(call.endpoint, [call.key])
        if (early := self._before(request, call, fault, "")) is not None:
            return early
        if stored is None:
            return Reply.json(403, errors.file_not_found(file_id).body())
        if call.endpoint == "delete":
            self._files.delete(file_id)
            return self._maybe_reset(Reply.json(200, {}), fault)
        return self._maybe_reset(Reply.json(200, stored.to_json(self.base_url, version)), fault)

    def _list(self, request: Request, call: _Call, version: str) -> Reply:
        fault = self._faults.take("list", [])  # only match=None faults can hit a listing
        if (early := self._before(request, call, fault, "")) is not None:
            return early
        files = self._files.all()
        try:
            size = max(1, min(100, int(request.query.get("pageSize", "10"))))
            start = int(request.query.get("pageToken") or 0)
        except ValueError:
            return Reply.json(400, errors.invalid_argument("Bad page token or size.").body())
        page = files[start : start + size]
        body: dict[str, Any] = {"files": [f.to_json(self.base_url, version) for f in page]}
        if start + size < len(files):
            body["nextPageToken"] = str(start + size)
        return self._maybe_reset(Reply.json(200, body), fault)

    def _cache_create(self, request: Request, call: _Call) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return Reply.json(400, errors.invalid_argument("Invalid JSON payload.").body())
        contents = self._read_contents(body, require_active=True)
        call.key = contents.key
        if contents.problem is not None:
            return Reply.json(contents.problem.code, contents.problem.body())
        tokens = self.tokens_per_page * contents.pages + len(contents.prompt) // 4
        if tokens < self._caches.min_tokens:
            message = (
                f"Cached content is too small. total_token_count={tokens}, "
                f"min_total_token_count={self._caches.min_tokens}"
            )
            return Reply.json(400, errors.invalid_argument(message).body())
        model = str(body.get("model") or "")
        cache = self._caches.create(
            model,
            str(_field(body, "displayName") or ""),
            contents.documents,
            contents.display_names,
            tokens,
            str(body.get("ttl") or "3600s"),
        )
        return Reply.json(200, cache.to_json())

    def _cache_op(self, call: _Call, cache_id: str) -> Reply:
        cache = self._caches.get(cache_id)
        if cache is None:
            error = errors.forbidden(f"CachedContent not found (or permission denied): {cache_id}")
            return Reply.json(403, error.body())
        call.key = cache.display_name
        if call.endpoint == "cache_delete":
            self._caches.delete(cache_id)
            return Reply.json(200, {})
        return Reply.json(200, cache.to_json())

    def _read_cached(self, body: dict[str, Any], contents: _Contents) -> int:
        """Put the documents of the request's ``cachedContent`` first; their tokens."""
        name = str(_field(body, "cachedContent") or "")
        if not name:
            return 0
        cache = self._caches.read(name)
        if cache is None:
            message = f"CachedContent not found (or permission denied): {name}"
            contents.problem = contents.problem or errors.forbidden(message)
            return 0
        contents.documents[:0] = cache.documents
        contents.display_names[:0] = cache.display_names
        return cache.tokens

    @staticmethod
    def _maybe_reset(reply: Reply, fault: Fault | None) -> Reply:
        if fault is not None and fault.kind == "reset":
            reply.action = Action.RESET
        return reply

    # --- models ------------------------------------------------------------------------------

    def _read_contents(self, body: dict[str, Any], require_active: bool) -> _Contents:
        contents = _Contents(inline=False)
        texts: list[str] = []
        raw = body.get("contents") or []
        for content in [raw] if isinstance(raw, dict) else raw:
            for part in content.get("parts") or []:
                if "text" in part and not part.get("thought"):
                    texts.append(str(part["text"]))
                elif blob := _field(part, "inlineData"):
                    contents.inline = True
                    self._read_inline(blob, contents)
                elif ref := _field(part, "fileData"):
                    self._read_file_ref(ref, contents, require_active)
        contents.prompt = "\n".join(texts)
        return contents

    def _read_inline(self, blob: dict[str, Any], contents: _Contents) -> None:
        try:
            data = _b64decode(str(blob.get("data") or ""))
        except (binascii.Error, ValueError):
            contents.problem = errors.invalid_argument("Invalid base64 inline data.")
            return
        mime = _field(blob, "mimeType") or "application/octet-stream"
        contents.documents.append(self._analyzer.analyze(data, mime))

    def _read_file_ref(
        self, ref: dict[str, Any], contents: _Contents, require_active: bool
    ) -> None:
        uri = str(_field(ref, "fileUri") or "")
        if uri.startswith("gs://"):
            self._read_gcs(uri, contents)
            return
        match = _FILE_URI.search(uri)
        file_id = match["id"] if match else uri
        stored: StoredFile | None = self._files.get(file_id)
        if stored is None:
            contents.problem = contents.problem or errors.file_not_found(file_id)
            return
        contents.display_names.append(stored.display_name)
        if require_active and stored.state != "ACTIVE":
            contents.problem = contents.problem or errors.file_not_active(file_id)
            return
        contents.documents.append(stored.doc)

    def _read_gcs(self, uri: str, contents: _Contents) -> None:
        """A ``gs://`` object, read as Vertex reads one with the project's access."""
        data = self.gcs.read(uri) if self.gcs is not None else None
        if data is None:
            message = f"Cannot fetch content from the provided URL: {uri}"
            contents.problem = contents.problem or errors.invalid_argument(message)
            return
        contents.display_names.append(uri)
        contents.documents.append(self._analyzer.analyze(data, "application/pdf"))

    def _generate(self, request: Request, call: _Call, model: str, stream: bool) -> Reply:
        self.stats.generate_started()
        try:
            return self._generate_in_flight(request, call, model, stream)
        finally:
            self.stats.generate_ended()

    def _generate_in_flight(self, request: Request, call: _Call, model: str, stream: bool) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return Reply.json(400, errors.invalid_argument("Invalid JSON payload.").body())
        config = _camel_keys(_field(body, "generationConfig") or {})
        contents = self._read_contents(body, require_active=True)
        cached_tokens = self._read_cached(body, contents)
        call.key = contents.key
        facts = answers.facts_for(contents.documents, contents.prompt, self.citation_rule)
        call.generate = {
            "cached_content": str(_field(body, "cachedContent") or ""),
            "model": model,
            "display_names": tuple(contents.display_names),
            "pages": facts.pages,
            "sha": facts.sha if contents.documents else "",
            "first_line": facts.first_line if contents.documents else "",
            "inline": contents.inline,
            "api_key": request.api_key,
            "prompt": contents.prompt,
            "generation_config": config,
            "path": request.path,
        }
        if contents.problem is not None:
            return Reply.json(contents.problem.code, contents.problem.body())
        if any(d.is_pdf and not d.readable for d in contents.documents):
            return Reply.json(400, errors.invalid_argument("The document has no pages.").body())
        if (limited := self._rate_limit(call, model)) is not None:
            return limited
        fault = self._faults.take("generate", contents.haystacks)
        held = self._hold_if_paused(request, "generate")
        if held not in (WaitResult.ELAPSED, WaitResult.SIGNALLED):
            return Reply.dropped()
        asked = time.monotonic() if held is WaitResult.SIGNALLED else call.started
        if self._wait(request, self._latency_left(asked)) is not WaitResult.ELAPSED:
            return Reply.dropped()
        if (early := self._before(request, call, fault, model)) is not None:
            return early
        prompt_tokens = self.tokens_per_page * contents.pages + len(contents.prompt) // 4
        payload = self._answer(facts, config, model, prompt_tokens, fault)
        if cached_tokens and "usageMetadata" in payload:
            payload["usageMetadata"]["cachedContentTokenCount"] = cached_tokens
        call.generate["finish_reason"] = _finish_reason(payload)
        reply = Reply.json(200, payload)
        if stream:
            reply.body = b"data: " + reply.body + b"\r\n\r\n"
            reply.content_type = "text/event-stream"
        return self._maybe_reset(reply, fault)

    def _answer_request(
        self, model: str, body: dict[str, Any], endpoint: str
    ) -> tuple[int, dict[str, Any]]:
        """One GenerateContentRequest of a batch, answered as generateContent would answer
        it (no rate limit, latency or pause: a batch runs on the server's own schedule)."""
        config = _camel_keys(_field(body, "generationConfig") or {})
        contents = self._read_contents(body, require_active=True)
        if contents.problem is not None:
            return contents.problem.code, contents.problem.body()
        if any(d.is_pdf and not d.readable for d in contents.documents):
            return 400, errors.invalid_argument("The document has no pages.").body()
        fault = self._faults.take(endpoint, contents.haystacks)
        if fault is not None and fault.kind in ERROR_KINDS:
            return self._fault_error(fault, _Call(endpoint, time.monotonic()), model)
        facts = answers.facts_for(contents.documents, contents.prompt, self.citation_rule)
        prompt_tokens = self.tokens_per_page * contents.pages + len(contents.prompt) // 4
        return 200, self._answer(facts, config, model, prompt_tokens, None)

    def _rate_limit(self, call: _Call, model: str) -> Reply | None:
        limiter = self._limiter
        if limiter is None:
            return None
        free_in = limiter.try_acquire(time.monotonic())
        if free_in is None:
            return None
        step = self.retry_delay_step
        if step is None:
            step = 1.0 if limiter.window_s >= 10 else 0.1
        delay = errors.round_up(free_in, step)
        call.fault = "rpm"
        assert call.generate is not None
        call.generate["retry_delay_s"] = delay
        return Reply.json(429, errors.quota_exceeded(delay, model, limiter.limit).body())

    def _answer(
        self,
        facts: answers.Facts,
        config: dict[str, Any],
        model: str,
        prompt_tokens: int,
        fault: Fault | None,
    ) -> dict[str, Any]:
        kind = fault.kind if fault else None
        if kind == "blocked":
            return answers.blocked_body(model, prompt_tokens)
        if kind == "safety":
            return answers.safety_body(model, prompt_tokens)
        text = answers.answer_text(facts, config)
        if kind == "max_tokens":
            return answers.generate_body(
                model, answers.cut(text), "MAX_TOKENS", prompt_tokens, self.thoughts
            )
        return answers.generate_body(model, text, "STOP", prompt_tokens, self.thoughts)

    def _count(self, request: Request, call: _Call) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return Reply.json(400, errors.invalid_argument("Invalid JSON payload.").body())
        if "generateContentRequest" in body:
            body = body["generateContentRequest"]
        contents = self._read_contents(body, require_active=False)
        call.key = contents.key
        fault = self._faults.take("count_tokens", contents.haystacks)
        if (early := self._before(request, call, fault, "")) is not None:
            return early
        if contents.problem is not None:
            return Reply.json(contents.problem.code, contents.problem.body())
        total = self.tokens_per_page * contents.pages + len(contents.prompt) // 4
        return self._maybe_reset(Reply.json(200, {"totalTokens": total}), fault)


def _peer_port(request: Request) -> int:
    """The client's port: a test proxy's upstream connections can be matched by it."""
    try:
        return int(request.conn.getpeername()[1])
    except (OSError, IndexError):
        return 0


def _field(obj: dict[str, Any], camel: str) -> Any:
    """A field by its proto JSON name or its snake_case name: protobuf's JSON parser accepts
    both, and the SDK sends both (e.g. ``fileData: {file_uri, mime_type}``)."""
    if camel in obj:
        return obj[camel]
    return obj.get(re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower())


def _b64decode(text: str) -> bytes:
    """Proto JSON bytes: standard or URL-safe base64 (the SDK sends URL-safe), padding optional."""
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _camel_keys(obj: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys in proto JSON (camelCase) form, whichever form the client used."""
    return {re.sub(r"_([a-z])", lambda m: m[1].upper(), k): v for k, v in obj.items()}


def _finish_reason(payload: dict[str, Any]) -> str | None:
    candidates = payload.get("candidates") or []
    return candidates[0].get("finishReason") if candidates else None


def main(argv: list[str] | None = None) -> None:
    """Run the fake by hand, e.g. to point the real app at it."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.gemini", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per generate call")
    parser.add_argument("--upload-latency", type=float, default=0.0)
    parser.add_argument("--processing-delay", type=float, default=0.5)
    parser.add_argument("--rpm", type=int, default=None, help="generate calls per window")
    parser.add_argument("--window", type=float, default=60.0, help="rate-limit window, seconds")
    parser.add_argument("--key", action="append", help="accepted API key (repeatable)")
    args = parser.parse_args(argv)
    fake = FakeGemini(
        host=args.host,
        port=args.port,
        latency=args.latency,
        upload_latency=args.upload_latency,
        processing_delay=args.processing_delay,
        rpm=args.rpm,
        window_s=args.window,
        valid_keys=args.key,
    )
    print(fake.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.close()
        stats = fake.stats
        print(
            f"generate calls: {stats.count('generate')}, "
            f"max in flight: {stats.max_generate_in_flight}, "
            f"uploads max in flight: {stats.max_uploads_in_flight}"
        )


if __name__ == "__main__":
    main()
