"""
The ``/_emulator/...`` control endpoints, for scripts that drive an emulator out of process.

They need no auth (the emulator only listens on loopback), are not recorded and are never
faulted.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_signalwire.testing.faults import FAULT_ACTIONS, Fault, FaultAction
from airflow_provider_signalwire.testing.models import CONFERENCE_STATUSES, UnknownResourceError
from airflow_provider_signalwire.testing.params import first
from airflow_provider_signalwire.testing.responses import (
    ApiError,
    Response,
    json_response,
    method_not_allowed,
    no_content,
    not_found,
    unprocessable,
)

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing.core import EmulatorCore

Params = dict[str, list[str]]


def handle(
    core: EmulatorCore, method: str, segments: list[str], path: str, query: Params, form: Params
) -> Response:
    """
    Answer an admin request.

    :param core: the emulator to inspect or control.
    :param method: HTTP method.
    :param segments: decoded path segments after ``/_emulator``.
    :param path: the raw path, for 404 messages.
    :param query: parsed query string (unused, accepted for symmetry).
    :param form: parsed form body.
    """
    try:
        return _dispatch(core, method, segments, path, form)
    except UnknownResourceError:
        return not_found(path).response
    except ValueError as exc:
        return unprocessable(str(exc)).response
    except ApiError as exc:
        return exc.response


def _dispatch(
    core: EmulatorCore, method: str, segments: list[str], path: str, form: Params
) -> Response:
    routes: dict[tuple[str, ...], tuple[str, ...]] = {
        ("state",): ("GET",),
        ("requests",): ("GET", "DELETE"),
        ("conferences",): ("POST",),
        ("faults",): ("POST", "DELETE"),
        ("config",): ("POST",),
    }
    shape = tuple(segments)
    allowed: tuple[str, ...]
    if len(segments) == 2 and segments[0] == "conferences":
        shape, allowed = ("conferences", "*"), ("POST",)
    elif len(segments) == 3 and segments[0] == "conferences" and segments[2] == "streams":
        shape, allowed = ("conferences", "*", "streams"), ("POST",)
    elif shape in routes:
        allowed = routes[shape]
    else:
        raise not_found(path)
    if method not in allowed:
        raise method_not_allowed(allowed)
    if shape == ("state",):
        state = core.store.snapshot()
        state.update(
            project_id=core.project_id,
            repeat_stop_status=core.repeat_stop_status,
            latency=core.latency,
        )
        return json_response(200, state)
    if shape == ("requests",):
        if method == "DELETE":
            core.log.clear()
            return no_content()
        return json_response(200, [dataclasses.asdict(r) for r in core.log.snapshot()])
    if shape == ("conferences",):
        status = first(form, "Status") or "init"
        _choice("Status", status, CONFERENCE_STATUSES)
        name = first(form, "FriendlyName") or "emulated-conference"
        return json_response(201, core.store.add_conference(name, status))
    if shape == ("conferences", "*"):
        return _set_status(core, segments[1], form)
    if shape == ("conferences", "*", "streams"):
        return _add_streams(core, segments[1], form)
    if shape == ("faults",):
        if method == "DELETE":
            core.faults.clear()
            return no_content()
        return _add_fault(core, form)
    return _configure(core, form)


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def _number(form: Params, name: str, default: float) -> float:
    raw = first(form, name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def _set_status(core: EmulatorCore, sid: str, form: Params) -> Response:
    status = first(form, "Status") or ""
    _choice("Status", status, CONFERENCE_STATUSES)
    after = _number(form, "After", 0.0)
    if after > 0:
        core.schedule_conference_status(sid, status, after)
        return json_response(200, core.store.get_conference(sid))
    return json_response(200, core.store.set_conference_status(sid, status))


def _add_streams(core: EmulatorCore, sid: str, form: Params) -> Response:
    count = int(_number(form, "Count", 1))
    if not 1 <= count <= 1000:
        raise ValueError(f"Count must be from 1 to 1000, got {count}")
    name = first(form, "Name") or None
    names = [name] if count == 1 else [f"{name}-{i}" if name else None for i in range(1, count + 1)]
    streams = [core.store.add_stream(sid, name=n) for n in names]
    return json_response(201, {"streams": streams})


def _add_fault(core: EmulatorCore, form: Params) -> Response:
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
        **extra,
    )
    times = int(_number(form, "Times", 1))
    core.faults.add(fault, times)
    described = {
        "status": fault.status,
        "action": fault.action,
        "delay": fault.delay,
        "retry_after": fault.retry_after,
        "method": fault.method,
        "path_contains": fault.path_contains,
        "times": times,
    }
    return json_response(201, {"fault": described})


def _configure(core: EmulatorCore, form: Params) -> Response:
    repeat = first(form, "RepeatStopStatus")
    if repeat:
        core.repeat_stop_status = int(_number(form, "RepeatStopStatus", 200))
    if first(form, "Latency"):
        core.latency = _number(form, "Latency", 0.0)
    return json_response(
        200, {"repeat_stop_status": core.repeat_stop_status, "latency": core.latency}
    )
