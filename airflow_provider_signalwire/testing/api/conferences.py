"""The Conferences list, fetch and update operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api.fields import CONFERENCE_UPDATE
from airflow_provider_signalwire.testing.api.request import (
    ApiRequest,
    allow,
    check,
    listing,
    options,
)
from airflow_provider_signalwire.testing.params import check_choice, date_filters, first
from airflow_provider_signalwire.testing.responses import (
    Response,
    invalid_parameter,
    json_response,
    unprocessable_object,
)
from airflow_provider_signalwire.testing.store.conferences import CONFERENCE_STATUSES

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store import Store
    from airflow_provider_signalwire.testing.store.conferences import Conference

MAX_FRIENDLY_NAME = 64
CONFERENCE_FILTERS = (
    "FriendlyName",
    "Status",
    *(f"{field}{op}" for field in ("DateCreated", "DateUpdated") for op in ("", "<", ">")),
)


def handle(store: Store, req: ApiRequest) -> Response:
    """
    Answer ``/Conferences`` and ``/Conferences/{sid}``.

    :param store: the state.
    :param req: the request.
    """
    if len(req.segments) == 1:
        allow(req, "GET")
        return _list(store, req)
    allow(req, "GET", "POST")
    sid = req.segments[1]
    if req.method == "GET":
        return json_response(200, store.conferences.get(sid))
    return _update(store, req, sid)


def _list(store: Store, req: ApiRequest) -> Response:
    name = first(req.query, "FriendlyName")
    if name is not None and len(name) > MAX_FRIENDLY_NAME:
        raise invalid_parameter(f"FriendlyName must be at most {MAX_FRIENDLY_NAME} characters")
    status = check_choice(
        first(req.query, "Status"), "Status", CONFERENCE_STATUSES, invalid_parameter
    )
    created = date_filters(req.query, "DateCreated")
    updated = date_filters(req.query, "DateUpdated")

    def keep(c: Conference) -> bool:
        return (
            (name is None or c.friendly_name == name)
            and (status is None or c.status == status)
            and all(check(c.date_created.date()) for check in created)
            and all(check(c.date_updated.date()) for check in updated)
        )

    return listing(req, store.conferences.list(keep), "conferences", CONFERENCE_FILTERS)


def _update(store: Store, req: ApiRequest, sid: str) -> Response:
    store.conferences.get(sid)
    check(req, CONFERENCE_UPDATE, unprocessable_object)
    status = first(req.form, "Status")
    kept = options(req.form, ("AnnounceUrl", "AnnounceMethod"))
    return json_response(200, store.conferences.update(sid, status, kept))
