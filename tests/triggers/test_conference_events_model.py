"""
ConferenceEventTrigger's contract, proven by a model: random steps against the emulator.

A Hypothesis ``RuleBasedStateMachine`` drives the emulator (conferences created, started and
ended, several per room; hidden from listings; listed with stale copies; the server's clock
skewed and shifted; absurd dates) and two triggers on one asset state store (every event, and
``conference-end`` of one room), restarting them (``serialize()``, a new trigger, the same
store) at any step. After every poll it checks each trigger's events against a tiny reference
model of the contract: the events of a poll are exactly the statuses newly seen in its listing
(a conference's most advanced copy), never one seen before by that trigger (its key in the
store), nothing for what held when watching began, and every conference's events in order.

The triggers run through their Airflow 3.3 path (``open_shared_stream`` and
``filter_shared_stream``, which ``run()`` chains) in an event loop whose clock the test moves:
a poll happens only when the test moves it by the poll interval, so what each listing shows is
what the steps made, whatever the machine's speed.

Profiles: the default one is CI's; ``HYPOTHESIS_PROFILE=full`` runs at least 10,000 steps.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from signalwire_test_support import PROJECT_ID, TOKEN, SteppedLoop, connection_json

from airflow_provider_signalwire.hooks import _conference_poller, async_signalwire
from airflow_provider_signalwire.hooks._conferences import ListingIndex, ListingIndexer
from airflow_provider_signalwire.testing import SignalWireEmulator
from airflow_provider_signalwire.triggers.conference import ConferenceEventTrigger
from triggers.test_conference_event_trigger import FakeAssetStateStore as Store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

settings.register_profile(
    "model-ci",
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "model-full", parent=settings.get_profile("model-ci"), max_examples=1000, stateful_step_count=50
)
PROFILE = "model-full" if os.environ.get("HYPOTHESIS_PROFILE") == "full" else "model-ci"

CONN_ID = "signalwire_model"
INTERVAL = 3600.0  # the loop's clock is moved by this much to make one poll
ROOMS = ("room-a", "room-b", "room-c")
RANK = {"init": 0, "in-progress": 1, "completed": 2}
NEXT = {"init": "in-progress", "in-progress": "completed"}
EVENT_OF = {"in-progress": "conference-start", "completed": "conference-end"}
#: Listings are at most this far apart on the server's clock, and a conference is hidden at
#: most this long: together well under what a restart may be blind to (SETTLE, 10 minutes).
MAX_GAP = 240.0
MAX_HIDE = 120.0
ABSURD = datetime(2099, 1, 1, tzinfo=timezone.utc)
#: Steps the machine ran in this session, and polls checked (printed with ``-s``).
COUNTS = {"steps": 0, "polls": 0, "events": 0}


class RecordingIndexer(ListingIndexer):
    """The poller's indexer, keeping each listing as listed (stale copies too) for the model."""

    #: id of each index built -> (the index, kept alive so that its id is not reused; listing)
    LISTINGS: dict[int, tuple[ListingIndex, list[dict[str, Any]]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listing: list[dict[str, Any]] = []

    def add(self, conference: dict[str, Any]) -> None:
        self.listing.append(conference)
        super().add(conference)

    def finish(self) -> Iterator[None]:
        index = yield from super().finish()
        self.LISTINGS[id(index)] = (index, self.listing)
        return index


class Watcher:
    """One trigger's life (restarts included) and the reference model's memory for its key."""

    def __init__(self, loop: SteppedLoop, store: Store, **kwargs: Any) -> None:
        self.loop, self.store = loop, store
        self.kwargs = kwargs
        self.trigger = ConferenceEventTrigger(**kwargs)
        self.memory: dict[str, int] = {}  # the model: sid -> most advanced status seen
        self.baseline = True  # the first listing after watching began is the starting point
        self.events: list[tuple[str, str]] = []
        self.processed = 0
        self.task: asyncio.Task[None] | None = None
        self.progress = asyncio.Event()
        self.listings: list[list[dict[str, Any]]] = []

    def start(self) -> None:
        self.trigger.asset_state_store = self.store  # type: ignore[assignment]
        self.task = self.loop.create_task(self._consume(self.trigger))

    def restart(self) -> None:
        assert self.task is not None
        self.task.cancel()
        self.loop.run_until_complete(asyncio.gather(self.task, return_exceptions=True))
        classpath, kwargs = self.trigger.serialize()
        assert classpath.endswith("ConferenceEventTrigger")
        self.trigger = ConferenceEventTrigger(**json.loads(json.dumps(kwargs)))
        self.start()

    async def _consume(self, trigger: ConferenceEventTrigger) -> None:
        async for event in trigger.filter_shared_stream(self._counted(trigger)):
            payload = event.payload
            self.events.append((payload["event"], payload["conference"]["sid"]))

    async def _counted(self, trigger: ConferenceEventTrigger) -> AsyncIterator[Any]:
        async for sweep in trigger.open_shared_stream(trigger.serialize()[1]):
            failed = sweep.index is None
            self.listings.append([] if failed else RecordingIndexer.LISTINGS[id(sweep.index)][1])
            yield sweep
            # Asked for the next one: the trigger is done with this one (events, store).
            self.processed += 1
            self.progress.set()

    def watches(self, conference: dict[str, Any], status: str) -> bool:
        name = self.kwargs.get("friendly_name")
        events = self.kwargs.get("events", ["conference-end"])
        return EVENT_OF.get(status) in events and name in (None, conference["friendly_name"])

    def expected(self, listing: list[dict[str, Any]]) -> list[tuple[str, str]]:
        """The model: the statuses newly seen in this listing (most advanced copy wins)."""
        seen: dict[str, dict[str, Any]] = {}
        for conference in listing:
            current = seen.get(conference["sid"])
            if current is None or RANK[conference["status"]] > RANK[current["status"]]:
                seen[conference["sid"]] = conference
        out = []
        for sid, conference in seen.items():
            status = conference["status"]
            if RANK[status] > self.memory.get(sid, -1):
                self.memory[sid] = RANK[status]
                if not self.baseline and self.watches(conference, status):
                    out.append((EVENT_OF[status], sid))
        self.baseline = False
        return sorted(out)


@pytest.fixture(scope="module")
def model_emulator() -> Iterator[SignalWireEmulator]:
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
        previous = os.environ.get(f"AIRFLOW_CONN_{CONN_ID.upper()}")
        os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = connection_json(emu.url)
        try:
            yield emu
        finally:
            print(f"\nconference events model ({PROFILE}): {COUNTS}")
            if previous is None:
                del os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"]
            else:
                os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = previous


class ConferenceEventsMachine(RuleBasedStateMachine):
    """Random steps against the emulator; every poll checked against the model."""

    emu: SignalWireEmulator

    def __init__(self) -> None:
        super().__init__()
        self.loop = SteppedLoop()
        self.store = Store()
        # sid -> {"name", "status"}, in creation order (draws never depend on random SIDs).
        self.conferences: dict[str, dict[str, Any]] = {}
        self.hidden_until: dict[str, datetime] = {}
        self.watchers: list[Watcher] = []
        self.last_poll = datetime.min.replace(tzinfo=timezone.utc)
        _conference_poller.ListingIndexer = RecordingIndexer  # type: ignore[misc]

    @initialize(skew=st.integers(-600, 600))
    def start_watching(self, skew: int) -> None:
        self.emu.clock_offset = skew  # SignalWire's clock against the triggerer's, +-10 min
        self.emu.reset()  # seeded on that clock
        common = {"signalwire_conn_id": CONN_ID, "poll_interval": INTERVAL}
        self.watchers = [
            Watcher(self.loop, self.store, events=["conference-start", "conference-end"], **common),
            Watcher(
                self.loop, self.store, events=["conference-end"], friendly_name="room-a", **common
            ),
        ]
        for watcher in self.watchers:
            watcher.start()
        self._wait_for_listing()  # each trigger's first listing is its starting point

    def teardown(self) -> None:
        try:
            if self.watchers:
                self._final_check()
        finally:
            for watcher in self.watchers:
                if watcher.task is not None:
                    watcher.task.cancel()
            tasks = [w.task for w in self.watchers if w.task is not None]
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.run_until_complete(self._no_leaks())
            self.loop.close()
            _conference_poller.ListingIndexer = ListingIndexer  # type: ignore[misc]
            RecordingIndexer.LISTINGS.clear()

    async def _no_leaks(self) -> None:
        assert _conference_poller.running_pollers() == 0
        assert async_signalwire.open_hooks() == 0

    def _final_check(self) -> None:
        """Everything shows again, one last poll: each conference's last status has fired."""
        self._shift(2 * MAX_HIDE)
        self.poll()
        for watcher in self.watchers:
            for sid, facts in self.conferences.items():
                status = facts["status"]
                listed = {"sid": sid, "friendly_name": facts["name"]}
                if watcher.watches(listed, status):
                    assert watcher.events.count((EVENT_OF[status], sid)) == 1, (sid, status)
            for sid in {sid for _, sid in watcher.events}:
                names = [name for name, s in watcher.events if s == sid]
                assert names in (
                    ["conference-start"],
                    ["conference-end"],
                    ["conference-start", "conference-end"],
                ), names  # in order, each at most once

    # -- the clock -----------------------------------------------------------------------------

    def _shift(self, seconds: float) -> None:
        self.emu.clock_offset = self.emu.clock_offset + seconds

    def _tick(self) -> None:
        """Every change happens in a later second of the server's clock than the one before."""
        if (self.emu.server_now() - self.last_poll).total_seconds() + 2 > MAX_GAP:
            self.poll()
        self._shift(2)

    # -- steps ---------------------------------------------------------------------------------

    @rule(room=st.sampled_from(ROOMS), status=st.sampled_from(["init", "in-progress"]))
    def create(self, room: str, status: str) -> None:
        self._tick()
        conference = self.emu.add_conference(friendly_name=room, status=status)
        self.conferences[conference["sid"]] = {"name": room, "status": status}

    def _movable(self) -> list[str]:
        return [sid for sid, c in self.conferences.items() if c["status"] in NEXT]

    @precondition(lambda self: bool(self._movable()))
    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(self._movable()))
        self._tick()
        status = NEXT[self.conferences[sid]["status"]]
        self.emu.set_conference_status(sid, status)
        self.conferences[sid]["status"] = status

    @precondition(lambda self: bool(self.conferences))
    @rule(data=st.data(), seconds=st.integers(5, int(MAX_HIDE)))
    def hide(self, data: st.DataObject, seconds: int) -> None:
        sid = data.draw(st.sampled_from(list(self.conferences)))
        now = self.emu.server_now()
        if self.hidden_until.get(sid, now) > now:
            return  # hidden still: hiding it again would hide it longer than MAX_HIDE
        self.emu.hide_conference(sid, seconds)
        self.hidden_until[sid] = now + timedelta(seconds=seconds + 1)

    @precondition(lambda self: bool(self.conferences))
    @rule(data=st.data(), seconds=st.integers(5, int(MAX_HIDE)))
    def stale_copy(self, data: st.DataObject, seconds: int) -> None:
        sid = data.draw(st.sampled_from(list(self.conferences)))
        self.emu.add_stale_copy(sid, seconds)

    @rule(seconds=st.integers(1, 120))
    def shift_clock(self, seconds: int) -> None:
        if (self.emu.server_now() - self.last_poll).total_seconds() + seconds > MAX_GAP:
            self.poll()
        self._shift(seconds)

    @precondition(lambda self: bool(self.conferences))
    @rule(data=st.data(), move=st.booleans())
    def absurd_date(self, data: st.DataObject, move: bool) -> None:
        sid = data.draw(st.sampled_from(list(self.conferences)))
        self._tick()
        status = self.conferences[sid]["status"]
        if move and status in NEXT:
            status = NEXT[status]
        self.emu.set_conference_status(sid, status, at=ABSURD)
        self.conferences[sid]["status"] = status

    @rule(which=st.sampled_from([0, 1]))
    def restart(self, which: int) -> None:
        self.watchers[which].restart()

    @rule()
    def poll(self) -> None:
        self.loop.ahead += INTERVAL
        self._wait_for_listing()

    # -- checks --------------------------------------------------------------------------------

    def _wait_for_listing(self) -> None:
        """Run the loop until every trigger is done with one more listing; check its events."""
        before = [(w.processed, len(w.events), len(w.listings)) for w in self.watchers]

        async def done() -> None:
            for watcher, (processed, _, _) in zip(self.watchers, before, strict=True):
                while watcher.processed <= processed:
                    watcher.progress.clear()
                    try:
                        await asyncio.wait_for(watcher.progress.wait(), 2.0)
                    except asyncio.TimeoutError:
                        # A trigger just restarted subscribed after that poll: one more.
                        self.loop.ahead += INTERVAL

        self.loop.run_until_complete(done())
        self.last_poll = self.emu.server_now()
        for watcher, (_, fired, listed) in zip(self.watchers, before, strict=True):
            expected = [
                e for listing in watcher.listings[listed:] for e in watcher.expected(listing)
            ]
            assert sorted(watcher.events[fired:]) == sorted(expected)
            COUNTS["polls"] += 1
            COUNTS["events"] += len(expected)

    @invariant()
    def keys_never_collide(self) -> None:
        COUNTS["steps"] += 1
        keys = {w.trigger.watermark_key() for w in self.watchers}
        assert len(keys) == len(self.watchers)
        assert set(self.store.values) <= keys


ConferenceEventsMachine.TestCase.settings = settings.get_profile(PROFILE)


@pytest.mark.usefixtures("model_emulator")
class TestConferenceEventsModel(ConferenceEventsMachine.TestCase):  # type: ignore[name-defined,misc]
    """The machine, run by pytest."""

    @pytest.fixture(autouse=True)
    def _emulator(self, model_emulator: SignalWireEmulator) -> None:
        ConferenceEventsMachine.emu = model_emulator


class TestScenarios:
    """The machine's steps in fixed orders: the cases the issue names, every run."""

    @pytest.fixture
    def machine(self, model_emulator: SignalWireEmulator) -> Iterator[ConferenceEventsMachine]:
        ConferenceEventsMachine.emu = model_emulator
        machine = ConferenceEventsMachine()
        try:
            yield machine
        finally:
            machine.teardown()  # checks every conference's last status fired once

    def _new(self, machine: ConferenceEventsMachine, room: str, status: str) -> str:
        machine.create(room=room, status=status)
        return list(machine.conferences)[-1]

    def _advance(self, machine: ConferenceEventsMachine, sid: str, at: Any = None) -> None:
        machine._tick()
        status = NEXT[machine.conferences[sid]["status"]]
        machine.emu.set_conference_status(sid, status, at=at)
        machine.conferences[sid]["status"] = status

    def test_an_end_seen_before_a_restart_does_not_fire_again(
        self, machine: ConferenceEventsMachine
    ) -> None:
        machine.start_watching(skew=0)
        sid = self._new(machine, "room-a", "in-progress")
        machine.poll()
        self._advance(machine, sid)
        machine.poll()
        machine.restart(0)
        machine.restart(1)
        machine.poll()
        assert machine.watchers[0].events == [("conference-start", sid), ("conference-end", sid)]
        assert machine.watchers[1].events == [("conference-end", sid)]

    def test_a_gap_in_the_listings_does_not_repeat_an_end(
        self, machine: ConferenceEventsMachine
    ) -> None:
        machine.start_watching(skew=0)
        sid = self._new(machine, "room-a", "in-progress")
        self._advance(machine, sid)
        machine.poll()
        machine.emu.hide_conference(sid, 60)
        machine.poll()  # missing from this listing
        machine._shift(61)
        machine.poll()  # back, unchanged
        assert machine.watchers[1].events == [("conference-end", sid)]

    def test_an_end_while_hidden_and_down_fires_once(
        self, machine: ConferenceEventsMachine
    ) -> None:
        machine.start_watching(skew=-600)
        sid = self._new(machine, "room-b", "in-progress")
        machine.poll()
        machine.emu.hide_conference(sid, 100)
        self._advance(machine, sid)
        machine.poll()
        machine.restart(0)
        machine.poll()
        machine._shift(101)
        machine.poll()
        assert machine.watchers[0].events == [("conference-start", sid), ("conference-end", sid)]

    def test_a_stale_copy_never_takes_a_status_back(self, machine: ConferenceEventsMachine) -> None:
        machine.start_watching(skew=600)
        sid = self._new(machine, "room-a", "init")
        machine.poll()
        machine.emu.add_stale_copy(sid, 100)  # init, listed beside the fresh copy
        self._advance(machine, sid)
        self._advance(machine, sid)
        machine.poll()  # completed and a stale init: the end only
        machine.emu.hide_conference(sid, 50)  # only the stale copy shows
        machine.poll()
        machine._shift(51)
        machine.poll()
        assert machine.watchers[0].events == [("conference-end", sid)]

    def test_an_absurd_date_holds_back_no_other_conference(
        self, machine: ConferenceEventsMachine
    ) -> None:
        machine.start_watching(skew=0)
        odd = self._new(machine, "room-a", "in-progress")
        other = self._new(machine, "room-a", "in-progress")
        machine.poll()
        self._advance(machine, odd, at=ABSURD)
        machine.poll()
        machine.restart(1)
        self._advance(machine, other)  # while the trigger restarts
        machine.poll()
        assert machine.watchers[1].events == [("conference-end", odd), ("conference-end", other)]
        mark = machine.store.values[machine.watchers[1].trigger.watermark_key()]
        assert mark["settled"] < machine.emu.server_now().isoformat()  # not 2099

    def test_an_odd_dated_conference_missing_after_a_restart_is_not_forgotten(
        self, machine: ConferenceEventsMachine
    ) -> None:
        # Found by the full profile: the restored memory of an odd date had no "last seen",
        # and the first listing after the restart forgot it while it was hidden.
        machine.start_watching(skew=0)
        sid = self._new(machine, "room-a", "init")
        self._advance(machine, sid, at=ABSURD)
        machine.poll()
        machine.restart(0)
        machine.emu.hide_conference(sid, 5)
        machine.poll()
        machine._shift(6)
        machine.poll()
        assert machine.watchers[0].events == [("conference-start", sid)]
