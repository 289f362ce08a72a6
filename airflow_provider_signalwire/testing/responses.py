"""HTTP responses and SignalWire-shaped error bodies used by the emulator."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
MORE_INFO = "https://developer.signalwire.com/compatibility-api/reference/error-codes"

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class StreamedBody:
    """
    A body too large to hold: produced chunk by chunk while it is sent.

    :param length: its size in bytes (the ``Content-Length``).
    :param chunks: ``chunks(stop)`` yields the body's bytes ``0`` to ``stop``.
    """

    length: int
    chunks: Callable[[int], Iterator[bytes | memoryview]]


@dataclass(frozen=True)
class Response:
    """
    A fully rendered HTTP response.

    :param status: HTTP status code.
    :param body: the exact bytes to send.
    :param content_type: value of ``Content-Type``, or ``None`` to omit the header.
    :param headers: extra headers, in order.
    :param streamed: a body produced while sending, used instead of ``body`` (media files).
    """

    status: int
    body: bytes = b""
    content_type: str | None = JSON_CONTENT_TYPE
    headers: Headers = ()
    streamed: StreamedBody | None = None

    @property
    def length(self) -> int:
        """Size of the body in bytes."""
        return len(self.body) if self.streamed is None else self.streamed.length

    def chunks(self, stop: int) -> Iterator[bytes | memoryview]:
        """
        Yield the body's bytes ``0`` to ``stop``.

        :param stop: how many bytes to produce (at most the body's length).
        """
        if self.streamed is not None:
            yield from self.streamed.chunks(min(stop, self.streamed.length))
            return
        view = memoryview(self.body)[:stop]
        for offset in range(0, len(view), 64 * 1024):
            yield view[offset : offset + 64 * 1024]

    def with_headers(self, extra: Headers) -> Response:
        """
        Return a copy with ``extra`` headers appended.

        :param extra: header name/value pairs to add.
        """
        return dataclasses.replace(self, headers=self.headers + extra)


def json_response(status: int, payload: Any, headers: Headers = ()) -> Response:
    """
    Render ``payload`` as a JSON response.

    :param status: HTTP status code.
    :param payload: any JSON-serialisable value.
    :param headers: extra headers.
    """
    return Response(status, json.dumps(payload).encode("utf-8"), JSON_CONTENT_TYPE, headers)


def no_content() -> Response:
    """Return the empty 204 answer that DELETE requests get."""
    return Response(204, b"", None)


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """
    Build the usual SignalWire error object.

    :param status: HTTP status code, repeated in the body.
    :param code: SignalWire error code.
    :param message: human readable message.
    """
    return {"code": code, "message": message, "more_info": MORE_INFO, "status": status}


def default_error_body(status: int) -> dict[str, Any]:
    """
    Build a plausible error body for an arbitrary status (used by faults).

    :param status: HTTP status code.
    """
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    # SignalWire mirrors Twilio's 20xxx codes (20404, 20429, 20500, ...) for generic HTTP errors.
    return error_body(status, 20000 + status, phrase)


class ApiError(Exception):
    """
    An error answer, raised anywhere in request handling and rendered by the router.

    :param response: the response to send.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def not_found(path: str) -> ApiError:
    """
    404 for an unknown route or resource.

    :param path: the request path, echoed in the message as SignalWire does.
    """
    body = error_body(404, 20404, f"The requested resource {path} was not found")
    return ApiError(json_response(404, body))


def method_not_allowed(allowed: tuple[str, ...]) -> ApiError:
    """
    405 for a known route called with the wrong method.

    :param allowed: the methods the route accepts.
    """
    body = error_body(405, 20004, "Method not allowed")
    return ApiError(json_response(405, body, (("Allow", ", ".join(allowed)),)))


def auth_failed() -> ApiError:
    """401 for missing or wrong Basic credentials."""
    body = error_body(401, 20003, "Authentication failed")
    return ApiError(json_response(401, body, (("WWW-Authenticate", 'Basic realm="SignalWire"'),)))


def unprocessable(*messages: str) -> ApiError:
    """
    422 with the ``{"errors": [...]}`` (array of strings) shape.

    The spec gives this shape to stream start and stop and to recording update.

    :param messages: one message per problem found.
    """
    return ApiError(json_response(422, {"errors": list(messages)}))


def unprocessable_object(*messages: str) -> ApiError:
    """
    422 with the ``{code, message, more_info, status}`` shape (conference and participant update).

    :param messages: one message per problem found, joined into the one message.
    """
    return ApiError(json_response(422, error_body(422, 20422, "; ".join(messages))))


def invalid_parameter(message: str) -> ApiError:
    """
    400 with the ``{code, message, more_info, status}`` shape every operation documents.

    :param message: what is wrong, naming the parameter.
    """
    return ApiError(json_response(400, error_body(400, 20400, message)))


def unsupported_media_type(content_type: str) -> ApiError:
    """
    415 for a request body that is neither form-encoded nor JSON.

    :param content_type: the ``Content-Type`` received.
    """
    message = (
        f"Unsupported Content-Type {content_type!r}: send "
        "application/x-www-form-urlencoded or application/json"
    )
    return ApiError(json_response(415, error_body(415, 20415, message)))
