"""
Account-level recording paths: a recording's metadata and its media file.

``/Recordings/{Sid}.json`` (or no suffix) needs credentials like every API path;
``/Recordings/{Sid}.wav`` and ``.mp3`` are public, so they are served without any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api.request import ApiRequest, allow
from airflow_provider_signalwire.testing.media import MEDIA_CONTENT_TYPES, media_chunks
from airflow_provider_signalwire.testing.responses import (
    Response,
    StreamedBody,
    json_response,
    not_found,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_signalwire.testing.store import Store

_ACCOUNT_PATH = ["", "api", "laml", "2010-04-01", "Accounts"]


def _media_format(name: str) -> str | None:
    sid, dot, suffix = name.rpartition(".")
    return suffix if dot and sid and suffix in MEDIA_CONTENT_TYPES else None


def is_public(method: str, segments: list[str]) -> bool:
    """
    Tell whether a request needs no credentials: a ``GET`` or ``HEAD`` of a media file.

    :param method: HTTP method.
    :param segments: all percent-decoded path segments (the first is empty).
    """
    return (
        method in ("GET", "HEAD")
        and len(segments) == len(_ACCOUNT_PATH) + 3
        and segments[: len(_ACCOUNT_PATH)] == _ACCOUNT_PATH
        and segments[-2] == "Recordings"
        and _media_format(segments[-1]) is not None
    )


def handle(store: Store, req: ApiRequest) -> Response:
    """
    Answer ``/Recordings/{Sid}`` (``.json`` or none), ``.wav`` and ``.mp3``.

    A media file exists once its recording is ``completed``; its bytes are
    :func:`~airflow_provider_signalwire.testing.media.media_chunks` of the recording's size.

    :param store: the state.
    :param req: the request.
    """
    if len(req.segments) != 2 or not req.segments[1]:
        raise not_found(req.path)
    name = req.segments[1]
    media_format = _media_format(name)
    if media_format is None:
        allow(req, "GET")
        recording, _ = store.media.describe(name)
        return json_response(200, recording)
    allow(req, "GET", "HEAD")
    sid = name[: -len(media_format) - 1]
    recording, size = store.media.describe(sid)
    if recording["status"] != "completed":
        raise not_found(req.path)

    def chunks(stop: int) -> Iterator[memoryview]:
        return media_chunks(sid, media_format, size, stop=stop)

    body = StreamedBody(size, chunks)
    return Response(200, b"", MEDIA_CONTENT_TYPES[media_format], streamed=body)
