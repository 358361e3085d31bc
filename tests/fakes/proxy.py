"""A loopback HTTP proxy for the tests: forwards, tunnels and counts every request.

Plain ``http://`` targets arrive as absolute-URI requests (``POST http://host:port/path``)
and are forwarded one by one, so the proxy sees each method and path; ``https://``
targets arrive as ``CONNECT host:port`` and are tunnelled byte for byte (the proxy then
sees one tunnel, not the requests inside it). With ``credentials`` set, a request
without the matching ``Proxy-Authorization: Basic …`` gets 407, as a corporate proxy
answers. Standard library only, like the fake Gemini, so both SDK transports meet the
same server.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import selectors
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.gemini_http import _read_body

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


@dataclass(frozen=True)
class Proxied:
    """One request the proxy handled: forwarded (``GET``, ``POST``, …) or a tunnel."""

    method: str
    target: str  # the absolute URL, or host:port for CONNECT
    status: int
    upstream_port: int = 0  # the proxy's own port towards the target (0: none opened)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: TestProxy

    def _forward(self) -> None:
        if not self.server.authorised(self.headers.get("Proxy-Authorization", "")):
            self._deny()
            return
        body = _read_body(self)
        target = urlsplit(self.path)
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.connect()
            local_port = upstream.sock.getsockname()[1]
            upstream.request(self.command, path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
        finally:
            upstream.close()
        self.server.note(Proxied(self.command, self.path, reply.status, local_port))
        self.send_response(reply.status)
        for name, value in reply.getheaders():
            if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _forward

    def do_CONNECT(self) -> None:
        if not self.server.authorised(self.headers.get("Proxy-Authorization", "")):
            self._deny()
            return
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=60)
        except OSError:
            self.send_error(502)
            return
        self.server.note(Proxied("CONNECT", self.path, 200, upstream.getsockname()[1]))
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        _pipe(self.connection, upstream)
        self.close_connection = True

    def _deny(self) -> None:
        self.server.note(Proxied(self.command, self.path, 407))
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="test"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    with contextlib.closing(upstream), selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            for key, _ in selector.select(timeout=60):
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                key.data.sendall(data)


class TestProxy(ThreadingHTTPServer):
    """``with TestProxy(credentials=("user", "pass")) as proxy: proxy.url`` …"""

    daemon_threads = True
    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.credentials = credentials
        self._lock = threading.Lock()
        self._seen: list[Proxied] = []
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The proxy's URL with its credentials, as a user writes it in HTTPS_PROXY."""
        user = f"{self.credentials[0]}:{self.credentials[1]}@" if self.credentials else ""
        return f"http://{user}127.0.0.1:{self.server_address[1]}"

    def authorised(self, header: str) -> bool:
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return header.strip() == f"Basic {expected}"

    def note(self, item: Proxied) -> None:
        with self._lock:
            self._seen.append(item)

    @property
    def upstream_ports(self) -> set[int]:
        """The local ports of every connection the proxy opened to a target."""
        return {p.upstream_port for p in self.seen if p.upstream_port}

    @property
    def seen(self) -> list[Proxied]:
        with self._lock:
            return list(self._seen)

    def __enter__(self) -> TestProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)
