"""
Validation of everything a user hands the provider, done once and before any request.

Each check raises :class:`~airflow_provider_signalwire.exceptions.SignalWireValidationError`
naming the parameter and the bad value. Only the standard library is imported here, so operators
can validate at ``execute()`` without loading the HTTP stack.
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks import _fields as fields

#: Conference, account, call and recording SIDs: UUIDs and Twilio-style SIDs both fit.
SID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")
MAX_STREAM_IDENTIFIER_LENGTH = 256
MAX_STREAM_PARAMETERS = 99
#: Largest ``max_concurrency`` of a bulk call.
MAX_CONCURRENCY = 64
#: Largest timeout, in seconds, of a connection or a hook.
MAX_TIMEOUT_SECONDS = 3600

_NUMERIC_LABEL = re.compile(r"(0[xX][0-9A-Fa-f]*|[0-9]+)")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def show_value(value: object, limit: int = 120) -> str:
    """
    Render a bad value for a message, cut short so a huge input stays readable.

    :param value: the value.
    :param limit: most characters shown.
    """
    try:
        text = repr(value)
    except ValueError:  # an int past Python's 4300-digit conversion limit
        text = f"<{type(value).__name__} too large to show>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def invalid(parameter: str, value: object, reason: str) -> SignalWireValidationError:
    """Build the error for a bad argument, naming it and its value."""
    return SignalWireValidationError(f"Invalid {parameter} {show_value(value)}: {reason}.")


def validate_sid(parameter: str, value: object) -> str:
    """
    Return ``value`` if it is a SID: 1-64 ASCII letters, digits or hyphens.

    :param parameter: name of the argument, used in the error message.
    :param value: the value to check.
    """
    if not isinstance(value, str) or SID_PATTERN.fullmatch(value) is None:
        raise invalid(parameter, value, "expected 1-64 ASCII letters, digits or hyphens")
    return value


def validate_stream_identifier(value: object, parameter: str = "stream_sid") -> str:
    """
    Return ``value`` if it can name a stream: its SID or the ``Name`` given when it started.

    :param value: the value to check: 1-256 characters, no control characters, not ``.``/``..``.
    :param parameter: name of the argument, used in the error message.
    """
    if not isinstance(value, str) or not value:
        raise invalid(parameter, value, "expected a non-empty string")
    if len(value) > MAX_STREAM_IDENTIFIER_LENGTH:
        raise invalid(parameter, value, f"longer than {MAX_STREAM_IDENTIFIER_LENGTH} characters")
    if value in {".", ".."}:
        raise invalid(parameter, value, "'.' and '..' are not stream names")
    if any(unicodedata.category(char) in {"Cc", "Cs"} for char in value):
        raise invalid(parameter, value, "control characters and lone surrogates are not allowed")
    return value


def path_segment(value: str) -> str:
    """Percent-encode ``value`` so it stays exactly one URL path segment."""
    return quote(value, safe="")


def is_valid_host(host: str) -> bool:
    """Tell whether ``host`` is an IP address or a DNS name that no parser reads as one."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        if _NUMERIC_LABEL.fullmatch(labels[-1]):
            # URL parsers read a name ending in a number as an IPv4 address (127.1, 0x7f.1,
            # 1.2.3.4.5): only a valid dotted quad is one.
            return False
        return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels)
    return True


def exact_netloc(parts: SplitResult) -> bool:
    """Tell whether the netloc is exactly ``[user@]host[:port]``; urlsplit ignores junk after ]."""
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    netloc = parts.netloc.rpartition("@")[2].lower()
    return netloc in {shown, f"{shown}:{parts.port}"}


def _ascii_host(host: str) -> str:
    """Return ``host`` as DNS sees it (IDNA-encoded), or ``""`` if it cannot be encoded."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def validate_wss_url(value: object, parameter: str = "url") -> str:
    """
    Return ``value`` if it is a ``wss://`` URL with a host (SignalWire refuses ``ws://``).

    :param value: the WebSocket URL.
    :param parameter: name of the argument, used in the error message.
    """
    if not isinstance(value, str) or any(not char.isprintable() for char in value):
        raise invalid(parameter, value, "expected a wss:// URL")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as err:
        raise invalid(parameter, value, f"not a URL ({err})") from None
    host = _ascii_host(parts.hostname or "")
    if (
        parts.scheme.lower() != "wss"
        or not host
        or " " in value
        or not is_valid_host(host)
        or not exact_netloc(parts)
    ):
        raise invalid(parameter, value, "SignalWire streams need a wss:// URL with a host")
    return value


def stream_parameters_form(parameters: Mapping[str, Any] | None) -> dict[str, str]:
    """
    Turn custom stream parameters into SignalWire's ``ParameterN.Name``/``ParameterN.Value`` fields.

    :param parameters: names and values; at most 99, names non-empty strings, values scalars.
    """
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise invalid("parameters", parameters, "expected a dict of names to values")
    if len(parameters) > MAX_STREAM_PARAMETERS:
        raise invalid(
            "parameters", f"<{len(parameters)} items>", f"at most {MAX_STREAM_PARAMETERS} allowed"
        )
    form: dict[str, str] = {}
    for index, (name, value) in enumerate(parameters.items(), start=1):
        if not isinstance(name, str) or not name or _has_unsendable(name):
            raise invalid("parameters name", name, "expected a non-empty string")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise invalid(f"parameters[{name!r}]", value, "expected a string or number")
        try:
            text = str(value)
        except ValueError:  # an int past Python's 4300-digit conversion limit
            raise invalid(f"parameters[{name!r}]", value, "too large to send") from None
        if _has_unsendable(text):
            raise invalid(f"parameters[{name!r}]", value, "lone surrogates cannot be sent")
        form[f"Parameter{index}.Name"] = name
        form[f"Parameter{index}.Value"] = text
    return form


def _has_unsendable(text: str) -> bool:
    return any(unicodedata.category(char) == "Cs" for char in text)


def choice(parameter: str, value: object, allowed: tuple[str, ...]) -> str:
    """
    Return ``value`` if it is one of ``allowed``.

    :param parameter: name of the argument, used in the error message.
    :param value: the value to check.
    :param allowed: the values SignalWire accepts.
    """
    if value not in allowed:
        raise invalid(parameter, value, f"expected one of {', '.join(allowed)}")
    return str(value)


def check_retry_knobs(max_attempts: Any, initial_backoff: Any, max_backoff: Any) -> None:
    """
    Refuse retry settings that make no sense, naming the bad value.

    :param max_attempts: requests per call, at least 1.
    :param initial_backoff: seconds, at least 0.
    :param max_backoff: seconds, at least 0.
    """
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise invalid("max_attempts", max_attempts, "expected >= 1")
    for name, value in (("initial_backoff", initial_backoff), ("max_backoff", max_backoff)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise invalid(name, value, "expected seconds >= 0")


def check_allowed(call: str, what: str, given: Iterable[str], allowed: Iterable[str]) -> None:
    """
    Refuse keyword arguments that an API call does not take, naming them.

    :param call: the hook method, for the message.
    :param what: ``filter`` or ``field``, for the message.
    :param given: the argument names passed.
    :param allowed: the names the call takes.
    """
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        defined = ", ".join(sorted(f"{name} ({fields.api_name(name)})" for name in allowed))
        raise SignalWireValidationError(
            f"Unknown {call} {what}(s): {unknown}; SignalWire's API defines only {defined}."
        )


def check_timeout(value: Any, parameter: str = "timeout") -> float | None:
    """
    Return a timeout in seconds, ``None`` when it is not set (``None`` or empty).

    :param value: seconds, as a number or a numeric string; 0 < s <= 3600.
    :param parameter: name of the argument, used in the error message.
    """
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 < seconds <= MAX_TIMEOUT_SECONDS:
        raise invalid(parameter, value, f"expected seconds, 0 < s <= {MAX_TIMEOUT_SECONDS}")
    return seconds


def check_max_pages(value: Any) -> int:
    """
    Return ``value`` if it is a page cap: an integer of at least 1.

    :param value: most pages one listing reads.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid("max_pages", value, "expected >= 1")
    return value


def check_max_concurrency(value: Any) -> int:
    """
    Return ``value`` if it is a valid ``max_concurrency``: an integer from 1 to 64.

    :param value: the value to check.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise invalid("max_concurrency", value, f"expected an integer from 1 to {MAX_CONCURRENCY}")
    return value


def validate_target_status(value: object) -> tuple[str, ...]:
    """
    Validate ``target_status`` (one status or a list of them) and return the statuses as a tuple.

    :param value: ``init``, ``in-progress`` or ``completed``, or a non-empty list of them.
    """
    statuses = [value] if isinstance(value, str) else value
    known = fields.CONFERENCE_STATUSES
    if (
        not isinstance(statuses, list | tuple | set | frozenset)
        or not statuses
        or any(status not in known for status in statuses)
    ):
        expected = f"expected one of {', '.join(known)} or a non-empty list of them"
        raise invalid("target_status", value, expected)
    return tuple(dict.fromkeys(str(status) for status in statuses))


def validate_friendly_name(value: object) -> str:
    """Return ``value`` if it can be a conference's ``FriendlyName``: 1 to 64 characters."""
    if not isinstance(value, str) or not 1 <= len(value) <= fields.FRIENDLY_NAME_MAX_LENGTH:
        raise invalid("friendly_name", value, "expected a string of 1 to 64 characters")
    return value


def check_conference_filters(filters: Mapping[str, Any]) -> None:
    """Refuse ``list_conferences`` filters SignalWire does not define, or values outside them."""
    check_allowed("list_conferences", "filter", filters, fields.LIST_CONFERENCES_FILTERS)
    if filters.get("status") is not None:
        choice("status", filters["status"], fields.CONFERENCE_STATUSES)
    if filters.get("friendly_name") is not None:
        validate_friendly_name(filters["friendly_name"])


def check_participant_update(given: Mapping[str, Any]) -> None:
    """Refuse fields SignalWire's Update Participant does not define, or values outside them."""
    check_allowed("update_participant", "field", given, fields.PARTICIPANT_UPDATE_FIELDS)
    for name, value in given.items():
        kind = fields.PARTICIPANT_UPDATE_FIELDS[name]
        if value is not None and kind == "sid":
            validate_sid(name, value)
        elif value is not None and kind == "bool" and not isinstance(value, bool):
            raise invalid(name, value, "expected True or False")
        elif value is not None and isinstance(kind, tuple):
            choice(name, value, kind)


def exactly_one_target(owner: str, conference_sid: object, friendly_name: object) -> None:
    """
    Refuse a wait that names its conference by both, or neither, of SID and name.

    :param owner: the sensor or trigger class, for the message.
    :param conference_sid: the ``conference_sid`` argument.
    :param friendly_name: the ``friendly_name`` argument.
    """
    if (conference_sid is None) == (friendly_name is None):
        raise SignalWireValidationError(
            f"{owner} needs exactly one of conference_sid and friendly_name; got "
            f"conference_sid={conference_sid!r}, friendly_name={friendly_name!r}."
        )


def stream_pairs(streams: object) -> list[tuple[str, str]]:
    """
    Validate a bulk stop's entries and return them as ``(conference_sid, stream_sid)`` pairs.

    :param streams: a list of dicts with ``conference_sid`` and ``stream_sid``, or its JSON.
    """
    entries = json_argument("streams", streams, list)
    pairs = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not {"conference_sid", "stream_sid"} <= set(entry):
            raise invalid(
                f"streams[{index}]", entry, "expected a dict with conference_sid and stream_sid"
            )
        try:
            pairs.append(
                (
                    validate_sid("conference_sid", entry["conference_sid"]),
                    validate_stream_identifier(entry["stream_sid"]),
                )
            )
        except SignalWireValidationError as err:
            raise SignalWireValidationError(f"streams[{index}]: {err}") from None
    return pairs


def json_argument(parameter: str, value: object, expected: type[Any]) -> Any:
    """
    Return a dict or list argument, parsing it first if a template rendered it as JSON text.

    :param parameter: name of the argument, used in the error message.
    :param value: the value, or its JSON.
    :param expected: ``dict`` or ``list``.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid(parameter, value, f"expected a {expected.__name__} or its JSON") from None
    if not isinstance(value, expected):
        raise invalid(parameter, value, f"expected a {expected.__name__}")
    return value
