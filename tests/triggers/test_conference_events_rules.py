"""Issue 22's rules of ConferenceTransitions and the shared listing index, without I/O."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from airflow_provider_signalwire.hooks._conferences import index_listing, run_slices
from airflow_provider_signalwire.triggers._conference_events import (
    SETTLE,
    ConferenceTransitions,
)
from airflow_provider_signalwire.triggers.conference import WATERMARK_KEY, ConferenceEventTrigger

END, START = "conference-end", "conference-start"
UTC = datetime.timezone.utc
BEGAN = datetime.datetime(2026, 11, 25, 20, 0, 0, tzinfo=UTC)
ABSURD = "Thu, 01 Jan 2099 00:00:00 GMT"


def conf(
    sid: str,
    status: str,
    second: int = 0,
    *,
    created: int = -3600,
    name: str = "room",
    base: datetime.datetime = BEGAN,
) -> dict[str, Any]:
    """A listed conference, updated ``second`` and created ``created`` seconds after ``base``."""

    def rfc(offset: int) -> str:
        return (base + datetime.timedelta(seconds=offset)).strftime("%a, %d %b %Y %H:%M:%S GMT")

    return {
        "sid": sid,
        "status": status,
        "friendly_name": name,
        "date_updated": rfc(second),
        "date_created": rfc(created),
    }


def now(second: int = 60) -> datetime.datetime:
    return BEGAN + datetime.timedelta(seconds=second)


def watching(events: tuple[str, ...] = (START, END)) -> ConferenceTransitions:
    transitions = ConferenceTransitions(events, None)
    transitions.begin(BEGAN)
    return transitions


def fired(t: ConferenceTransitions, *listed: dict[str, Any], at: int = 60) -> list[tuple[str, str]]:
    return [(e.name, e.conference["sid"]) for e in t.observe(listed, now(at))]


class TestOddDates:
    def test_an_absurd_date_never_moves_settled(self) -> None:
        t = watching()
        fired(t, conf("A", "in-progress", 10), {**conf("B", "completed"), "date_updated": ABSURD})
        mark = t.watermark()
        assert mark is not None
        assert mark["settled"] == (now(60) - SETTLE).isoformat()
        assert mark["conferences"]["B"] == ["completed", None]

    def test_in_the_first_listing_it_is_the_starting_point(self) -> None:
        t = watching()
        assert fired(t, {**conf("B", "in-progress"), "date_updated": ABSURD}) == []
        assert fired(t, {**conf("B", "completed"), "date_updated": ABSURD}) == [(END, "B")]

    def test_first_seen_later_it_is_new_only_if_created_since(self) -> None:
        t = watching()
        fired(t)
        young = {**conf("Y", "completed", created=5), "date_updated": ABSURD}
        old = {**conf("O", "completed", created=-5), "date_updated": "not a date"}
        assert fired(t, young, old) == [(END, "Y")]
        assert set(t.odd_dates) == {"Y", "O"}

    def test_other_conferences_are_judged_as_ever(self) -> None:
        before = watching((END,))
        fired(
            before, conf("A", "in-progress", 10), {**conf("B", "completed"), "date_updated": ABSURD}
        )
        after = ConferenceTransitions((END,), None)
        assert after.restore(json.loads(json.dumps(before.watermark())))
        assert fired(after, conf("A", "completed", 90), conf("C", "completed", 95), at=100) == [
            (END, "A"),
            (END, "C"),
        ]


class TestMemory:
    def test_a_conference_missing_from_listings_is_remembered(self) -> None:
        t = watching()
        fired(t)
        assert fired(t, conf("A", "completed", 10)) == [(END, "A")]
        for _ in range(3):
            assert fired(t) == []  # missing from three listings
        assert fired(t, conf("A", "completed", 10)) == []

    def test_forgotten_once_signalwire_cannot_list_it(self) -> None:
        t = watching()
        fired(t)
        fired(t, conf("A", "completed", 10), conf("B", "completed", 10))
        two_days = 2 * 86400
        fired(t, conf("B", "completed", 10), at=two_days)  # A is gone: older than yesterday
        mark = t.watermark()
        assert mark is not None
        assert t._memory.keys() == {"B"}  # B is still listed: kept

    def test_a_stale_copy_alone_never_takes_a_status_back(self) -> None:
        t = watching()
        fired(t, conf("A", "init", -10))
        assert fired(t, conf("A", "completed", 20)) == [(END, "A")]
        assert fired(t, conf("A", "in-progress", 15)) == []  # only the stale copy listed
        assert fired(t, conf("A", "completed", 20)) == []

    def test_restart_keeps_live_recent_and_odd_conferences_only(self) -> None:
        t = watching()
        fired(t, conf("live", "in-progress", -900), conf("old", "completed", -900), at=0)
        fired(t, conf("new", "completed", 30), at=1000)  # settled: 1000 - 600 = 400
        mark = t.watermark()
        assert mark is not None
        assert set(mark["conferences"]) == {"live"}  # new (30) and old are settled too
        fired(t, conf("fresh", "completed", 900), at=1000)
        assert set(t.watermark()["conferences"]) == {"live", "fresh"}  # type: ignore[index]

    def test_after_a_restart_a_stale_copy_of_a_settled_conference_is_not_news(self) -> None:
        before = watching()
        fired(before, conf("A", "in-progress", 10), at=20)
        fired(before, conf("A", "completed", 30), at=40)
        fired(before, conf("A", "completed", 30), at=2000)  # settled passes 30
        after = ConferenceTransitions((START, END), None)
        assert after.restore(before.watermark())
        assert fired(after, conf("A", "in-progress", 10), at=2010) == []
        assert fired(after, conf("A", "completed", 30), at=2020) == []

    def test_version_1_watermarks_are_still_read(self) -> None:
        saved = {
            "version": 1,
            "updated_through": "2026-11-25T20:00:07+00:00",
            "ties": {"B": "init"},
            "in_progress": ["A"],
        }
        t = ConferenceTransitions((START, END), None)
        assert t.restore(saved)
        got = fired(t, conf("A", "completed", 9), conf("B", "init", 7), conf("C", "completed", 5))
        assert got == [(END, "A")]


class TestIndex:
    def test_the_most_advanced_copy_wins_then_the_newest(self) -> None:
        listing = [conf("A", "in-progress", 50), conf("A", "completed", 10), conf("B", "init", 1),
                   conf("B", "init", 9)]  # fmt: skip
        index = run_slices(index_listing(listing, None, 1))
        assert index.by_sid["A"].status == "completed"
        assert index.by_sid["B"].conference["date_updated"].endswith("20:00:09 GMT")
        assert index.by_name == {"room": ["A", "B"]}
        assert index.changed == {"A", "B"}
        assert index.previous is None

    def test_changed_is_what_differs_from_the_previous_listing(self) -> None:
        first = run_slices(index_listing([conf("A", "init"), conf("B", "init")], None, 1))
        second = run_slices(
            index_listing(
                [conf("A", "init"), conf("B", "in-progress", 5), conf("C", "init")], first, 2
            )
        )
        assert second.changed == {"B", "C"}
        assert second.previous == 1
        assert second.by_sid["A"].updated is first.by_sid["A"].updated  # not parsed again

    def test_slices_pause_a_large_listing(self) -> None:
        listing = [conf(f"S{i}", "completed", 1) for i in range(1200)]
        pauses = sum(1 for _ in index_listing(listing, None, 1))
        assert pauses >= 4  # 1,200 read and 1,200 indexed, 500 between pauses


class TestKeys:
    def test_one_key_per_watch(self) -> None:
        base = ConferenceEventTrigger(events=[START, END], friendly_name="standup")
        same = ConferenceEventTrigger(events=[END, START], friendly_name="standup", poll_interval=5)
        assert base.watermark_key() == same.watermark_key()
        assert base.watermark_key().startswith(f"{WATERMARK_KEY}:")
        assert len(base.watermark_key()) < 512  # the state store's key column
        others = [
            ConferenceEventTrigger(events=[END], friendly_name="standup"),
            ConferenceEventTrigger(events=[START, END], friendly_name="retro"),
            ConferenceEventTrigger(events=[START, END]),
            ConferenceEventTrigger(events=[START, END], friendly_name="standup", account_sid="AC"),
            ConferenceEventTrigger(
                events=[START, END], friendly_name="standup", signalwire_conn_id="other"
            ),
        ]
        keys = {t.watermark_key() for t in [base, *others]}
        assert len(keys) == 1 + len(others)


class LegacyStore:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.asked: list[str] = []

    async def aget(self, key: str, default: Any = None) -> Any:
        self.asked.append(key)
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = value


@pytest.mark.parametrize("own", [False, True])
def test_the_shared_key_of_older_releases_is_read_only_when_the_own_is_empty(own: bool) -> None:
    import asyncio

    trigger = ConferenceEventTrigger()
    values: dict[str, Any] = {WATERMARK_KEY: {"version": 1}}
    if own:
        values[trigger.watermark_key()] = {"version": 2}
    store = LegacyStore(values)
    trigger.asset_state_store = store  # type: ignore[assignment]
    got = asyncio.run(trigger._load_watermark())
    assert got == (store, values[trigger.watermark_key()] if own else {"version": 1})
    assert store.asked == (
        [trigger.watermark_key()] if own else [trigger.watermark_key(), WATERMARK_KEY]
    )


class TestRestoreAndObserve:
    def test_a_version_1_watermark_becomes_the_same_memory_in_version_2(self) -> None:
        through = "2026-11-25T20:00:07+00:00"
        saved = {
            "version": 1,
            "updated_through": through,
            "ties": {"B": "in-progress", "C": "completed"},
            "in_progress": ["A"],
        }
        t = ConferenceTransitions((START, END), None)
        assert t.restore(saved)
        assert t.needs_saving()  # read from an older shape: kept again in the new one
        # Live conferences are always kept; C settled at updated_through, so it is not.
        assert t.watermark() == {
            "version": 2,
            "began": through,
            "settled": through,
            "conferences": {"A": ["in-progress", through], "B": ["in-progress", through]},
        }
        # What version 1 remembered fires nothing again, even with a newer date.
        assert fired(t, conf("A", "in-progress", 30), conf("B", "in-progress", 30)) == []
        ended = fired(t, conf("A", "completed", 40), conf("B", "completed", 40))
        assert sorted(ended) == [(END, "A"), (END, "B")]

    def test_observe_parses_only_what_changed_since_its_previous_listing(self) -> None:
        parsed: list[object] = []

        def parse(raw: object) -> datetime.datetime | None:
            parsed.append(raw)
            text = str(raw)
            return None if text == "odd" else BEGAN + datetime.timedelta(seconds=int(text))

        def listed(sid: str, status: str, updated: str) -> dict[str, Any]:
            return {"sid": sid, "status": status, "friendly_name": "room",
                    "date_updated": updated, "date_created": "-3600"}  # fmt: skip

        t = ConferenceTransitions((START, END), None, parse_date=parse)
        t.begin(BEGAN)
        first = [listed("A", "in-progress", "10"), listed("B", "init", "odd")]
        assert [(e.name, e.conference["sid"]) for e in t.observe(first, now())] == [(START, "A")]
        assert sorted(map(str, parsed)) == ["-3600", "10", "odd"]  # this parser, not the default
        parsed.clear()
        assert t.observe(first, now(61)) == []
        assert parsed == []  # the same listing again: nothing read twice
        second = [listed("A", "completed", "20"), listed("B", "init", "odd")]
        assert [(e.name, e.conference["sid"]) for e in t.observe(second, now(62))] == [(END, "A")]
        assert sorted(map(str, parsed)) == ["-3600", "20"]  # only A, which changed
