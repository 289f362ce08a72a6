"""
Map the hook's snake_case keyword arguments to the field names of SignalWire's Compatibility API.

``friendly_name`` becomes ``FriendlyName``, ``date_created_before`` becomes ``DateCreated<``,
booleans become ``true``/``false`` and dates ``YYYY-MM-DD``. Arguments left at ``None`` are not
sent, so SignalWire keeps its defaults.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.exceptions import SignalWireValidationError

if TYPE_CHECKING:
    from airflow_provider_signalwire.hooks._messages import MessageDraft

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


def message_fields(draft: MessageDraft, *, from_number: str | None) -> dict[str, str | list[str]]:
    """
    Build the form of a message; ``MediaUrl`` repeats once per URL.

    :param draft: the checked message.
    :param from_number: the number it goes out from; ``None`` when a messaging service sends it.
    """
    optional = {
        "From": from_number,
        "MessagingServiceSid": draft.messaging_service_sid,
        "Body": draft.body,
        "StatusCallback": draft.status_callback,
    }
    fields: dict[str, str | list[str]] = {"To": draft.to}
    fields.update({name: value for name, value in optional.items() if value is not None})
    if draft.media_urls:
        fields["MediaUrl"] = list(draft.media_urls)
    return fields
