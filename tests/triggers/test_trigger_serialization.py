"""
Both conference triggers as the triggerer stores them: class path, every argument, the bounds.

The triggerer rebuilds a trigger from ``serialize()`` alone, so each argument must come back
under its own name with its own value, and a default must be the documented one. The keys a
trigger derives from its arguments (the shared stream's, the watermark's) are specified here
too: which arguments make them, and which do not.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.triggers.conference import (
    WATERMARK_KEY,
    ConferenceEventTrigger,
    ConferenceStatusTrigger,
)

MODULE = "airflow_provider_signalwire.triggers.conference"


class TestConferenceStatusTriggerSerialize:
    def test_every_default_is_the_documented_one(self) -> None:
        assert ConferenceStatusTrigger(conference_sid="CF1").serialize() == (
            f"{MODULE}.ConferenceStatusTrigger",
            {
                "conference_sid": "CF1",
                "friendly_name": None,
                "target_statuses": ["completed"],
                "signalwire_conn_id": "signalwire_default",
                "account_sid": None,
                "poll_interval": 60.0,
                "max_attempts": 5,
                "initial_backoff": 1.0,
                "max_backoff": 30.0,
            },
        )

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"conference_sid": "CF-by-sid", "target_statuses": ("init",)},
            {"friendly_name": "standup", "target_statuses": ["in-progress", "completed"]},
        ],
        ids=["by SID", "by name"],
    )
    def test_each_argument_round_trips_under_its_own_name(self, kwargs: dict[str, Any]) -> None:
        given = {
            **kwargs,
            "signalwire_conn_id": "sw_other",
            "account_sid": "AC-other",
            "poll_interval": 7,
            "max_attempts": 2,
            "initial_backoff": 3,
            "max_backoff": 9,
        }
        path, stored = ConferenceStatusTrigger(**given).serialize()

        assert path == f"{MODULE}.ConferenceStatusTrigger"
        assert stored == {
            "conference_sid": kwargs.get("conference_sid"),
            "friendly_name": kwargs.get("friendly_name"),
            "target_statuses": list(kwargs["target_statuses"]),
            "signalwire_conn_id": "sw_other",
            "account_sid": "AC-other",
            "poll_interval": 7.0,
            "max_attempts": 2,
            "initial_backoff": 3.0,
            "max_backoff": 9.0,
        }
        assert [type(stored[k]) for k in ("poll_interval", "initial_backoff", "max_backoff")] == [
            float,
            float,
            float,
        ]
        assert json.loads(json.dumps(stored)) == stored
        assert ConferenceStatusTrigger(**stored).serialize() == (path, stored)

    def test_a_repeated_target_status_is_stored_once(self) -> None:
        trigger = ConferenceStatusTrigger(
            conference_sid="CF1", target_statuses=["completed", "init", "completed"]
        )
        assert trigger.serialize()[1]["target_statuses"] == ["completed", "init"]

    @pytest.mark.parametrize(
        ("conference_sid", "friendly_name"),
        [(None, None), ("CF1", "standup")],
        ids=["neither", "both"],
    )
    def test_the_message_names_the_trigger_and_both_arguments(
        self, conference_sid: str | None, friendly_name: str | None
    ) -> None:
        with pytest.raises(SignalWireValidationError) as caught:
            ConferenceStatusTrigger(conference_sid=conference_sid, friendly_name=friendly_name)
        assert str(caught.value) == (
            "ConferenceStatusTrigger needs exactly one of conference_sid and friendly_name; "
            f"got conference_sid={conference_sid!r}, friendly_name={friendly_name!r}."
        )


#: poll_interval of each trigger -> accepted (stored value) or refused (message's bound).
STATUS_INTERVALS = [
    (86400, 86400.0),
    (86400.0, 86400.0),
    (86400.001, None),
    (0.001, 0.001),
    (0, None),
    (-1, None),
]
EVENT_INTERVALS = [
    (3600, 3600.0),
    (3600.001, None),
    (0.001, 0.001),
    (0, None),
    (-0.5, None),
]


@pytest.mark.parametrize(("interval", "stored"), STATUS_INTERVALS)
def test_status_trigger_interval_bounds(interval: float, stored: float | None) -> None:
    if stored is None:
        with pytest.raises(SignalWireValidationError) as caught:
            ConferenceStatusTrigger(conference_sid="CF1", poll_interval=interval)
        assert str(caught.value) == (
            f"Invalid poll_interval {interval!r}: expected seconds, 0 < s <= 86400."
        )
    else:
        trigger = ConferenceStatusTrigger(conference_sid="CF1", poll_interval=interval)
        assert trigger.serialize()[1]["poll_interval"] == stored


@pytest.mark.parametrize(("interval", "stored"), EVENT_INTERVALS)
def test_event_trigger_interval_bounds(interval: float, stored: float | None) -> None:
    if stored is None:
        with pytest.raises(SignalWireValidationError) as caught:
            ConferenceEventTrigger(poll_interval=interval)
        assert str(caught.value) == (
            f"Invalid poll_interval {interval!r}: expected seconds, 0 < s <= 3600."
        )
    else:
        trigger = ConferenceEventTrigger(poll_interval=interval)
        assert trigger.serialize()[1]["poll_interval"] == stored


#: Retry knobs: (argument, value, accepted).
RETRY_KNOBS = [
    ("max_attempts", 1, True),
    ("max_attempts", 0, False),
    ("max_attempts", 100, True),
    ("max_attempts", 101, False),
    ("initial_backoff", 0, True),
    ("initial_backoff", -0.1, False),
    ("initial_backoff", 3600, True),
    ("initial_backoff", 3600.5, False),
    ("max_backoff", 0, True),
    ("max_backoff", -1, False),
    ("max_backoff", 3600, True),
    ("max_backoff", 3601, False),
]


@pytest.mark.parametrize(("name", "value", "accepted"), RETRY_KNOBS)
def test_status_trigger_retry_knob_bounds(name: str, value: float, accepted: bool) -> None:
    if accepted:
        stored = ConferenceStatusTrigger(conference_sid="CF1", **{name: value}).serialize()[1]
        assert stored[name] == value
    else:
        with pytest.raises(SignalWireValidationError, match=f"^Invalid {name} "):
            ConferenceStatusTrigger(conference_sid="CF1", **{name: value})


class TestConferenceEventTriggerSerialize:
    def test_every_default_is_the_documented_one(self) -> None:
        assert ConferenceEventTrigger().serialize() == (
            f"{MODULE}.ConferenceEventTrigger",
            {
                "events": ["conference-end"],
                "friendly_name": None,
                "signalwire_conn_id": "signalwire_default",
                "account_sid": None,
                "poll_interval": 60.0,
            },
        )

    def test_each_argument_round_trips_under_its_own_name(self) -> None:
        trigger = ConferenceEventTrigger(
            events="conference-start",
            friendly_name="x" * 64,
            signalwire_conn_id="sw_other",
            account_sid="AC-other",
            poll_interval=5,
        )
        path, stored = trigger.serialize()

        assert path == f"{MODULE}.ConferenceEventTrigger"
        assert stored == {
            "events": ["conference-start"],
            "friendly_name": "x" * 64,
            "signalwire_conn_id": "sw_other",
            "account_sid": "AC-other",
            "poll_interval": 5.0,
        }
        assert type(stored["poll_interval"]) is float
        assert ConferenceEventTrigger(**stored).serialize() == (path, stored)

    @pytest.mark.parametrize("name", ["", "x" * 65, 42])
    def test_a_name_outside_1_to_64_characters_is_refused(self, name: Any) -> None:
        with pytest.raises(SignalWireValidationError) as caught:
            ConferenceEventTrigger(friendly_name=name)
        assert str(caught.value).startswith("Invalid friendly_name ")
        assert str(caught.value).endswith(": expected a string of 1 to 64 characters.")

    @pytest.mark.parametrize("name", ["x", "x" * 64])
    def test_a_name_of_1_to_64_characters_is_kept(self, name: str) -> None:
        assert ConferenceEventTrigger(friendly_name=name).friendly_name == name

    def test_shared_stream_key_is_connection_account_and_interval(self) -> None:
        trigger = ConferenceEventTrigger(
            events=("conference-start",),
            friendly_name="standup",
            signalwire_conn_id="sw_other",
            account_sid="AC-other",
            poll_interval=15,
        )
        assert trigger.shared_stream_key() == (
            "signalwire-conferences",
            "sw_other",
            "AC-other",
            15.0,
        )
        # What each trigger filters (events, name) is not part of the shared poll.
        assert (
            ConferenceEventTrigger(
                signalwire_conn_id="sw_other", account_sid="AC-other", poll_interval=15
            ).shared_stream_key()
            == trigger.shared_stream_key()
        )


def expected_watermark_key(events: list[str], name: str | None, account: str) -> str:
    """The documented key: the prefix and 24 hex digits of SHA-256 of what is watched."""
    text = (
        '{"account":'
        + json.dumps(account)
        + ',"events":'
        + json.dumps(sorted(events), separators=(",", ":"))
        + ',"friendly_name":'
        + json.dumps(name)
        + "}"
    )
    return "signalwire_conference_events:" + hashlib.sha256(text.encode()).hexdigest()[:24]


class TestWatermarkKey:
    def test_the_key_is_the_prefix_and_a_digest_of_what_is_watched(self) -> None:
        trigger = ConferenceEventTrigger(
            events=["conference-start", "conference-end"],
            friendly_name="standup",
            account_sid="AC-one",
        )
        key = trigger.watermark_key()
        assert WATERMARK_KEY == "signalwire_conference_events"
        assert key == expected_watermark_key(
            ["conference-end", "conference-start"], "standup", "AC-one"
        )
        assert len(key) == len(WATERMARK_KEY) + 1 + 24

    def test_without_an_account_the_connection_names_it(self) -> None:
        trigger = ConferenceEventTrigger(signalwire_conn_id="sw_other")
        assert trigger.watermark_key() == expected_watermark_key(
            ["conference-end"], None, "connection:sw_other"
        )

    def test_event_order_and_interval_do_not_change_it(self) -> None:
        one = ConferenceEventTrigger(events=["conference-start", "conference-end"], poll_interval=5)
        other = ConferenceEventTrigger(
            events=["conference-end", "conference-start"], poll_interval=60
        )
        assert one.watermark_key() == other.watermark_key()

    @pytest.mark.parametrize(
        "changed",
        [
            {"events": ["conference-start"]},
            {"friendly_name": "standup"},
            {"account_sid": "AC-one"},
            {"signalwire_conn_id": "sw_other"},
        ],
        ids=["events", "name", "account", "connection"],
    )
    def test_each_watched_thing_changes_it(self, changed: dict[str, Any]) -> None:
        assert (
            ConferenceEventTrigger(**changed).watermark_key()
            != ConferenceEventTrigger().watermark_key()
        )

    def test_an_account_makes_the_connection_irrelevant(self) -> None:
        one = ConferenceEventTrigger(account_sid="AC-one", signalwire_conn_id="a")
        other = ConferenceEventTrigger(account_sid="AC-one", signalwire_conn_id="b")
        assert one.watermark_key() == other.watermark_key()
