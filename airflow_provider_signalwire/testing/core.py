"""Request handling shared by every transport: auth, faults, recording, latency, routing."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qs, unquote

from airflow_provider_signalwire.testing import admin, api
from airflow_provider_signalwire.testing.faults import FaultQueue
from airflow_provider_signalwire.testing.recorded import (
    RecordedRequest,
    RequestLog,
    redacted_headers,
    redacted_params,
    scrub,
)
from airflow_provider_signalwire.testing.responses import ApiError, Response, auth_failed
from airflow_provider_signalwire.testing.state import Store

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_signalwire.testing.faults import Fault

Disposition = Literal["send", "drop", "reset", "truncate"]
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class IncomingRequest:
    """
    An HTTP request as read off the wire.

    :param method: HTTP method.
    :param target: the request target exactly as received (path and query).
    :param headers: header name/value pairs in order.
    :param body: the request body.
    """

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """
        Return the first header called ``name`` (case-insensitive), if any.

        :param name: header name.
        """
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


@dataclass(frozen=True)
class Outcome:
    """
    What the transport must do: send ``response``, or break the connection.

    :param response: the answer (``None`` when the connection is dropped or reset).
    :param disposition: ``send``, ``drop`` (close), ``reset`` (TCP RST) or ``truncate``.
    """

    response: Response | None
    disposition: Disposition = "send"


def check_basic_auth(header: str | None, user: str, password: str) -> tuple[str | None, bool]:
    """
    Return ``(user name given, credentials accepted)`` for an ``Authorization`` header.

    :param header: the header value, if any.
    :param user: the expected user (project ID).
    :param password: the expected password (API token).
    """
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None, False
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, False
    given_user, sep, given_password = decoded.partition(":")
    ok = (
        bool(sep)
        and hmac.compare_digest(given_user.encode(), user.encode())
        and hmac.compare_digest(given_password.encode(), password.encode())
    )
    return given_user, ok


class EmulatorCore:
    """
    The emulator minus its HTTP server: state, faults, the request log and settings.

    :param project_id: the project ID (Basic auth user and AccountSid).
    :param token: the API token (Basic auth password).
    :param seed: selects the deterministic seeded SIDs.
    :param repeat_stop_status: 200 or 404, the answer to stopping a stopped stream.
    :param latency: seconds added before every API answer.
    :param verbose: log every request to stderr.
    """

    def __init__(
        self,
        project_id: str,
        token: str,
        seed: int,
        repeat_stop_status: int,
        latency: float,
        verbose: bool,
    ) -> None:
        if not project_id or not token:
            raise ValueError("project_id and token must not be empty")
        self.project_id = project_id
        self.token = token
        self.verbose = verbose
        self.store = Store(project_id, seed)
        self.faults = FaultQueue()
        self.log = RequestLog()
        self._repeat_stop_status = 200
        self._latency = 0.0
        self.repeat_stop_status = repeat_stop_status
        self.latency = latency
        self._counter_lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self._timers: list[threading.Timer] = []

    @property
    def repeat_stop_status(self) -> int:
        """The answer to stopping an already stopped stream: 200 or 404."""
        return self._repeat_stop_status

    @repeat_stop_status.setter
    def repeat_stop_status(self, value: int) -> None:
        if value not in (200, 404):
            raise ValueError(f"repeat_stop_status must be 200 or 404, got {value!r}")
        self._repeat_stop_status = value

    @property
    def latency(self) -> float:
        """Seconds slept before answering each API request."""
        return self._latency

    @latency.setter
    def latency(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"latency must not be negative, got {value!r}")
        self._latency = float(value)

    def reset_max_in_flight(self) -> None:
        """Restart the concurrency high-water mark from the current load."""
        with self._counter_lock:
            self.max_in_flight = self._in_flight

    @contextlib.contextmanager
    def _tracking(self) -> Iterator[None]:
        with self._counter_lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._counter_lock:
                self._in_flight -= 1

    def schedule_conference_status(self, sid: str, status: str, after: float) -> None:
        """
        Change a conference's status ``after`` seconds from now.

        :param sid: the conference SID (must exist now).
        :param status: the status to set.
        :param after: delay in seconds.
        """
        self.store.get_conference(sid)
        timer = threading.Timer(after, self.store.set_conference_status, (sid, status))
        timer.daemon = True
        with self._counter_lock:
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

    def cancel_timers(self) -> None:
        """Cancel every pending scheduled status change."""
        with self._counter_lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()

    def handle(self, incoming: IncomingRequest) -> Outcome:
        """
        Answer one request read by the transport.

        :param incoming: the request.
        """
        path, _, query_string = incoming.target.partition("?")
        # Decode per segment so an encoded "/" stays inside its segment (stream names).
        segments = [unquote(segment) for segment in path.split("/")]
        query = parse_qs(query_string, keep_blank_values=True)
        content_type = (incoming.header("Content-Type") or FORM_CONTENT_TYPE).lower()
        form: dict[str, list[str]] = {}
        if content_type.startswith(FORM_CONTENT_TYPE):
            form = parse_qs(incoming.body.decode("utf-8", "replace"), keep_blank_values=True)
        if segments[1:2] == ["_emulator"]:
            return Outcome(admin.handle(self, incoming.method, segments[2:], path, query, form))
        with self._tracking():
            return self._handle_api(incoming, path, segments, query, form)

    def _handle_api(
        self,
        incoming: IncomingRequest,
        path: str,
        segments: list[str],
        query: dict[str, list[str]],
        form: dict[str, list[str]],
    ) -> Outcome:
        auth_user, auth_ok = check_basic_auth(
            incoming.header("Authorization"), self.project_id, self.token
        )
        fault = self.faults.take(incoming.method, "/".join(segments))
        self._record(incoming, path, query, form, auth_user, auth_ok, fault)
        pause = (fault.delay if fault else 0.0) + self.latency
        if pause > 0:
            time.sleep(pause)
        if fault is not None and fault.action in ("drop", "reset"):
            return Outcome(None, "reset" if fault.action == "reset" else "drop")
        if fault is not None and fault.status is not None and fault.action != "apply_then_drop":
            response = fault.response()
        else:
            response = self._answer(incoming.method, path, segments, query, form, auth_ok)
            if fault is not None:
                response = response.with_headers(fault.extra_headers())
        if fault is not None and fault.action == "apply_then_drop":
            return Outcome(None, "drop")
        if fault is not None and fault.action == "truncate":
            return Outcome(response, "truncate")
        return Outcome(response)

    def _answer(
        self,
        method: str,
        path: str,
        segments: list[str],
        query: dict[str, list[str]],
        form: dict[str, list[str]],
        auth_ok: bool,
    ) -> Response:
        try:
            if not auth_ok:
                raise auth_failed()
            return api.route(
                self.store, method, path, segments, query, form, self.repeat_stop_status
            )
        except ApiError as exc:
            return exc.response

    def _record(
        self,
        incoming: IncomingRequest,
        path: str,
        query: dict[str, list[str]],
        form: dict[str, list[str]],
        auth_user: str | None,
        auth_ok: bool,
        fault: Fault | None,
    ) -> None:
        self.log.append(
            RecordedRequest(
                method=incoming.method,
                path=scrub(path, self.token),
                query=redacted_params(query, self.token),
                form=redacted_params(form, self.token),
                auth_user=scrub(auth_user, self.token) if auth_user else None,
                auth_ok=auth_ok,
                headers=redacted_headers(incoming.headers, self.token),
                raw_path=scrub(incoming.target, self.token),
                time=time.monotonic(),
                fault=fault.describe() if fault else None,
            )
        )
