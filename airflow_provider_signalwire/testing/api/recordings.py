"""The conference Recordings list, fetch, update and delete operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api.request import ApiRequest, allow, listing, options
from airflow_provider_signalwire.testing.params import check_choice, first
from airflow_provider_signalwire.testing.responses import (
    Response,
    json_response,
    no_content,
    unprocessable,
)

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store import Store


def handle(store: Store, req: ApiRequest) -> Response:
    """
    Answer ``/Conferences/{sid}/Recordings`` and ``.../Recordings/{sid}``.

    :param store: the state.
    :param req: the request.
    """
    conference_sid = req.segments[1]
    if len(req.segments) == 3:
        allow(req, "GET")
        return listing(req, store.recordings.list(conference_sid), "recordings", ())
    allow(req, "GET", "POST", "DELETE")
    sid = req.segments[3]
    if req.method == "GET":
        return json_response(200, store.recordings.get(conference_sid, sid))
    if req.method == "DELETE":
        store.recordings.remove(conference_sid, sid)
        return no_content()
    return _update(store, req, conference_sid, sid)


def _update(store: Store, req: ApiRequest, conference_sid: str, sid: str) -> Response:
    store.recordings.get(conference_sid, sid)
    status = first(req.form, "Status")
    if status not in ("paused", "in-progress", "stopped"):
        raise unprocessable(f"Status must be one of paused, in-progress, stopped, got {status!r}")
    check_choice(first(req.form, "PauseBehavior"), "PauseBehavior", ("skip", "silence"))
    kept = options(req.form, ("PauseBehavior",))
    return json_response(200, store.recordings.update(conference_sid, sid, status, kept))
