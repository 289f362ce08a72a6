"""The pure rules of ConferenceEventTrigger: which changes are events, and the restart watermark."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.triggers._conference_events import (
    ConferenceTransitions,
    validate_events,
)

try:
    from airflow_provider_signalwire.hooks._conferences import parse_date_created as parse_date
except ImportError:  # before the consolidation
    from airflow_provider_signalwire.conferences import parse_date_created as parse_date

END, START = "conference-end", "conference-start"
UTC = datetime.timezone.utc


def conf(sid: str, status: str, second: int = 0, name: str = "room") -> dict[str, Any]:
    return {
        "sid": sid,
        "status": status,
        "friendly_name": name,
        "date_updated": f"Wed, 25 Nov 2026 20:00:{second:02d} +0000",
    }


def fired(
    transitions: ConferenceTransitions, *conferences: dict[str, Any]
) -> list[tuple[str, str]]:
    return [(e.name, e.conference["sid"]) for e in transitions.observe(conferences)]


def watcher(events: tuple[str, ...] = (END,), name: str | None = None) -> ConferenceTransitions:
    return ConferenceTransitions(events, name, parse_date)


@pytest.mark.parametrize(
    ("events", "first", "second", "expected"),
    [
        # A state that merely persists is not an event.
        ((END,), [conf("A", "completed")], [conf("A", "completed")], []),
        ((START,), [conf("A", "in-progress")], [conf("A", "in-progress")], []),
        # Transitions observed after the first poll.
        ((END,), [conf("A", "in-progress")], [conf("A", "completed", 1)], [(END, "A")]),
        ((START,), [conf("A", "init")], [conf("A", "in-progress", 1)], [(START, "A")]),
        ((START, END), [conf("A", "init")], [conf("A", "in-progress", 1)], [(START, "A")]),
        ((END,), [conf("A", "init")], [conf("A", "in-progress", 1)], []),
        # A conference that appears after the first poll changed after watching began.
        ((END,), [], [conf("B", "completed", 1)], [(END, "B")]),
        ((START,), [], [conf("B", "in-progress", 1)], [(START, "B")]),
        ((START, END), [], [conf("B", "init", 1)], []),
        # Start and end between two polls: only the end was observed.
        ((START, END), [conf("A", "init")], [conf("A", "completed", 1)], [(END, "A")]),
    ],
)
def test_transitions(
    events: tuple[str, ...],
    first: list[dict[str, Any]],
    second: list[dict[str, Any]],
    expected: list[tuple[str, str]],
) -> None:
    transitions = watcher(events)
    assert fired(transitions, *first) == []
    assert fired(transitions, *second) == expected


def test_never_twice_for_the_same_conference_and_event() -> None:
    transitions = watcher((START, END))
    fired(transitions, conf("A", "init"))
    assert fired(transitions, conf("A", "completed", 1)) == [(END, "A")]
    assert fired(transitions, conf("A", "completed", 1)) == []
    # Even if the status went back and forth (the emulator allows it): a status never goes
    # backwards (issue 22; before, the going back fired a second start).
    assert fired(transitions, conf("A", "in-progress", 2)) == []
    assert fired(transitions, conf("A", "completed", 3)) == []


def test_only_the_named_conferences() -> None:
    transitions = watcher((END,), name="standup")
    fired(transitions, conf("A", "init", name="standup"), conf("B", "init", name="other"))
    got = fired(
        transitions,
        conf("A", "completed", 1, name="standup"),
        conf("B", "completed", 1, name="other"),
    )
    assert got == [(END, "A")]


def test_event_payload() -> None:
    transitions = watcher()
    transitions.observe([])
    (event,) = transitions.observe([conf("A", "completed", 1)])
    assert event.payload() == {"event": END, "conference": conf("A", "completed", 1)}


class TestBegin:
    """The first poll after begin(): later seconds are changes, that second and before are not."""

    def test_first_poll_judged_by_when_watching_began(self) -> None:
        transitions = watcher((START, END))
        transitions.begin(datetime.datetime(2026, 11, 25, 20, 0, 5, 700000, tzinfo=UTC))
        got = fired(
            transitions,
            conf("before", "completed", 4),  # already completed: the starting point
            conf("same-second", "completed", 5),  # that second counts as before
            conf("late-poll", "completed", 6),  # ended after watching began: an event
            conf("started", "in-progress", 7),
            conf("created", "init", 8),
        )
        assert got == [(END, "late-poll"), (START, "started")]
        assert (
            fired(transitions, conf("before", "completed", 4), conf("late-poll", "completed", 6))
            == []
        )

    def test_then_polls_as_usual(self) -> None:
        transitions = watcher((END,))
        transitions.begin(datetime.datetime(2026, 11, 25, 20, 0, 5, tzinfo=UTC))
        assert fired(transitions, conf("A", "in-progress", 1)) == []
        assert fired(transitions, conf("A", "completed", 2)) == [(END, "A")]


class TestWatermark:
    def test_none_before_the_first_poll(self) -> None:
        assert watcher().watermark() is None

    def test_is_json_and_keeps_what_matters(self) -> None:
        # Version 2 (issue 22): version 1's single latest date let one absurd date poison it.
        transitions = watcher()
        transitions.begin(datetime.datetime(2026, 11, 25, 19, 0, 0, tzinfo=UTC))
        server_now = datetime.datetime(2026, 11, 25, 20, 5, 0, tzinfo=UTC)
        transitions.observe(
            [
                conf("A", "in-progress", 5),
                conf("B", "init", 7),
                {**conf("C", "completed", 7), "date_updated": "Thu, 01 Jan 2099 00:00:00 GMT"},
                {**conf("D", "completed", 7), "date_updated": "Wed, 25 Nov 2026 19:30:00 GMT"},
            ],
            server_now,
        )
        mark = transitions.watermark()
        assert json.loads(json.dumps(mark)) == mark
        assert mark == {
            "version": 2,
            "began": "2026-11-25T19:00:00+00:00",
            "settled": "2026-11-25T19:55:00+00:00",  # SignalWire's now less SETTLE
            "conferences": {
                "A": ["in-progress", "2026-11-25T20:00:05+00:00"],  # live: always kept
                "B": ["init", "2026-11-25T20:00:07+00:00"],  # after settled
                "C": ["completed", None],  # absurd date: kept, never compared
            },  # D: completed before settled, nothing more can happen to it
        }
        assert transitions.odd_dates == {"C": "Thu, 01 Jan 2099 00:00:00 GMT"}

    def test_restart_fires_what_changed_while_down_once(self) -> None:
        before = watcher((START, END))
        before.observe(
            [conf("A", "in-progress", 5), conf("B", "init", 7), conf("C", "completed", 3)]
        )
        mark = before.watermark()

        after = watcher((START, END))
        assert after.restore(json.loads(json.dumps(mark)))
        listed = [
            conf("A", "completed", 9),  # ended while down: end, no second start
            conf("B", "init", 7),  # unchanged
            conf("C", "completed", 3),  # ended before the restart: already fired
            conf("D", "in-progress", 8),  # new while down
            conf("E", "init", 7),  # updated in the watermark's second, after it was taken
        ]
        assert fired(after, *listed) == [(END, "A"), (START, "D")]
        assert fired(after, *listed) == []

    def test_same_second_update_after_the_watermark_is_not_lost(self) -> None:
        before = watcher((END,))
        before.observe([conf("A", "init", 7)])
        after = watcher((END,))
        assert after.restore(before.watermark())
        assert fired(after, conf("A", "init", 7), conf("B", "completed", 7)) == [(END, "B")]

    def test_same_second_change_of_a_tied_conference_is_not_lost(self) -> None:
        before = watcher((END,))
        before.observe([conf("A", "in-progress", 7), conf("B", "init", 7)])
        after = watcher((END,))
        assert after.restore(before.watermark())
        assert fired(after, conf("A", "completed", 7), conf("B", "init", 7)) == [(END, "A")]

    @pytest.mark.parametrize(
        "saved",
        [None, "x", {}, {"version": 2}, {"version": 1, "ties": ["A"], "in_progress": []},
         {"version": 1, "ties": [], "in_progress": [], "updated_through": "yesterday"}],
    )  # fmt: skip
    def test_unusable_watermark_means_a_fresh_start(self, saved: object) -> None:
        transitions = watcher()
        assert not transitions.restore(saved)
        assert fired(transitions, conf("A", "completed")) == []


@pytest.mark.parametrize("events", [(END,), [START, END], END, (START, START)])
def test_validate_events(events: Any) -> None:
    assert set(validate_events(events)) <= {START, END}


@pytest.mark.parametrize("events", [(), [], "conference-ended", ("completed",), None, 3])
def test_validate_events_refuses(events: Any) -> None:
    with pytest.raises(SignalWireValidationError, match="Invalid events"):
        validate_events(events)
