"""The conference Streams start and stop operations."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from airflow_provider_signalwire.testing.api.request import (
    HTTP_METHODS,
    ApiRequest,
    allow,
    options,
)
from airflow_provider_signalwire.testing.params import Params, first
from airflow_provider_signalwire.testing.responses import Response, json_response, unprocessable

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.store import Store

TRACKS = ("inbound_track", "outbound_track", "both_tracks")
CODECS = ("PCMU", "PCMA", "L16", "L16@16000h", "L16@24000h")
_PARAMETER = re.compile(r"^Parameter(\d+)\.(Name|Value)$")
#: Start fields kept on the stream for inspection; AuthorizationBearerToken is a secret.
_STREAM_OPTIONS = ("Url", "Track", "StatusCallback", "StatusCallbackMethod", "StreamCodec")


def handle(store: Store, req: ApiRequest) -> Response:
    """
    Answer ``/Conferences/{sid}/Streams`` (start) and ``.../Streams/{sid or name}`` (stop).

    :param store: the state.
    :param req: the request.
    """
    allow(req, "POST")
    conference_sid = req.segments[1]
    if len(req.segments) == 3:
        return _start(store, req, conference_sid)
    status = first(req.form, "Status")
    ident = req.segments[3]
    candidates = [ident] if ident == req.raw_last else [ident, req.raw_last]
    store.conferences.get(conference_sid)  # an unknown conference is a 404 before a 422
    if status != "stopped":
        raise unprocessable("Status must be 'stopped'")
    stopped = store.streams.stop(conference_sid, candidates, req.repeat_stop_status)
    return json_response(200, stopped)


def _start(store: Store, req: ApiRequest, conference_sid: str) -> Response:
    store.conferences.get(conference_sid)
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
    kept = options(form, (*_STREAM_OPTIONS, "StreamRealTime"))
    kept.setdefault("Track", "both_tracks")
    kept.setdefault("StatusCallbackMethod", "POST")
    stream = store.streams.add(
        conference_sid, name=name, options=kept, parameters=parameters, strict=True
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
