"""Routing and handlers of the emulated Compatibility API (conference resources)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.testing.models import (
    CONFERENCE_STATUSES,
    Conference,
    ConflictError,
    Participant,
    UnknownResourceError,
)
from airflow_provider_signalwire.testing.params import (
    Params,
    check_choice,
    date_filters,
    first,
    paginate,
    parse_bool,
)
from airflow_provider_signalwire.testing.responses import (
    Response,
    forbidden,
    invalid_parameter,
    json_response,
    method_not_allowed,
    no_content,
    not_found,
    unprocessable,
)

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.state import Store

API_PREFIX = ["", "api", "laml", "2010-04-01", "Accounts"]
HTTP_METHODS = ("GET", "POST")
TRACKS = ("inbound_track", "outbound_track", "both_tracks")
CODECS = ("PCMU", "PCMA", "L16", "L16@16000h", "L16@24000h")
CONFERENCE_FILTERS = (
    "FriendlyName",
    "Status",
    *(f"{field}{op}" for field in ("DateCreated", "DateUpdated") for op in ("", "<", ">")),
)
_PARAMETER = re.compile(r"^Parameter(\d+)\.(Name|Value)$")
#: Start fields kept on the stream for inspection; AuthorizationBearerToken is a secret.
_STREAM_OPTIONS = ("Url", "Track", "StatusCallback", "StatusCallbackMethod", "StreamCodec")


@dataclass(frozen=True)
class ApiRequest:
    """
    An authenticated API request, reduced to what the handlers need.

    :param method: HTTP method.
    :param path: the raw request path (no query), echoed in 404 messages.
    :param segments: percent-decoded path segments after ``/Accounts/{AccountSid}``, with a
        trailing ``.json`` removed from the last one.
    :param raw_last: the last segment before ``.json`` was removed.
    :param query: parsed query string.
    :param form: parsed form body.
    """

    method: str
    path: str
    segments: list[str]
    raw_last: str
    query: Params
    form: Params


def route(
    store: Store,
    method: str,
    path: str,
    segments: list[str],
    query: Params,
    form: Params,
    repeat_stop_status: int,
) -> Response:
    """
    Answer an authenticated API request.

    :param store: the state to read and change.
    :param method: HTTP method.
    :param path: the raw request path, without query.
    :param segments: all percent-decoded path segments (the first is empty).
    :param query: parsed query string.
    :param form: parsed form body.
    :param repeat_stop_status: 200 or 404, the answer to stopping a stopped stream.
    """
    if segments[: len(API_PREFIX)] != API_PREFIX or len(segments) < len(API_PREFIX) + 2:
        raise not_found(path)
    if segments[len(API_PREFIX)] != store.render.project_id:
        raise forbidden()
    rest = segments[len(API_PREFIX) + 1 :]
    raw_last = rest[-1]
    if raw_last.endswith(".json"):
        rest = [*rest[:-1], raw_last[: -len(".json")]]
    req = ApiRequest(method, path, rest, raw_last, query, form)
    try:
        return _dispatch(store, req, repeat_stop_status)
    except UnknownResourceError:
        raise not_found(path) from None
    except ConflictError as exc:
        raise unprocessable(str(exc)) from None


def _allow(req: ApiRequest, *allowed: str) -> None:
    if req.method not in allowed:
        raise method_not_allowed(allowed)


def _dispatch(store: Store, req: ApiRequest, repeat_stop_status: int) -> Response:
    s = req.segments
    if not s or s[0] != "Conferences" or len(s) > 4 or "" in s:
        raise not_found(req.path)
    if len(s) == 1:
        _allow(req, "GET")
        return _list_conferences(store, req)
    conference_sid = s[1]
    if len(s) == 2:
        _allow(req, "GET", "POST")
        if req.method == "GET":
            return json_response(200, store.get_conference(conference_sid))
        return _update_conference(store, req, conference_sid)
    kind = s[2]
    if kind not in ("Participants", "Recordings", "Streams"):
        raise not_found(req.path)
    if len(s) == 3:
        _allow(req, "POST" if kind == "Streams" else "GET")
        if kind == "Participants":
            return _list_participants(store, req, conference_sid)
        if kind == "Recordings":
            return _list(req, store.list_recordings(conference_sid), "recordings", ())
        return _start_stream(store, req, conference_sid)
    if kind == "Streams":
        _allow(req, "POST")
        status = first(req.form, "Status")
        candidates = [s[3]] if s[3] == req.raw_last else [s[3], req.raw_last]
        store.get_conference(conference_sid)  # an unknown conference is a 404 before a 422
        if status != "stopped":
            raise unprocessable("Status must be 'stopped'")
        return json_response(200, store.stop_stream(conference_sid, candidates, repeat_stop_status))
    _allow(req, "GET", "POST", "DELETE")
    if kind == "Participants":
        if req.method == "GET":
            return json_response(200, store.get_participant(conference_sid, s[3]))
        if req.method == "DELETE":
            store.remove_participant(conference_sid, s[3])
            return no_content()
        return _update_participant(store, req, conference_sid, s[3])
    if req.method == "GET":
        return json_response(200, store.get_recording(conference_sid, s[3]))
    if req.method == "DELETE":
        store.remove_recording(conference_sid, s[3])
        return no_content()
    return _update_recording(store, req, conference_sid, s[3])


def _list(
    req: ApiRequest, items: list[dict[str, Any]], key: str, filters: tuple[str, ...]
) -> Response:
    list_path = req.path if req.path.endswith(".json") else f"{req.path}.json"
    return json_response(200, paginate(items, key, list_path, req.query, filters))


def _list_conferences(store: Store, req: ApiRequest) -> Response:
    name = first(req.query, "FriendlyName")
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

    return _list(req, store.list_conferences(keep), "conferences", CONFERENCE_FILTERS)


def _update_conference(store: Store, req: ApiRequest, sid: str) -> Response:
    store.get_conference(sid)
    status = first(req.form, "Status")
    if status is not None and status != "completed":
        raise unprocessable(f"Status must be 'completed', got {status!r}")
    check_choice(first(req.form, "AnnounceMethod"), "AnnounceMethod", HTTP_METHODS)
    options = _options(req.form, ("AnnounceUrl", "AnnounceMethod"))
    return json_response(200, store.update_conference(sid, status, options))


def _list_participants(store: Store, req: ApiRequest, conference_sid: str) -> Response:
    wanted: dict[str, bool] = {}
    for name in ("Muted", "Hold"):
        raw = first(req.query, name)
        if raw is not None:
            wanted[name.lower()] = parse_bool(raw, name, invalid_parameter)

    def keep(p: Participant) -> bool:
        return all(getattr(p, attribute) == value for attribute, value in wanted.items())

    items = store.list_participants(conference_sid, keep)
    return _list(req, items, "participants", ("Muted", "Hold"))


_PARTICIPANT_BOOLS = {
    "Muted": "muted",
    "Hold": "hold",
    "EndConferenceOnExit": "end_conference_on_exit",
    "Coaching": "coaching",
    "BeepOnExit": None,
}


def _update_participant(
    store: Store, req: ApiRequest, conference_sid: str, call_sid: str
) -> Response:
    store.get_participant(conference_sid, call_sid)
    changes: dict[str, Any] = {}
    for name, attribute in _PARTICIPANT_BOOLS.items():
        raw = first(req.form, name)
        if raw is not None:
            value = parse_bool(raw, name)
            if attribute:
                changes[attribute] = value
    for name in ("HoldMethod", "AnnounceMethod"):
        check_choice(first(req.form, name), name, HTTP_METHODS)
    coach = first(req.form, "CallSidToCoach")
    if coach is not None:
        changes["call_sid_to_coach"] = coach
    options = _options(
        req.form, ("HoldUrl", "HoldMethod", "AnnounceUrl", "AnnounceMethod", "BeepOnExit")
    )
    return json_response(200, store.update_participant(conference_sid, call_sid, changes, options))


def _update_recording(store: Store, req: ApiRequest, conference_sid: str, sid: str) -> Response:
    store.get_recording(conference_sid, sid)
    status = first(req.form, "Status")
    if status not in ("paused", "in-progress", "stopped"):
        raise unprocessable(f"Status must be one of paused, in-progress, stopped, got {status!r}")
    check_choice(first(req.form, "PauseBehavior"), "PauseBehavior", ("skip", "silence"))
    options = _options(req.form, ("PauseBehavior",))
    return json_response(200, store.update_recording(conference_sid, sid, status, options))


def _start_stream(store: Store, req: ApiRequest, conference_sid: str) -> Response:
    store.get_conference(conference_sid)
    form = req.form
    errors: list[str] = []
    url = first(form, "Url")
    if not url or not url.startswith("wss://") or len(url) <= len("wss://"):
        errors.append("Url must be a valid wss:// URL")
    name = first(form, "Name")
    if name == "":
        errors.append("Name must not be empty")
    choices = (
        ("Track", TRACKS),
        ("StatusCallbackMethod", HTTP_METHODS),
        ("StreamCodec", CODECS),
        ("StreamRealTime", ("true", "false")),
    )
    for field, allowed in choices:
        value = first(form, field)
        if value is not None and value not in allowed:
            errors.append(f"{field} must be one of {', '.join(allowed)}, got {value!r}")
    parameters, parameter_errors = _parameters(form)
    errors.extend(parameter_errors)
    if errors:
        raise unprocessable(*errors)
    options = _options(form, (*_STREAM_OPTIONS, "StreamRealTime"))
    options.setdefault("Track", "both_tracks")
    options.setdefault("StatusCallbackMethod", "POST")
    stream = store.add_stream(
        conference_sid, name=name, options=options, parameters=parameters, strict=True
    )
    return json_response(201, stream)


def _parameters(form: Params) -> tuple[dict[str, str], list[str]]:
    names: dict[int, str] = {}
    values: dict[int, str] = {}
    errors: list[str] = []
    for key, given in form.items():
        match = _PARAMETER.match(key)
        if not match:
            continue
        index = int(match.group(1))
        if not 1 <= index <= 99:
            errors.append(f"{key}: custom parameters are numbered 1 to 99")
            continue
        (names if match.group(2) == "Name" else values)[index] = given[0]
    for index in sorted(values.keys() - names.keys()):
        errors.append(f"Parameter{index}.Value given without Parameter{index}.Name")
    return {names[i]: values.get(i, "") for i in sorted(names)}, errors


def _options(form: Params, names: tuple[str, ...]) -> dict[str, str]:
    return {name: value for name in names if (value := first(form, name)) is not None}
