"""A small misbehaving HTTP server on a real socket, scripted per test.

    with Stub() as stub:
        stub.script(Reply(503), Reply(200, json={"objects": []}))
        ...point the client at stub.url...
        assert len(stub.requests) == 2 and stub.connections == 1

Each request takes the next scripted reply (then `stub.default`, or `stub.router(request)` when
set). A reply sets status, headers, JSON or raw body, a delay before answering, or closes the
connection without answering. It counts requests and accepted TCP connections, and speaks
HTTP/1.1 with keep-alive so that connection reuse can be observed.
"""

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    close: bool = False  # close the connection without answering
    trickle: float = 0.0  # seconds between bytes of the body: an answer that never quite ends
    raw: bytes | None = None  # the whole answer, status line and headers included, as is


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stub: "Stub") -> None:
        self.stub = stub
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        with self.stub._lock:
            self.stub.connections += 1
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write (else delayed ACKs add ~40 ms to each answer).
    wbufsize = 64 * 1024
    server: _Server

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _handle(self) -> None:
        stub = self.server.stub
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        seen = Seen(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=body,
        )
        reply = stub._next(seen)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.close:
            self.close_connection = True
            return
        if reply.raw is not None:
            self.close_connection = True
            try:
                for byte in reply.raw if reply.trickle else [reply.raw]:
                    self.wfile.write(bytes([byte]) if reply.trickle else byte)
                    self.wfile.flush()
                    time.sleep(reply.trickle)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        payload = reply.body
        if payload is None:
            payload = b"" if reply.json is None else json.dumps(reply.json).encode()
        try:
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if reply.trickle:
                self.wfile.flush()
                for byte in payload:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(reply.trickle)
            else:
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


class Stub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self.default = Reply(200, json={})
        self.router: Callable[[Seen], Reply] | None = None
        self.requests: list[Seen] = []
        self.connections = 0
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            if self._replies:
                return self._replies.popleft()
        return self.router(seen) if self.router else self.default

    def start(self) -> "Stub":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "Stub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def unused_port() -> int:
    """A local port nobody listens on (bound then released), for refused connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
