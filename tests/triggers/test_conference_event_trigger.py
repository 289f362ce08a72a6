"""ConferenceEventTrigger against the local emulator over loopback: events, restarts, sharing."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.hooks import _conference_poller, async_signalwire
from airflow_provider_signalwire.testing import Fault
from airflow_provider_signalwire.triggers.conference import (
    WATERMARK_KEY,
    ConferenceEventTrigger,
    ConferenceStatusTrigger,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from airflow_provider_signalwire.testing import SignalWireEmulator

CLASS_PATH = "airflow_provider_signalwire.triggers.conference.ConferenceEventTrigger"
END, START = "conference-end", "conference-start"


def polls(emu: SignalWireEmulator) -> int:
    return sum(1 for r in emu.requests if "DateUpdated>" in r.query)


async def polled(emu: SignalWireEmulator, more_than: int, within: float = 5.0) -> None:
    """Wait until the emulator has answered more than ``more_than`` polls."""
    deadline = asyncio.get_running_loop().time() + within
    while polls(emu) <= more_than:
        assert asyncio.get_running_loop().time() < deadline, "no poll came"
        await asyncio.sleep(0.02)


async def watch(
    triggers: list[Any], scenario: Callable[[], Awaitable[None]]
) -> list[list[dict[str, Any]]]:
    """Run the triggers while ``scenario`` runs; return each trigger's event payloads."""
    seen: list[list[dict[str, Any]]] = [[] for _ in triggers]

    async def consume(i: int, trigger: Any) -> None:
        async for event in trigger.run():
            seen[i].append(event.payload)

    tasks = [asyncio.create_task(consume(i, t)) for i, t in enumerate(triggers)]
    try:
        await asyncio.wait_for(scenario(), 20)
    finally:
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            raise AssertionError(f"a trigger failed: {result!r}")
    assert _conference_poller.running_pollers() == 0
    assert async_signalwire.open_hooks() == 0
    return seen


def fired(payloads: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(p["event"], p["conference"]["sid"]) for p in payloads]


class TestConstruct:
    def test_serialize_round_trips_and_holds_no_secret(self) -> None:
        trigger = ConferenceEventTrigger(
            events=["conference-start", "conference-end"],
            friendly_name="standup",
            signalwire_conn_id="sw",
            account_sid="AC1",
            poll_interval=15,
        )
        path, kwargs = trigger.serialize()
        assert path == CLASS_PATH
        assert kwargs == {
            "events": [START, END],
            "friendly_name": "standup",
            "signalwire_conn_id": "sw",
            "account_sid": "AC1",
            "poll_interval": 15.0,
        }
        assert json.loads(json.dumps(kwargs)) == kwargs
        assert ConferenceEventTrigger(**kwargs).serialize() == (path, kwargs)
        assert TOKEN not in repr(trigger)

    def test_defaults(self) -> None:
        _, kwargs = ConferenceEventTrigger().serialize()
        assert kwargs == {
            "events": [END],
            "friendly_name": None,
            "signalwire_conn_id": "signalwire_default",
            "account_sid": None,
            "poll_interval": 60.0,
        }

    def test_is_an_event_trigger_an_asset_watcher_accepts(self) -> None:
        from airflow.sdk import Asset, AssetWatcher
        from airflow.triggers.base import BaseEventTrigger

        trigger = ConferenceEventTrigger()
        assert isinstance(trigger, BaseEventTrigger)
        Asset(name="ended", watchers=[AssetWatcher(name="w", trigger=trigger)])

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"events": ()}, "Invalid events"),
            ({"events": ("conference-ended",)}, "Invalid events"),
            ({"friendly_name": ""}, "friendly_name"),
            ({"poll_interval": 0}, "poll_interval"),
            ({"poll_interval": None}, "poll_interval"),
            ({"poll_interval": "often"}, "poll_interval"),
        ],
    )
    def test_refuses_bad_arguments(self, kwargs: dict[str, Any], match: str) -> None:
        with pytest.raises(SignalWireValidationError, match=match):
            ConferenceEventTrigger(**kwargs)


class TestRunAgainstEmulator:
    def test_fires_once_per_ended_conference_never_for_what_existed(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        live = emu.add_conference(friendly_name="live", status="in-progress")
        waiting = emu.add_conference(friendly_name="waiting", status="init")
        done = emu.add_conference(friendly_name="done-before", status="completed")
        trigger = ConferenceEventTrigger(poll_interval=0.1)

        async def scenario() -> None:
            await polled(emu, 0)
            emu.set_conference_status(live["sid"], "completed")
            await polled(emu, polls(emu))
            emu.set_conference_status(waiting["sid"], "in-progress")
            late = emu.add_conference(friendly_name="late", status="in-progress")
            await polled(emu, polls(emu))
            emu.set_conference_status(waiting["sid"], "completed")
            emu.set_conference_status(late["sid"], "completed")
            await polled(emu, polls(emu) + 3)  # a few more polls: nothing repeats
            scenario.late = late["sid"]  # type: ignore[attr-defined]

        [events] = asyncio.run(watch([trigger], scenario))

        late_sid = scenario.late  # type: ignore[attr-defined]
        assert sorted(fired(events)) == sorted(
            [(END, live["sid"]), (END, waiting["sid"]), (END, late_sid)]
        )
        assert done["sid"] not in {sid for _, sid in fired(events)}
        assert events[0]["conference"]["status"] == "completed"
        assert set(events[0]) == {"event", "conference"}
        assert all(r.auth_user == PROJECT_ID and r.auth_ok for r in emu.requests)

    def test_a_change_before_a_late_first_poll_is_not_lost(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        done = emu.add_conference(friendly_name="done-before", status="completed")
        live = emu.add_conference(friendly_name="live", status="in-progress")
        emu.latency = 3.5  # the first poll's answer comes late
        trigger = ConferenceEventTrigger(poll_interval=0.1)

        async def scenario() -> None:
            # Watching began; no poll has answered yet. More than two seconds: when watching
            # began is read from SignalWire's Date header, which has whole seconds (issue 22).
            await asyncio.sleep(2.2)
            assert polls(emu) <= 1
            emu.set_conference_status(live["sid"], "completed")
            emu.latency = 0.0
            await polled(emu, polls(emu) + 2)

        [events] = asyncio.run(watch([trigger], scenario))

        assert fired(events) == [(END, live["sid"])]
        assert done["sid"] not in {sid for _, sid in fired(events)}

    def test_start_events_and_a_name(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        ours = emu.add_conference(friendly_name="standup", status="init")
        other = emu.add_conference(friendly_name="other", status="init")
        trigger = ConferenceEventTrigger(
            events=(START, END), friendly_name="standup", poll_interval=0.1
        )

        async def scenario() -> None:
            await polled(emu, 0)
            emu.set_conference_status(ours["sid"], "in-progress")
            emu.set_conference_status(other["sid"], "in-progress")
            await polled(emu, polls(emu) + 1)
            emu.set_conference_status(ours["sid"], "completed")
            await polled(emu, polls(emu) + 1)

        [events] = asyncio.run(watch([trigger], scenario))

        assert fired(events) == [(START, ours["sid"]), (END, ours["sid"])]

    def test_failed_polls_are_logged_and_watching_goes_on(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="flaky", status="in-progress")
        trigger = ConferenceEventTrigger(poll_interval=0.1)

        async def scenario() -> None:
            await polled(emu, 0)
            emu.add_fault(Fault(status=401), times=2)  # permanent: not retried, poll fails
            await polled(emu, polls(emu) + 2)
            emu.set_conference_status(conference["sid"], "completed")
            await polled(emu, polls(emu) + 1)

        [events] = asyncio.run(watch([trigger], scenario))

        assert fired(events) == [(END, conference["sid"])]
        assert any(r.fault for r in emu.requests)

    def test_watermark_carries_a_restart(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        before_kill = emu.add_conference(friendly_name="a", status="in-progress")
        while_down = emu.add_conference(friendly_name="b", status="in-progress")
        store = FakeAssetStateStore()

        async def first_life() -> None:
            await polled(emu, 0)
            emu.set_conference_status(before_kill["sid"], "completed")
            await polled(emu, polls(emu) + 1)

        first = ConferenceEventTrigger(poll_interval=0.1)
        first.asset_state_store = store  # type: ignore[assignment]
        [events] = asyncio.run(watch([first], first_life))
        assert fired(events) == [(END, before_kill["sid"])]
        # Issue 22: each trigger has its own key (was the shared WATERMARK_KEY), and the
        # memory has version 2's shape (was version 1's updated_through, ties, in_progress).
        assert set(store.values) == {first.watermark_key()}
        assert first.watermark_key().startswith(f"{WATERMARK_KEY}:")
        assert set(store.values[first.watermark_key()]) == {
            "version",
            "began",
            "settled",
            "conferences",
        }

        emu.set_conference_status(while_down["sid"], "completed")  # nobody is watching
        second = ConferenceEventTrigger(poll_interval=0.1)
        second.asset_state_store = store  # type: ignore[assignment]

        async def second_life() -> None:
            await polled(emu, polls(emu) + 3)

        [events] = asyncio.run(watch([second], second_life))
        assert fired(events) == [(END, while_down["sid"])]

    def test_several_watched_assets_mean_no_store(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="a", status="in-progress")
        trigger = ConferenceEventTrigger(poll_interval=0.1)
        trigger.asset_state_store = SeveralAssets()  # type: ignore[assignment]

        async def scenario() -> None:
            await polled(emu, 0)
            emu.set_conference_status(conference["sid"], "completed")
            await polled(emu, polls(emu) + 1)

        [events] = asyncio.run(watch([trigger], scenario))

        assert fired(events) == [(END, conference["sid"])]

    def test_without_a_store_a_restart_starts_over(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="a", status="in-progress")

        async def a_while() -> None:
            await polled(emu, polls(emu) + 2)

        asyncio.run(watch([ConferenceEventTrigger(poll_interval=0.1)], a_while))
        emu.set_conference_status(conference["sid"], "completed")
        [events] = asyncio.run(watch([ConferenceEventTrigger(poll_interval=0.1)], a_while))

        assert events == []  # as on Airflow 3.1 and 3.2: the end happened while nobody watched

    def test_triggers_share_one_poll(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        waited = [emu.add_conference(friendly_name=f"w{i}", status="init") for i in range(20)]
        triggers: list[Any] = [
            ConferenceEventTrigger(poll_interval=0.1),
            ConferenceEventTrigger(events=(START,), poll_interval=0.1),
            *(ConferenceStatusTrigger(conference_sid=c["sid"], poll_interval=0.1) for c in waited),
        ]

        async def scenario() -> None:
            await polled(emu, 1)
            assert _conference_poller.running_pollers() == 1
            assert async_signalwire.open_hooks() == 1
            emu.set_conference_status(waited[0]["sid"], "completed")
            await polled(emu, polls(emu) + 1)

        seen = asyncio.run(watch(triggers, scenario))

        assert fired(seen[0]) == [(END, waited[0]["sid"])]
        assert seen[1] == []
        assert [p["conference"]["sid"] for p in seen[2]] == [waited[0]["sid"]]
        assert all(p == [] for p in seen[3:])
        # One listing per poll for all 22 triggers, and nothing else.
        assert len(emu.requests) == polls(emu)


class FakeAssetStateStore:
    """What the triggerer injects as ``asset_state_store`` for a trigger watching one asset."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(json.dumps(self.values.get(key, default)))

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = json.loads(json.dumps(value))


class SeveralAssets:
    """The store of a trigger watching two assets: Airflow refuses to pick one."""

    async def aget(self, key: str, default: Any = None) -> Any:
        raise ValueError("Task has 2 concrete inlets and outlets")

    async def aset(self, key: str, value: Any) -> None:
        raise AssertionError("nothing may be written without a single store")


def test_airflow_shared_stream_manager_gives_the_group_one_poll(
    signalwire_default: SignalWireEmulator,
) -> None:
    """Airflow 3.3's triggerer path: shared_stream_key, open_shared_stream, filter_shared_stream."""
    shared_stream = pytest.importorskip("airflow.triggers.shared_stream")  # Airflow 3.3+
    emu = signalwire_default
    conference = emu.add_conference(friendly_name="room", status="init")
    ends = ConferenceEventTrigger(poll_interval=0.1)
    both = ConferenceEventTrigger(events=(START, END), poll_interval=0.1)
    assert ends.shared_stream_key() == both.shared_stream_key()
    seen: dict[int, list[dict[str, Any]]] = {1: [], 2: []}

    async def scenario() -> None:
        manager = shared_stream.SharedStreamManager()

        async def run(trigger_id: int, trigger: ConferenceEventTrigger) -> None:
            key = trigger.shared_stream_key()
            stream = manager.subscribe(trigger_id=trigger_id, trigger=trigger, key=key)
            try:
                async for event in trigger.filter_shared_stream(stream):
                    seen[trigger_id].append(event.payload)
            finally:
                await manager.unsubscribe(trigger_id, key)

        tasks = [asyncio.create_task(run(1, ends)), asyncio.create_task(run(2, both))]
        await polled(emu, 0)
        emu.set_conference_status(conference["sid"], "in-progress")
        await polled(emu, polls(emu) + 1)
        emu.set_conference_status(conference["sid"], "completed")
        await polled(emu, polls(emu) + 2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(asyncio.wait_for(scenario(), 20))

    assert fired(seen[1]) == [(END, conference["sid"])]
    assert fired(seen[2]) == [(START, conference["sid"]), (END, conference["sid"])]
    assert len(emu.requests) == polls(emu)  # one listing per poll for the group
