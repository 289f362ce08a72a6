"""
Check that an answer is the object that was asked for, before anyone stores it.

A proxy, a cache or a bug can answer a request with another stream, another conference, or an
object without the fields callers read. Each check here raises
:class:`~airflow_provider_signalwire.exceptions.SignalWireResponseError` naming what does not
match, so a wrong value never reaches XCom. Both hooks use them.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks._validation import show_value

#: The fields each listed object must have as non-empty strings, by the list's key.
REQUIRED_LIST_FIELDS: dict[str, tuple[str, ...]] = {
    "conferences": ("sid", "status"),
    "participants": ("call_sid",),
    "recordings": ("sid",),
}


def _mismatch(method: str, path: str, problem: str) -> SignalWireResponseError:
    return SignalWireResponseError(
        f"SignalWire answered {method} {path} with {problem}", method=method, path=path
    )


def _text(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    return value if isinstance(value, str) and value else None


def _require(data: dict[str, Any], fields: tuple[str, ...], what: str) -> str | None:
    """Return a problem if a field is missing or not a non-empty string, else ``None``."""
    for field in fields:
        if _text(data, field) is None:
            return f"{what} whose {field} is {show_value(data.get(field), 80)}, not a string"
    return None


def checked_object(
    data: dict[str, Any],
    *,
    key: str,
    asked: str | None,
    fields: tuple[str, ...],
    method: str,
    path: str,
) -> dict[str, Any]:
    """
    Return ``data`` if it has ``fields`` as strings and its ``key`` is ``asked`` (when given).

    :param data: the answer's object.
    :param key: the field that identifies it (``sid``, ``call_sid``).
    :param asked: the identifier asked for, or ``None`` when none was (a create).
    :param fields: fields that must be non-empty strings.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    problem = _require(data, (key, *fields), "an object")
    if problem is None and asked is not None and data[key] != asked:
        problem = f"another object ({key} {show_value(data[key], 80)}, asked {asked!r})"
    if problem is not None:
        raise _mismatch(method, path, problem)
    return data


def checked_stopped_stream(
    data: dict[str, Any], asked: str, *, method: str, path: str
) -> dict[str, Any]:
    """
    Return a stop's answer if it is the stream asked for (by SID or name), now ``stopped``.

    :param data: the answer's stream object.
    :param asked: the stream's SID or name, as the caller gave it.
    :param method: request method, for the message.
    :param path: request path, for the message.
    """
    problem = _require(data, ("sid",), "a stream")
    if problem is None and asked not in {data.get("sid"), data.get("name")}:
        problem = (
            f"another stream (sid {show_value(data.get('sid'), 80)}, "
            f"name {show_value(data.get('name'), 80)}, "
            f"asked {asked!r})"
        )
    if problem is None and data.get("status") != "stopped":
        problem = f"a stream whose status is {show_value(data.get('status'), 80)}, not 'stopped'"
    if problem is not None:
        raise _mismatch(method, path, problem)
    return data


def checked_items(items: list[Any], key: str, path: str) -> list[dict[str, Any]]:
    """
    Return a page's objects if each is an object with the fields its list requires.

    :param items: the page's list.
    :param key: the list's key (``conferences``, ``participants``, ...).
    :param path: the path the page came from, for the message.
    """
    fields = REQUIRED_LIST_FIELDS.get(key, ())
    for index, item in enumerate(items):
        problem = (
            f"{key}[{index}] = {show_value(item, 80)}, not an object"
            if not isinstance(item, dict)
            else _require(item, fields, f"{key}[{index}]")
        )
        if problem is not None:
            raise _mismatch("GET", path, f"a page holding {problem}")
    return items


def checked_conference(data: dict[str, Any], sid: str, method: str, path: str) -> dict[str, Any]:
    """Return a conference if it is the one asked for and has a ``status``."""
    return checked_object(data, key="sid", asked=sid, fields=("status",), method=method, path=path)


def checked_participant(
    data: dict[str, Any], call_sid: str, method: str, path: str
) -> dict[str, Any]:
    """Return a participant if it is the call asked for."""
    return checked_object(data, key="call_sid", asked=call_sid, fields=(), method=method, path=path)


def checked_recording(data: dict[str, Any], sid: str, method: str, path: str) -> dict[str, Any]:
    """Return a recording if it is the one asked for."""
    return checked_object(data, key="sid", asked=sid, fields=(), method=method, path=path)


def checked_new_stream(data: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """Return a start's answer if it names the new stream (``sid``) and its ``status``."""
    return checked_object(data, key="sid", asked=None, fields=("status",), method=method, path=path)
