"""
Every decision that turns an answer or a transport failure into a result or an error.

Both clients (``requests`` and ``httpx``) hand their raw outcome here, so they raise the same
errors for the same answers. Errors are built complete, once, and never changed after.

SignalWire answers errors in three shapes: ``{"code", "message", "more_info", "status"}``,
``{"errors": ["message", ...]}`` and ``{"errors": [{"code", "message", "more_info"}, ...]}``; a
proxy in between may answer HTML, nothing, or a cut-off body. All of them end up here as one
:class:`~airflow_provider_signalwire.exceptions.SignalWireError` subclass with a readable message.
"""

from __future__ import annotations

import socket
import ssl
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireResponseError,
    SignalWireServerError,
    SignalWireTLSError,
)
from airflow_provider_signalwire.hooks._json import loads_strict
from airflow_provider_signalwire.hooks._retry import retry_after_seconds
from airflow_provider_signalwire.hooks._secrets import scrub, scrub_bytes, scrub_data

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Largest body read from SignalWire; a stream or conference object is a few hundred bytes.
MAX_BODY_BYTES = 8 * 1024 * 1024
_EXCERPT = 200


def _error_class(status: int) -> type[SignalWireError]:
    if status in {401, 403}:
        return SignalWireAuthError
    if status == 404:
        return SignalWireNotFoundError
    if status == 429:
        return SignalWireRateLimitError
    if 400 <= status < 500:
        return SignalWireRequestError
    if 500 <= status < 600:
        return SignalWireServerError
    # A redirect (never followed), or a status no HTTP server sends as a final answer (1xx,
    # 600 and above): whatever sits in between is broken, not the request.
    return SignalWireResponseError


def _excerpt(body: bytes) -> str:
    text = body[:_EXCERPT].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("..." if len(body) > _EXCERPT else "")


def _short(err: ValueError) -> str:
    return str(err)[:80]


def _is_json(headers: Mapping[str, str]) -> bool:
    media_type = headers.get("Content-Type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def parse_error_body(body: bytes) -> tuple[str | int | None, str | None, str | None]:
    """
    Read SignalWire's error ``code``, message and ``more_info`` from any of its error shapes.

    :param body: the raw response body.
    :return: ``(code, message, more_info)``; the message falls back to an excerpt of a body that
        is not JSON, and everything is ``None`` for an empty body.
    """
    if not body.strip():
        return None, None, None
    try:
        data: Any = loads_strict(body)
    except ValueError:
        return None, f"non-JSON body: {_excerpt(body)}", None
    if not isinstance(data, dict):
        return None, _excerpt(body), None
    if "errors" in data and isinstance(data["errors"], list) and data["errors"]:
        codes, messages, links = [], [], []
        for item in data["errors"]:
            if isinstance(item, dict):
                codes.append(item.get("code"))
                messages.append(str(item.get("message") or item.get("detail") or item))
                links.append(item.get("more_info"))
            else:
                messages.append(str(item))
        code = next((c for c in codes if c is not None), None)
        link = next((str(u) for u in links if u), None)
        return code, "; ".join(messages), link
    message = data.get("message") or data.get("detail")
    return (
        data.get("code"),
        str(message) if message is not None else _excerpt(body),
        str(data["more_info"]) if data.get("more_info") else None,
    )


class Answer(NamedTuple):
    """
    An HTTP answer as both clients hand it over.

    :param status: HTTP status code.
    :param headers: response headers (``Retry-After`` and ``Location`` are read).
    :param body: the raw body, already read (bounded).
    :param reason: HTTP reason phrase, if the client has one.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    reason: str = ""


def error_from_response(
    answer: Answer,
    *,
    method: str,
    path: str,
    after_lost_response: bool = False,
    secrets: tuple[str, ...] = (),
) -> SignalWireError:
    """
    Build the error for a non-success answer.

    :param answer: the answer.
    :param method: request method, for the message.
    :param path: request path without query, for the message.
    :param after_lost_response: an earlier attempt of this call may have been delivered.
    :param secrets: credentials to scrub from whatever the body echoes.
    """
    status, headers, body, reason = answer
    code, api_message, more_info = parse_error_body(scrub_bytes(body, secrets))
    if secrets:
        code = scrub(code, secrets) if isinstance(code, str) else code
        api_message = scrub(api_message, secrets) if api_message else api_message
        more_info = scrub(more_info, secrets) if more_info else more_info
    parts = [f"SignalWire answered {status}{f' {reason}' if reason else ''} to {method} {path}"]
    if code is not None:
        parts.append(f"code {code}")
    if api_message:
        parts.append(api_message)
    if 300 <= status < 400:
        parts.append(f"redirect to {headers.get('Location', '?')!r} not followed")
    retry_after = retry_after_seconds(headers) if status in {429, 503} else None
    if retry_after is not None:
        parts.append(f"Retry-After {retry_after:g}s")
    if more_info:
        parts.append(f"see {more_info}")
    message = scrub(": ".join(parts[:2]) + "".join(f"; {part}" for part in parts[2:]), secrets)
    details: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "api_message": api_message,
        "more_info": more_info,
        "method": method,
        "path": path,
        "retry_after": retry_after,
    }
    if status == 404:
        details["after_lost_response"] = after_lost_response
    return _error_class(status)(message, **details)


def json_object_from_body(body: bytes, *, status: int, method: str, path: str) -> dict[str, Any]:
    """
    Parse a success body that must hold one JSON object.

    :param body: raw response body.
    :param status: HTTP status code, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    problem: str | None = None
    data: Any = None
    if not body.strip():
        problem = "an empty body"
    else:
        try:
            data = loads_strict(body)
        except ValueError as err:
            problem = f"a body that is not JSON ({_excerpt(body)}): {_short(err)}"
        else:
            if not isinstance(data, dict):
                problem = f"JSON {type(data).__name__} instead of an object"
    if problem is not None:
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with {problem}",
            status_code=status,
            method=method,
            path=path,
        )
    return dict(data)


def body_too_large(*, status: int, method: str, path: str) -> SignalWireResponseError:
    """Build the error for a body over :data:`MAX_BODY_BYTES`, which is never read in full."""
    return SignalWireResponseError(
        f"SignalWire answered {status} to {method} {path} with a body over "
        f"{MAX_BODY_BYTES} bytes; refused to read it",
        status_code=status,
        method=method,
        path=path,
    )


def result_from_answer(
    answer: Answer,
    *,
    method: str,
    path: str,
    after_lost_response: bool = False,
    secrets: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    """
    Turn a complete answer into the call's result: ``None`` for 204, the JSON object for 2xx.

    :param answer: the answer.
    :param method: request method, for messages.
    :param path: request path, for messages.
    :param after_lost_response: an earlier attempt of this call may have been delivered.
    :param secrets: credentials to scrub from whatever the answer echoes (error or object).
    :raises SignalWireError: the subclass for a non-2xx status or a 2xx without a JSON object
        (a body that is not strictly JSON, or not labelled ``application/json``).
    """
    if answer.status == 204:
        return None
    if not 200 <= answer.status < 300:
        raise error_from_response(
            answer,
            method=method,
            path=path,
            after_lost_response=after_lost_response,
            secrets=secrets,
        )
    status, headers = answer.status, answer.headers
    body = scrub_bytes(answer.body, secrets)
    data = json_object_from_body(body, status=status, method=method, path=path)
    if not _is_json(headers):
        shown = scrub(headers.get("Content-Type", "(none)")[:60], secrets)
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with Content-Type "
            f"{shown!r} instead of application/json",
            status_code=status,
            method=method,
            path=path,
        )
    return dict(scrub_data(data, secrets))


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """
    Tell whether a client library's error wraps an error of type ``kind``.

    Walks the wrapped errors (``args[0]``, urllib3's ``reason``, ``__cause__``, ``__context__``)
    that requests, urllib3, httpx and httpcore put around the ``ssl`` or ``socket`` error.

    :param exc: the client library's error.
    :param kind: e.g. ``ssl.SSLCertVerificationError`` or ``ConnectionRefusedError``.
    """
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        stack.extend(
            (getattr(current, "reason", None), *current.args[:1], current.__cause__,
             current.__context__)
        )  # fmt: skip
    return False


def transport_error(
    exc: BaseException, method: str, path: str, *, never_sent: bool, origin: str
) -> SignalWireConnectionError:
    """
    Build the error for a request that failed in transport, whichever client sent it.

    A certificate that failed verification becomes the permanent :class:`SignalWireTLSError`;
    anything else a :class:`SignalWireConnectionError` that names the host and port and says
    whether the request may have reached SignalWire.

    :param exc: the client library's error.
    :param method: request method, for the message.
    :param path: request path, for the message.
    :param never_sent: the connection was never established, so nothing reached SignalWire.
    :param origin: the Space's ``host:port``, for the message.
    """
    if caused_by(exc, ssl.SSLCertVerificationError):
        return SignalWireTLSError(
            f"SignalWire request {method} {path} to {origin} failed: the server's TLS "
            "certificate was not trusted; check the Space URL and the connection's verify extra",
            method=method,
            path=path,
        )
    if caused_by(exc, ConnectionRefusedError):
        never_sent = True  # refused before any byte of the request could be sent
        what = "connection refused (nothing listens there; connection was not established)"
    elif caused_by(exc, socket.gaierror):
        never_sent = True  # no address to connect to: nothing was sent
        what = "the host name did not resolve (check the Space URL; connection was not established)"
    elif never_sent:
        what = f"{type(exc).__name__} (connection was not established)"
    else:
        what = f"{type(exc).__name__} (no complete answer)"
    return SignalWireConnectionError(
        f"SignalWire request {method} {path} to {origin} failed: {what}",
        method=method,
        path=path,
        maybe_delivered=not never_sent,
    )


def deadline_error(
    method: str, path: str, *, origin: str, seconds: float
) -> SignalWireConnectionError:
    """
    Build the error for an answer that did not arrive in full within the read timeout.

    The read timeout is a deadline for the whole answer of one attempt, however slowly it drips.

    :param method: request method, for the message.
    :param path: request path, for the message.
    :param origin: the Space's ``host:port``, for the message.
    :param seconds: the read timeout.
    """
    return SignalWireConnectionError(
        f"SignalWire request {method} {path} to {origin} failed: ReadTimeout (no complete answer "
        f"within the {seconds:g}s read timeout)",
        method=method,
        path=path,
    )


def cancelled_error(
    method: str, path: str, *, origin: str, maybe_delivered: bool
) -> SignalWireCancelledError:
    """
    Build the error for a request of a killed task: cut off in flight, or never sent.

    :param method: request method, for the message.
    :param path: request path, for the message.
    :param origin: the Space's ``host:port``, for the message.
    :param maybe_delivered: the request had left before the kill.
    """
    what = "cut off" if maybe_delivered else "not sent"
    return SignalWireCancelledError(
        f"SignalWire request {method} {path} to {origin} {what}: the task was killed",
        method=method,
        path=path,
        maybe_delivered=maybe_delivered,
    )


def after_attempts(error: SignalWireError, attempts: int, waited: float) -> SignalWireError:
    """
    Build the final error of a call: ``error``, saying how many attempts were made.

    After retries the message also says how long was waited.

    :param error: the last attempt's error.
    :param attempts: requests sent.
    :param waited: seconds slept between them.
    """
    message = error.message
    if attempts > 1:
        message = f"{message} (gave up after {attempts} attempts, waited {waited:.1f}s)"
    return type(error)(message, **{**error.details(), "attempts": attempts})


def missing_body(method: str, path: str) -> SignalWireResponseError:
    """Build the error for a call that must answer an object but answered 204."""
    return SignalWireResponseError(
        f"SignalWire answered {method} {path} without a body", method=method, path=path
    )
