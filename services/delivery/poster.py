"""One webhook POST: one deadline for all of it, a checked address, a few KiB of answer.

httpx's timeouts bound each network operation, not the request: a receiver that sends a
byte every few seconds (of its headers or of its body) holds a request for as long as it
likes. :class:`Poster` sends with httpcore over a network backend of its own in which
every blocking step (resolving the name, connecting, the TLS handshake, each send and
each read) is given only what is left of the request's deadline as its socket timeout;
once the deadline has passed, the next step fails with a timeout. So a POST ends within
``timeout_s``, however its receiver behaves.

The backend resolves the host itself and, unless private targets are allowed, refuses
(:class:`~shared.errors.RefusedTargetError`) when any of its addresses is not public
(:mod:`shared.address_policy`); it then connects to an address it checked, so a name that
resolves elsewhere a moment later (DNS rebinding) cannot redirect the POST. The URL's
host is still the ``Host`` header and the TLS server name (SNI and certificate check).

Of the answer, only the status, ``Retry-After`` and at most :data:`ANSWER_LIMIT` bytes of
body are read; the connection is then closed (no keep-alive: each POST resolves and
checks its host again). Once the status line and headers are in, the status is the
answer: a body that stops at the deadline or breaks off does not change it. Redirects are
never followed.
"""

from __future__ import annotations

import contextlib
import math
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any, Final

import httpcore
import httpx

from shared.address_policy import IPAddress, check_resolved, host_address

ANSWER_LIMIT: Final = 4096
"""Bytes of an answer's body read at most (each socket read takes at most this many)."""
USER_AGENT: Final = "claimcheck-webhooks/1"

Resolver = Callable[[str, int], list[str]]
"""``(host, port)`` -> the addresses (as text) to connect to, in order."""

_deadline: ContextVar[float] = ContextVar("webhook_deadline", default=math.inf)


@dataclass(frozen=True)
class Answer:
    """What a receiver answered: the status and its ``Retry-After`` header."""

    status: int
    retry_after: str | None = None


class PostError(Exception):
    """No answer: a timeout or a network error (``permanent``: it will not get better by
    itself, e.g. a URL the client cannot send to)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _left(timeout: type[Exception]) -> float:
    """Seconds left before the deadline; ``timeout`` raised when none are."""
    left = _deadline.get() - time.monotonic()
    if left <= 0:
        raise timeout("the request's deadline passed")
    return left


@contextlib.contextmanager
def _mapped(timeout: type[Exception], error: type[Exception]) -> Iterator[None]:
    """Socket errors as httpcore's, so that its connection handling sees what it knows."""
    try:
        yield
    except TimeoutError as exc:
        raise timeout(str(exc) or "timed out") from exc
    except OSError as exc:
        raise error(str(exc) or type(exc).__name__) from exc


class _Stream(httpcore.NetworkStream):
    """A socket whose every operation waits at most until the request's deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            self._sock.settimeout(_left(httpcore.ReadTimeout))
            return self._sock.recv(min(max_bytes, ANSWER_LIMIT))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            while view:
                self._sock.settimeout(_left(httpcore.WriteTimeout))
                view = view[self._sock.send(view) :]

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            try:
                # CPython bounds the whole handshake by the socket's timeout
                self._sock.settimeout(_left(httpcore.ConnectTimeout))
                wrapped = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
            except BaseException:
                self._sock.close()
                raise
        return _Stream(wrapped)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._sock if isinstance(self._sock, ssl.SSLSocket) else None
        if info == "socket":
            return self._sock
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "is_readable":
            return bool(select.select([self._sock], [], [], 0)[0])
        return None


def system_resolver(host: str, port: int) -> list[str]:
    """The system's answer (``getaddrinfo``): every address, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _resolve_in_time(resolve: Resolver, host: str, port: int) -> list[IPAddress]:
    """``resolve`` in a helper thread (``getaddrinfo`` has no timeout of its own), waited
    for until the deadline; a lookup still running then is left to finish by itself."""
    found: list[list[str]] = []
    failed: list[BaseException] = []

    def lookup() -> None:
        try:
            found.append(resolve(host, port))
        except Exception as exc:
            failed.append(exc)

    thread = threading.Thread(target=lookup, name="webhook-dns", daemon=True)
    thread.start()
    thread.join(_left(httpcore.ConnectTimeout))
    if thread.is_alive():
        raise httpcore.ConnectTimeout(f"{host} did not resolve before the deadline")
    if failed or not found or not found[0]:
        why = f": {failed[0]}" if failed else ""
        raise httpcore.ConnectError(f"cannot resolve {host}{why}")
    return [ip_address(a.split("%", 1)[0]) for a in found[0]]


class _Backend(httpcore.NetworkBackend):
    """Resolves, checks every address (unless ``allow_private``), connects to one."""

    def __init__(self, *, allow_private: bool, resolve: Resolver) -> None:
        self._allow_private = allow_private
        self._resolve = resolve

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = host_address(host)
        found = [literal] if literal is not None else _resolve_in_time(self._resolve, host, port)
        if not self._allow_private:
            check_resolved(host, found)
        return found

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        failure: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in self.addresses(host, port):
            family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
                    sock.settimeout(_left(httpcore.ConnectTimeout))
                    sock.connect((str(address), port))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                sock.close()
                failure = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return _Stream(sock)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class Poster:
    """POSTs under one deadline each (see the module docstring); safe to share between
    threads. ``resolve`` and ``ssl_context`` (the CAs trusted) replace the system's (tests)."""

    def __init__(
        self,
        timeout_s: float,
        *,
        allow_private: bool,
        resolve: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=None,
            max_keepalive_connections=0,
            network_backend=_Backend(
                allow_private=allow_private, resolve=resolve or system_resolver
            ),
        )

    def close(self) -> None:
        self._pool.close()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """Send; the answer, or :class:`PostError` (or
        :class:`~shared.errors.RefusedTargetError` for an address that is not public)."""
        token = _deadline.set(time.monotonic() + self.timeout_s)
        try:
            return self._send(url, body, headers)
        except httpcore.TimeoutException as exc:
            raise PostError(
                f"no complete answer within {self.timeout_s:g} s ({type(exc).__name__})"
            ) from None
        except httpcore.UnsupportedProtocol as exc:
            raise PostError(f"cannot send to this URL: {exc}", permanent=True) from None
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            name = type(exc).__name__
            raise PostError(f"{name}: {exc}" if str(exc) else name) from None
        finally:
            _deadline.reset(token)

    def _send(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        sent = [
            (b"User-Agent", USER_AGENT.encode()),
            (b"Content-Type", b"application/json"),
            (b"Connection", b"close"),
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
        ]
        timeouts = dict.fromkeys(("connect", "read", "write", "pool"), self.timeout_s)
        with self._pool.stream(
            "POST", url, headers=sent, content=body, extensions={"timeout": timeouts}
        ) as response:
            answer = Answer(response.status, _header(response.headers, b"retry-after"))
            _read_some(response)
            return answer


def _read_some(response: httpcore.Response) -> None:
    """Read up to :data:`ANSWER_LIMIT` bytes of the body, within the deadline. The status
    is the answer: a body cut short (the limit, the deadline, a broken connection) does not
    change it; closing the response then drops the connection."""
    seen = 0
    try:
        for chunk in response.iter_stream():
            seen += len(chunk)
            if seen >= ANSWER_LIMIT:
                return
    except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError):
        return
