"""
Turn SignalWire's HTTP answers into results or errors, whatever client fetched them.

SignalWire answers errors in three shapes: ``{"code", "message", "more_info", "status"}``,
``{"errors": ["message", ...]}`` and ``{"errors": [{"code", "message", "more_info"}, ...]}``; a
proxy in between may answer HTML, nothing, or a cut-off body. All of them end up here as one
:class:`~airflow_provider_signalwire.exceptions.SignalWireError` subclass with a readable message.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireResponseError,
    SignalWireServerError,
)
from airflow_provider_signalwire.retry import retry_after_seconds

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
    if status >= 500:
        return SignalWireServerError
    if 300 <= status < 400:
        return SignalWireResponseError
    return SignalWireRequestError


def _excerpt(body: bytes) -> str:
    text = body[:_EXCERPT].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("..." if len(body) > _EXCERPT else "")


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
        data: Any = json.loads(body)
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


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    path: str,
    reason: str = "",
) -> SignalWireError:
    """
    Build the error for a non-success answer.

    :param status: HTTP status code.
    :param headers: response headers (``Retry-After`` and ``Location`` are read).
    :param body: raw response body.
    :param method: request method, for the message.
    :param path: request path without query, for the message.
    :param reason: HTTP reason phrase, if the client has one.
    """
    code, api_message, more_info = parse_error_body(body)
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
    return _error_class(status)(
        ": ".join(parts[:2]) + "".join(f"; {part}" for part in parts[2:]),
        status_code=status,
        code=code,
        api_message=api_message,
        more_info=more_info,
        method=method,
        path=path,
        retry_after=retry_after,
    )


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
            data = json.loads(body)
        except ValueError:
            problem = f"a body that is not JSON ({_excerpt(body)})"
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
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    method: str,
    path: str,
    reason: str = "",
) -> dict[str, Any] | None:
    """
    Turn a complete answer into the call's result: ``None`` for 204, the JSON object for 2xx.

    :param status: HTTP status code.
    :param headers: response headers.
    :param body: the raw body, already read (bounded).
    :param method: request method, for messages.
    :param path: request path, for messages.
    :param reason: HTTP reason phrase, if the client has one.
    :raises SignalWireError: the subclass for a non-2xx status or a 2xx without a JSON object.
    """
    if status == 204:
        return None
    if not 200 <= status < 300:
        raise error_from_response(status, headers, body, method=method, path=path, reason=reason)
    return json_object_from_body(body, status=status, method=method, path=path)
