"""The HTTP/1.1 transport: a threading server that hands requests to :class:`EmulatorCore`."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.testing.admin import admin_refusal, is_admin_target
from airflow_provider_signalwire.testing.core import IncomingRequest, Outcome
from airflow_provider_signalwire.testing.responses import (
    default_error_body,
    error_body,
    json_response,
)

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.core import EmulatorCore
    from airflow_provider_signalwire.testing.responses import Response

_MAX_BODY = 16 * 1024 * 1024


class EmulatorHTTPServer(ThreadingHTTPServer):
    """
    Threading HTTP server bound to one :class:`EmulatorCore`.

    :param address: ``(host, port)`` to bind; port 0 picks a free port.
    :param core: the request handler's brain.
    """

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], core: EmulatorCore) -> None:
        self.core = core
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, EmulatorRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection so :meth:`close_connections` can end keep-alive sessions."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection, then close it as usual."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut every open connection; idle keep-alive threads would otherwise keep serving."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Reads one request at a time off a keep-alive connection and carries out the outcome."""

    protocol_version = "HTTP/1.1"
    server_version = "SignalWireEmulator/1.0"
    # Idle connections from vanished clients should not pin a thread forever.
    timeout = 300
    server: EmulatorHTTPServer

    def setup(self) -> None:
        """
        Set up the connection with Nagle's algorithm disabled.

        Headers and body go out in separate writes; with delayed ACKs on the client, every
        keep-alive response would otherwise stall for about 40 ms.
        """
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __getattr__(self, name: str) -> Any:
        """
        Route every HTTP method to :meth:`_serve`, including unknown ones.

        ``http.server`` looks ``do_<METHOD>`` up and otherwise answers 501 with an HTML page;
        the emulator answers any method itself (405 with ``Allow`` where a path lacks it).

        :param name: the attribute looked up.
        """
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """
        Format the ``Date`` header from the emulator's clock (its offset included).

        :param timestamp: a POSIX time to format instead, as ``http.server`` allows.
        """
        if timestamp is not None:
            return super().date_time_string(timestamp)
        return super().date_time_string(self.server.core.control.store.space.now().timestamp())

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """
        Answer a request ``http.server`` could not parse with a JSON error body, never HTML.

        Its own errors here are about the request (bad request line, headers too long, an
        unsupported HTTP version), so any of them is a 4xx.

        :param code: the status ``http.server`` chose.
        :param message: its short reason.
        :param explain: its longer explanation (unused).
        """
        status = code if 400 <= code < 500 else 400
        self.close_connection = True
        if not str(self.request_version).startswith("HTTP/1."):
            # Unparsed or HTTP/0.9-looking requests would get a bare body: answer in HTTP/1.x.
            self.request_version = "HTTP/1.0"
        body = error_body(status, 20000 + status, message or "Bad request")
        answer = json_response(status, body)
        with contextlib.suppress(OSError):
            self._send(answer, answer.length, answer.length)

    def log_message(self, format: str, *args: Any) -> None:
        """Log to stderr only in verbose mode; tests and benchmarks want silence."""
        if self.server.core.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            answer = json_response(400, error_body(400, 20400, str(exc)))
            self._send(answer, answer.length, answer.length)
            return
        if is_admin_target(self.path):
            refusal = admin_refusal(
                self.headers.get_all("Host") or [],
                self.headers.get_all("Origin") or [],
                self.headers.get("Sec-Fetch-Site"),
                self.server.server_address,
            )
            if refusal is not None:
                self._send(refusal, refusal.length, refusal.length)
                return
        incoming = IncomingRequest(self.command, self.path, list(self.headers.items()), body)
        try:
            outcome = self.server.core.handle(incoming)
        except Exception as exc:  # a bug in the emulator must not hang the client
            self.log_message("emulator error: %r", exc)
            outcome = Outcome(json_response(500, default_error_body(500)))
        self._carry_out(outcome)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        length = int(raw) if raw.strip().isdigit() else -1
        if not 0 <= length <= _MAX_BODY:
            raise ValueError(f"invalid Content-Length: {raw!r}")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise ValueError("invalid chunk size") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > _MAX_BODY:
                raise ValueError("request body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _carry_out(self, outcome: Outcome) -> None:
        response = outcome.response
        if response is None:
            self._abort(rst=outcome.disposition == "reset")
            return
        length = response.length
        announced, sent = length, length
        if outcome.disposition == "truncate":
            if outcome.after_bytes is None:
                # Announce more than is sent so the client sees a cut-off body, not a short one.
                announced, sent = length + max(length, 64), length // 2
            else:
                sent = min(outcome.after_bytes, length)
            if outcome.content_length is not None:
                announced = outcome.content_length
        elif outcome.disposition == "reset":
            sent = min(outcome.after_bytes or 0, length)
        try:
            self._send(response, announced, sent)
        except OSError:
            self.close_connection = True
            return
        if outcome.disposition in ("reset", "truncate"):
            self._abort(rst=outcome.disposition == "reset")

    def _send(self, response: Response, announced: int, sent: int) -> None:
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(announced))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            for chunk in response.chunks(sent):
                self.wfile.write(chunk)
        self.wfile.flush()

    def _abort(self, rst: bool) -> None:
        self.close_connection = True
        connection = self.connection
        try:
            if rst:
                # Linger 0 turns close() into a TCP RST instead of an orderly FIN.
                linger = struct.pack("ii", 1, 0)
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            else:
                connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        # rfile holds a reference on the socket; both must go for close() to take effect now.
        self.rfile.close()
        connection.close()
