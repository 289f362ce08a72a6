"""
The synchronous client's requests in flight: a deadline for each answer, and a kill switch.

``requests`` bounds each socket read, not an answer: a server that drips one byte per second
keeps a request alive forever under a 1 s read timeout. And closing a ``requests.Session`` closes
only idle connections, never the one a thread is blocked on. So every attempt registers here,
its connection reports its socket once the request is sent, and a watchdog shuts that socket down
when the read timeout has passed since, or at once when the task is killed: the blocked read
ends, and the transport turns that into the right error.

The same connections also skip interim ``1xx`` answers (``103 Early Hints``) as the async client
does, where ``http.client`` alone would take them for the final answer.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Attempt:
    """
    One request in flight: its socket once sent, and why it was cut off, if it was.

    :param owner: the registry it belongs to.
    :param read_timeout: seconds the whole answer may take once the request is sent;
        ``math.inf`` for no deadline (a media file takes as long as it takes; each read is
        still timed by the client).
    """

    def __init__(self, owner: InFlight, read_timeout: float) -> None:
        self.owner = owner
        self.read_timeout = read_timeout
        self.sock: socket.socket | None = None
        self.deadline: float | None = None
        self.timed_out = False

    @property
    def cut_off(self) -> bool:
        """Whether the watchdog or a kill ended this attempt."""
        return self.timed_out or self.owner.aborted

    def sent(self, sock: socket.socket | None) -> None:
        """The request is sent: start the deadline of the answer on ``sock``."""
        with self.owner.lock:
            self.sock = sock
            if math.isfinite(self.read_timeout):
                self.deadline = time.monotonic() + self.read_timeout
            aborted = self.owner.aborted
            self.owner.wake.notify()
        if aborted:
            _shut(sock)


def _shut(sock: socket.socket | None) -> None:
    """End every read and write on ``sock`` now, from any thread (TLS included)."""
    if sock is not None:
        with contextlib.suppress(OSError):
            # The plain socket's method: SSLSocket.shutdown would unwrap the TLS object under
            # the feet of the thread reading it.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class InFlight:
    """The attempts one transport has in flight, with the watchdog that enforces deadlines."""

    def __init__(self) -> None:
        # Re-entrant: a SIGTERM handler (on_kill) may run while the same thread holds it.
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)
        self.aborted = False
        self._attempts: set[Attempt] = set()
        self._watchdog: threading.Thread | None = None

    def begin(self, read_timeout: float) -> Attempt:
        """Register an attempt of the calling thread; its connection reports to it."""
        attempt = Attempt(self, read_timeout)
        with self.lock:
            self._attempts.add(attempt)
            if self._watchdog is None:
                self._watchdog = threading.Thread(
                    target=self._watch, name="signalwire-deadlines", daemon=True
                )
                self._watchdog.start()
        _current.attempt = attempt
        return attempt

    def end(self, attempt: Attempt) -> None:
        """The attempt is over: its socket is no longer watched."""
        _current.attempt = None
        with self.lock:
            self._attempts.discard(attempt)

    def abort(self) -> None:
        """Refuse new attempts and cut every attempt in flight off now."""
        with self.lock:
            self.aborted = True
            sockets = [attempt.sock for attempt in self._attempts]
            self.wake.notify()
        for sock in sockets:
            _shut(sock)

    def _watch(self) -> None:
        with self.lock:
            while self._attempts:
                now = time.monotonic()
                deadlines = [a.deadline for a in self._attempts if a.deadline is not None]
                for attempt in self._attempts:
                    if attempt.deadline is not None and attempt.deadline <= now:
                        attempt.timed_out = True
                        attempt.deadline = None
                        _shut(attempt.sock)
                pending = [d for d in deadlines if d > now]
                self.wake.wait(min(pending) - now if pending else 1.0)
            self._watchdog = None


def _report_sent(connection: HTTPConnection) -> None:
    attempt: Attempt | None = getattr(_current, "attempt", None)
    if attempt is not None:
        attempt.sent(connection.sock)


class _FinalAnswer(http.client.HTTPResponse):
    """
    An answer read past every interim ``1xx`` (102 Processing, 103 Early Hints), not only 100.

    ``http.client`` skips ``100 Continue`` alone and takes any other ``1xx`` for the final answer;
    httpx skips them all but ``101``. Reading an interim status as 100 makes both clients see the
    same final answer.
    """

    def _read_status(self) -> tuple[str, int, str]:
        version, status, reason = super()._read_status()  # type: ignore[misc]
        if 100 < status < 200 and status != 101:
            return version, http.client.CONTINUE, reason
        return version, status, reason


class _WatchedHTTPConnection(HTTPConnection):
    response_class = _FinalAnswer

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _report_sent(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    response_class = _FinalAnswer

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _report_sent(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections report their socket to the attempt in flight."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Build the pool manager with the watched connection pools."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }
