"""
Helpers for the reliability suite: leak checks and small loopback servers.

The servers cover what the emulator deliberately cannot do: a listener whose backlog is full (so
connecting times out on loopback), a body without ``Content-Length`` (so only a bounded read can
stop it), and TLS with a throw-away certificate authority.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from requests.adapters import HTTPAdapter
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.hooks._connection import settings_from_connection
from airflow_provider_signalwire.hooks._wire import AsyncSignalWireClient

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import requests

BASIC = base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode()
#: Every form of the credentials a leak could take.
SECRETS = (TOKEN, BASIC, f"Basic {BASIC}")


def leak_surface(err: BaseException) -> str:
    """Everything a log line, a UI or a debugger could show of an exception."""
    parts = [str(err), repr(err), repr(err.args), repr(vars(err))]
    parts.append("".join(traceback.format_exception(err)))
    return "\n".join(parts)


def assert_no_secret(text: str, secrets: tuple[str, ...] = SECRETS) -> None:
    for secret in secrets:
        assert secret not in text, f"secret {secret[:6]}... leaked: {text[:300]!r}"


# -- a listener nobody answers --------------------------------------------------------------


@contextlib.contextmanager
def full_backlog_listener() -> Iterator[int]:
    """
    Yield the port of a loopback listener whose accept queue is full.

    ``listen(0)`` and a few unaccepted connections fill the queue; Linux then drops further SYNs,
    so a client's connect hangs until its connect timeout, without any unroutable address.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(8):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.05)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


# -- a server that sends an endless body ----------------------------------------------------


class EndlessBodyServer:
    """
    Answer every request with ``200`` and ``total`` bytes, chunked or until close; no length.

    :param total: bytes to send.
    :param chunked: ``Transfer-Encoding: chunked`` if true, else a close-delimited body.
    """

    def __init__(self, total: int, *, chunked: bool) -> None:
        self.total = total
        self.chunked = chunked
        self.requests: list[bytes] = []
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> EndlessBodyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def _serve(self) -> None:
        chunk = b"x" * 65536
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with client:
                head = b""
                while b"\r\n\r\n" not in head:
                    data = client.recv(65536)
                    if not data:
                        break
                    head += data
                self.requests.append(head)
                framing = b"Transfer-Encoding: chunked" if self.chunked else b"Connection: close"
                try:
                    client.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + framing
                        + b"\r\n\r\n"
                    )
                    sent = 0
                    while sent < self.total:
                        if self.chunked:
                            client.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        else:
                            client.sendall(chunk)
                        sent += len(chunk)
                    if self.chunked:
                        client.sendall(b"0\r\n\r\n")
                except OSError:
                    pass


# -- TLS with a throw-away CA ---------------------------------------------------------------


def write_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1/localhost and its key; return both paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "ca.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def async_client(url: str, *, max_attempts: int = 1, **extra: Any) -> AsyncSignalWireClient:
    """
    The async client on a connection to ``url`` with the given extras, retrying at once.

    :param url: the Space URL (a loopback server).
    :param max_attempts: requests per call.
    :param extra: the connection's extras (``timeout``, ``verify``, ...).
    """
    settings = settings_from_connection(
        host=url, login=PROJECT_ID, password=TOKEN, port=None, extra=extra, conn_id="test"
    )
    return AsyncSignalWireClient(
        settings,
        max_attempts=max_attempts,
        initial_backoff=0.0,
        max_backoff=0.0,
        logger=logging.getLogger("test"),
    )


#: The conference whose answer :func:`tls_conference_server` drips, one byte every 0.1 s.
DRIPPED_CONFERENCE = "CFdrip"


class _ConferenceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TLSServer

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        sid = self.path.rpartition("/")[2]
        body = json.dumps({"sid": sid, "status": "init"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if sid != DRIPPED_CONFERENCE:
            self.wfile.write(body)
            return
        with contextlib.suppress(OSError):  # the client gave up and closed
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    paths: list[str]


@contextlib.contextmanager
def tls_conference_server(cert: Path, key: Path) -> Iterator[_TLSServer]:
    """
    Serve a conference object over HTTPS on loopback; ``server.paths`` lists what arrived.

    Every conference is answered at once, except :data:`DRIPPED_CONFERENCE`, whose body takes
    several seconds.
    """
    server = _TLSServer(("127.0.0.1", 0), _ConferenceHandler)
    server.paths = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# -- recording requests without a network ---------------------------------------------------


class RecordingAdapter(HTTPAdapter):
    """
    A requests adapter that records each ``PreparedRequest`` and answers a JSON object.

    Mounted on the hook's session it replaces the network, so fuzzing runs thousands of calls
    in seconds while seeing exactly the URL and body requests would have sent. Unless given a
    canned ``answer``, it answers the object the request asked for (its SID, name or call SID
    is the path's last segment, its status ``stopped``), as the hook checks that it matches.
    """

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []
        self.answer = answer

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        import io
        from urllib.parse import unquote, urlsplit

        from urllib3 import HTTPResponse

        self.sent.append(request)
        asked = unquote(urlsplit(str(request.url)).path.rsplit("/", 1)[-1])
        answer = self.answer or {
            "sid": asked,
            "name": asked,
            "call_sid": asked,
            "status": "stopped",
        }
        body = json.dumps(answer).encode()
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": "application/json", "Content-Length": str(len(body))},
            status=200,
            preload_content=False,
        )
        return self.build_response(request, raw)
