"""Receivers that misbehave below HTTP, written by hand on a socket (127.0.0.1).

:mod:`tests.local_http` answers whole HTTP replies; these hold the line in ways it cannot:
trickling the header bytes, never answering, or streaming a body far larger than memory.
Each connection is served on its own thread; the server records how many it accepted,
how long each stayed open and how many body bytes it managed to send.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket, "RawServer"], None]


class RawServer:
    """A TCP listener whose every connection gets ``behaviour`` (after the request)."""

    def __init__(self, behaviour: Behaviour, *, read_request: bool = True) -> None:
        self.behaviour = behaviour
        self.read_request = read_request
        self.stopping = threading.Event()
        self.accepted = 0
        self.open_s: list[float] = []  # how long each finished connection stayed open
        self.body_bytes = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        started = time.monotonic()
        try:
            if self.read_request:
                read_request(conn)
            self.behaviour(conn, self)
        except OSError:
            pass  # the client gave up and closed: what these receivers are for
        finally:
            conn.close()
            with self._lock:
                self.open_s.append(time.monotonic() - started)

    def sent(self, n: int) -> None:
        with self._lock:
            self.body_bytes += n

    def stop(self) -> None:
        self.stopping.set()
        self._listener.close()
        self._thread.join(timeout=5)


def read_request(conn: socket.socket) -> bytes:
    """The request's head and its ``Content-Length`` body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return head


def trickle_head(pause_s: float, for_s: float) -> Behaviour:
    """A status line, then one header byte every ``pause_s`` for up to ``for_s`` seconds."""

    def behaviour(conn: socket.socket, server: RawServer) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        until = time.monotonic() + for_s
        while time.monotonic() < until and not server.stopping.wait(pause_s):
            conn.sendall(b"a")

    return behaviour


def trickle_tls(conn: socket.socket, server: RawServer) -> None:
    """Take the ClientHello, then send a TLS record of 16 KiB one byte every 0.2 s."""
    conn.recv(4096)
    conn.sendall(b"\x16\x03\x03\x40\x00")
    while not server.stopping.wait(0.2):
        conn.sendall(b"\x02")


def silent(conn: socket.socket, server: RawServer) -> None:
    """Accept, read the request, never answer (until the server stops)."""
    server.stopping.wait(60)


def endless_body(size: int) -> Behaviour:
    """``200`` with ``Content-Length: size``, then that many zero bytes, as fast as read."""

    def behaviour(conn: socket.socket, server: RawServer) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode())
        chunk = bytes(65536)
        left = size
        while left > 0 and not server.stopping.is_set():
            n = conn.send(chunk[: min(left, len(chunk))])
            server.sent(n)
            left -= n

    return behaviour


RawFactory = Callable[..., RawServer]
