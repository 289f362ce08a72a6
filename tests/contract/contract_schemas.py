"""
JSON Schemas (draft 2020-12) of the Compatibility API's answers, written for this repository.

Written by hand from the facts SignalWire's OpenAPI states (field names, which are required,
types, enums, nullability, that no other field may appear); nothing is copied from it. Every
object schema is closed (``unevaluatedProperties: false``), as the spec's are. ``uuid`` is
checked as a format (``FORMAT_CHECKER``); dates are strings, as the spec types them.

The message and account-level recording objects are here too, for the Messages resource and
recording media.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

Schema = dict[str, Any]

FORMAT_CHECKER = FormatChecker(formats=["uuid"])

_STRING: Schema = {"type": "string"}
_NULLABLE_STRING: Schema = {"type": ["string", "null"]}
_UUID: Schema = {"type": "string", "format": "uuid"}
_NULLABLE_UUID: Schema = {"anyOf": [_UUID, {"type": "null"}]}
_BOOLEAN: Schema = {"type": "boolean"}
_INT32: Schema = {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}


def closed(properties: dict[str, Schema], optional: tuple[str, ...] = ()) -> Schema:
    """
    A closed object schema: every property required (but ``optional``), no other allowed.

    :param properties: property name to schema.
    :param optional: properties that may be left out.
    """
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "unevaluatedProperties": False,
    }


def enum(*values: str) -> Schema:
    """
    A string that is one of ``values``.

    :param values: the allowed values.
    """
    return {"type": "string", "enum": list(values)}


CONFERENCE = closed(
    {
        "sid": _UUID,
        "account_sid": _UUID,
        "date_created": _STRING,
        "date_updated": _STRING,
        "friendly_name": _STRING,
        "status": enum("init", "in-progress", "completed"),
        "api_version": _STRING,
        "region": _STRING,
        "uri": _STRING,
        "subresource_uris": closed({"participants": _STRING, "recordings": _STRING}),
    }
)

PARTICIPANT = closed(
    {
        "account_sid": _UUID,
        "call_sid": _UUID,
        "call_sid_to_coach": _NULLABLE_UUID,
        "coaching": _BOOLEAN,
        "conference_sid": _UUID,
        "date_created": _STRING,
        "status": enum("completed", "in-progress"),
        "date_updated": _STRING,
        "end_conference_on_exit": _BOOLEAN,
        "muted": _BOOLEAN,
        "hold": _BOOLEAN,
        "start_conference_on_enter": _BOOLEAN,
        "uri": _STRING,
    }
)

RECORDING_STATUSES = (
    "queued",
    "in-progress",
    "paused",
    "resumed",
    "completed",
    "absent",
    "stopped",
)


def _recording(sources: tuple[str, ...], call_sid: Schema, duration: Schema) -> Schema:
    return closed(
        {
            "sid": _UUID,
            "account_sid": _UUID,
            "api_version": _STRING,
            "call_sid": call_sid,
            "conference_sid": _NULLABLE_UUID,
            "channel": enum("1", "2"),
            "channels": enum("1", "2"),
            "date_created": _STRING,
            "date_updated": _STRING,
            "start_time": _NULLABLE_STRING,
            "end_time": _NULLABLE_STRING,
            "duration": duration,
            "price": _NULLABLE_STRING,
            "price_unit": _STRING,
            "source": enum(*sources),
            "status": enum(*RECORDING_STATUSES),
            "error_code": _NULLABLE_STRING,
            "uri": _STRING,
            "subresource_uris": closed({"transcriptions": _STRING}),
            "encryption_details": _NULLABLE_STRING,
            "trim": _STRING,
        }
    )


#: A recording under ``/Conferences/{sid}/Recordings``.
CONFERENCE_RECORDING = _recording(
    ("Conference", "StartConferenceRecording"), _NULLABLE_STRING, _INT32
)
#: A recording under ``/Recordings/{Sid}`` (any source; its call SID a UUID when present).
RECORDING = _recording(
    (
        "DialVerb", "Conference", "OutBoundApi", "Trunking", "RecordVerb",
        "StartCallRecordingApi", "StartConferenceRecording",
    ),
    _NULLABLE_UUID,
    {**_INT32, "minimum": 0},
)  # fmt: skip

STREAM = closed(
    {
        "account_sid": _UUID,
        "conference_sid": _UUID,
        "date_updated": _STRING,
        "name": _NULLABLE_STRING,
        "sid": _UUID,
        "status": enum("queued", "in-progress", "stopped"),
        "uri": _STRING,
    }
)

MESSAGE = closed(
    {
        "account_sid": _UUID,
        "api_version": _STRING,
        "body": _NULLABLE_STRING,
        "num_segments": _INT32,
        "num_media": _INT32,
        "date_created": _STRING,
        "date_sent": _NULLABLE_STRING,
        "date_updated": _STRING,
        "direction": enum("inbound", "outbound-api", "outbound-call", "outbound-reply"),
        "error_code": _NULLABLE_STRING,
        "error_message": _NULLABLE_STRING,
        "from": _STRING,
        "price": {"type": ["number", "null"]},
        "price_unit": _STRING,
        "sid": _UUID,
        "status": enum(
            "queued", "initiated", "sent", "failed", "delivered", "undelivered", "received"
        ),
        "to": _STRING,
        "messaging_service_sid": _NULLABLE_UUID,
        "uri": _STRING,
        "subresource_uris": closed({"media": _STRING}),
    }
)


def page_of(key: str, item: Schema) -> Schema:
    """
    A list answer: exactly the spec's paging fields and the list of ``item``.

    :param key: the list's key (``conferences``, ``participants``, ``recordings``).
    :param item: the schema of one element.
    """
    return closed(
        {
            "uri": _STRING,
            "first_page_uri": _STRING,
            "next_page_uri": _NULLABLE_STRING,
            "previous_page_uri": _NULLABLE_STRING,
            "page": _INT32,
            "page_size": _INT32,
            key: {"type": "array", "items": item},
        }
    )


CONFERENCE_PAGE = page_of("conferences", CONFERENCE)
PARTICIPANT_PAGE = page_of("participants", PARTICIPANT)
RECORDING_PAGE = page_of("recordings", CONFERENCE_RECORDING)

#: ``{code, message, more_info, status}``: most errors of most operations.
ERROR_OBJECT = closed({"code": _INT32, "message": _STRING, "more_info": _STRING, "status": _INT32})
#: ``{"errors": [...]}``: 422 of stream start, stream stop and recording update.
ERROR_STRINGS = closed({"errors": {"type": "array", "items": _STRING}})

ALL: dict[str, Schema] = {
    "conference": CONFERENCE,
    "participant": PARTICIPANT,
    "conference_recording": CONFERENCE_RECORDING,
    "recording": RECORDING,
    "stream": STREAM,
    "message": MESSAGE,
    "conference_page": CONFERENCE_PAGE,
    "participant_page": PARTICIPANT_PAGE,
    "recording_page": RECORDING_PAGE,
    "error_object": ERROR_OBJECT,
    "error_strings": ERROR_STRINGS,
}


def errors_of(schema: Schema, document: object) -> list[str]:
    """
    Return every violation of ``schema`` by ``document`` (empty when it validates).

    :param schema: one of the schemas above.
    :param document: a decoded JSON body.
    """
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in
            validator.iter_errors(document)]  # fmt: skip
