"""The poster over TLS: the address it checked, the URL's name for SNI, certificate and
``Host``, and the deadline through the handshake."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from services.delivery.poster import Poster, PostError
from tests.services.delivery.raw_http import RawFactory, trickle_tls

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``hooks.test`` (made with the openssl command)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.test",
         "-addext", "subjectAltName=DNS:hooks.test"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


class TlsReceiver:
    """An HTTPS server on 127.0.0.1 that records the SNI names and ``Host`` headers."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = self._sni
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.send_header("Connection", "close")
                self.end_headers()

        self._httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _sni(self, _sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.server_names.append(name)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def tls_receiver(certificate: tuple[Path, Path]) -> Iterator[TlsReceiver]:
    receiver = TlsReceiver(*certificate)
    yield receiver
    receiver.stop()


@pytest.fixture
def trusting_poster(certificate: tuple[Path, Path]) -> Iterator[Poster]:
    """A poster that trusts the test certificate and resolves every name to 127.0.0.1."""
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    poster = Poster(
        5.0, allow_private=True, resolve=lambda host, port: ["127.0.0.1"], ssl_context=trusted
    )
    yield poster
    poster.close()


def test_https_goes_to_the_resolved_address_in_the_urls_name(
    tls_receiver: TlsReceiver, trusting_poster: Poster
) -> None:
    answer = trusting_poster.post(f"https://hooks.test:{tls_receiver.port}/hook", b"{}", {})
    assert answer.status == 204
    assert tls_receiver.server_names == ["hooks.test"]
    assert tls_receiver.hosts == [f"hooks.test:{tls_receiver.port}"]


def test_a_certificate_for_another_name_is_refused(
    tls_receiver: TlsReceiver, trusting_poster: Poster
) -> None:
    with pytest.raises(PostError, match="ConnectError") as caught:
        trusting_poster.post(f"https://other.test:{tls_receiver.port}/hook", b"{}", {})
    assert not caught.value.permanent and tls_receiver.hosts == []


def test_a_handshake_that_trickles_ends_at_the_deadline(raw_server: RawFactory) -> None:
    server = raw_server(trickle_tls, read_request=False)
    poster = Poster(1.0, allow_private=True)
    started = time.monotonic()
    try:
        with pytest.raises(PostError, match="within 1 s"):
            poster.post(server.url.replace("http://", "https://") + "/hook", b"{}", {})
    finally:
        poster.close()
    assert time.monotonic() - started < 4.0
