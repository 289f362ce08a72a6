"""
A deliberately unfriendly HTTP server on loopback, scripted per request.

Unlike the emulator, which behaves like SignalWire, this server does whatever the test's handler
says, down to the byte: drip a body one byte at a time, send headers slowly, hang, close without
answering, frame a body by length, by chunks or by closing, compress it oddly, echo the
credentials it received. Every connection carries exactly one request and one answer
(``Connection: close``), so a test can count requests exactly.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import select
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from signalwire_test_support import connection_json

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import pytest

#: Upper bound of every wait the server does on its own; it stops early when the server stops.
MAX_HANG = 30.0


@dataclass
class Seen:
    """
    One request as it arrived.

    :param method: the HTTP method.
    :param path: the percent-decoded path, without the query.
    :param raw_path: the request target as sent (path and query, still encoded).
    :param query: the query parameters, in order.
    :param headers: the request headers, names lower-cased.
    :param form: the form fields of the body, in order.
    :param at: when it arrived (``time.monotonic()``).
    """

    method: str
    path: str
    raw_path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    form: list[tuple[str, str]]
    at: float = field(default_factory=time.monotonic)

    def param(self, name: str, default: str = "") -> str:
        """Return the query parameter ``name``, or ``default``."""
        return dict(self.query).get(name, default)

    def field(self, name: str, default: str = "") -> str:
        """Return the form field ``name``, or ``default``."""
        return dict(self.form).get(name, default)


@dataclass
class Answer:
    """
    What the server sends back, and how.

    :param status: HTTP status code.
    :param body: the body bytes, sent as they are (already encoded or compressed).
    :param headers: headers besides the framing ones, in order.
    :param framing: ``length`` (Content-Length), ``chunked`` or ``close`` (ends with the socket).
    :param drip: seconds between two body bytes.
    :param head_drip: seconds between two bytes of the status line and headers.
    :param hang: seconds to wait before answering at all.
    :param close: close the connection without answering.
    :param interim: informational answers (``1xx`` statuses, each with a header) sent first.
    :param reason: the status line's reason phrase; ``None`` for a usual one, ``""`` for none.
    """

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(
        default_factory=lambda: [("Content-Type", "application/json")]
    )
    framing: str = "length"
    drip: float = 0.0
    head_drip: float = 0.0
    hang: float = 0.0
    close: bool = False
    interim: tuple[int, ...] = ()
    reason: str | None = None


def json_answer(data: Any, status: int = 200, **kwargs: Any) -> Answer:
    """Answer ``data`` as JSON."""
    return Answer(status=status, body=json.dumps(data).encode(), **kwargs)


def gzip_members(data: bytes, members: int = 2) -> bytes:
    """Compress ``data`` as ``members`` concatenated gzip members (a valid gzip stream)."""
    step = max(1, len(data) // members)
    pieces = [data[i : i + step] for i in range(0, len(data), step)]
    return b"".join(gzip.compress(piece) for piece in pieces)


def raw_deflate(data: bytes) -> bytes:
    """Compress ``data`` as a bare deflate stream, without the zlib header."""
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


class HostileServer:
    """
    Serve on a free loopback port; ``handler`` decides each answer from the request.

    :param handler: called with each request; returns the :class:`Answer`.
    """

    def __init__(self, handler: Callable[[Seen], Answer]) -> None:
        self.handler = handler
        self.requests: list[Seen] = []
        self.connections_open = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._first_request = threading.Event()
        self._clients: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HostileServer:
        """Start listening and answering."""
        self._listener.listen(64)
        self._thread.start()
        return self

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop answering and close every connection; waits in handlers end at once."""
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)

    def wait_for_request(self, count: int = 1, within: float = 10.0) -> None:
        """Block until ``count`` requests arrived; fail the test after ``within`` seconds."""
        deadline = time.monotonic() + within
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} request(s), got {len(self.requests)}")
            time.sleep(0.01)

    def wait_until_idle(self, within: float = 5.0) -> bool:
        """Wait until no client connection is open; tell whether that happened in time."""
        deadline = time.monotonic() + within
        while self.connections_open:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds`` unless the server stops first; tell whether it is still running."""
        return not self._stopped.wait(min(seconds, MAX_HANG))

    # -- serving ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._clients.add(client)
                self.connections_open += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            seen = self._read_request(client)
            if seen is not None:
                self.requests.append(seen)
                self._answer(client, self.handler(seen))
                # Let the client see the end of the answer before the socket goes.
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_WR)
                client.settimeout(2.0)
                with contextlib.suppress(OSError):
                    while client.recv(65536):
                        pass
        except OSError:
            pass
        finally:
            with self._lock:
                self._clients.discard(client)
                self.connections_open -= 1
            client.close()

    def _read_request(self, client: socket.socket) -> Seen | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        parts = urlsplit(target)
        return Seen(
            method=method,
            path=unquote(parts.path),
            raw_path=target,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=headers,
            form=parse_qsl(body.decode("latin-1"), keep_blank_values=True),
        )

    def _hang(self, client: socket.socket, seconds: float) -> bool:
        """Wait ``seconds`` unless the server stops or the client goes; tell whether to go on."""
        deadline = time.monotonic() + min(seconds, MAX_HANG)
        while (left := deadline - time.monotonic()) > 0:
            if self._stopped.is_set():
                return False
            readable, _, _ = select.select([client], [], [], min(left, 0.05))
            if readable and not client.recv(1, socket.MSG_PEEK):
                return False  # the client closed its end
        return not self._stopped.is_set()

    def _answer(self, client: socket.socket, answer: Answer) -> None:
        if answer.hang and not self._hang(client, answer.hang):
            return
        if answer.close:
            return
        usual = {200: "OK", 201: "Created", 204: "No Content", 404: "Not Found"}
        reason = usual.get(answer.status, "Whatever") if answer.reason is None else answer.reason
        for status in answer.interim:
            client.sendall(f"HTTP/1.1 {status} Interim\r\nLink: </a.css>\r\n\r\n".encode())
        head = [f"HTTP/1.1 {answer.status} {reason}".rstrip()]
        head += [f"{name}: {value}" for name, value in answer.headers]
        if answer.framing == "length":
            head.append(f"Content-Length: {len(answer.body)}")
        elif answer.framing == "chunked":
            head.append("Transfer-Encoding: chunked")
        head.append("Connection: close")
        self._send(client, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1"), answer.head_drip)
        body = answer.body
        if answer.framing == "chunked":
            if answer.drip:
                for byte in body:
                    if not self.pause(answer.drip):
                        return
                    client.sendall(b"1\r\n" + bytes([byte]) + b"\r\n")
                client.sendall(b"0\r\n\r\n")
                return
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        self._send(client, body, answer.drip)

    def _send(self, client: socket.socket, data: bytes, drip: float) -> None:
        if not drip:
            client.sendall(data)
            return
        for index in range(len(data)):
            if not self.pause(drip):
                return
            client.sendall(data[index : index + 1])


@contextlib.contextmanager
def hostile_server(handler: Callable[[Seen], Answer]) -> Iterator[HostileServer]:
    """Run a :class:`HostileServer` for the ``with`` block."""
    with HostileServer(handler) as server:
        yield server


@contextlib.contextmanager
def serving_signalwire_default(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[Seen], Answer]
) -> Iterator[HostileServer]:
    """Run a :class:`HostileServer` for the ``with`` block, behind ``signalwire_default``."""
    with hostile_server(handler) as server:
        monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(server.url))
        yield server
