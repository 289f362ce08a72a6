"""
What SignalWire's Compatibility API takes and gives: argument checks, fields, paths, answer checks.

Everything a user hands the provider is checked here, once and before any request, with a
:class:`~airflow_provider_signalwire.exceptions.SignalWireValidationError` that names the
parameter and the bad value (never a secret). Then the arguments become SignalWire's field names
(``friendly_name`` → ``FriendlyName``, ``date_created_before`` → ``DateCreated<``) and paths
built from validated, percent-encoded segments. What comes back is checked to be the object that
was asked for, and lists are paged through without ever leaving the resource.

Only the standard library is imported here, so operators, sensors and triggers can check their
arguments when a DAG file is parsed without loading the HTTP stack.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit

from airflow_provider_signalwire.exceptions import (
    SignalWireResponseError,
    SignalWireValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

# -- the API's fields --------------------------------------------------------------------------

# What SignalWire's Compatibility API accepts, per argument: the enums of its OpenAPI.
STREAM_TRACKS = ("inbound_track", "outbound_track", "both_tracks")
STREAM_CODECS = ("PCMU", "PCMA", "L16", "L16@16000h", "L16@24000h")
CALLBACK_METHODS = ("GET", "POST")
RECORDING_STATUSES = ("paused", "in-progress", "stopped")
PAUSE_BEHAVIORS = ("skip", "silence")
CONFERENCE_UPDATE_STATUSES = ("completed",)
#: A conference's ``status`` values (also the list filter's).
CONFERENCE_STATUSES = ("init", "in-progress", "completed")
FRIENDLY_NAME_MAX_LENGTH = 64

# Which keyword arguments each API call takes, beside its positional SIDs.
_DATE_FILTERS = frozenset(
    f"date_{what}{when}" for what in ("created", "updated") for when in ("", "_before", "_after")
)
LIST_CONFERENCES_FILTERS = frozenset({"friendly_name", "status", "page_size"}) | _DATE_FILTERS
LIST_RECORDINGS_FILTERS = frozenset(
    {"date_created", "date_created_before", "date_created_after", "page_size"}
)
#: Update Participant's fields and their kinds (an enum, ``bool``, ``sid`` or ``text``), in the
#: spec's order.
PARTICIPANT_UPDATE_FIELDS: dict[str, str | tuple[str, ...]] = {
    "announce_url": "text", "announce_method": CALLBACK_METHODS, "coaching": "bool",
    "call_sid_to_coach": "sid", "hold": "bool", "hold_method": CALLBACK_METHODS,
    "hold_url": "text", "muted": "bool", "wait_url": "text", "wait_method": CALLBACK_METHODS,
}  # fmt: skip
_SPECIAL_NAMES = {
    "date_created_before": "DateCreated<",
    "date_created_after": "DateCreated>",
    "date_updated_before": "DateUpdated<",
    "date_updated_after": "DateUpdated>",
    "call_sid_to_coach": "CallSidToCoach",
}
MAX_PAGE_SIZE = 1000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def api_name(argument: str) -> str:
    """Return SignalWire's field name for a snake_case argument (``hold_url`` → ``HoldUrl``)."""
    return _SPECIAL_NAMES.get(argument) or "".join(
        part.capitalize() for part in argument.split("_")
    )


def _format(argument: str, value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if argument.startswith("date_"):
        try:  # only YYYY-MM-DD: Python 3.11 also reads compact forms that 3.10 refuses
            if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
                raise ValueError(value)
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            raise SignalWireValidationError(
                f"Invalid {argument} {value!r}: expected a date or 'YYYY-MM-DD'."
            ) from None
    if argument == "page_size" and (
        not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PAGE_SIZE
    ):
        raise SignalWireValidationError(
            f"Invalid page_size {value!r}: expected an integer from 1 to {MAX_PAGE_SIZE}."
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise SignalWireValidationError(
        f"Invalid {argument} {value!r}: expected a string, number, boolean or date."
    )


def api_fields(**arguments: Any) -> dict[str, str]:
    """
    Build form or query fields from keyword arguments, skipping those that are ``None``.

    :param arguments: snake_case argument names and their values.
    """
    return {
        api_name(name): _format(name, value)
        for name, value in arguments.items()
        if value is not None
    }


# -- argument checks ---------------------------------------------------------------------------

#: Conference, account, call and recording SIDs: UUIDs and Twilio-style SIDs both fit.
SID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")
MAX_STREAM_IDENTIFIER_LENGTH = 256
MAX_STREAM_PARAMETERS = 99
#: Largest ``max_concurrency`` of a bulk call.
MAX_CONCURRENCY = 64
#: Largest timeout, in seconds, of a connection or a hook.
MAX_TIMEOUT_SECONDS = 3600
#: Most pages one listing may be allowed to read.
MAX_PAGES = 1_000_000
#: Most keep-alive connections one hook keeps open.
MAX_POOL_SIZE = 256

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
    plain = value.isascii() and value.isprintable()  # the usual case, checked at C speed
    if not plain and any(unicodedata.category(char) in {"Cc", "Cs"} for char in value):
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


# -- numeric knobs: counts and seconds -----------------------------------------------------------
#
# NaN is the dangerous one: every comparison with it is false, so a check written as
# ``value < 0`` lets it through, and ``sleep(nan)`` or ``timedelta(seconds=nan)`` then fail far
# from the cause (or, in a poller, never wake).

#: Most requests one API call may make (the first one included).
MAX_ATTEMPTS = 100
#: Longest wait between two attempts, in seconds (one hour).
MAX_BACKOFF_SECONDS = 3600.0
#: Longest time between two looks of a sensor or trigger, in seconds (one day).
MAX_INTERVAL_SECONDS = 86400.0
#: Longest wait a sensor may be given in total, in seconds (366 days).
MAX_WAIT_SECONDS = 366 * 86400.0


def check_count(parameter: str, value: Any, *, high: int, low: int = 1) -> int:
    """
    Return ``value`` if it is a whole number from ``low`` to ``high``.

    :param parameter: name of the argument, used in the error message.
    :param value: the value to check; ``bool``, floats and strings are refused.
    :param high: the largest sensible value.
    :param low: the smallest sensible value.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(parameter, value, f"expected a whole number from {low} to {high}")
    return value


def check_seconds(
    parameter: str,
    value: Any,
    *,
    high: float,
    zero_ok: bool = False,
) -> float:
    """
    Return ``value`` in seconds if it is a finite duration within bounds.

    :param parameter: name of the argument, used in the error message.
    :param value: seconds as an ``int`` or ``float``, or a ``timedelta``. NaN, infinities,
        ``bool``, strings and other types are refused.
    :param high: the longest sensible duration, in seconds.
    :param zero_ok: whether 0 makes sense (a backoff of 0 means "retry at once"; an interval of 0
        means a busy loop and is refused).
    """
    low = "0 <= s" if zero_ok else "0 < s"
    expected = f"expected seconds, {low} <= {high:g}"
    seconds: float
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise invalid(parameter, value, expected)
    elif isinstance(value, int):
        if abs(value) > 10**18:  # float() of a huge int raises OverflowError
            raise invalid(parameter, value, expected)
        seconds = float(value)
    elif isinstance(value, float):
        seconds = value
    else:
        raise invalid(parameter, value, expected)
    if (
        not math.isfinite(seconds)
        or seconds < 0
        or (seconds == 0 and not zero_ok)
        or seconds > high
    ):
        raise invalid(parameter, value, expected)
    return seconds


def check_retry_knobs(max_attempts: Any, initial_backoff: Any, max_backoff: Any) -> None:
    """
    Refuse retry settings that make no sense, naming the bad value.

    :param max_attempts: requests per call: 1 to :data:`MAX_ATTEMPTS`.
    :param initial_backoff: seconds before the second attempt: 0 to :data:`MAX_BACKOFF_SECONDS`.
    :param max_backoff: cap of the exponential wait: 0 to :data:`MAX_BACKOFF_SECONDS`.
    """
    check_count("max_attempts", max_attempts, high=MAX_ATTEMPTS)
    check_seconds("initial_backoff", initial_backoff, high=MAX_BACKOFF_SECONDS, zero_ok=True)
    check_seconds("max_backoff", max_backoff, high=MAX_BACKOFF_SECONDS, zero_ok=True)


def set_retry_knobs(owner: Any, max_attempts: Any, initial_backoff: Any, max_backoff: Any) -> None:
    """
    Check an operator's or sensor's retry knobs and set them on it, where ``for_owner`` reads them.

    :param owner: the operator or sensor being built.
    :param max_attempts: requests per call: 1 to :data:`MAX_ATTEMPTS`.
    :param initial_backoff: seconds before the second attempt: 0 to :data:`MAX_BACKOFF_SECONDS`.
    :param max_backoff: cap of the exponential wait: 0 to :data:`MAX_BACKOFF_SECONDS`.
    """
    check_retry_knobs(max_attempts, initial_backoff, max_backoff)
    owner.max_attempts = max_attempts
    owner.initial_backoff = initial_backoff
    owner.max_backoff = max_backoff


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
        defined = ", ".join(sorted(f"{name} ({api_name(name)})" for name in allowed))
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
    except (TypeError, ValueError, OverflowError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 < seconds <= MAX_TIMEOUT_SECONDS:
        raise invalid(parameter, value, f"expected seconds, 0 < s <= {MAX_TIMEOUT_SECONDS}")
    return seconds


def check_max_pages(value: Any) -> int:
    """
    Return ``value`` if it is a page cap: a whole number from 1 to :data:`MAX_PAGES`.

    :param value: most pages one listing reads.
    """
    return check_count("max_pages", value, high=MAX_PAGES)


def check_pool_size(value: Any) -> int:
    """
    Return ``value`` if it is a connection pool's size: 1 to :data:`MAX_POOL_SIZE`.

    :param value: keep-alive connections kept open.
    """
    return check_count("pool_size", value, high=MAX_POOL_SIZE)


def check_max_concurrency(value: Any) -> int:
    """
    Return ``value`` if it is a valid ``max_concurrency``: an integer from 1 to 64.

    :param value: the value to check.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise invalid("max_concurrency", value, f"expected an integer from 1 to {MAX_CONCURRENCY}")
    return value


def check_participant_update(given: Mapping[str, Any]) -> None:
    """Refuse fields SignalWire's Update Participant does not define, or values outside them."""
    check_allowed("update_participant", "field", given, PARTICIPANT_UPDATE_FIELDS)
    for name, value in given.items():
        kind = PARTICIPANT_UPDATE_FIELDS[name]
        if value is not None and kind == "sid":
            validate_sid(name, value)
        elif value is not None and kind == "bool" and not isinstance(value, bool):
            raise invalid(name, value, "expected True or False")
        elif value is not None and isinstance(kind, tuple):
            choice(name, value, kind)


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


# -- paths -------------------------------------------------------------------------------------

API_ROOT = "/api/laml/2010-04-01"
#: Formats a recording's media file is served in (the suffix of its path).
MEDIA_FORMATS = ("wav", "mp3")
#: The part of the Messages path below the account.
MESSAGES_RELATIVE_PATH = "/Messages"


def account_path(account_sid: str) -> str:
    """Path of an account (its SID is the Project ID)."""
    return f"{API_ROOT}/Accounts/{path_segment(validate_sid('account_sid', account_sid))}"


def conference_relative_path(
    conference_sid: str | None, collection: str | None = None, child: str | None = None
) -> str:
    """
    The part of a conference path below the account, validated before any account is known.

    Hook methods build it first, so bad input fails before the connection is fetched.

    :param conference_sid: the conference; ``None`` for the account's conferences.
    :param collection: ``Participants``, ``Recordings`` or ``Streams``; ``None`` for the conference.
    :param child: the call SID, recording SID, or stream SID or name; ``None`` for the collection.
    """
    if conference_sid is None:
        return "/Conferences"
    path = f"/Conferences/{path_segment(validate_sid('conference_sid', conference_sid))}"
    if collection is None:
        return path
    path = f"{path}/{collection}"
    if child is None:
        return path
    if collection == "Streams":
        segment = validate_stream_identifier(child)
    else:
        parameter = "call_sid" if collection == "Participants" else "recording_sid"
        segment = validate_sid(parameter, child)
    return f"{path}/{path_segment(segment)}"


def recording_media_relative_path(recording_sid: str, media_format: str) -> str:
    """
    The path of a recording's media file below the account: ``/Recordings/{Sid}.wav`` or ``.mp3``.

    :param recording_sid: the recording.
    :param media_format: ``wav`` or ``mp3``.
    """
    sid = path_segment(validate_sid("recording_sid", recording_sid))
    return f"/Recordings/{sid}.{choice('media_format', media_format, MEDIA_FORMATS)}"


def next_page(next_uri: str, previous_path: str) -> tuple[str, list[tuple[str, str]]]:
    """
    Split SignalWire's ``next_page_uri`` into a path and query, refusing to leave the resource.

    Paging follows only a path on the same Space's API and the same collection as the previous
    page (with or without ``.json``); anything else is an error, never a request elsewhere.

    :param next_uri: the ``next_page_uri`` of the previous page.
    :param previous_path: the path the previous page was fetched from.
    """
    parts = urlsplit(next_uri)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{API_ROOT}/"):
        raise SignalWireResponseError(
            f"SignalWire's next_page_uri {next_uri!r} leaves this Space's API; not followed"
        )
    if parts.path.removesuffix(".json") != previous_path.removesuffix(".json"):
        raise SignalWireResponseError(
            f"SignalWire's next_page_uri {next_uri!r} points at another resource; not followed"
        )
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


# -- answers -----------------------------------------------------------------------------------

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


def page_items(
    page: dict[str, Any] | None, key: str, path: str
) -> tuple[list[dict[str, Any]], tuple[str, list[tuple[str, str]]] | None]:
    """
    Split one page of a list into its objects and where the next page is.

    :param page: the page's JSON object (``None`` for an empty answer).
    :param key: the list's key, e.g. ``conferences``.
    :param path: the path this page was fetched from.
    :return: the page's objects and ``(path, query)`` of the next page, or ``None`` on the last.
    """
    items = (page or {}).get(key)
    if not isinstance(items, list):
        raise SignalWireResponseError(f"SignalWire page of {path} has no {key!r} list")
    next_uri = (page or {}).get("next_page_uri")
    following = next_page(str(next_uri), path) if next_uri else None
    return checked_items(items, key, path), following


class PageTrail:
    """
    The pages one listing has read: a page read twice, or too many pages, end it.

    A ``next_page_uri`` that comes back to a page already read (itself, or a cycle of any length)
    would page forever; the cap guards against a server that invents new pages without end.

    :param max_pages: most pages one listing reads.
    """

    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self._seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

    def visit(self, path: str, query: Mapping[str, str] | Sequence[tuple[str, str]]) -> None:
        """
        Record that the page at ``path`` with ``query`` is about to be read.

        :param path: the page's path (with or without ``.json``).
        :param query: its query parameters.
        :raises SignalWireResponseError: the page was read before, or the cap is reached.
        """
        pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
        page = (path.removesuffix(".json"), tuple(sorted(pairs)))
        shown = f"{path}?{urlencode(pairs)}" if pairs else path
        if page in self._seen:
            raise SignalWireResponseError(
                f"SignalWire's next_page_uri leads back to {shown!r}, a page already read; "
                f"paging stopped after {len(self._seen)} page(s)"
            )
        if len(self._seen) >= self.max_pages:
            raise SignalWireResponseError(
                f"SignalWire's next_page_uri goes on past {self.max_pages} pages of {path} "
                "(max_pages); paging stopped"
            )
        self._seen.add(page)


def assumed_stopped(
    account: str, conference_sid: str, stream_sid: str, path: str
) -> dict[str, Any]:
    """
    The stream object of a stop whose answer was lost and whose retry found no such stream.

    :param account: the account (Project ID).
    :param conference_sid: the conference.
    :param stream_sid: the stream's SID or name, as asked.
    :param path: the stream's path.
    """
    return {
        "account_sid": account,
        "conference_sid": conference_sid,
        "sid": stream_sid,
        "name": None,
        "status": "stopped",
        "date_updated": None,
        "uri": f"{path}.json",
    }
