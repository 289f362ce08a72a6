"""The log of API requests the emulator received, with secrets removed."""

from __future__ import annotations

import threading
from dataclasses import dataclass

#: Form fields whose values are secrets and are never recorded.
SECRET_FIELDS = frozenset({"AuthorizationBearerToken"})
#: Headers never recorded; they carry credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
REDACTED = "***"


@dataclass(frozen=True)
class RecordedRequest:
    """
    One API request as the emulator received it (admin requests are not recorded).

    :param method: HTTP method.
    :param path: raw request path as received, without the query string.
    :param query: parsed query string.
    :param form: parsed form body; secret fields are replaced by ``"***"``.
    :param auth_user: the Basic auth user name, or ``None`` without usable Basic credentials.
    :param auth_ok: whether the credentials were accepted.
    :param headers: request headers except ``Authorization`` (and other credential headers).
    :param raw_path: the full request target as received (percent-encoding and query kept).
    :param time: ``time.monotonic()`` when the request was read.
    :param fault: the fault applied (``"drop"``, ``"respond:503"``, ...), or ``None``.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    auth_user: str | None
    auth_ok: bool
    headers: dict[str, str]
    raw_path: str
    time: float
    fault: str | None = None


#: Shorter tokens are not scrubbed from text: replacing a few common letters would garble it.
MIN_SCRUB_LENGTH = 6


def scrub(text: str, token: str) -> str:
    """
    Replace occurrences of ``token`` in ``text`` by ``"***"``.

    The token only gets into a URL or a form by client mistake; keep it out of the log anyway.

    :param text: any recorded text.
    :param token: the emulator's API token.
    """
    return text.replace(token, REDACTED) if len(token) >= MIN_SCRUB_LENGTH else text


def redacted_params(params: dict[str, list[str]], token: str) -> dict[str, list[str]]:
    """
    Copy ``params`` with secret fields masked and the token scrubbed from every value.

    :param params: parsed query string or form.
    :param token: the emulator's API token.
    """
    return {
        scrub(key, token): [
            REDACTED if key in SECRET_FIELDS else scrub(value, token) for value in values
        ]
        for key, values in params.items()
    }


def redacted_headers(headers: list[tuple[str, str]], token: str) -> dict[str, str]:
    """
    Copy headers without credential headers and with the token scrubbed.

    :param headers: header name/value pairs as received.
    :param token: the emulator's API token.
    """
    return {
        name: scrub(value, token) for name, value in headers if name.lower() not in SECRET_HEADERS
    }


class RequestLog:
    """Thread-safe, append-only list of :class:`RecordedRequest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        """
        Record a request.

        :param item: the request.
        """
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RecordedRequest]:
        """Return a copy of the log in arrival order."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._items.clear()
