"""
Map the hook's snake_case keyword arguments to the field names of SignalWire's Compatibility API.

``friendly_name`` becomes ``FriendlyName``, ``date_created_before`` becomes ``DateCreated<``,
booleans become ``true``/``false`` and dates ``YYYY-MM-DD``. Arguments left at ``None`` are not
sent, so SignalWire keeps its defaults.
"""

from __future__ import annotations

import datetime
from typing import Any

from airflow_provider_signalwire.exceptions import SignalWireValidationError

_SPECIAL_NAMES = {
    "date_created_before": "DateCreated<",
    "date_created_after": "DateCreated>",
    "date_updated_before": "DateUpdated<",
    "date_updated_after": "DateUpdated>",
    "call_sid_to_coach": "CallSidToCoach",
}
MAX_PAGE_SIZE = 1000


def api_name(argument: str) -> str:
    """Return SignalWire's field name for a snake_case argument (``hold_url`` → ``HoldUrl``)."""
    return _SPECIAL_NAMES.get(argument) or "".join(
        part.capitalize() for part in argument.split("_")
    )


def _format(argument: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if argument.startswith("date_"):
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
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
