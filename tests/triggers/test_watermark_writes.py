"""
How often ConferenceEventTrigger writes its watermark to the asset state store: when it changes.

The store is Airflow's metadata database: a write per poll per trigger, whatever happened, is a
database write every few seconds for each watcher. The watermark is written when what it keeps
changes (a status seen, a conference that settles out of it), not when only SignalWire's clock
moved on; a write that fails is made again at the next poll. Every write is counted here, poll
by poll, in an event loop whose clock the test moves: a poll happens only when the test moves
it, after the trigger is done with the previous one.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN, SteppedLoop, connection_json

from airflow_provider_signalwire.testing import SignalWireEmulator
from airflow_provider_signalwire.triggers._conference_events import SETTLE
from airflow_provider_signalwire.triggers.conference import ConferenceEventTrigger
from triggers.test_conference_event_trigger import FakeAssetStateStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

CONN_ID = "signalwire_writes"
INTERVAL = 3600.0  # the loop's clock is moved by this much to make one poll
STEP = 30.0  # SignalWire's clock moves this much between two polls


class CountingStore(FakeAssetStateStore):
    """The asset state store, counting every write; ``failures`` writes fail first."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.attempts = 0
        self.failures = failures

    async def aset(self, key: str, value: Any) -> None:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the metadata database is away")
        await super().aset(key, value)


@pytest.fixture
def emu() -> Iterator[SignalWireEmulator]:
    with (
        SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emulator,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", connection_json(emulator.url))
        yield emulator


def run_polls(
    emu: SignalWireEmulator,
    store: CountingStore,
    steps: list[Callable[[], None]],
    *,
    events: tuple[str, ...] = ("conference-start", "conference-end"),
) -> tuple[list[int], list[tuple[str, str]]]:
    """
    Poll ``len(steps) + 1`` times; before each poll but the first, SignalWire's clock moves by
    :data:`STEP` and the next step runs. Return the write attempts after each poll and the events.
    """
    loop = SteppedLoop()
    trigger = ConferenceEventTrigger(
        signalwire_conn_id=CONN_ID, poll_interval=INTERVAL, events=list(events)
    )
    trigger.asset_state_store = store  # type: ignore[attr-defined]
    attempts: list[int] = []
    fired: list[tuple[str, str]] = []

    async def stepped() -> AsyncIterator[Any]:
        async for sweep in trigger.open_shared_stream(trigger.serialize()[1]):
            assert sweep.index is not None, sweep.error
            yield sweep
            # Asked for the next poll: the trigger is done with this one (events, store).
            attempts.append(store.attempts)
            if len(attempts) > len(steps):
                return
            emu.clock_offset += STEP
            steps[len(attempts) - 1]()
            loop.ahead += INTERVAL

    async def consume() -> None:
        async for event in trigger.filter_shared_stream(stepped()):
            fired.append((event.payload["event"], event.payload["conference"]["sid"]))

    try:
        loop.run_within(consume())
    finally:
        loop.close()
    return attempts, fired


def nothing() -> None:
    pass


def test_written_once_per_change_not_once_per_poll(emu: SignalWireEmulator) -> None:
    store = CountingStore()
    sid = emu.add_conference(friendly_name="room", status="init")["sid"]
    steps = [
        nothing,
        nothing,
        lambda: emu.set_conference_status(sid, "in-progress"),
        nothing,
        lambda: emu.set_conference_status(sid, "completed"),
        nothing,
        nothing,
    ]

    attempts, fired = run_polls(emu, store, steps)

    # poll:        1  2  3  4  5  6  7  8
    assert attempts == [1, 1, 1, 2, 2, 3, 3, 3]
    assert fired == [("conference-start", sid), ("conference-end", sid)]
    [saved] = store.values.values()
    assert saved["conferences"][sid][0] == "completed"


def test_a_status_it_does_not_fire_for_is_still_written_once(emu: SignalWireEmulator) -> None:
    """Watching ends only, a start is still remembered (so that its end is judged right)."""
    store = CountingStore()
    sid = emu.add_conference(friendly_name="room", status="init")["sid"]
    steps = [lambda: emu.set_conference_status(sid, "in-progress"), nothing, nothing]

    attempts, fired = run_polls(emu, store, steps, events=("conference-end",))

    assert attempts == [1, 2, 2, 2]
    assert fired == []


def test_settling_writes_nothing_and_the_older_watermark_still_holds(
    emu: SignalWireEmulator,
) -> None:
    """
    SignalWire's clock moving past SETTLE changes what a new watermark would keep, not what a
    restart from the kept one does: nothing is written, and a restart fires nothing again.
    """
    store = CountingStore()
    sid = emu.add_conference(friendly_name="room", status="init")["sid"]

    def settle() -> None:  # SignalWire's clock jumps past SETTLE: the end is old news now
        emu.clock_offset += SETTLE.total_seconds()

    steps = [lambda: emu.set_conference_status(sid, "completed"), nothing, settle, nothing]

    attempts, fired = run_polls(emu, store, steps)

    assert attempts == [1, 2, 2, 2, 2]
    assert fired == [("conference-end", sid)]
    [saved] = store.values.values()
    assert saved["conferences"][sid][0] == "completed"  # still kept: an older settled point

    late = emu.add_conference(friendly_name="room", status="in-progress")["sid"]
    _, fired = run_polls(emu, store, [nothing])  # a restart: the same store

    assert fired == [("conference-start", late)]  # new since the restart, and only that


def test_a_failed_write_is_made_again_at_the_next_poll_and_only_then(
    emu: SignalWireEmulator,
) -> None:
    store = CountingStore()
    sid = emu.add_conference(friendly_name="room", status="init")["sid"]

    def end_while_the_store_is_away() -> None:
        emu.set_conference_status(sid, "completed")
        store.failures = 1

    attempts, fired = run_polls(emu, store, [end_while_the_store_is_away, nothing, nothing])

    assert attempts == [1, 2, 3, 3]  # the failed write, its repeat, then nothing
    assert fired == [("conference-end", sid)]
    [saved] = store.values.values()
    assert saved["conferences"][sid][0] == "completed"


def test_what_is_written_lets_a_restart_fire_nothing_again(emu: SignalWireEmulator) -> None:
    store = CountingStore()
    sid = emu.add_conference(friendly_name="room", status="init")["sid"]
    run_polls(emu, store, [lambda: emu.set_conference_status(sid, "completed"), nothing])
    written, before = json.loads(json.dumps(store.values)), store.attempts

    _, fired = run_polls(emu, store, [nothing, nothing])  # a restart: the same store

    assert fired == []
    assert store.attempts == before  # nothing new: nothing written
    assert store.values == written
