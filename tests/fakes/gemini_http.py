"""Standard-library HTTP plumbing for the fake Gemini (no aiohttp on the server side).

The SDK's async client talks aiohttp when aiohttp is importable and httpx2 otherwise, and a
test run must exercise both, so the server side uses nothing but ``http.server``: HTTP/1.1
keep-alive, an exact Content-Length on every reply, and connections that can be cut on
purpose (``reset``/``disconnect`` faults) or all at once (``close()``).

Waiting (latency, hang, pause) is event-driven: a waiter ``select``s on its client socket and
on socketpair-backed signals, so ``close()`` or ``resume()`` wake it at once, and a client
that gives up (timeout, cancel) is noticed at once too, which keeps the in-flight counts true.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class Signal:
    """A settable flag whose fd is readable while it is set (so ``select`` can wait on it)."""

    def __init__(self, initially: bool = False) -> None:
        self._lock = threading.Lock()
        self._r, self._w = socket.socketpair()
        self._r.setblocking(False)
        self._set = False
        if initially:
            self.set()

    def set(self) -> None:
        with self._lock:
            if not self._set:
                self._w.send(b"x")
                self._set = True

    def clear(self) -> None:
        with self._lock:
            if self._set:
                self._r.recv(1)
                self._set = False

    def is_set(self) -> bool:
        return self._set

    def fileno(self) -> int:
        return self._r.fileno()

    def close(self) -> None:
        self._r.close()
        self._w.close()


class WaitResult(Enum):
    ELAPSED = "elapsed"  # the full time passed
    SIGNALLED = "signalled"  # the awaited signal was set
    STOPPED = "stopped"  # the server is closing
    GONE = "gone"  # the client closed its connection


def wait(
    conn: socket.socket,
    seconds: float | None,
    stop: Signal,
    until: Signal | None = None,
) -> WaitResult:
    """Wait up to ``seconds`` (None = forever) unless stopped, signalled or the client left."""
    if stop.is_set():
        return WaitResult.STOPPED
    if until is not None and until.is_set():
        return WaitResult.SIGNALLED
    if seconds is not None and seconds <= 0:
        return WaitResult.ELAPSED
    with selectors.DefaultSelector() as selector:
        selector.register(stop, selectors.EVENT_READ, WaitResult.STOPPED)
        if until is not None:
            selector.register(until, selectors.EVENT_READ, WaitResult.SIGNALLED)
        selector.register(conn, selectors.EVENT_READ, WaitResult.GONE)
        deadline = None if seconds is None else _now() + seconds
        while True:
            remaining = None if deadline is None else max(0.0, deadline - _now())
            if remaining == 0.0:
                return WaitResult.ELAPSED
            events = selector.select(remaining)
            if not events:
                return WaitResult.ELAPSED
            results = {key.data for key, _ in events}
            for result in (WaitResult.STOPPED, WaitResult.SIGNALLED):
                if result in results:
                    return result
            if _peer_closed(conn):
                return WaitResult.GONE
            selector.unregister(conn)  # unexpected early bytes: stop watching the socket


def wait_for_stop(stop: Signal, seconds: float) -> bool:
    """Wait ``seconds`` unless the server closes first (then True): work that goes on
    after its client has left."""
    with selectors.DefaultSelector() as selector:
        selector.register(stop, selectors.EVENT_READ)
        return bool(selector.select(seconds))


def _now() -> float:
    return time.monotonic()


def _peer_closed(conn: socket.socket) -> bool:
    try:
        return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


@dataclass
class Request:
    """One parsed HTTP request, body fully read (keep-alive needs that even on errors)."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    conn: socket.socket

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    def json(self) -> Any:
        """Parsed body; raises ValueError on bad JSON (the caller answers 400)."""
        if not self.body:
            return {}
        return json.loads(self.body)

    @property
    def api_key(self) -> str:
        return self.header("x-goog-api-key") or self.query.get("key", "")


class Action(Enum):
    SEND = "send"
    RESET = "reset"  # full headers, half the body, then close
    DISCONNECT = "disconnect"  # close without a byte


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: Action = Action.SEND
    content_type: str = "application/json; charset=UTF-8"

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(payload).encode(), dict(headers or {}))

    @classmethod
    def dropped(cls) -> Reply:
        return cls(0, action=Action.DISCONNECT)


def read_request(handler: BaseHTTPRequestHandler) -> Request:
    parts = urlsplit(handler.path)
    return Request(
        method=handler.command,
        path=parts.path,
        query=dict(parse_qsl(parts.query)),
        headers=handler.headers,
        body=_read_body(handler),
        conn=handler.connection,
    )


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def send_reply(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    if reply.action is Action.DISCONNECT:
        drop(handler)
        return
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type)
    handler.send_header("Content-Length", str(len(reply.body)))
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if reply.action is Action.RESET:
        handler.wfile.write(reply.body[: len(reply.body) // 2])
        drop(handler)
        return
    handler.wfile.write(reply.body)
    handler.wfile.flush()


def drop(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection now (FIN) so the client sees a cut reply."""
    handler.close_connection = True
    try:
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    """Hands every request to ``server.dispatch``; HTTP/1.1 so clients keep connections."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeGemini/1.0"
    sys_version = ""
    timeout = 300  # an idle keep-alive connection dies eventually; close() cuts it earlier
    # Headers and body go out in separate writes; with Nagle's algorithm on, the second
    # waits for the client's delayed ACK (~40 ms a request), which no real server costs.
    disable_nagle_algorithm = True
    server: FakeHttpServer

    def _dispatch(self) -> None:
        self.server.dispatch(self)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the stats record every request


class FakeHttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its live connections and handler threads, so that
    ``close()`` can cut idle keep-alive connections and wait for the threads to end."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        dispatch: Callable[[BaseHTTPRequestHandler], None],
        on_error: Callable[[str], None],
    ) -> None:
        super().__init__(address, Handler)
        self.dispatch = dispatch
        self._on_error = on_error
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self._lock:
            self._connections.add(request)
            self._handler_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._connections.discard(request)
                self._handler_threads.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return  # clients hang up (timeouts, cancels, our own resets): not a fake bug
        self._on_error(traceback.format_exc())

    def cut_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)

    def join_threads(self, timeout: float) -> bool:
        """Wait for the handler threads; True if they all ended."""
        deadline = _now() + timeout
        with self._lock:
            threads = list(self._handler_threads)
        for thread in threads:
            thread.join(max(0.0, deadline - _now()))
        return not any(thread.is_alive() for thread in threads)
