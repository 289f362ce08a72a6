"""
API field encoding (``hooks/_fields.py``) as tables: each argument's field name and value.

Each row is one rule of the specification, named by its test id; the values are exact.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._api import MAX_PAGE_SIZE, api_fields, api_name

NAMES = [
    ("friendly_name", "FriendlyName", "friendly_name is FriendlyName"),
    ("status", "Status", "one word is capitalised"),
    ("page_size", "PageSize", "page_size is PageSize"),
    ("hold_url", "HoldUrl", "Url is not spelled URL"),
    ("announce_method", "AnnounceMethod", "announce_method is AnnounceMethod"),
    ("end_conference_on_exit", "EndConferenceOnExit", "every word is capitalised"),
    ("status_callback_event", "StatusCallbackEvent", "status_callback_event is StatusCallbackEvent"),
    ("call_sid_to_coach", "CallSidToCoach", "call_sid_to_coach is CallSidToCoach"),
    ("date_created", "DateCreated", "date_created is DateCreated"),
    ("date_created_before", "DateCreated<", "date_created_before is DateCreated<"),
    ("date_created_after", "DateCreated>", "date_created_after is DateCreated>"),
    ("date_updated_before", "DateUpdated<", "date_updated_before is DateUpdated<"),
    ("date_updated_after", "DateUpdated>", "date_updated_after is DateUpdated>"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argument", "field"), [row[:2] for row in NAMES], ids=[row[2] for row in NAMES]
)
def test_argument_name_becomes_the_api_field_name(argument: str, field: str) -> None:
    assert api_name(argument) == field


VALUES: list[tuple[dict[str, Any], dict[str, str], str]] = [
    ({"muted": True}, {"Muted": "true"}, "true is sent as lower-case true"),
    ({"hold": False}, {"Hold": "false"}, "false is sent as lower-case false"),
    ({"friendly_name": "daily standup"}, {"FriendlyName": "daily standup"}, "a string is sent as it is"),
    ({"friendly_name": ""}, {"FriendlyName": ""}, "an empty string is still sent"),
    ({"page_size": 1}, {"PageSize": "1"}, "the smallest page size"),
    ({"page_size": MAX_PAGE_SIZE}, {"PageSize": "1000"}, "the largest page size"),
    ({"timeout": 1.5}, {"Timeout": "1.5"}, "a float is sent in decimal"),
    ({"date_created": datetime.date(2026, 11, 25)}, {"DateCreated": "2026-11-25"}, "a date is sent as YYYY-MM-DD"),
    (
        {"date_created_before": datetime.datetime(2026, 11, 25, 23, 59, tzinfo=datetime.timezone.utc)},
        {"DateCreated<": "2026-11-25"},
        "a datetime is sent as its date",
    ),
    ({"date_updated_after": "2026-01-02"}, {"DateUpdated>": "2026-01-02"}, "a date string is sent as it is"),
    ({"muted": None, "hold": None}, {}, "arguments left at None are not sent"),
    (
        {"status": "completed", "announce_url": None, "announce_method": "POST"},
        {"Status": "completed", "AnnounceMethod": "POST"},
        "only the arguments given are sent, in order",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "fields"), [row[:2] for row in VALUES], ids=[row[2] for row in VALUES]
)
def test_argument_value_becomes_the_field_value(
    arguments: dict[str, Any], fields: dict[str, str]
) -> None:
    encoded = api_fields(**arguments)

    assert encoded == fields
    assert list(encoded) == list(fields)


BAD_VALUES: list[tuple[dict[str, Any], str, str]] = [
    ({"date_created": "yesterday"}, "Invalid date_created 'yesterday': expected a date or 'YYYY-MM-DD'.", "a date must be a date"),
    ({"date_created_before": "2026-13-01"}, "Invalid date_created_before '2026-13-01': expected a date or 'YYYY-MM-DD'.", "a date must exist"),
    ({"date_created": True}, "Invalid date_created True: expected a date or 'YYYY-MM-DD'.", "a boolean is not a date"),
    ({"date_created": "20260102"}, "Invalid date_created '20260102': expected a date or 'YYYY-MM-DD'.", "a compact date is refused on every Python"),
    ({"date_created": 20260102}, "Invalid date_created 20260102: expected a date or 'YYYY-MM-DD'.", "a number is not a date"),
    ({"page_size": 0}, f"Invalid page_size 0: expected an integer from 1 to {MAX_PAGE_SIZE}.", "a page holds at least one item"),
    ({"page_size": 1001}, f"Invalid page_size 1001: expected an integer from 1 to {MAX_PAGE_SIZE}.", "a page holds at most 1000 items"),
    ({"page_size": "10"}, f"Invalid page_size '10': expected an integer from 1 to {MAX_PAGE_SIZE}.", "a page size is a number, not a string"),
    ({"page_size": 2.0}, f"Invalid page_size 2.0: expected an integer from 1 to {MAX_PAGE_SIZE}.", "a page size is a whole number"),
    ({"page_size": True}, f"Invalid page_size True: expected an integer from 1 to {MAX_PAGE_SIZE}.", "a boolean is not a page size"),
    ({"muted": ["yes"]}, "Invalid muted ['yes']: expected a string, number, boolean or date.", "a list is no field value"),
    ({"hold_url": {"u": 1}}, "Invalid hold_url {'u': 1}: expected a string, number, boolean or date.", "a dict is no field value"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"), [row[:2] for row in BAD_VALUES], ids=[row[2] for row in BAD_VALUES]
)
def test_bad_value_is_refused_naming_it(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(SignalWireValidationError) as caught:
        api_fields(**arguments)

    assert str(caught.value) == message
