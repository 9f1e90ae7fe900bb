"""Real HTTP servers on 127.0.0.1 for testing the HTTP sources and the LLM judge.

A :class:`LocalHttpServer` runs a ``ThreadingHTTPServer`` on an ephemeral port in a
background thread. Each request is recorded and answered by the test's ``handler``, which
returns a :class:`Reply`: status, JSON or raw body, headers, a delay before answering (to
go past a client's timeout), a trickle (the body in pieces with pauses) or an oversized
body sent without ``Content-Length``. Servers are started through
:func:`http_server_factory` and shut down when the test ends.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    json_body: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    """Wait this long before sending anything."""
    trickle_s: float = 0.0
    """Send the body in 10 pieces with this pause between them."""
    send_length: bool = True
    """False: no Content-Length; the body ends when the connection closes."""

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body
        return json.dumps(self.json_body if self.json_body is not None else {}).encode()


Handler = Callable[[Request], Reply]
ServerFactory = Callable[[Handler], "LocalHttpServer"]


class LocalHttpServer:
    """One server; ``requests`` lists what it received, in order."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler_class(self))
        self.port = int(self._httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def wait(self, seconds: float) -> None:
        """Sleep in a handler, cut short when the server stops."""
        self._stopping.wait(seconds)

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout, oversized body) closes its end: expected


def _make_handler_class(server: LocalHttpServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            server.requests.append(request)
            reply = server.handler(request)
            if reply.delay_s:
                server.wait(reply.delay_s)
            payload = reply.payload()
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            if reply.send_length:
                self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            if reply.trickle_s:
                step = max(1, len(payload) // 10)
                for start in range(0, len(payload), step):
                    self.wfile.write(payload[start : start + step])
                    self.wfile.flush()
                    server.wait(reply.trickle_s)
            else:
                self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

    return _Handler


def http_server_factory() -> Iterator[ServerFactory]:
    """Generator behind the ``http_server`` fixtures: start servers, stop them all after."""
    started: list[LocalHttpServer] = []

    def start(handler: Handler) -> LocalHttpServer:
        server = LocalHttpServer(handler)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def always(reply: Reply) -> Handler:
    return lambda _request: reply


def in_turn(*replies: Reply) -> Handler:
    """Answer with each reply in turn; the last one repeats."""
    queue = list(replies)
    lock = threading.Lock()

    def handler(_request: Request) -> Reply:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler
