"""Request handling shared by every transport: auth, faults, recording, latency, routing."""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qs, unquote

from airflow_provider_signalwire.testing.admin import handle as handle_admin
from airflow_provider_signalwire.testing.api import route
from airflow_provider_signalwire.testing.api.media import is_public
from airflow_provider_signalwire.testing.bodies import parse_body
from airflow_provider_signalwire.testing.recorded import (
    RecordedRequest,
    redacted_headers,
    redacted_params,
    scrub,
)
from airflow_provider_signalwire.testing.responses import ApiError, Response, auth_failed

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.control import EmulatorControl
    from airflow_provider_signalwire.testing.faults import Fault

Disposition = Literal["send", "drop", "reset", "truncate"]


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
    :param after_bytes: with ``reset`` or ``truncate``: body bytes sent before breaking off.
    :param content_length: with ``truncate``: the ``Content-Length`` announced.
    """

    response: Response | None
    disposition: Disposition = "send"
    after_bytes: int | None = None
    content_length: int | None = None


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
    Answers requests read by the transport: auth, faults, recording, latency, routing.

    :param control: the state, faults, log and settings it answers from.
    :param verbose: log every request to stderr.
    """

    def __init__(self, control: EmulatorControl, verbose: bool) -> None:
        self.control = control
        self.verbose = verbose

    def handle(self, incoming: IncomingRequest) -> Outcome:
        """
        Answer one request read by the transport.

        :param incoming: the request.
        """
        path, _, query_string = incoming.target.partition("?")
        # Decode per segment so an encoded "/" stays inside its segment (stream names).
        segments = [unquote(segment) for segment in path.split("/")]
        query = parse_qs(query_string, keep_blank_values=True)
        form: dict[str, list[str]] = {}
        body_error: ApiError | None = None
        try:
            form = parse_body(incoming.header("Content-Type"), incoming.body)
        except ApiError as exc:
            body_error = exc
        if segments[1:2] == ["_emulator"]:
            if body_error is not None:
                return Outcome(body_error.response)
            return Outcome(handle_admin(self.control, incoming.method, segments[2:], path, form))
        with self.control.tracking():
            return self._handle_api(incoming, path, segments, query, form, body_error)

    def _handle_api(
        self,
        incoming: IncomingRequest,
        path: str,
        segments: list[str],
        query: dict[str, list[str]],
        form: dict[str, list[str]],
        body_error: ApiError | None,
    ) -> Outcome:
        auth_user, auth_ok = check_basic_auth(
            incoming.header("Authorization"), self.control.project_id, self.control.token
        )
        fault = self.control.faults.take(incoming.method, "/".join(segments))
        self._record(incoming, path, query, form, auth_user, auth_ok, fault)
        pause = (fault.delay if fault else 0.0) + self.control.latency
        if pause > 0:
            time.sleep(pause)
        if fault is not None and fault.action in ("drop", "reset") and fault.after_bytes is None:
            return Outcome(None, "reset" if fault.action == "reset" else "drop")
        if fault is not None and fault.status is not None and fault.action != "apply_then_drop":
            response = fault.response()
        else:
            response = self._answer(
                incoming.method, path, segments, query, form, auth_ok, body_error
            )
            if fault is not None:
                response = response.with_headers(fault.extra_headers())
        if fault is not None and fault.action == "apply_then_drop":
            return Outcome(None, "drop")
        if fault is not None and fault.action in ("reset", "truncate"):
            return Outcome(response, fault.action, fault.after_bytes, fault.content_length)
        return Outcome(response)

    def _answer(
        self,
        method: str,
        path: str,
        segments: list[str],
        query: dict[str, list[str]],
        form: dict[str, list[str]],
        auth_ok: bool,
        body_error: ApiError | None,
    ) -> Response:
        try:
            if not auth_ok and not is_public(method, segments):
                raise auth_failed()
            if body_error is not None:
                raise body_error
            control = self.control
            return route(
                control.store, method, path, segments, query, form, control.repeat_stop_status
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
        token = self.control.token
        self.control.log.append(
            RecordedRequest(
                method=incoming.method,
                path=scrub(path, token),
                query=redacted_params(query, token),
                form=redacted_params(form, token),
                auth_user=scrub(auth_user, token) if auth_user else None,
                auth_ok=auth_ok,
                headers=redacted_headers(incoming.headers, token),
                raw_path=scrub(incoming.target, token),
                time=time.monotonic(),
                fault=fault.describe() if fault else None,
            )
        )
