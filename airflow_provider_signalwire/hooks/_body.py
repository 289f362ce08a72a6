"""
What both clients do with an answer's body, written once: bound it, inflate it, page through it.

Pure functions over bytes, headers and parsed pages; the sync and async transports only differ in
how they read the bytes off the socket.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._errors import MAX_BODY_BYTES, body_too_large
from airflow_provider_signalwire.hooks._urls import next_page

if TYPE_CHECKING:
    from collections.abc import Mapping

#: ``Content-Encoding`` values both clients accept (``""`` is no header).
SUPPORTED_ENCODINGS = frozenset({"", "identity", "gzip", "deflate"})


def check_declared_length(
    headers: Mapping[str, str], *, status: int, method: str, path: str
) -> None:
    """
    Refuse an answer that announces a body over :data:`MAX_BODY_BYTES` before reading it.

    :param headers: the answer's headers.
    :param status: HTTP status, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    declared = headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise body_too_large(status=status, method=method, path=path)


def content_encoding(headers: Mapping[str, str], *, status: int, method: str, path: str) -> str:
    """
    Return the answer's ``Content-Encoding``, lower-cased, refusing one no client can inflate.

    :param headers: the answer's headers.
    :param status: HTTP status, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    encoding = headers.get("Content-Encoding", "").strip().lower()
    if encoding not in SUPPORTED_ENCODINGS:
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with an "
            f"unsupported Content-Encoding {encoding!r}",
            status_code=status,
            method=method,
            path=path,
        )
    return encoding


def inflate_bounded(raw: bytes, encoding: str, *, status: int, method: str, path: str) -> bytes:
    """
    Decompress a body received as-is, never past :data:`MAX_BODY_BYTES`.

    :param raw: the bytes as received.
    :param encoding: what :func:`content_encoding` returned.
    :param status: HTTP status, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    if encoding in {"", "identity"}:
        return raw
    try:
        # wbits=47: a gzip or zlib header, detected; never inflate past the cap
        body = zlib.decompressobj(wbits=47).decompress(raw, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with a "
            f"{encoding} body that does not decompress",
            status_code=status,
            method=method,
            path=path,
        ) from None
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large(status=status, method=method, path=path)
    return body


def page_items(
    page: dict[str, Any] | None, key: str, path: str
) -> tuple[list[dict[str, Any]], tuple[str, list[tuple[str, str]]] | None]:
    """
    Split one page of a list into its objects and where the next page is.

    :param page: the page's JSON object (``None`` for an empty answer).
    :param key: the list's key, e.g. ``conferences``.
    :param path: the path this page was fetched from.
    :return: the page's objects and ``(path, query)`` of the next page, or ``None`` on the last.
    """
    items = (page or {}).get(key)
    if not isinstance(items, list):
        raise SignalWireResponseError(f"SignalWire page of {path} has no {key!r} list")
    next_uri = (page or {}).get("next_page_uri")
    following = next_page(str(next_uri), path) if next_uri else None
    return [item for item in items if isinstance(item, dict)], following
