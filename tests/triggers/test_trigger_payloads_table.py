"""
What each conference trigger yields and logs, word for word, for each answer it gets.

``ConferenceEventTrigger.filter_shared_stream`` is fed hand-made polls (no HTTP): SignalWire's
clock, when each answer arrived, failed polls, watermarks kept by this or an older release.
``ConferenceStatusTrigger`` runs against the emulator: its one event for success, for an error
SignalWire reports, and for any other failure, and the lines a user reads in the triggerer log.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.hooks._conference_poller import Sweep
from airflow_provider_signalwire.hooks._conferences import ListingIndex, index_listing, run_slices
from airflow_provider_signalwire.triggers import conference as trigger_module
from airflow_provider_signalwire.triggers.conference import (
    WATERMARK_KEY,
    ConferenceEventTrigger,
    ConferenceStatusTrigger,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow_provider_signalwire.testing import SignalWireEmulator

START, END = "conference-start", "conference-end"
#: SignalWire's clock at the polls of these tests (a whole second, as the Date header has).
NOW = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


class RecordingLog:
    """Stands in for a trigger's logger: every line, its level and its text as formatted."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def _record(self, level: str, message: str, *args: Any) -> None:
        self.lines.append((level, message % args if args else message))

    def debug(self, message: str, *args: Any) -> None:
        self._record("debug", message, *args)

    def info(self, message: str, *args: Any) -> None:
        self._record("info", message, *args)

    def warning(self, message: str, *args: Any) -> None:
        self._record("warning", message, *args)

    def at(self, level: str) -> list[str]:
        return [text for lvl, text in self.lines if lvl == level]


def logged(trigger: Any) -> RecordingLog:
    log = RecordingLog()
    trigger._log = log
    return log


def conference(sid: str, status: str, updated: datetime, name: str = "room") -> dict[str, Any]:
    return {
        "sid": sid,
        "friendly_name": name,
        "status": status,
        "date_updated": format_datetime(updated),
        "date_created": format_datetime(updated - timedelta(minutes=5)),
    }


class Polls:
    """Hand-made polls, each indexed against the previous one as the poller does."""

    def __init__(self) -> None:
        self.previous: ListingIndex | None = None
        self.sequence = 0

    def listing(
        self, conferences: list[dict[str, Any]], server_now: datetime | None, received: float
    ) -> Sweep:
        self.sequence += 1
        index = run_slices(index_listing(conferences, self.previous, self.sequence))
        self.previous = index
        return Sweep(index=index, server_now=server_now, received=received)


async def stream_of(sweeps: list[Sweep]) -> AsyncIterator[Sweep]:
    for sweep in sweeps:
        yield sweep


def run_filter(trigger: ConferenceEventTrigger, sweeps: list[Sweep]) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [e.payload async for e in trigger.filter_shared_stream(stream_of(sweeps))]

    return asyncio.run(collect())


class Store:
    """An asset state store that counts reads and writes by key."""

    def __init__(self, values: dict[str, Any] | None = None, fail_writes: bool = False) -> None:
        self.values = dict(values or {})
        self.reads: list[str] = []
        self.writes: list[str] = []
        self.fail_writes = fail_writes

    async def aget(self, key: str, default: Any = None) -> Any:
        self.reads.append(key)
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.writes.append(key)
        if self.fail_writes:
            raise ConnectionError("the metadata database is away")
        self.values[key] = value


class SeveralAssets(Store):
    async def aget(self, key: str, default: Any = None) -> Any:
        raise ValueError("Task has 2 concrete inlets and outlets")


# -- when watching began ------------------------------------------------------------------------

#: A conference's date_updated, in seconds from NOW, and whether it is new. The first poll's
#: answer arrived 100 s after the trigger started, so watching began at NOW + 1 - 100.
BEGAN_CASES = [(-100, False), (-99, False), (-98, True), (0, True)]


@pytest.mark.parametrize(("offset", "new"), BEGAN_CASES)
def test_watching_began_one_second_after_the_clock_less_the_time_the_poll_took(
    offset: int, new: bool
) -> None:
    trigger = ConferenceEventTrigger(events=[START, END])
    logged(trigger)
    live = conference("CF-live", "in-progress", NOW + timedelta(seconds=offset))
    ended = conference("CF-ended", "completed", NOW + timedelta(seconds=offset))
    sweeps = [Polls().listing([live, ended], NOW, time.monotonic() + 100)]

    payloads = run_filter(trigger, sweeps)

    expected = [{"event": START, "conference": live}, {"event": END, "conference": ended}]
    assert payloads == (expected if new else [])


def test_without_signalwire_s_clock_the_first_poll_only_records() -> None:
    trigger = ConferenceEventTrigger(events=[START, END])
    logged(trigger)
    polls = Polls()
    first = conference("CF-1", "in-progress", NOW)
    later = conference("CF-1", "completed", NOW + timedelta(seconds=30))
    sweeps = [
        polls.listing([first], None, time.monotonic()),
        polls.listing([later], None, time.monotonic()),
    ]

    assert run_filter(trigger, sweeps) == [{"event": END, "conference": later}]


def test_a_failed_poll_is_logged_and_the_next_one_judged() -> None:
    trigger = ConferenceEventTrigger(events=[END])
    log = logged(trigger)
    polls = Polls()
    ended = conference("CF-1", "completed", NOW + timedelta(seconds=5))
    sweeps = [
        Sweep(error=ConnectionError("no route to SignalWire"), server_now=None),
        polls.listing([], NOW, time.monotonic()),
        Sweep(error=TimeoutError("too slow"), server_now=NOW),
        polls.listing([ended], NOW + timedelta(seconds=10), time.monotonic()),
    ]

    assert run_filter(trigger, sweeps) == [{"event": END, "conference": ended}]
    assert log.at("warning") == [
        "Listing SignalWire conferences failed: no route to SignalWire",
        "Listing SignalWire conferences failed: too slow",
    ]


def test_a_failed_first_poll_leaves_the_start_to_the_first_good_one() -> None:
    """Watching begins at the first answered poll, by its own clock, not the failed one's."""
    trigger = ConferenceEventTrigger(events=[END])
    logged(trigger)
    ended = conference("CF-1", "completed", NOW - timedelta(seconds=30))
    sweeps = [
        Sweep(error=ConnectionError("down"), server_now=NOW - timedelta(minutes=5)),
        Polls().listing([ended], NOW, time.monotonic()),
    ]

    assert run_filter(trigger, sweeps) == []  # ended before watching began


# -- what the event trigger logs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "line"),
    [
        (
            {"events": [START, END], "friendly_name": "standup", "poll_interval": 0.5},
            "Watching SignalWire conferences named 'standup' for conference-start and "
            "conference-end (polling every 0.5s)",
        ),
        ({}, "Watching SignalWire conferences for conference-end (polling every 60s)"),
    ],
    ids=["named", "every conference"],
)
def test_the_first_line_says_what_is_watched(kwargs: dict[str, Any], line: str) -> None:
    trigger = ConferenceEventTrigger(**kwargs)
    log = logged(trigger)

    run_filter(trigger, [])

    assert log.lines == [("info", line)]


def test_each_event_is_logged_by_sid_and_name() -> None:
    trigger = ConferenceEventTrigger(events=[START, END])
    log = logged(trigger)
    live = conference("CF-live", "in-progress", NOW + timedelta(seconds=5))
    ended = conference("CF-ended", "completed", NOW + timedelta(seconds=5))

    run_filter(trigger, [Polls().listing([live, ended], NOW, time.monotonic())])

    assert log.at("info")[1:] == [
        "SignalWire conference CF-live: conference-start",
        "SignalWire conference CF-ended: conference-end",
    ]


def test_an_odd_date_is_reported_once_per_conference() -> None:
    trigger = ConferenceEventTrigger(events=[START, END])
    log = logged(trigger)
    polls = Polls()
    odd = {**conference("CF-odd", "init", NOW), "date_updated": "not a date"}
    future = conference("CF-future", "init", NOW + timedelta(hours=2))
    sweeps = [
        polls.listing([odd, future], NOW, time.monotonic()),
        polls.listing([{**odd, "status": "in-progress"}, future], NOW, time.monotonic()),
        polls.listing([{**odd, "status": "completed"}, future], NOW, time.monotonic()),
    ]

    payloads = run_filter(trigger, sweeps)

    assert [(p["event"], p["conference"]["sid"]) for p in payloads] == [
        (START, "CF-odd"),
        (END, "CF-odd"),
    ]
    assert log.at("warning") == [
        "SignalWire conference CF-odd has an unreadable or future date_updated 'not a date': "
        "it is judged by what was seen of it, never by that date",
        "SignalWire conference CF-future has an unreadable or future date_updated "
        f"{future['date_updated']!r}: it is judged by what was seen of it, never by that date",
    ]


# -- the watermark: which key is read, what is written ------------------------------------------


def watermark(sid: str, status: str) -> dict[str, Any]:
    """A version 2 watermark that remembers ``sid`` in ``status`` (settled 10 minutes ago)."""
    return {
        "version": 2,
        "began": (NOW - timedelta(hours=1)).isoformat(),
        "settled": (NOW - timedelta(minutes=10)).isoformat(),
        "conferences": {sid: [status, (NOW - timedelta(minutes=1)).isoformat()]},
    }


#: Which watermarks the store holds -> whether the end of CF-1 (seen while nobody watched) fires.
RESTORE_CASES = {
    "its own key only: remembered in progress": ({"own": "in-progress"}, True),
    "its own key only: remembered completed": ({"own": "completed"}, False),
    "the shared key of older releases only": ({"legacy": "in-progress"}, True),
    "its own key before the shared one": ({"own": "completed", "legacy": "in-progress"}, False),
}


@pytest.mark.parametrize(("held", "fires"), RESTORE_CASES.values(), ids=list(RESTORE_CASES))
def test_a_restart_resumes_from_its_own_key_then_the_shared_one(
    held: dict[str, str], fires: bool
) -> None:
    trigger = ConferenceEventTrigger(events=[END])
    log = logged(trigger)
    keys = {"own": trigger.watermark_key(), "legacy": WATERMARK_KEY}
    store = Store({keys[k]: watermark("CF-1", status) for k, status in held.items()})
    trigger.asset_state_store = store  # type: ignore[attr-defined]
    ended = conference("CF-1", "completed", NOW - timedelta(seconds=20))

    payloads = run_filter(trigger, [Polls().listing([ended], NOW, time.monotonic())])

    assert payloads == ([{"event": END, "conference": ended}] if fires else [])
    assert log.at("info")[0] == f"Resuming SignalWire conference events ({keys['own']})"
    assert store.reads == ([keys["own"]] if "own" in held else [keys["own"], keys["legacy"]])


def test_a_new_watch_reads_both_keys_and_writes_its_own_once() -> None:
    trigger = ConferenceEventTrigger(events=[END])
    log = logged(trigger)
    store = Store()
    trigger.asset_state_store = store  # type: ignore[attr-defined]
    polls = Polls()
    sweeps = [polls.listing([], NOW, time.monotonic()) for _ in range(3)]

    assert run_filter(trigger, sweeps) == []
    assert store.reads == [trigger.watermark_key(), WATERMARK_KEY]
    assert store.writes == [trigger.watermark_key()]
    assert store.values[trigger.watermark_key()]["version"] == 2
    assert not any(line.startswith("Resuming") for line in log.at("info"))


def test_a_failed_write_is_logged_and_tried_at_the_next_poll() -> None:
    trigger = ConferenceEventTrigger(events=[END])
    log = logged(trigger)
    store = Store(fail_writes=True)
    trigger.asset_state_store = store  # type: ignore[attr-defined]
    polls = Polls()

    run_filter(trigger, [polls.listing([], NOW, time.monotonic()) for _ in range(2)])

    assert store.writes == [trigger.watermark_key()] * 2
    assert (
        log.at("warning")
        == ["Could not keep the watermark in the asset state store: the metadata database is away"]
        * 2
    )


def test_several_watched_assets_mean_no_store_no_write_and_a_warning() -> None:
    trigger = ConferenceEventTrigger(events=[END])
    log = logged(trigger)
    store = SeveralAssets()
    trigger.asset_state_store = store  # type: ignore[attr-defined]
    ended = conference("CF-1", "completed", NOW + timedelta(seconds=5))
    polls = Polls()
    sweeps = [
        polls.listing([], NOW, time.monotonic()),
        polls.listing([ended], NOW + timedelta(seconds=10), time.monotonic()),
    ]

    assert run_filter(trigger, sweeps) == [{"event": END, "conference": ended}]
    assert store.writes == []
    assert log.at("warning") == [
        "No watermark across restarts: Task has 2 concrete inlets and outlets"
    ]


# -- ConferenceStatusTrigger: its one event and its log, against the emulator ------------------


def run_status(trigger: ConferenceStatusTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(asyncio.wait_for(collect(), 10))


def quick(**kwargs: Any) -> ConferenceStatusTrigger:
    return ConferenceStatusTrigger(
        **{"poll_interval": 0.05, "initial_backoff": 0.0, "max_backoff": 0.0, **kwargs}
    )


def test_success_is_the_status_and_the_conference_as_listed(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    sid = emu.add_conference(friendly_name="payload-room", status="completed")["sid"]
    trigger = quick(conference_sid=sid, target_statuses=["in-progress", "completed"])
    log = logged(trigger)

    [payload] = run_status(trigger)

    assert set(payload) == {"status", "conference"}
    assert payload["status"] == "success"
    assert (payload["conference"]["sid"], payload["conference"]["status"]) == (sid, "completed")
    assert log.at("info") == [
        f"Waiting for SignalWire conference {sid} to reach in-progress or completed "
        "(polling every 0.05s)",
        f"SignalWire conference {sid} is completed",
    ]


def test_each_new_status_is_logged_once(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default
    sid = emu.add_conference(friendly_name="logged-room", status="in-progress")["sid"]
    trigger = quick(friendly_name="logged-room")
    log = logged(trigger)

    async def scenario() -> list[dict[str, Any]]:
        running = asyncio.ensure_future(trigger.run().__anext__())
        while sum("DateUpdated>" in r.query for r in emu.requests) < 3:
            await asyncio.sleep(0.01)
        emu.set_conference_status(sid, "completed")
        return [(await asyncio.wait_for(running, 10)).payload]

    [payload] = asyncio.run(scenario())

    assert payload["status"] == "success"
    assert log.at("info") == [
        "Waiting for SignalWire conference named 'logged-room' to reach completed "
        "(polling every 0.05s)",
        f"SignalWire conference {sid} is in-progress",
        f"SignalWire conference {sid} is completed",
    ]


def test_a_name_not_created_yet_is_logged_as_missing(
    signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_signalwire.hooks import _conference_poller

    emu = signalwire_default
    # Nothing listed is recent: the waiter needs a look of its own, which finds nothing.
    monkeypatch.setattr(_conference_poller, "_yesterday", lambda: NOW.date())
    trigger = quick(friendly_name="not-yet")
    log = logged(trigger)

    async def scenario() -> None:
        running = asyncio.ensure_future(trigger.run().__anext__())
        deadline = time.monotonic() + 10
        while len(log.at("info")) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    asyncio.run(scenario())

    assert log.at("info")[1] == "No SignalWire conference named 'not-yet' yet"
    assert [r.query["FriendlyName"] for r in emu.requests if "FriendlyName" in r.query] == [
        ["not-yet"]
    ]


def test_an_error_signalwire_reports_is_its_message_and_class(
    signalwire_default: SignalWireEmulator,
) -> None:
    base = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Conferences/CF-unknown"

    assert run_status(quick(conference_sid="CF-unknown")) == [
        {
            "status": "error",
            "message": (
                f"SignalWire conference CF-unknown does not exist in account {PROJECT_ID} "
                f"(SignalWire answered 404 Not Found to GET {base}: code 20404; The requested "
                f"resource {base} was not found; see "
                "https://developer.signalwire.com/compatibility-api/reference/error-codes)"
            ),
            "error_type": "SignalWireNotFoundError",
        }
    ]


def test_the_account_asked_for_is_the_one_listed(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default

    [payload] = run_status(quick(conference_sid="CF-1", account_sid="AC-other", max_attempts=1))

    assert payload["error_type"] == "SignalWireAuthError"
    assert [r.path for r in emu.requests] == ["/api/laml/2010-04-01/Accounts/AC-other/Conferences"]


def test_a_missing_connection_is_an_error_event_naming_it() -> None:
    [payload] = run_status(quick(conference_sid="CF-1", signalwire_conn_id="nope_payloads"))

    assert payload["status"] == "error"
    assert payload["error_type"] == "SignalWireConnectionNotFoundError"
    assert payload["message"].startswith("The conn_id `nope_payloads` isn't defined.")


def test_any_other_failure_is_one_error_event_without_a_class_and_without_the_token(
    signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: ConferenceStatusTrigger, poller: Any, what: str) -> dict[str, Any]:
        raise RuntimeError(f"went wrong with {TOKEN} and {what}")

    monkeypatch.setattr(trigger_module.ConferenceStatusTrigger, "_wait", broken)

    assert run_status(quick(conference_sid="CF-1")) == [
        {
            "status": "error",
            "message": "Waiting for SignalWire failed: RuntimeError: went wrong with *** and "
            "conference CF-1",
        }
    ]


def test_event_trigger_lists_the_account_asked_for(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default
    trigger = ConferenceEventTrigger(account_sid="AC-elsewhere", poll_interval=0.05)

    async def first_poll() -> Sweep:
        stream = trigger.open_shared_stream(trigger.serialize()[1])
        try:
            return await stream.__anext__()
        finally:
            await stream.aclose()

    sweep = asyncio.run(asyncio.wait_for(first_poll(), 10))

    assert sweep.index is None  # the emulator knows one account only
    paths = {r.path for r in emu.requests}
    assert paths == {"/api/laml/2010-04-01/Accounts/AC-elsewhere/Conferences"}
