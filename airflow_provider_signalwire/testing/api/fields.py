"""
What each write operation accepts in its body, as data, and the one check that applies it.

Field kinds: a tuple is an enum; ``bool`` is ``true``/``false`` (any case, as form clients send
it; JSON booleans arrive as the same text); ``uri`` a URI with a scheme (RFC 3986, no spaces);
``wss`` an absolute ``wss://`` URL; ``uuid`` a UUID; ``text`` any string. A field the operation
does not define is refused, as the spec's request schemas admit no other field.

Where the spec is silent or contradicts itself, the emulator follows its text and Twilio's
documented behaviour: the stream ``Url`` is typed as any URI but its text says only ``wss`` is
supported (so ``ws://``, ``https://`` and relative URLs are refused); the schema lists custom
parameters 1 and 2 only but its text allows ``Parameter1`` to ``Parameter99`` (so 1 to 99 are
accepted; a value without its name is ignored). A stream ``Name`` may be empty, as its schema
allows: the stream is then unnamed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_signalwire.testing.params import Params

Kind = str | tuple[str, ...]

HTTP_METHODS = ("GET", "POST")
TRACKS = ("inbound_track", "outbound_track", "both_tracks")
CODECS = ("PCMU", "PCMA", "L16", "L16@16000h", "L16@24000h")
MAX_CUSTOM_PARAMETERS = 99

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_NUMBERED = re.compile(r"^Parameter(\d+)\.(Name|Value)$")


@dataclass(frozen=True)
class BodySpec:
    """
    The fields one operation accepts.

    :param fields: field name to kind.
    :param required: fields that must be given.
    :param custom_parameters: whether ``ParameterN.Name``/``ParameterN.Value`` are accepted.
    """

    fields: Mapping[str, Kind]
    required: tuple[str, ...] = ()
    custom_parameters: bool = False


CONFERENCE_UPDATE = BodySpec(
    {"Status": ("completed",), "AnnounceUrl": "uri", "AnnounceMethod": HTTP_METHODS}
)
PARTICIPANT_UPDATE = BodySpec(
    {
        "AnnounceUrl": "uri",
        "AnnounceMethod": HTTP_METHODS,
        "Coaching": "bool",
        "CallSidToCoach": "uuid",
        "Hold": "bool",
        "HoldMethod": HTTP_METHODS,
        "HoldUrl": "uri",
        "Muted": "bool",
        "WaitUrl": "uri",
        "WaitMethod": HTTP_METHODS,
    }
)
RECORDING_UPDATE = BodySpec(
    {"Status": ("paused", "in-progress", "stopped"), "PauseBehavior": ("skip", "silence")},
    required=("Status",),
)
STREAM_START = BodySpec(
    {
        "Name": "text",
        "Track": TRACKS,
        "StatusCallbackMethod": HTTP_METHODS,
        "StatusCallback": "uri",
        "Url": "wss",
        "StreamCodec": CODECS,
        "StreamRealTime": "bool",
        "AuthorizationBearerToken": "text",
    },
    required=("Url",),
    custom_parameters=True,
)
STREAM_STOP = BodySpec({"Status": ("stopped",)}, required=("Status",))


def describe(name: str, kind: Kind) -> str:
    """
    Say what ``name`` must be, e.g. ``Track must be one of inbound_track, ...``.

    :param name: the field name.
    :param kind: its kind.
    """
    if isinstance(kind, tuple):
        if len(kind) == 1:
            return f"{name} must be '{kind[0]}'"
        return f"{name} must be one of {', '.join(kind)}"
    wanted = {
        "bool": "'true' or 'false'",
        "uri": "an absolute URI",
        "wss": "a valid wss:// URL",
        "uuid": "a UUID",
        "text": "a string",
    }[kind]
    return f"{name} must be {wanted}"


def is_valid(kind: Kind, value: str) -> bool:
    """
    Tell whether ``value`` is of ``kind``.

    :param kind: a field kind.
    :param value: the value received.
    """
    if isinstance(kind, tuple):
        return value in kind
    if kind == "bool":
        return value.lower() in ("true", "false")
    if kind == "uuid":
        return bool(_UUID.match(value))
    if kind == "wss":
        try:
            host = urlsplit(value).hostname
        except ValueError:  # e.g. an unclosed IPv6 bracket
            return False
        return value.startswith("wss://") and bool(host)
    if kind == "uri":
        scheme, colon, _ = value.partition(":")
        return bool(colon and _SCHEME.match(scheme)) and not any(c.isspace() for c in value)
    return True


def check_body(form: Params, spec: BodySpec) -> list[str]:
    """
    Return one message per problem with ``form`` under ``spec`` (empty when it is valid).

    :param form: the body's fields.
    :param spec: what the operation accepts.
    """
    errors: list[str] = []
    for name in spec.required:
        if name not in form:
            errors.append(describe(name, spec.fields[name]))
    for name, given in form.items():
        kind = spec.fields.get(name)
        if kind is not None:
            if not is_valid(kind, given[0]):
                errors.append(f"{describe(name, kind)}, got {given[0]!r}")
            continue
        match = _NUMBERED.match(name) if spec.custom_parameters else None
        if match is None:
            errors.append(f"{name} is not a parameter of this operation")
        elif not 1 <= int(match.group(1)) <= MAX_CUSTOM_PARAMETERS:
            errors.append(f"{name}: custom parameters are numbered 1 to {MAX_CUSTOM_PARAMETERS}")
    return errors


def custom_parameters(form: Params) -> dict[str, str]:
    """
    Return the custom parameters of a valid stream start, name to value, in index order.

    :param form: the body's fields, already checked.
    """
    found: dict[int, dict[str, str]] = {}
    for name, given in form.items():
        match = _NUMBERED.match(name)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = given[0]
    return {
        pair["Name"]: pair.get("Value", "") for _, pair in sorted(found.items()) if "Name" in pair
    }
