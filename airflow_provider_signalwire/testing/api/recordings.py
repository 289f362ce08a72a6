"""The conference Recordings list, fetch, update and delete operations."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api.fields import RECORDING_UPDATE
from airflow_provider_signalwire.testing.api.request import (
    ApiRequest,
    allow,
    check,
    listing,
    options,
)
from airflow_provider_signalwire.testing.params import date_filters, first
from airflow_provider_signalwire.testing.responses import (
    Response,
    json_response,
    no_content,
    unprocessable,
)

RECORDING_FILTERS = ("DateCreated", "DateCreated<", "DateCreated>")

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
        return _list(store, req, conference_sid)
    allow(req, "GET", "POST", "DELETE")
    sid = req.segments[3]
    if req.method == "GET":
        return json_response(200, store.recordings.get(conference_sid, sid))
    if req.method == "DELETE":
        store.recordings.remove(conference_sid, sid)
        return no_content()
    return _update(store, req, conference_sid, sid)


def _list(store: Store, req: ApiRequest, conference_sid: str) -> Response:
    created = date_filters(req.query, "DateCreated")
    items = [
        r
        for r in store.recordings.list(conference_sid)
        if all(test(parsedate_to_datetime(r["date_created"]).date()) for test in created)
    ]
    return listing(req, items, "recordings", RECORDING_FILTERS)


def _update(store: Store, req: ApiRequest, conference_sid: str, sid: str) -> Response:
    store.recordings.get(conference_sid, sid)
    check(req, RECORDING_UPDATE, unprocessable)
    status = str(first(req.form, "Status"))
    kept = options(req.form, ("PauseBehavior",))
    return json_response(200, store.recordings.update(conference_sid, sid, status, kept))
