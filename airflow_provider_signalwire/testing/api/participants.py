"""The Participants list, fetch, update and delete operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.testing.api.fields import PARTICIPANT_UPDATE
from airflow_provider_signalwire.testing.api.request import (
    ApiRequest,
    check,
    conference_items,
    listing,
    options,
)
from airflow_provider_signalwire.testing.params import first, parse_bool
from airflow_provider_signalwire.testing.responses import (
    Response,
    invalid_parameter,
    json_response,
    unprocessable_object,
)

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store import Store
    from airflow_provider_signalwire.testing.store.participants import Participant

#: Body fields that change the participant object, and its attribute for each.
_BOOLEANS = {"Muted": "muted", "Hold": "hold", "Coaching": "coaching"}
#: Accepted fields kept for inspection only (announcements, hold and wait music).
_KEPT = ("AnnounceUrl", "AnnounceMethod", "HoldUrl", "HoldMethod", "WaitUrl", "WaitMethod")


def _list(store: Store, req: ApiRequest, conference_sid: str) -> Response:
    wanted: dict[str, bool] = {}
    for name in ("Muted", "Hold"):
        raw = first(req.query, name)
        if raw is not None:
            wanted[name.lower()] = parse_bool(raw, name, invalid_parameter)

    def keep(p: Participant) -> bool:
        return all(getattr(p, attribute) == value for attribute, value in wanted.items())

    items = store.participants.list(conference_sid, keep)
    return listing(req, items, "participants", ("Muted", "Hold"))


def _update(store: Store, req: ApiRequest, conference_sid: str, call_sid: str) -> Response:
    current = store.participants.get(conference_sid, call_sid)
    check(req, PARTICIPANT_UPDATE, unprocessable_object)
    changes: dict[str, Any] = {}
    for name, attribute in _BOOLEANS.items():
        raw = first(req.form, name)
        if raw is not None:
            changes[attribute] = parse_bool(raw, name)
    coach = first(req.form, "CallSidToCoach")
    if coach is not None:
        changes["call_sid_to_coach"] = coach
    if changes.get("coaching") and not (coach or current["call_sid_to_coach"]):
        raise unprocessable_object("Coaching requires CallSidToCoach")
    kept = options(req.form, _KEPT)
    return json_response(200, store.participants.update(conference_sid, call_sid, changes, kept))


#: Answers ``/Conferences/{sid}/Participants`` and one of them (see :func:`conference_items`).
handle = conference_items(lambda store: store.participants, _list, _update)
