"""
What both clients do with an answer's body, written once: bound it, inflate it, page through it.

Pure functions over bytes, headers and parsed pages; the sync and async transports only differ in
how they read the bytes off the socket.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._answers import checked_items
from airflow_provider_signalwire.hooks._errors import MAX_BODY_BYTES, body_too_large
from airflow_provider_signalwire.hooks._urls import next_page

if TYPE_CHECKING:
    from collections.abc import Sequence

#: ``Content-Encoding`` values both clients accept (``""`` is no header).
SUPPORTED_ENCODINGS = frozenset({"", "identity", "gzip", "deflate"})
#: Names a recipient takes as another coding (RFC 9110, section 8.4.1.3).
ENCODING_ALIASES = {"x-gzip": "gzip"}


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
    encoding = ENCODING_ALIASES.get(encoding, encoding)
    if encoding not in SUPPORTED_ENCODINGS:
        raise SignalWireResponseError(
            f"SignalWire answered {status} to {method} {path} with an "
            f"unsupported Content-Encoding {encoding!r}",
            status_code=status,
            method=method,
            path=path,
        )
    return encoding


def _inflate(raw: bytes, wbits: int, members: bool) -> bytes:
    """Inflate ``raw`` (each gzip member if ``members``), up to one byte past the cap."""
    body = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits=wbits)
        body += inflater.decompress(raw, MAX_BODY_BYTES + 1 - len(body))
        if len(body) > MAX_BODY_BYTES:
            return bytes(body)
        if not inflater.eof:
            raise zlib.error("the compressed stream is cut off")
        raw = inflater.unused_data
        if not (members and raw):
            return bytes(body)


def inflate_bounded(raw: bytes, encoding: str, *, status: int, method: str, path: str) -> bytes:
    """
    Decompress a body received as-is, never past :data:`MAX_BODY_BYTES`.

    ``gzip`` may hold several members (RFC 1952); ``deflate`` is a zlib stream (RFC 9110) or,
    as some servers send it, a bare deflate stream.

    :param raw: the bytes as received.
    :param encoding: what :func:`content_encoding` returned.
    :param status: HTTP status, for the message.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    if encoding in {"", "identity"} or not raw:
        return raw
    try:
        # wbits=47: a gzip or zlib header, detected rather than trusted from the label.
        if encoding == "gzip":
            body = _inflate(raw, 47, members=True)
        else:
            try:
                body = _inflate(raw, 47, members=False)
            except zlib.error:
                body = _inflate(raw, -15, members=False)
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
    return checked_items(items, key, path), following


class PageTrail:
    """
    The pages one listing has read: a page read twice, or too many pages, end it.

    A ``next_page_uri`` that comes back to a page already read (itself, or a cycle of any length)
    would page forever; the cap guards against a server that invents new pages without end.

    :param max_pages: most pages one listing reads.
    """

    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self._seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

    def visit(self, path: str, query: Mapping[str, str] | Sequence[tuple[str, str]]) -> None:
        """
        Record that the page at ``path`` with ``query`` is about to be read.

        :param path: the page's path (with or without ``.json``).
        :param query: its query parameters.
        :raises SignalWireResponseError: the page was read before, or the cap is reached.
        """
        pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
        page = (path.removesuffix(".json"), tuple(sorted(pairs)))
        shown = f"{path}?{urlencode(pairs)}" if pairs else path
        if page in self._seen:
            raise SignalWireResponseError(
                f"SignalWire's next_page_uri leads back to {shown!r}, a page already read; "
                f"paging stopped after {len(self._seen)} page(s)"
            )
        if len(self._seen) >= self.max_pages:
            raise SignalWireResponseError(
                f"SignalWire's next_page_uri goes on past {self.max_pages} pages of {path} "
                "(max_pages); paging stopped"
            )
        self._seen.add(page)
