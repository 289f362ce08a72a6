"""
The emulator's state: the seed, each resource's rendering and transitions, the settings.

The server's clock is frozen (the store reads it from ``store.space.now``), so every date, every
duration and every expiry is checked exactly, on both sides of its limit.
"""

from __future__ import annotations

import http.client
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from airflow_provider_signalwire.testing import (
    DEFAULT_SEED_SIDS,
    Fault,
    SignalWireEmulator,
    is_loopback_host,
    seeded_sids,
)
from airflow_provider_signalwire.testing.control import EmulatorControl
from airflow_provider_signalwire.testing.media import (
    CHUNK_SIZE,
    PATTERN_LENGTH,
    media_bytes,
    media_chunks,
    media_sha256,
)
from airflow_provider_signalwire.testing.store import Store
from airflow_provider_signalwire.testing.store import space as space_module
from airflow_provider_signalwire.testing.store.messages import segments
from airflow_provider_signalwire.testing.store.space import (
    ConflictError,
    Space,
    UnknownResourceError,
    check_choice,
    rfc2822,
)

T0 = datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
PROJECT = "proj"
BASE = "/api/laml/2010-04-01/Accounts/proj"


class Clock:
    """The real clock as the store sees it: set by the test."""

    def __init__(self) -> None:
        self.moment = T0

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(space_module, "now", frozen)
    return frozen


@pytest.fixture
def store(clock: Clock) -> Store:
    return Store(PROJECT)


def stamp(moment: datetime) -> str:
    return rfc2822(moment)


def conference_uri(sid: str) -> str:
    return f"{BASE}/Conferences/{sid}"


def listed(store: Store) -> list[tuple[str, str]]:
    return [(c["sid"], c["status"]) for c in store.conferences.list(lambda c: True)]


class TestSeed:
    def test_the_default_seed_sids_are_the_documented_ones(self) -> None:
        assert DEFAULT_SEED_SIDS == {
            "conferences": [
                "cb89326f-fa42-517f-b106-65bf21525f75",
                "4b83d010-2baf-5725-bdfc-1d734db4da21",
                "90aaf57d-fe7d-50cd-96dd-9957a10cc6d8",
            ],
            "streams": [
                "8da25362-7b9a-58c9-828d-1325ffbf92d0",
                "4f42b592-3719-5cbc-98c7-b03a8d1ee19f",
                "a829308c-6704-5752-918b-f37bfc822543",
            ],
            "participants": [
                "f46c9aa7-4051-536a-94dc-3c3a0447d93a",
                "8109f8d6-ebe0-5e9f-a831-2cc13610074c",
            ],
            "recordings": ["58799d76-94ab-5de0-adbb-abc58b4e81a0"],
            "demo_conference_sid": "cb89326f-fa42-517f-b106-65bf21525f75",
            "demo_stream_sid": "8da25362-7b9a-58c9-828d-1325ffbf92d0",
        }
        assert seeded_sids() == DEFAULT_SEED_SIDS

    def test_another_seed_gives_other_sids_all_distinct(self) -> None:
        one = seeded_sids(1)
        sids = [*one["conferences"], *one["streams"], *one["participants"], *one["recordings"]]

        assert len(set(sids)) == 9
        assert not set(sids) & {
            *DEFAULT_SEED_SIDS["conferences"],
            *DEFAULT_SEED_SIDS["streams"],
            *DEFAULT_SEED_SIDS["participants"],
            *DEFAULT_SEED_SIDS["recordings"],
        }
        assert (one["demo_conference_sid"], one["demo_stream_sid"]) == (
            one["conferences"][0],
            one["streams"][0],
        )

    def test_the_seeded_state(self, store: Store) -> None:
        ids = DEFAULT_SEED_SIDS
        demo, waiting, standup = ids["conferences"]
        yesterday = T0 - timedelta(days=1)

        snapshot = store.snapshot()

        assert set(snapshot) == {"conferences", "stop_counts", "messages"}
        assert snapshot["messages"] == []
        assert snapshot["stop_counts"] == dict.fromkeys(ids["streams"], 0)
        assert [
            (c["sid"], c["friendly_name"], c["status"], c["date_created"], c["date_updated"])
            for c in snapshot["conferences"]
        ] == [
            (
                demo,
                "demo-conference",
                "in-progress",
                stamp(T0 - timedelta(minutes=10)),
                stamp(T0 - timedelta(minutes=10)),
            ),
            (
                waiting,
                "waiting-room",
                "init",
                stamp(T0 - timedelta(minutes=5)),
                stamp(T0 - timedelta(minutes=5)),
            ),
            (
                standup,
                "yesterday-standup",
                "completed",
                stamp(yesterday),
                stamp(yesterday + timedelta(hours=1)),
            ),
        ]
        first, second, third = snapshot["conferences"]
        assert [
            (p["call_sid"], p["end_conference_on_exit"], p["muted"], p["hold"])
            for p in first["participants"]
        ] == [
            (ids["participants"][0], True, False, False),
            (ids["participants"][1], False, False, False),
        ]
        assert [(r["sid"], r["status"]) for r in first["recordings"]] == [
            (ids["recordings"][0], "in-progress")
        ]
        assert [(s["sid"], s["name"], s["status"]) for s in first["streams"]] == [
            (ids["streams"][0], "demo-stream", "in-progress"),
            (ids["streams"][1], None, "in-progress"),
        ]
        assert (second["streams"], second["participants"], second["recordings"]) == ([], [], [])
        assert [
            (s["sid"], s["name"], s["status"], s["date_updated"]) for s in third["streams"]
        ] == [
            (ids["streams"][2], "standup-audio", "stopped", stamp(yesterday + timedelta(hours=1)))
        ]
        assert (third["participants"], third["recordings"]) == ([], [])

    def test_a_seed_selects_the_sids(self, clock: Clock) -> None:
        state = Store(PROJECT, seed=5).snapshot()

        assert [c["sid"] for c in state["conferences"]] == seeded_sids(5)["conferences"]


class TestSpace:
    def test_paths_quote_the_project_and_the_sid(self) -> None:
        space = Space("a/b c")

        assert space.base_path == "/api/laml/2010-04-01/Accounts/a%2Fb%20c"
        assert (
            space.conference_uri("x/y")
            == "/api/laml/2010-04-01/Accounts/a%2Fb%20c/Conferences/x%2Fy"
        )

    def test_the_clock_is_ahead_by_the_offset(self, clock: Clock) -> None:
        assert Space(PROJECT, timedelta(seconds=-30)).now() == T0 - timedelta(seconds=30)

    def test_dates_are_written_in_gmt(self, machine_zone: str) -> None:
        moment = datetime(2030, 1, 2, 1, 0, tzinfo=timezone(timedelta(hours=2)))

        assert rfc2822(moment) == "Tue, 01 Jan 2030 23:00:00 GMT"

    def test_a_helper_argument_out_of_its_choices(self) -> None:
        with pytest.raises(ValueError) as refused:
            check_choice("status", "x", ("a", "b"))

        assert str(refused.value) == "status must be one of a, b; got 'x'"
        check_choice("status", "b", ("a", "b"))


class TestConferences:
    def test_rendering(self, store: Store) -> None:
        made = store.conferences.add("ops", sid="c/1")

        assert made == {
            "sid": "c/1",
            "account_sid": PROJECT,
            "friendly_name": "ops",
            "status": "init",
            "date_created": stamp(T0),
            "date_updated": stamp(T0),
            "api_version": "2010-04-01",
            "region": "us1",
            "uri": f"{BASE}/Conferences/c%2F1.json",
            "subresource_uris": {
                "participants": f"{BASE}/Conferences/c%2F1/Participants.json",
                "recordings": f"{BASE}/Conferences/c%2F1/Recordings.json",
            },
        }
        assert store.conferences.get("c/1") == made

    def test_a_random_sid_when_none_is_given(self, store: Store) -> None:
        one, two = store.conferences.add("a")["sid"], store.conferences.add("a")["sid"]

        assert one != two
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", one)

    def test_an_unknown_status_is_refused(self, store: Store) -> None:
        with pytest.raises(ValueError) as refused:
            store.conferences.add("a", "open")

        assert (
            str(refused.value) == "status must be one of init, in-progress, completed; got 'open'"
        )
        assert len(store.conferences.sids()) == 3

    @pytest.mark.parametrize("call", ["get", "set_status", "hide", "stale", "update"])
    def test_an_unknown_conference(self, store: Store, call: str) -> None:
        calls = {
            "get": lambda: store.conferences.get("nope"),
            "set_status": lambda: store.conferences.set_status("nope", "completed"),
            "hide": lambda: store.conferences.hide("nope", 1),
            "stale": lambda: store.conferences.add_stale_copy("nope", 1),
            "update": lambda: store.conferences.update("nope", None, {}),
        }

        with pytest.raises(UnknownResourceError) as unknown:
            calls[call]()

        assert unknown.value.args == ("nope",)

    def test_listing_is_newest_first_then_last_made_first(self, store: Store, clock: Clock) -> None:
        early = store.conferences.add("a", date_created=T0 - timedelta(hours=1))["sid"]
        same_1 = store.conferences.add("b")["sid"]
        same_2 = store.conferences.add("c")["sid"]
        clock.advance(1)
        later = store.conferences.add("d")["sid"]

        sids = [sid for sid, _ in listed(store)]

        assert sids[:3] == [later, same_2, same_1]
        waiting, demo = DEFAULT_SEED_SIDS["conferences"][1], DEFAULT_SEED_SIDS["conferences"][0]
        assert sids[3:6] == [waiting, demo, early]  # 5, 10 and 60 minutes old
        assert store.conferences.sids()[3:] == [early, same_1, same_2, later]

    def test_listing_keeps_what_the_filter_keeps_and_renders_on_read(self, store: Store) -> None:
        store.conferences.add("x", "completed")
        chosen = store.conferences.list(lambda c: c.status == "completed")

        assert len(chosen) == 2
        assert chosen[0]["friendly_name"] == "x"
        assert chosen[-1]["friendly_name"] == "yesterday-standup"
        assert [c["friendly_name"] for c in chosen[0:2]] == ["x", "yesterday-standup"]
        assert chosen[1:] == [chosen[1]]

    @pytest.mark.parametrize(
        ("elapsed", "hidden"), [(0, True), (9.999, True), (10, False), (11, False)]
    )
    def test_hidden_for_exactly_its_seconds(
        self, store: Store, clock: Clock, elapsed: float, hidden: bool
    ) -> None:
        sid = store.conferences.add("shy")["sid"]
        store.conferences.hide(sid, 10)
        clock.advance(elapsed)

        assert (sid not in dict(listed(store))) is hidden
        assert store.conferences.get(sid)["sid"] == sid

    def test_hiding_again_restarts_the_time(self, store: Store, clock: Clock) -> None:
        sid = store.conferences.add("shy")["sid"]
        store.conferences.hide(sid, 10)
        clock.advance(8)
        store.conferences.hide(sid, 10)
        clock.advance(8)

        assert sid not in dict(listed(store))

    @pytest.mark.parametrize(("elapsed", "copies"), [(0, 2), (4.999, 2), (5, 1)])
    def test_a_stale_copy_lasts_exactly_its_seconds(
        self, store: Store, clock: Clock, elapsed: float, copies: int
    ) -> None:
        sid = store.conferences.add("laggy", "in-progress")["sid"]
        store.conferences.add_stale_copy(sid, 5)
        store.conferences.set_status(sid, "completed")
        clock.advance(elapsed)

        mine = [status for s, status in listed(store) if s == sid]

        assert mine == ["completed", "in-progress"][:copies]

    def test_a_stale_copy_has_no_options_and_keeps_its_old_dates(
        self, store: Store, clock: Clock
    ) -> None:
        sid = store.conferences.add("laggy", "in-progress")["sid"]
        store.conferences.update(sid, None, {"AnnounceUrl": "https://a.test"})
        store.conferences.add_stale_copy(sid, 5)
        clock.advance(1)
        store.conferences.update(sid, "completed", {})

        fresh, stale = [c for c in store.conferences.list(lambda c: True) if c["sid"] == sid]

        assert (fresh["date_updated"], stale["date_updated"]) == (
            stamp(T0 + timedelta(seconds=1)),
            stamp(T0),
        )
        copy = store.conferences._stale[0][1]
        assert copy.options == {}
        assert store.conferences.record(sid).options == {"AnnounceUrl": "https://a.test"}

    @pytest.mark.parametrize("seconds", [0, -1, float("inf"), float("nan"), "5"])
    def test_a_duration_must_be_positive_and_finite(self, store: Store, seconds: Any) -> None:
        sid = store.conferences.add("a")["sid"]
        for action in (store.conferences.hide, store.conferences.add_stale_copy):
            with pytest.raises(ValueError) as refused:
                action(sid, seconds)
            assert str(refused.value) == (
                f"seconds must be a positive finite number, got {seconds!r}"
            )
        assert sid in dict(listed(store))
        assert store.conferences._stale == []

    def test_a_tiny_duration_is_accepted(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]

        store.conferences.hide(sid, 0.001)

        assert sid not in dict(listed(store))

    def test_update_stores_options_and_the_time(self, store: Store, clock: Clock) -> None:
        sid = store.conferences.add("a", "in-progress")["sid"]
        clock.advance(30)

        updated = store.conferences.update(sid, None, {"AnnounceMethod": "GET"})

        assert (updated["status"], updated["date_updated"]) == (
            "in-progress",
            stamp(T0 + timedelta(seconds=30)),
        )
        assert store.conferences.record(sid).options == {"AnnounceMethod": "GET"}

    def test_completing_again_ends_nothing_more(self, store: Store) -> None:
        sid = store.conferences.add("a", "completed")["sid"]
        late = store.streams.add(sid, name="late")["sid"]

        store.conferences.update(sid, "completed", {})

        assert store.streams.get(sid, late)["status"] == "in-progress"  # type: ignore[index]

    def test_set_status_at_a_moment(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        moment = T0 + timedelta(days=400)

        changed = store.conferences.set_status(sid, "in-progress", moment)

        assert (changed["status"], changed["date_updated"]) == ("in-progress", stamp(moment))

    def test_set_status_refuses_an_unknown_status(self, store: Store) -> None:
        with pytest.raises(ValueError, match="status must be one of"):
            store.conferences.set_status(DEFAULT_SEED_SIDS["demo_conference_sid"], "paused")


class TestCompletion:
    """A conference that ends takes its streams, recordings and participants with it."""

    @pytest.mark.parametrize("how", ["set_status", "update"])
    def test_completing_ends_the_active_media_at_that_moment(
        self, store: Store, clock: Clock, how: str
    ) -> None:
        sid = store.conferences.add("a", "in-progress")["sid"]
        queued = store.streams.add(sid, status="queued")["sid"]
        live = store.streams.add(sid)["sid"]
        done = store.streams.add(sid, status="stopped")["sid"]
        paused = store.recordings.add(sid, status="paused")["sid"]
        recording = store.recordings.add(sid)["sid"]
        stopped = store.recordings.add(sid, status="stopped")["sid"]
        store.participants.add(sid)
        clock.advance(60)
        later = stamp(T0 + timedelta(seconds=60))

        if how == "set_status":
            store.conferences.set_status(sid, "completed")
        else:
            store.conferences.update(sid, "completed", {})

        streams = {s["sid"]: (s["status"], s["date_updated"]) for s in store.streams.list(sid)}
        assert streams == {
            queued: ("stopped", later),
            live: ("stopped", later),
            done: ("stopped", stamp(T0)),
        }
        recordings = {r["sid"]: (r["status"], r["end_time"]) for r in store.recordings.list(sid)}
        assert recordings == {
            paused: ("completed", later),
            recording: ("completed", later),
            stopped: ("stopped", stamp(T0)),
        }
        assert store.participants.list(sid, lambda p: True) == []
        assert store.streams.stop_counts[live] == 0

    @pytest.mark.parametrize("status", ["init", "in-progress"])
    def test_another_status_ends_nothing(self, store: Store, status: str) -> None:
        sid = store.conferences.add("a", "in-progress")["sid"]
        stream = store.streams.add(sid)["sid"]
        store.participants.add(sid)

        store.conferences.set_status(sid, status)

        assert store.streams.get(sid, stream)["status"] == "in-progress"  # type: ignore[index]
        assert len(store.participants.list(sid, lambda p: True)) == 1

    def test_only_that_conference_ends(self, store: Store) -> None:
        one = store.conferences.add("one", "in-progress")["sid"]
        two = store.conferences.add("two", "in-progress")["sid"]
        kept = store.streams.add(two)["sid"]
        store.participants.add(two)
        store.recordings.add(two)

        store.conferences.set_status(one, "completed")

        assert store.streams.get(two, kept)["status"] == "in-progress"  # type: ignore[index]
        assert len(store.participants.list(two, lambda p: True)) == 1
        assert store.recordings.list(two)[0]["status"] == "in-progress"


class TestParticipants:
    def test_rendering_and_defaults(self, store: Store) -> None:
        sid = store.conferences.add("a", sid="c1")["sid"]

        made = store.participants.add(sid, call_sid="CA/1")

        assert made == {
            "account_sid": PROJECT,
            "call_sid": "CA/1",
            "conference_sid": "c1",
            "date_created": stamp(T0),
            "date_updated": stamp(T0),
            "end_conference_on_exit": False,
            "muted": False,
            "hold": False,
            "coaching": False,
            "call_sid_to_coach": None,
            "start_conference_on_enter": True,
            "status": "in-progress",
            "uri": f"{BASE}/Conferences/c1/Participants/CA%2F1.json",
        }
        assert store.participants.get(sid, "CA/1") == made

    def test_flags_are_kept(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]

        made = store.participants.add(sid, muted=True, hold=True, end_conference_on_exit=True)

        assert (made["muted"], made["hold"], made["end_conference_on_exit"]) == (True, True, True)

    def test_listing_in_joining_order_with_a_filter(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        calls = [store.participants.add(sid, muted=i % 2 == 0)["call_sid"] for i in range(4)]

        muted = store.participants.list(sid, lambda p: p.muted)

        assert [p["call_sid"] for p in store.participants.list(sid, lambda p: True)] == calls
        assert [p["call_sid"] for p in muted] == calls[::2]

    def test_update_and_remove(self, store: Store, clock: Clock) -> None:
        sid = store.conferences.add("a")["sid"]
        call = store.participants.add(sid)["call_sid"]
        clock.advance(5)

        updated = store.participants.update(
            sid, call, {"muted": True, "coaching": True}, {"HoldUrl": "https://h.test"}
        )
        store.participants.remove(sid, call)

        assert (updated["muted"], updated["coaching"], updated["hold"]) == (True, True, False)
        assert updated["date_updated"] == stamp(T0 + timedelta(seconds=5))
        assert updated["date_created"] == stamp(T0)
        assert store.participants.list(sid, lambda p: True) == []
        with pytest.raises(UnknownResourceError) as unknown:
            store.participants.get(sid, call)
        assert unknown.value.args == (call,)

    @pytest.mark.parametrize("call", ["add", "list", "get", "remove"])
    def test_an_unknown_conference(self, store: Store, call: str) -> None:
        calls = {
            "add": lambda: store.participants.add("nope"),
            "list": lambda: store.participants.list("nope", lambda p: True),
            "get": lambda: store.participants.get("nope", "x"),
            "remove": lambda: store.participants.remove("nope", "x"),
        }

        with pytest.raises(UnknownResourceError) as unknown:
            calls[call]()

        assert unknown.value.args == ("nope",)

    def test_a_completed_conference_can_take_new_participants(self, store: Store) -> None:
        sid = store.conferences.add("a", "in-progress")["sid"]
        store.participants.add(sid)
        store.conferences.set_status(sid, "completed")

        joined = store.participants.add(sid)["call_sid"]

        assert [p["call_sid"] for p in store.participants.list(sid, lambda p: True)] == [joined]


class TestRecordings:
    def test_rendering_while_in_progress(self, store: Store, clock: Clock) -> None:
        sid = store.conferences.add("a", sid="c1")["sid"]
        made = store.recordings.add(sid, sid="RE/1", call_sid="CA1")
        clock.advance(90.9)

        assert store.recordings.get(sid, "RE/1") == {
            **made,
            "duration": 90,
        }
        assert made == {
            "sid": "RE/1",
            "account_sid": PROJECT,
            "api_version": "2010-04-01",
            "call_sid": None,
            "conference_sid": "c1",
            "channel": "1",
            "channels": "1",
            "date_created": stamp(T0),
            "date_updated": stamp(T0),
            "start_time": stamp(T0),
            "end_time": None,
            "duration": 0,
            "price": None,
            "price_unit": "USD",
            "source": "StartConferenceRecording",
            "status": "in-progress",
            "error_code": None,
            "uri": f"{BASE}/Conferences/c1/Recordings/RE%2F1.json",
            "subresource_uris": {"transcriptions": f"{BASE}/Recordings/RE%2F1/Transcriptions.json"},
            "encryption_details": None,
            "trim": "do-not-trim",
        }

    @pytest.mark.parametrize(
        ("status", "ended"),
        [("in-progress", False), ("paused", False), ("stopped", True), ("completed", True)],
    )
    def test_an_ended_recording_has_an_end_time(
        self, store: Store, status: str, ended: bool
    ) -> None:
        sid = store.conferences.add("a")["sid"]

        made = store.recordings.add(sid, status=status)

        assert made["end_time"] == (stamp(T0) if ended else None)
        assert made["status"] == status

    def test_the_duration_stops_when_it_ends_and_is_never_negative(
        self, store: Store, clock: Clock
    ) -> None:
        sid = store.conferences.add("a")["sid"]
        rec = store.recordings.add(sid)["sid"]
        clock.advance(10)
        store.recordings.update(sid, rec, "stopped", {})
        clock.advance(50)
        assert store.recordings.get(sid, rec)["duration"] == 10

        early = store.recordings.add(sid)["sid"]
        clock.advance(-100)
        assert store.recordings.get(sid, early)["duration"] == 0

    @pytest.mark.parametrize(
        ("status", "ended"), [("paused", False), ("in-progress", False), ("stopped", True)]
    )
    def test_update_of_an_active_recording(
        self, store: Store, clock: Clock, status: str, ended: bool
    ) -> None:
        sid = store.conferences.add("a")["sid"]
        rec = store.recordings.add(sid, status="paused")["sid"]
        clock.advance(3)

        updated = store.recordings.update(sid, rec, status, {"PauseBehavior": "skip"})

        later = stamp(T0 + timedelta(seconds=3))
        assert (updated["status"], updated["date_updated"]) == (status, later)
        assert updated["end_time"] == (later if ended else None)
        assert store.recordings._records[sid][rec].options == {"PauseBehavior": "skip"}

    @pytest.mark.parametrize("status", ["stopped", "completed"])
    def test_an_ended_recording_can_no_longer_be_updated(self, store: Store, status: str) -> None:
        sid = store.conferences.add("a")["sid"]
        rec = store.recordings.add(sid, status=status)["sid"]

        with pytest.raises(ConflictError) as refused:
            store.recordings.update(sid, rec, "in-progress", {})

        assert str(refused.value) == f"Recording {rec} is {status} and can no longer be updated"
        assert store.recordings.get(sid, rec)["status"] == status

    def test_found_by_sid_alone_in_any_conference(self, store: Store) -> None:
        one = store.conferences.add("one")["sid"]
        two = store.conferences.add("two")["sid"]
        store.recordings.add(one)
        wanted = store.recordings.add(two, sid="RE-two")

        assert store.recordings.find("RE-two") == wanted
        with pytest.raises(UnknownResourceError) as unknown:
            store.recordings.find("RE-none")
        assert unknown.value.args == ("RE-none",)

    def test_list_and_remove(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        recs = [store.recordings.add(sid)["sid"] for _ in range(3)]

        store.recordings.remove(sid, recs[1])

        assert [r["sid"] for r in store.recordings.list(sid)] == [recs[0], recs[2]]
        with pytest.raises(UnknownResourceError) as unknown:
            store.recordings.remove(sid, recs[1])
        assert unknown.value.args == (recs[1],)

    def test_media_sizes(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        rec = store.recordings.add(sid, status="completed")
        store.media.set_size(rec["sid"], 0)

        assert store.media.describe(rec["sid"]) == (rec, 0)
        other = store.recordings.add(sid)
        assert store.media.describe(other["sid"]) == (other, 4096)
        with pytest.raises(UnknownResourceError):
            store.media.describe("RE-none")

    @pytest.mark.parametrize("size", [-1, True, 1.0, "1"])
    def test_a_media_size_must_be_a_whole_number_of_bytes(self, store: Store, size: Any) -> None:
        with pytest.raises(ValueError) as refused:
            store.media.set_size("RE1", size)

        assert str(refused.value) == f"size must be an integer of at least 0, got {size!r}"


class TestStreams:
    def test_rendering_and_details(self, store: Store) -> None:
        sid = store.conferences.add("a", sid="c1")["sid"]

        made = store.streams.add(
            sid, name="n", sid="MZ/1", options={"Url": "wss://x"}, parameters={"k": "v"}
        )

        assert made == {
            "account_sid": PROJECT,
            "conference_sid": "c1",
            "date_updated": stamp(T0),
            "name": "n",
            "sid": "MZ/1",
            "status": "in-progress",
            "uri": f"{BASE}/Conferences/c1/Streams/MZ%2F1.json",
        }
        detailed = store.streams.get(sid, "n")
        assert detailed == {**made, "_parameters": {"k": "v"}, "_options": {"Url": "wss://x"}}
        assert store.streams.list(sid) == [detailed]
        assert store.streams.stop_counts["MZ/1"] == 0

    def test_details_are_copies(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        options, parameters = {"Url": "wss://x"}, {"k": "v"}
        store.streams.add(sid, name="n", options=options, parameters=parameters)
        options["Url"], parameters["k"] = "changed", "changed"

        got = store.streams.get(sid, "n")
        assert got is not None
        got["_options"]["Url"] = "again"

        assert store.streams.get(sid, "n")["_options"] == {"Url": "wss://x"}  # type: ignore[index]
        assert store.streams.get(sid, "n")["_parameters"] == {"k": "v"}  # type: ignore[index]

    def test_an_unknown_status_is_refused(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]

        with pytest.raises(ValueError) as refused:
            store.streams.add(sid, status="done")

        assert (
            str(refused.value) == "status must be one of queued, in-progress, stopped; got 'done'"
        )
        assert store.streams.list(sid) == []

    def test_strict_refuses_a_completed_conference(self, store: Store) -> None:
        sid = store.conferences.add("a", "completed")["sid"]

        with pytest.raises(ConflictError) as refused:
            store.streams.add(sid, strict=True)

        assert str(refused.value) == "Cannot start a stream on a completed conference"
        assert store.streams.list(sid) == []
        assert store.streams.add(sid)["status"] == "in-progress"  # helpers may

    @pytest.mark.parametrize(
        ("existing", "refused"),
        [("in-progress", True), ("queued", True), ("stopped", False)],
    )
    def test_strict_refuses_a_second_active_stream_of_one_name(
        self, store: Store, existing: str, refused: bool
    ) -> None:
        sid = store.conferences.add("a", "in-progress")["sid"]
        store.streams.add(sid, name="n", status=existing)

        if refused:
            with pytest.raises(ConflictError) as conflict:
                store.streams.add(sid, name="n", strict=True)
            assert str(conflict.value) == "A stream named 'n' is already active on this conference"
            assert len(store.streams.list(sid)) == 1
        else:
            assert store.streams.add(sid, name="n", strict=True)["name"] == "n"
        assert store.streams.add(sid, name="n")["name"] == "n"  # helpers may

    def test_strict_allows_many_unnamed_and_other_names(self, store: Store) -> None:
        sid = store.conferences.add("a", "in-progress")["sid"]
        store.streams.add(sid)
        store.streams.add(sid, name="other")

        store.streams.add(sid, strict=True)
        store.streams.add(sid, strict=True)
        store.streams.add(sid, name="mine", strict=True)

        assert len(store.streams.list(sid)) == 5

    def test_stop_counts_only_stops_that_change_state(self, store: Store, clock: Clock) -> None:
        sid = store.conferences.add("a")["sid"]
        stream = store.streams.add(sid, status="queued")["sid"]
        clock.advance(2)

        first = store.streams.stop(sid, [stream], 200)
        clock.advance(2)
        again = store.streams.stop(sid, [stream], 200)

        assert (first["status"], first["date_updated"]) == (
            "stopped",
            stamp(T0 + timedelta(seconds=2)),
        )
        assert again == first
        assert store.streams.stop_counts[stream] == 1

    def test_a_repeated_stop_can_be_unknown(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        stream = store.streams.add(sid, status="stopped")["sid"]

        with pytest.raises(UnknownResourceError) as unknown:
            store.streams.stop(sid, [stream], 404)

        assert unknown.value.args == (stream,)
        assert store.streams.stop_counts[stream] == 0

    def test_addressing_by_sid_or_name(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        old = store.streams.add(sid, name="n", status="stopped")["sid"]
        live = store.streams.add(sid, name="n")["sid"]
        newer_stopped = store.streams.add(sid, name="n", status="stopped")["sid"]
        named_like_sid = store.streams.add(sid, name=old)["sid"]
        only_stopped = [store.streams.add(sid, name="s", status="stopped")["sid"] for _ in range(2)]

        def found(*candidates: str) -> str:
            return store.streams.stop(sid, list(candidates), 200)["sid"]

        assert found(old) == old  # a SID wins over a name
        assert found("missing", newer_stopped) == newer_stopped  # any candidate's SID first
        assert found("s") == only_stopped[-1]  # no active one: the latest of that name
        assert found("n") == live  # the active one of that name
        assert store.streams.get(sid, named_like_sid) is not None
        assert store.streams.get(sid, "missing") is None
        with pytest.raises(UnknownResourceError) as unknown:
            store.streams.stop(sid, ["x", "y"], 200)
        assert unknown.value.args == ("x",)
        with pytest.raises(UnknownResourceError) as nothing:
            store.streams.stop(sid, [], 200)
        assert nothing.value.args == ("",)

    def test_the_first_candidate_name_wins(self, store: Store) -> None:
        sid = store.conferences.add("a")["sid"]
        a = store.streams.add(sid, name="a")["sid"]
        store.streams.add(sid, name="b")

        assert store.streams.stop(sid, ["a", "b"], 200)["sid"] == a

    def test_stop_counts_is_a_copy(self, store: Store) -> None:
        counts = store.streams.stop_counts
        counts[DEFAULT_SEED_SIDS["demo_stream_sid"]] = 99

        assert store.streams.stop_counts[DEFAULT_SEED_SIDS["demo_stream_sid"]] == 0

    def test_an_unknown_conference(self, store: Store) -> None:
        with pytest.raises(UnknownResourceError):
            store.streams.add("nope")
        with pytest.raises(UnknownResourceError):
            store.streams.list("nope")
        assert store.streams.get("nope", "x") is None


class TestMessages:
    @pytest.mark.parametrize(
        ("body", "count"),
        [
            (None, 1),
            ("", 1),
            ("x" * 160, 1),
            ("x" * 161, 2),
            ("x" * 306, 2),
            ("x" * 307, 3),
            ("é" * 70, 1),
            ("é" * 71, 2),
            ("é" * 134, 2),
            ("é" * 135, 3),
            ("x" * 159 + "é", 3),
        ],
    )
    def test_segments(self, body: str | None, count: int) -> None:
        assert segments(body) == count

    def test_rendering_and_order(self, store: Store) -> None:
        first = store.messages.add(
            to="+1555", sender="+1666", body="hi", media_urls=["https://m.test/a"],
            messaging_service_sid="MG1", options={"MaxPrice": "1"},
        )  # fmt: skip
        second = store.messages.add(to="+1777")

        sid = first["sid"]
        assert first == {
            "account_sid": PROJECT,
            "api_version": "2010-04-01",
            "body": "hi",
            "num_segments": 1,
            "num_media": 1,
            "date_created": stamp(T0),
            "date_sent": None,
            "date_updated": stamp(T0),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": "+1666",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "to": "+1555",
            "messaging_service_sid": "MG1",
            "uri": f"{BASE}/Messages/{sid}.json",
            "subresource_uris": {"media": f"{BASE}/Messages/{sid}/Media.json"},
        }
        assert (second["from"], second["body"], second["num_media"]) == ("", None, 0)
        assert second["messaging_service_sid"] is None
        assert store.messages.list() == [first, second]
        assert store.snapshot()["messages"] == [first, second]
        assert store.messages._records[0].options == {"MaxPrice": "1"}


class TestControl:
    @pytest.mark.parametrize(("project", "token"), [("", "t"), ("p", ""), ("", "")])
    def test_refuses_empty_credentials(self, project: str, token: str) -> None:
        with pytest.raises(ValueError) as refused:
            EmulatorControl(project, token, 0, 200, 0.0)

        assert str(refused.value) == "project_id and token must not be empty"

    @pytest.mark.parametrize(
        ("setting", "value", "message"),
        [
            ("repeat_stop_status", 500, "repeat_stop_status must be 200 or 404, got 500"),
            ("repeat_stop_status", 201, "repeat_stop_status must be 200 or 404, got 201"),
            ("latency", -0.001, "latency must not be negative, got -0.001"),
            (
                "clock_offset",
                float("nan"),
                "clock_offset must be a finite number of seconds, got nan",
            ),
            (
                "clock_offset",
                float("-inf"),
                "clock_offset must be a finite number of seconds, got -inf",
            ),
            ("clock_offset", "5", "clock_offset must be a finite number of seconds, got '5'"),
        ],
    )
    def test_refuses_a_bad_setting_and_keeps_the_old_one(
        self, setting: str, value: Any, message: str
    ) -> None:
        control = EmulatorControl("p", "t", 0, 404, 0.5)
        before = (control.repeat_stop_status, control.latency, control.clock_offset)

        with pytest.raises(ValueError) as refused:
            setattr(control, setting, value)

        assert str(refused.value) == message
        assert (control.repeat_stop_status, control.latency, control.clock_offset) == before

    @pytest.mark.parametrize(("repeat", "latency"), [(200, 0), (404, 0.0), (404, 2)])
    def test_accepts_each_setting_at_its_limits(self, repeat: int, latency: float) -> None:
        control = EmulatorControl("p", "t", 0, repeat, latency)
        control.clock_offset = -1

        assert (control.repeat_stop_status, control.latency) == (repeat, float(latency))
        assert isinstance(control.latency, float)
        assert control.clock_offset == -1.0

    def test_refuses_a_bad_setting_at_construction(self) -> None:
        with pytest.raises(ValueError, match="repeat_stop_status"):
            EmulatorControl("p", "t", 0, 302, 0.0)
        with pytest.raises(ValueError, match="latency"):
            EmulatorControl("p", "t", 0, 200, -1.0)

    def test_state_and_reset_keep_the_seed_and_the_settings(self, clock: Clock) -> None:
        control = EmulatorControl("p", "t", 3, 404, 0.25)
        control.clock_offset = 60
        control.store.conferences.add("extra")

        control.reset()

        state = control.state()
        assert [c["sid"] for c in state["conferences"]] == seeded_sids(3)["conferences"]
        assert {
            k: state[k] for k in ("project_id", "repeat_stop_status", "latency", "clock_offset")
        } == {
            "project_id": "p",
            "repeat_stop_status": 404,
            "latency": 0.25,
            "clock_offset": 60.0,
        }
        demo = state["conferences"][0]
        assert demo["date_created"] == stamp(T0 + timedelta(seconds=60) - timedelta(minutes=10))
        assert "t" not in state

    def test_a_schedule_needs_a_known_conference(self) -> None:
        control = EmulatorControl("p", "t", 0, 200, 0.0)

        with pytest.raises(UnknownResourceError):
            control.schedule_conference_status("nope", "completed", 0.01)

        assert control._timers == []

    def test_finished_timers_are_forgotten_and_pending_ones_cancelled(self) -> None:
        control = EmulatorControl("p", "t", 0, 200, 0.0)
        sid = control.store.conferences.sids()[1]
        done = threading.Event()
        original = control.store.conferences.set_status

        def set_status(*args: Any) -> Any:
            try:
                return original(*args)
            finally:
                done.set()

        control.store.conferences.set_status = set_status  # type: ignore[method-assign]
        control.schedule_conference_status(sid, "in-progress", 0.001)
        assert done.wait(10)
        [finished] = control._timers
        finished.join(10)

        control.schedule_conference_status(sid, "completed", 60)
        [pending] = control._timers
        assert pending is not finished
        assert pending.daemon

        control.cancel_timers()
        pending.join(10)
        assert control._timers == []
        assert control.store.conferences.get(sid)["status"] == "in-progress"


class TestEmulatorObject:
    @pytest.mark.parametrize(
        ("host", "loopback"),
        [
            ("localhost", True),
            ("LocalHost", True),
            ("127.0.0.1", True),
            ("127.255.0.9", True),
            ("::1", True),
            ("[::1]", True),
            ("0.0.0.0", False),
            ("::", False),
            ("10.0.0.1", False),
            ("example.com", False),
            ("", False),
            ("X127.0.0.1X", False),
            ("[127.0.0.1", True),
        ],
    )
    def test_loopback_hosts(self, host: str, loopback: bool) -> None:
        assert is_loopback_host(host) is loopback

    def test_defaults(self) -> None:
        emu = SignalWireEmulator()

        assert (emu.project_id, emu.token, emu.host, emu.seed) == (
            "test-project",
            "test-token-0123456789",
            "127.0.0.1",
            0,
        )
        assert (emu.repeat_stop_status, emu.latency, emu.clock_offset) == (200, 0.0, 0.0)
        assert emu.conference_sids == DEFAULT_SEED_SIDS["conferences"]
        assert emu.demo_stream_sid == DEFAULT_SEED_SIDS["demo_stream_sid"]

    def test_refuses_to_listen_elsewhere(self) -> None:
        with pytest.raises(ValueError) as refused:
            SignalWireEmulator(host="192.0.2.1")

        assert str(refused.value) == "the emulator only listens on loopback, not on '192.0.2.1'"

    def test_before_start(self) -> None:
        emu = SignalWireEmulator(project_id="p/q", token="secret-token")

        assert repr(emu) == "SignalWireEmulator(project_id='p/q', url=None)"
        for attribute in ("url", "port"):
            with pytest.raises(RuntimeError) as unknown:
                getattr(emu, attribute)
            assert str(unknown.value) == "the port is not known until the emulator is started"
        assert (emu.project_id, emu.token) == ("p/q", "secret-token")
        assert emu.base_path == "/api/laml/2010-04-01/Accounts/p%2Fq"
        emu.stop()  # nothing to stop: no error

    def test_a_fixed_port_is_known_before_start(self) -> None:
        emu = SignalWireEmulator(port=8765)

        assert (emu.port, emu.url) == (8765, "http://127.0.0.1:8765")
        assert SignalWireEmulator(host="::1", port=8765).url == "http://[::1]:8765"

    def test_lifecycle(self) -> None:
        emu = SignalWireEmulator()
        started = emu.start()
        try:
            assert started is emu
            assert repr(emu) == f"SignalWireEmulator(project_id='test-project', url='{emu.url}')"
            thread = emu._thread
            assert thread is not None
            assert (thread.name, thread.daemon) == (f"signalwire-emulator-{emu.port}", True)
            with pytest.raises(RuntimeError) as twice:
                emu.start()
            assert str(twice.value) == "the emulator is already running"
        finally:
            emu.stop()
        assert not thread.is_alive()
        emu.stop()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{emu.url}/_emulator/state", timeout=10)

    def test_stop_closes_kept_alive_connections(self) -> None:
        emu = SignalWireEmulator().start()
        try:
            connection = http.client.HTTPConnection(emu.host, emu.port, timeout=10)
            connection.request("GET", "/_emulator/stats")
            assert connection.getresponse().read() == b'{"max_in_flight": 0}'
        finally:
            emu.stop()

        assert connection.sock is not None
        assert connection.sock.recv(1) == b""  # closed by the server, not left to time out
        connection.close()

    def test_stop_cancels_scheduled_changes(self) -> None:
        with SignalWireEmulator() as emu:
            emu.schedule_conference_status(emu.conference_sids[1], "completed", 60)
            [timer] = emu._control._timers

        timer.join(10)
        assert timer.finished.is_set()
        assert emu._control._timers == []

    def test_seeded_sids_are_copies(self) -> None:
        emu = SignalWireEmulator(seed=2)
        emu.conference_sids.append("x")
        emu.stream_sids.clear()

        assert emu.conference_sids == seeded_sids(2)["conferences"]
        assert emu.stream_sids == seeded_sids(2)["streams"]
        assert (emu.demo_conference_sid, emu.demo_stream_sid) == (
            seeded_sids(2)["demo_conference_sid"],
            seeded_sids(2)["demo_stream_sid"],
        )

    def test_helpers_pass_every_argument(self, clock: Clock) -> None:
        emu = SignalWireEmulator()
        sid = emu.add_conference("named", "in-progress")["sid"]

        participant = emu.add_participant(
            sid, "CA-fixed", muted=True, hold=True, end_conference_on_exit=True
        )
        recording = emu.add_recording(sid, "paused", call_sid="CA-fixed", size=9)
        stream = emu.add_stream(sid, name="s", status="queued")

        assert emu._control.store.conferences.get(sid)["friendly_name"] == "named"
        assert (participant["call_sid"], participant["muted"], participant["hold"]) == (
            "CA-fixed",
            True,
            True,
        )
        assert participant["end_conference_on_exit"] is True
        assert recording["status"] == "paused"
        assert emu._control.store.recordings._records[sid][recording["sid"]].call_sid == "CA-fixed"
        assert emu._control.store.media.describe(recording["sid"])[1] == 9
        assert (stream["name"], stream["status"]) == ("s", "queued")
        assert emu.add_recording(sid)["status"] == "in-progress"
        assert emu.add_stream(sid)["status"] == "in-progress"
        assert emu.add_conference()["friendly_name"] == "conference"

    def test_a_refused_media_size_adds_no_recording(self) -> None:
        emu = SignalWireEmulator()
        sid = emu.demo_conference_sid

        with pytest.raises(ValueError) as refused:
            emu.add_recording(sid, "completed", size=-1)

        assert str(refused.value) == "size must be an integer of at least 0, got -1"
        assert len(emu.state()["conferences"][0]["recordings"]) == 1

    def test_status_helpers(self, clock: Clock) -> None:
        emu = SignalWireEmulator()
        sid = emu.conference_sids[1]
        moment = datetime(2031, 1, 1, tzinfo=timezone.utc)

        changed = emu.set_conference_status(sid, "in-progress", at=moment)
        emu.hide_conference(sid, 5)
        emu.add_stale_copy(emu.demo_conference_sid, 5)

        assert (changed["status"], changed["date_updated"]) == ("in-progress", stamp(moment))
        assert emu.set_conference_status(sid, "init")["date_updated"] == stamp(T0)
        listing = [c["sid"] for c in emu._control.store.conferences.list(lambda c: True)]
        assert sid not in listing
        assert listing.count(emu.demo_conference_sid) == 2
        with pytest.raises(ValueError) as naive:
            emu.set_conference_status(sid, "completed", at=datetime(2031, 1, 1))
        assert str(naive.value) == (
            "at must be timezone-aware, got datetime.datetime(2031, 1, 1, 0, 0)"
        )
        assert emu.state()["conferences"][1]["status"] == "init"

    def test_settings_and_observation(self, clock: Clock) -> None:
        emu = SignalWireEmulator(repeat_stop_status=404, latency=0.5)
        assert (emu.repeat_stop_status, emu.latency) == (404, 0.5)

        emu.repeat_stop_status = 200
        emu.latency = 0
        emu.clock_offset = 7

        assert (emu.repeat_stop_status, emu.latency, emu.clock_offset) == (200, 0.0, 7.0)
        assert emu.server_now() == T0 + timedelta(seconds=7)
        assert emu.stop_counts == dict.fromkeys(emu.stream_sids, 0)
        assert emu.messages == []
        assert emu.requests == []
        assert emu.max_in_flight == 0
        emu.add_fault(Fault(), 2)
        assert emu._control.faults.pending()[0][1] == 2
        emu.clear_faults()
        assert emu._control.faults.pending() == []


class TestMediaBytes:
    def test_chunks_are_at_most_256_kib(self) -> None:
        sizes = [len(c) for c in media_chunks("RE1", "wav", 2 * CHUNK_SIZE + 1)]

        assert CHUNK_SIZE == 256 * 1024
        assert sizes == [CHUNK_SIZE, CHUNK_SIZE, 1]

    def test_a_full_chunk_from_the_end_of_the_pattern_is_whole(self) -> None:
        start = PATTERN_LENGTH - 1
        size = start + CHUNK_SIZE

        [chunk] = list(media_chunks("RE1", "wav", size, start=start))

        assert len(chunk) == CHUNK_SIZE
        assert bytes(chunk) == media_bytes("RE1", "wav", size)[start:]

    @pytest.mark.parametrize(
        ("start", "stop", "length"),
        [(10, 10, 0), (11, 10, 0), (0, 99, 50), (49, None, 1), (50, None, 0)],
    )
    def test_a_range_is_clamped_to_the_file(
        self, start: int, stop: int | None, length: int
    ) -> None:
        part = b"".join(media_chunks("RE1", "mp3", 50, start=start, stop=stop))

        assert part == media_bytes("RE1", "mp3", 50)[start:stop][:length]
        assert len(part) == length

    def test_the_bytes_stay_the_same_from_one_version_to_the_next(self) -> None:
        # A benchmark or a user's test may keep a downloaded file's hash.
        assert media_sha256("RE1", "wav", 1000) == (
            "048bdee50cbef99610aa41c031b1068b12597b26b65ee134d0b2870d01fe8cab"
        )
        assert media_sha256("RE1", "mp3", 1000) == (
            "e47db4a91bc562266f0c762677e267bb24653c21e7bc124a6b2a7f9771e439c5"
        )

    def test_the_pattern_repeats_after_its_length(self) -> None:
        data = media_bytes("RE1", "wav", PATTERN_LENGTH + 10)

        assert PATTERN_LENGTH == 65_521
        assert data[PATTERN_LENGTH:] == data[:10]
        assert data[:10] != data[1:11]
