"""
The ``/_emulator/...`` endpoints: the remote control of :class:`~.control.EmulatorControl`.

They need no auth (the emulator only listens on loopback), are not recorded and are never
faulted. Listening on loopback does not keep a web browser out, though: a page the developer
visits can send requests to ``127.0.0.1`` (CSRF), or have its own host name resolve to it (DNS
rebinding) and then read the answers. So every admin request is refused with 403 unless

* its ``Host`` header is the address the emulator serves, with its port (``127.0.0.1:8765``, or
  ``localhost:8765``; ``[::1]:8765`` when serving on IPv6), exactly once; and
* it has no ``Origin`` header, or one of ``http://`` and such a host (a page served by the
  emulator itself), and no ``Sec-Fetch-Site: cross-site``.

Python clients (``requests``, ``httpx``, ``urllib``) and ``curl`` on loopback send exactly that
``Host`` and no ``Origin``, so they keep working unchanged. The SignalWire API endpoints are not
affected (they need the token). Endpoints (form-encoded bodies):

* ``GET state`` -- everything held, with stop counts and settings;
* ``POST reset`` -- back to the seeded state, without requests, faults or timers;
* ``GET requests`` / ``DELETE requests`` -- the recorded API requests;
* ``GET stats`` / ``DELETE stats`` -- the peak of concurrent API requests, and its reset;
* ``POST conferences`` (``FriendlyName``, ``Status``, ``Count``) -- create a conference, or
  ``Count`` of them (answers ``{"sids": [...]}``: a busy account in one call);
* ``POST conferences/{sid}`` (``Status``, ``After``, ``At``) -- set its status now or later,
  or with ``At`` (ISO 8601 with an offset) writing that ``date_updated``;
* ``POST conferences/{sid}/hide`` (``Seconds``) -- leave it out of listings for a while;
* ``POST conferences/{sid}/stale`` (``Seconds``) -- list a copy of it as it is now, beside
  its fresh self, for a while;
* ``POST conferences/{sid}/streams`` (``Count``, or ``Name`` once per stream) -- add streams;
* ``POST conferences/{sid}/recordings`` (``Count``, ``Status``, ``Size`` of the media file) --
  add recordings;
* ``POST conferences/{sid}/participants`` (``Count``) -- add participants (not muted, not held);
* ``POST faults`` / ``DELETE faults`` -- queue a :class:`~.faults.Fault` (``Action``,
  ``Status``, ``Body``, ``ContentType``, ``RetryAfter``, ``Delay``, ``Method``, ``PathContains``,
  ``Times``, and mid-file ``AfterBytes``, ``ContentLength``), or drop them all;
* ``GET config`` / ``POST config`` (``RepeatStopStatus``, ``Latency``) -- the settings;
* ``GET clock`` / ``POST clock`` (``Offset``, seconds the server's clock is ahead of the real
  one, negative for behind) -- the server's clock: ``{"offset": ..., "now": ISO 8601}``.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote

from airflow_provider_signalwire.testing.faults import FAULT_ACTIONS, Fault, FaultAction
from airflow_provider_signalwire.testing.params import first
from airflow_provider_signalwire.testing.responses import (
    ApiError,
    Response,
    error_body,
    json_response,
    method_not_allowed,
    no_content,
    not_found,
    unprocessable,
)
from airflow_provider_signalwire.testing.store.conferences import CONFERENCE_STATUSES
from airflow_provider_signalwire.testing.store.media import DEFAULT_MEDIA_SIZE, check_size
from airflow_provider_signalwire.testing.store.recordings import RECORDING_STATUSES
from airflow_provider_signalwire.testing.store.space import UnknownResourceError

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.control import EmulatorControl

Params = dict[str, list[str]]

_ROUTES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("state",): ("GET",),
    ("reset",): ("POST",),
    ("requests",): ("GET", "DELETE"),
    ("stats",): ("GET", "DELETE"),
    ("conferences",): ("POST",),
    ("conferences", "*"): ("POST",),
    ("conferences", "*", "streams"): ("POST",),
    ("conferences", "*", "recordings"): ("POST",),
    ("conferences", "*", "participants"): ("POST",),
    ("conferences", "*", "hide"): ("POST",),
    ("conferences", "*", "stale"): ("POST",),
    ("faults",): ("POST", "DELETE"),
    ("config",): ("GET", "POST"),
    ("clock",): ("GET", "POST"),
}


def is_admin_target(target: str) -> bool:
    """
    Tell whether a request target addresses ``/_emulator``, decoded as the router decodes it.

    :param target: the request target as received (path and query).
    """
    segments = target.partition("?")[0].split("/")
    return len(segments) > 1 and segments[0] == "" and unquote(segments[1]) == "_emulator"


def allowed_hosts(address: tuple[Any, ...]) -> frozenset[str]:
    """
    Return the ``Host`` values an admin request may carry, lower-case.

    :param address: the served ``(host, port, ...)`` as the socket reports it.
    """
    host, port = str(address[0]).lower(), int(address[1])
    names = {f"[{host}]" if ":" in host else host, "localhost"}
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:
        hosts |= names
    return frozenset(hosts)


def admin_refusal(
    hosts: list[str], origins: list[str], fetch_site: str | None, address: tuple[Any, ...]
) -> Response | None:
    """
    Return the 403 answer for an admin request a web page may have sent; ``None`` to serve it.

    :param hosts: every ``Host`` header of the request.
    :param origins: every ``Origin`` header of the request.
    :param fetch_site: the ``Sec-Fetch-Site`` header, if any.
    :param address: the served ``(host, port, ...)``.
    """
    allowed = allowed_hosts(address)
    if len(hosts) != 1 or hosts[0].strip().lower() not in allowed:
        shown = ", ".join(repr(host[:100]) for host in hosts) or "none"
        reason = f"Host {shown} is not this emulator's loopback address"
    elif len(origins) > 1 or any(
        origin.strip().lower() not in {f"http://{host}" for host in allowed} for origin in origins
    ):
        shown = ", ".join(repr(origin[:100]) for origin in origins)
        reason = f"cross-site Origin {shown}"
    elif (fetch_site or "").strip().lower() == "cross-site":
        reason = "a cross-site request (Sec-Fetch-Site)"
    else:
        return None
    message = f"The emulator's admin API refuses {reason}; call it from loopback, not a web page."
    return json_response(403, error_body(403, 20403, message))


def handle(
    control: EmulatorControl, method: str, segments: list[str], path: str, form: Params
) -> Response:
    """
    Answer an admin request.

    :param control: the emulator to inspect or control.
    :param method: HTTP method.
    :param segments: decoded path segments after ``/_emulator``.
    :param path: the raw path, for 404 messages.
    :param form: parsed form body.
    """
    try:
        return _dispatch(control, method, segments, path, form)
    except UnknownResourceError:
        return not_found(path).response
    except ValueError as exc:
        return unprocessable(str(exc)).response
    except ApiError as exc:
        return exc.response


def _shape(segments: list[str]) -> tuple[str, ...]:
    if segments[:1] == ["conferences"] and len(segments) in (2, 3):
        return ("conferences", "*", *segments[2:])
    return tuple(segments)


def _dispatch(
    control: EmulatorControl, method: str, segments: list[str], path: str, form: Params
) -> Response:
    shape = _shape(segments)
    allowed = _ROUTES.get(shape)
    if allowed is None:
        raise not_found(path)
    if method not in allowed:
        raise method_not_allowed(allowed)
    if shape == ("state",):
        return json_response(200, control.state())
    if shape == ("reset",):
        control.reset()
        return no_content()
    if shape == ("requests",):
        if method == "DELETE":
            control.log.clear()
            return no_content()
        return json_response(200, [dataclasses.asdict(r) for r in control.log.snapshot()])
    if shape == ("stats",):
        if method == "DELETE":
            control.reset_max_in_flight()
            return no_content()
        return json_response(200, {"max_in_flight": control.max_in_flight})
    if shape == ("conferences",):
        status = first(form, "Status") or "init"
        _choice("Status", status, CONFERENCE_STATUSES)
        name = first(form, "FriendlyName") or "emulated-conference"
        if not first(form, "Count"):
            return json_response(201, control.store.conferences.add(name, status))
        count = int(_number(form, "Count", 1))
        if not 1 <= count <= 100_000:
            raise ValueError(f"Count must be from 1 to 100000, got {count}")
        sids = [control.store.conferences.add(name, status)["sid"] for _ in range(count)]
        return json_response(201, {"sids": sids})
    if shape == ("conferences", "*"):
        return _set_status(control, segments[1], form)
    if shape == ("conferences", "*", "streams"):
        return _add_streams(control, segments[1], form)
    if shape == ("conferences", "*", "recordings"):
        return _add_recordings(control, segments[1], form)
    if shape == ("conferences", "*", "participants"):
        return _add_participants(control, segments[1], form)
    if shape == ("conferences", "*", "hide"):
        control.store.conferences.hide(segments[1], _number(form, "Seconds", 0.0))
        return json_response(200, control.store.conferences.get(segments[1]))
    if shape == ("conferences", "*", "stale"):
        control.store.conferences.add_stale_copy(segments[1], _number(form, "Seconds", 0.0))
        return json_response(200, control.store.conferences.get(segments[1]))
    if shape == ("faults",):
        if method == "DELETE":
            control.faults.clear()
            return no_content()
        return _add_fault(control, form)
    if shape == ("clock",):
        if method == "POST" and first(form, "Offset"):
            control.clock_offset = _number(form, "Offset", 0.0)
        now = control.store.space.now().isoformat()
        return json_response(200, {"offset": control.clock_offset, "now": now})
    if method == "POST":
        _configure(control, form)
    return json_response(200, _settings(control))


def _settings(control: EmulatorControl) -> dict[str, Any]:
    return {
        "repeat_stop_status": control.repeat_stop_status,
        "latency": control.latency,
    }


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def _number(form: Params, name: str, default: float) -> float:
    raw = first(form, name)
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {raw!r}")
    return number


def _set_status(control: EmulatorControl, sid: str, form: Params) -> Response:
    status = first(form, "Status") or ""
    _choice("Status", status, CONFERENCE_STATUSES)
    after = _number(form, "After", 0.0)
    at = _moment(first(form, "At"))
    if at is not None:
        if after > 0:
            raise ValueError("give At or After, not both")
        return json_response(200, control.store.conferences.set_status(sid, status, at))
    if after > 0:
        control.schedule_conference_status(sid, status, after)
        return json_response(200, control.store.conferences.get(sid))
    return json_response(200, control.store.conferences.set_status(sid, status))


def _moment(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"At must be an ISO 8601 date and time, got {raw!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"At must carry a UTC offset, got {raw!r}")
    return moment


def _add_streams(control: EmulatorControl, sid: str, form: Params) -> Response:
    given = [name for name in form.get("Name", []) if name]
    if len(given) > 1:
        if first(form, "Count") not in (None, "", str(len(given))):
            raise ValueError("Count must be left out, or match the number of Name fields")
        names: list[str | None] = list(given)
    else:
        count = int(_number(form, "Count", 1))
        if not 1 <= count <= 1000:
            raise ValueError(f"Count must be from 1 to 1000, got {count}")
        name = given[0] if given else None
        names = (
            [name] if count == 1 else [f"{name}-{i}" if name else None for i in range(1, count + 1)]
        )
    if len(names) > 1000:
        raise ValueError(f"at most 1000 streams per request, got {len(names)}")
    streams = [control.store.streams.add(sid, name=n) for n in names]
    return json_response(201, {"streams": streams})


def _add_recordings(control: EmulatorControl, sid: str, form: Params) -> Response:
    count = int(_number(form, "Count", 1))
    if not 1 <= count <= 1000:
        raise ValueError(f"Count must be from 1 to 1000, got {count}")
    status = first(form, "Status") or "completed"
    _choice("Status", status, RECORDING_STATUSES)
    size = check_size(int(_number(form, "Size", DEFAULT_MEDIA_SIZE)))
    recordings = []
    for _ in range(count):
        recording = control.store.recordings.add(sid, status=status)
        control.store.media.set_size(recording["sid"], size)
        recordings.append(recording)
    return json_response(201, {"recordings": recordings})


def _add_participants(control: EmulatorControl, sid: str, form: Params) -> Response:
    count = int(_number(form, "Count", 1))
    if not 1 <= count <= 100:
        raise ValueError(f"Count must be from 1 to 100, got {count}")
    control.store.conferences.get(sid)  # an unknown conference is a 404, before any change
    participants = [control.store.participants.add(sid) for _ in range(count)]
    return json_response(201, {"participants": participants})


def _add_fault(control: EmulatorControl, form: Params) -> Response:
    action = first(form, "Action") or "respond"
    _choice("Action", action, FAULT_ACTIONS)
    status = first(form, "Status")
    extra: dict[str, Any] = {}
    if first(form, "ContentType"):
        extra["content_type"] = first(form, "ContentType")
    fault = Fault(
        status=int(_number(form, "Status", 0)) if status else None,
        body=first(form, "Body"),
        retry_after=first(form, "RetryAfter") or None,
        delay=_number(form, "Delay", 0.0),
        action=cast("FaultAction", action),
        method=first(form, "Method") or None,
        path_contains=first(form, "PathContains") or None,
        after_bytes=int(_number(form, "AfterBytes", 0)) if first(form, "AfterBytes") else None,
        content_length=(
            int(_number(form, "ContentLength", 0)) if first(form, "ContentLength") else None
        ),
        **extra,
    )
    times = int(_number(form, "Times", 1))
    control.faults.add(fault, times)
    described = {
        "status": fault.status,
        "action": fault.action,
        "delay": fault.delay,
        "retry_after": fault.retry_after,
        "method": fault.method,
        "path_contains": fault.path_contains,
        "after_bytes": fault.after_bytes,
        "content_length": fault.content_length,
        "times": times,
    }
    return json_response(201, {"fault": described})


def _configure(control: EmulatorControl, form: Params) -> None:
    if first(form, "RepeatStopStatus"):
        control.repeat_stop_status = int(_number(form, "RepeatStopStatus", 200))
    if first(form, "Latency"):
        control.latency = _number(form, "Latency", 0.0)
