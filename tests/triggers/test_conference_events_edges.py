"""
The conference events' rules at their edges: both sides of every limit, days that turn, far
machine time zones, listings a trigger skipped, statuses SignalWire may add, and restarts.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks._conferences import index_listing, run_slices
from airflow_provider_signalwire.triggers._conference_events import (
    FUTURE_ALLOWANCE,
    JUDGE_SLICE,
    SETTLE,
    ConferenceEvent,
    ConferenceTransitions,
    validate_events,
)

from .test_conference_events_rules import ABSURD, BEGAN, END, START, conf, fired, now, watching

UTC = datetime.timezone.utc
DAY = 86400
#: 11:00 UTC: the local date is the day before in UTC-12 and the day after in UTC+14.
MORNING = datetime.datetime(2026, 11, 25, 11, 0, 0, tzinfo=UTC)


def at(seconds: int) -> datetime.datetime:
    return MORNING + datetime.timedelta(seconds=seconds)


def odd(sid: str, status: str = "completed", *, created: int = 5) -> dict[str, Any]:
    """A conference whose ``date_updated`` is absurd, created ``created`` s after MORNING."""
    return {**conf(sid, status, created=created, base=MORNING), "date_updated": ABSURD}


def dated(sid: str, status: str, updated: int) -> dict[str, Any]:
    """A conference updated ``updated`` s after MORNING."""
    return conf(sid, status, updated, base=MORNING)


def events(t: ConferenceTransitions, *listed: dict[str, Any], when: int) -> list[tuple[str, str]]:
    return [(e.name, e.conference["sid"]) for e in t.observe(listed, at(when))]


def kept(t: ConferenceTransitions) -> set[str]:
    mark = t.watermark()
    assert mark is not None
    return set(mark["conferences"])


def drive(steps: Any) -> tuple[int, Any]:
    """Run a sliced computation to its end; return how often it paused and its result."""
    pauses = 0
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return pauses, stop.value
        pauses += 1


class TestDaysThatTurn:
    """Memory is kept while SignalWire can list a conference, on SignalWire's UTC date."""

    def test_an_odd_date_listed_unchanged_is_kept_for_a_whole_day_missing(
        self, machine_zone: str
    ) -> None:
        t = ConferenceTransitions((END,), None)
        t.begin(MORNING)
        events(t, when=30)  # the first listing is the starting point: O comes after it
        assert events(t, odd("O"), when=60) == [(END, "O")]
        assert events(t, odd("O"), when=DAY + 60) == []  # listed unchanged the next day
        assert events(t, when=2 * DAY + 60) == []  # missing since that day: not a whole day
        assert "O" in kept(t)
        assert events(t, odd("O"), when=2 * DAY + 120) == []  # back: the same, no repeat

    def test_an_odd_date_missing_for_a_whole_day_is_forgotten(self, machine_zone: str) -> None:
        t = ConferenceTransitions((END,), None)
        t.begin(MORNING)
        events(t, odd("O"), when=60)
        events(t, when=DAY + 60)  # missing on the next day: still remembered
        assert "O" in kept(t)
        events(t, when=2 * DAY + 60)  # missing since yesterday: SignalWire cannot list it
        assert "O" not in kept(t)

    def test_a_dated_conference_is_forgotten_the_day_after_its_date(
        self, machine_zone: str
    ) -> None:
        t = ConferenceTransitions((END,), None)
        t.begin(MORNING)
        # In progress, updated a minute before midnight UTC, listed half a minute later.
        events(t, dated("A", "in-progress", 12 * 3600 + 59 * 60), when=12 * 3600 + 59 * 60 + 30)
        events(t, when=DAY + 11 * 3600)  # the next day: SignalWire still lists yesterday's
        assert "A" in kept(t)
        events(t, when=2 * DAY + 11 * 3600)  # two days on: it is older than yesterday
        assert "A" not in kept(t)

    def test_times_are_kept_in_utc_whatever_the_zone_of_the_clock(self, machine_zone: str) -> None:
        t = ConferenceTransitions((START,), None)
        t.begin(MORNING.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30))))
        ahead = datetime.timezone(datetime.timedelta(hours=-7))
        t.observe([dated("A", "in-progress", 30)], at(90).astimezone(ahead))
        mark = t.watermark()
        assert mark is not None
        assert mark["began"] == "2026-11-25T11:00:00+00:00"
        assert mark["settled"] == (at(90) - SETTLE).isoformat()
        assert mark["conferences"] == {"A": ["in-progress", "2026-11-25T11:00:30+00:00"]}

    def test_a_changed_odd_conference_missing_the_next_day_is_kept(self, machine_zone: str) -> None:
        t = ConferenceTransitions((START, END), None)
        t.begin(MORNING)
        events(t, odd("O", "in-progress"), when=60)
        assert events(t, odd("O"), when=DAY + 60) == [(END, "O")]  # changed, judged again
        events(t, when=2 * DAY + 60)
        assert "O" in kept(t)

    @pytest.mark.parametrize(
        "last_seen",
        [
            "first listed between two days",
            "listed back between two days",
            "listed as the day turned",
        ],
    )
    def test_a_trigger_polling_less_than_daily_forgets_what_has_been_missing_for_days(
        self, last_seen: str
    ) -> None:
        # The triggerer paused (or the interval is long): the poll after the last sighting
        # comes two days on. An odd-dated conference missing from it is forgotten then.
        t = ConferenceTransitions((END,), None)
        t.begin(MORNING)
        events(t, when=30)  # the day's first listing: it sets the floor
        assert events(t, odd("O"), when=60) == [(END, "O")]
        if last_seen == "listed back between two days":
            events(t, when=DAY + 60)
            events(t, odd("O"), when=DAY + 120)  # back, unchanged, on the same day
            last = DAY + 120
        elif last_seen == "listed as the day turned":
            events(t, odd("O"), when=DAY + 60)  # unchanged: not judged, only remembered
            last = DAY + 60
        else:
            last = 60
        events(t, when=last + 2 * DAY)
        assert "O" not in kept(t)

    def test_every_memory_is_looked_at_when_the_day_turns(self) -> None:
        t = ConferenceTransitions((END,), None)
        t.begin(MORNING)
        events(t, dated("A", "completed", 30), dated("B", "completed", 40), when=60)
        events(t, dated("A", "completed", 30), when=2 * DAY)  # B is older than yesterday
        assert set(t._memory) == {"A"}  # A still listed (kept), B forgotten after it


class TestJudgingPausesTheLoop:
    @pytest.mark.parametrize(
        "count", [1, JUDGE_SLICE - 1, JUDGE_SLICE, JUDGE_SLICE + 1, 2 * JUDGE_SLICE + 1]
    )
    def test_once_per_slice_of_conferences(self, count: int) -> None:
        listing = [conf(f"CF{n:05d}", "in-progress", 10) for n in range(count)]
        index = run_slices(index_listing(listing, None, 1))
        t = watching((START,))
        pauses, fired_now = drive(t.judge(index, None))
        assert pauses == count // JUDGE_SLICE
        assert len(fired_now) == count

    @pytest.mark.parametrize("count", [JUDGE_SLICE - 1, JUDGE_SLICE, 2 * JUDGE_SLICE + 1])
    def test_and_once_per_slice_of_memory_when_the_day_turns(self, count: int) -> None:
        listing = [conf(f"CF{n:05d}", "in-progress", 10) for n in range(count)]
        index = run_slices(index_listing(listing, None, 1))
        t = watching((START,))
        pauses, _ = drive(t.judge(index, now(60)))  # the first floor: memory is looked at
        assert pauses == 2 * (count // JUDGE_SLICE)
        again = run_slices(index_listing(listing, index, 2))
        assert drive(t.judge(again, now(120)))[0] == 0  # the same day: nothing changed

    def test_a_named_trigger_counts_only_its_conferences(self) -> None:
        listing = [conf(f"CF{n:05d}", "in-progress", 10, name="other") for n in range(999)]
        listing += [conf(f"CR{n:05d}", "in-progress", 10) for n in range(JUDGE_SLICE)]
        index = run_slices(index_listing(listing, None, 1))
        t = ConferenceTransitions((START,), "room")
        t.begin(BEGAN)
        pauses, fired_now = drive(t.judge(index, None))
        assert pauses == 1
        assert {e.conference["friendly_name"] for e in fired_now} == {"room"}


class TestListingsSkipped:
    def test_a_change_in_a_listing_not_judged_here_still_fires(self) -> None:
        first = run_slices(index_listing([conf("A", "in-progress", 10)], None, 1))
        second = run_slices(index_listing([conf("A", "completed", 20)], first, 2))
        third = run_slices(index_listing([conf("A", "completed", 20)], second, 3))
        assert third.changed == frozenset()  # unchanged since the second listing
        t = watching()
        assert [e.name for e in drive(t.judge(first, now(30)))[1]] == [START]
        assert drive(t.judge(third, now(90)))[1] == [
            ConferenceEvent(END, third.by_sid["A"].conference)
        ]

    def test_after_a_restore_every_conference_is_judged(self) -> None:
        before = watching((END,))
        fired(before, conf("A", "in-progress", 10), at=60)
        first = run_slices(index_listing([conf("A", "completed", 20)], None, 1))
        second = run_slices(index_listing([conf("A", "completed", 20)], first, 2))
        after = ConferenceTransitions((END,), None)
        assert after.restore(json.loads(json.dumps(before.watermark())))
        # The restored trigger saw neither listing: the second one's news is judged in full.
        assert [e.name for e in drive(after.judge(second, now(90)))[1]] == [END]


class TestStatuses:
    def test_a_status_signalwire_adds_later_fires_nothing_and_breaks_nothing(self) -> None:
        t = watching()
        assert fired(t, conf("A", "in-progress", 10)) == [(START, "A")]
        assert fired(t, conf("A", "paused", 20), at=70) == []
        assert fired(t, conf("A", "completed", 30), at=80) == [(END, "A")]

    def test_a_new_conference_in_an_unknown_status_is_judged_when_it_has_one(self) -> None:
        t = watching()
        fired(t)
        assert fired(t, conf("N", "queued", 10)) == []
        assert fired(t, conf("N", "in-progress", 20), at=70) == [(START, "N")]


class TestLimits:
    """Both sides of every limit."""

    @pytest.mark.parametrize(
        ("ahead", "odd_date"),
        [(FUTURE_ALLOWANCE.total_seconds(), False), (FUTURE_ALLOWANCE.total_seconds() + 1, True)],
    )
    def test_how_far_ahead_a_date_may_be(self, ahead: float, odd_date: bool) -> None:
        t = watching()
        fired(t, conf("A", "completed", 60 + int(ahead)), at=60)
        assert ("A" in t.odd_dates) is odd_date

    @pytest.mark.parametrize(("created", "new"), [(0, False), (1, True)])
    def test_an_odd_date_is_new_only_if_created_after_watching_began(
        self, created: int, new: bool
    ) -> None:
        t = watching()
        fired(t)
        young = {**conf("Y", "completed", created=created), "date_updated": ABSURD}
        assert fired(t, young) == ([(END, "Y")] if new else [])

    @pytest.mark.parametrize(("updated", "new"), [(0, False), (1, True)])
    def test_a_conference_first_seen_is_new_if_it_changed_after_watching_began(
        self, updated: int, new: bool
    ) -> None:
        t = watching()
        fired(t)
        assert fired(t, conf("A", "completed", updated)) == ([(END, "A")] if new else [])

    @pytest.mark.parametrize(("after_settled", "new"), [(0, False), (1, True)])
    def test_after_a_restart_a_change_is_new_only_after_the_saved_settled_point(
        self, after_settled: int, new: bool
    ) -> None:
        before = watching((END,))
        fired(before, conf("A", "in-progress", 10), at=1000)
        mark = before.watermark()
        assert mark is not None
        settled = 1000 - int(SETTLE.total_seconds())
        assert mark["settled"] == now(settled).isoformat()
        after = ConferenceTransitions((END,), None)
        assert after.restore(json.loads(json.dumps(mark)))
        listed = conf("B", "completed", settled + after_settled)
        assert fired(after, conf("A", "in-progress", 10), listed, at=1100) == (
            [(END, "B")] if new else []
        )

    @pytest.mark.parametrize(("after_saved", "must_save"), [(0, False), (1, True)])
    def test_a_change_needs_saving_only_after_the_saved_settled_point(
        self, after_saved: int, must_save: bool
    ) -> None:
        t = watching((END,))
        fired(t, conf("A", "in-progress", 10), at=1000)
        assert t.needs_saving()
        mark = t.watermark()
        assert mark is not None
        t.saved(mark)
        assert not t.needs_saving()
        settled = 1000 - int(SETTLE.total_seconds())
        fired(t, conf("A", "in-progress", 10), conf("B", "init", settled + after_saved), at=1000)
        assert t.needs_saving() is must_save

    def test_only_the_clock_moving_on_needs_no_saving(self) -> None:
        t = watching((END,))
        fired(t, conf("A", "in-progress", 10), at=1000)
        mark = t.watermark()
        assert mark is not None
        t.saved(mark)
        fired(t, conf("A", "in-progress", 10), at=5000)
        assert not t.needs_saving()
        watermark = t.watermark()
        assert watermark is not None
        assert watermark["settled"] != mark["settled"]


class TestRestarts:
    def test_a_watermark_read_back_is_the_same_watermark(self) -> None:
        before = watching()
        fired(
            before,
            conf("live", "in-progress", 10),
            conf("recent", "completed", 700),
            {**conf("odd", "completed"), "date_updated": ABSURD},
            at=1000,
        )
        mark = json.loads(json.dumps(before.watermark()))
        assert set(mark["conferences"]) == {"live", "recent", "odd"}
        after = ConferenceTransitions((START, END), None)
        assert after.restore(mark)
        assert after.watermark() == mark
        assert not after.needs_saving()  # kept as it was read

    def test_a_restored_status_is_never_taken_back_by_a_stale_copy(self) -> None:
        before = watching((START, END))
        fired(before, conf("A", "completed", 700), at=1000)
        after = ConferenceTransitions((START, END), None)
        assert after.restore(json.loads(json.dumps(before.watermark())))
        # A stale copy still in progress: older than what was seen, never a new start.
        assert fired(after, conf("A", "in-progress", 650), at=1010) == []
        assert fired(after, conf("A", "completed", 700), at=1020) == []

    def test_after_a_restore_an_odd_date_created_since_watching_began_is_new(self) -> None:
        before = watching((END,))
        fired(before, conf("A", "in-progress", 10), at=60)
        after = ConferenceTransitions((END,), None)
        assert after.restore(json.loads(json.dumps(before.watermark())))
        # The first listing after a restart is no starting point: what changed since is news.
        young = {**conf("Y", "completed", created=30), "date_updated": ABSURD}
        assert fired(after, conf("A", "in-progress", 10), young, at=120) == [(END, "Y")]

    @pytest.mark.parametrize(
        "saved",
        [
            None,
            [],
            {"version": 3},
            {"version": 2, "began": None, "settled": None},
            {"version": 2, "began": "2026-11-25T20:00:00", "settled": None, "conferences": {}},
            {"version": 2, "began": None, "settled": None, "conferences": []},
            {"version": 2, "began": None, "settled": None, "conferences": {"A": ["gone", None]}},
            {"version": 2, "began": None, "settled": None, "conferences": {"A": ["completed"]}},
            {"version": 2, "began": "yesterday", "settled": None, "conferences": {}},
            {"version": 1, "ties": [], "in_progress": []},
            {"version": 1, "ties": {}, "in_progress": {}},
            {"version": 1, "ties": {"A": "completed"}},
        ],
    )
    def test_an_unusable_watermark_is_refused_whole(self, saved: object) -> None:
        t = ConferenceTransitions((END,), None)
        assert t.restore(saved) is False
        assert t.watermark() is None  # nothing half-restored: the first poll starts afresh


class TestEventNames:
    @pytest.mark.parametrize("bad", [[], (), set(), None, 3, {"conference-end": 1}])
    def test_no_event_names_is_refused_naming_the_choices(self, bad: object) -> None:
        with pytest.raises(SignalWireValidationError) as caught:
            validate_events(bad)
        assert str(caught.value) == (
            f"Invalid events {bad!r}: expected a non-empty list of conference-start, "
            "conference-end."
        )

    def test_names_are_kept_once_in_their_order(self) -> None:
        assert validate_events("conference-end") == (END,)
        assert validate_events([END, START, END]) == (END, START)
        assert validate_events((START,)) == (START,)
        assert validate_events(frozenset({END})) == (END,)
