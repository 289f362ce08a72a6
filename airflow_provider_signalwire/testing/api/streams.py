"""The conference Streams start and stop operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api.fields import (
    STREAM_START,
    STREAM_STOP,
    custom_parameters,
)
from airflow_provider_signalwire.testing.api.request import ApiRequest, allow, check, options
from airflow_provider_signalwire.testing.params import first
from airflow_provider_signalwire.testing.responses import Response, json_response, unprocessable

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store import Store

#: Start fields kept on the stream for inspection; AuthorizationBearerToken is a secret.
_STREAM_OPTIONS = (
    "Url",
    "Track",
    "StatusCallback",
    "StatusCallbackMethod",
    "StreamCodec",
    "StreamRealTime",
)


def handle(store: Store, req: ApiRequest) -> Response:
    """
    Answer ``/Conferences/{sid}/Streams`` (start) and ``.../Streams/{sid or name}`` (stop).

    :param store: the state.
    :param req: the request.
    """
    allow(req, "POST")
    conference_sid = req.segments[1]
    store.conferences.get(conference_sid)  # an unknown conference is a 404 before a 422
    if len(req.segments) == 3:
        return _start(store, req, conference_sid)
    ident = req.segments[3]
    candidates = [ident] if ident == req.raw_last else [ident, req.raw_last]
    check(req, STREAM_STOP, unprocessable)
    stopped = store.streams.stop(conference_sid, candidates, req.repeat_stop_status)
    return json_response(200, stopped)


def _start(store: Store, req: ApiRequest, conference_sid: str) -> Response:
    check(req, STREAM_START, unprocessable)
    kept = options(req.form, _STREAM_OPTIONS)
    kept.setdefault("Track", "both_tracks")
    kept.setdefault("StatusCallbackMethod", "POST")
    stream = store.streams.add(
        conference_sid,
        name=first(req.form, "Name") or None,
        options=kept,
        parameters=custom_parameters(req.form),
        strict=True,
    )
    return json_response(200, stream)
