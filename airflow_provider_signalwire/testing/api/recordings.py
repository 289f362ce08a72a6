"""The conference Recordings list, fetch, update and delete operations."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api.fields import RECORDING_UPDATE
from airflow_provider_signalwire.testing.api.request import (
    ApiRequest,
    check,
    conference_items,
    listing,
    options,
)
from airflow_provider_signalwire.testing.params import date_filters, first
from airflow_provider_signalwire.testing.responses import (
    Response,
    json_response,
    unprocessable,
)

RECORDING_FILTERS = ("DateCreated", "DateCreated<", "DateCreated>")

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store import Store


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


#: Answers ``/Conferences/{sid}/Recordings`` and one of them (see :func:`conference_items`).
handle = conference_items(lambda store: store.recordings, _list, _update)
