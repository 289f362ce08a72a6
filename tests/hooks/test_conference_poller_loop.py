"""
The shared conference poller's manners in its event loop, each on its own.

The poller runs beside every other trigger of a triggerer: it lets the loop run between slices
of a big listing and of many waiters (exactly once per slice, never a sleep), names its task,
stops when its last user leaves (not an interval later), cancels a poll in flight when closed,
looks a waiter up on its own account only once, tells a trigger only what changed, and hands
subscribers a failed poll with SignalWire's clock. A stand-in hook lists what the test gives
with no await inside a page (as a page already read is), so that every pause the loop gets is
the poller's own.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import SteppedLoop

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks._conference_poller import (
    YIELD_EVERY,
    ConferencePoller,
    Sweep,
)
from airflow_provider_signalwire.hooks._conferences import INDEX_SLICE

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ACCOUNT = "PS0000000000000000000000000000000a"
SERVER_NOW = datetime(2026, 12, 5, 11, 0, 0, tzinfo=timezone.utc)


def conference(sid: str, status: str = "in-progress", name: str = "room") -> dict[str, Any]:
    return {
        "sid": sid,
        "status": status,
        "friendly_name": name,
        "date_created": "Sat, 05 Dec 2026 10:00:00 +0000",
        "date_updated": "Sat, 05 Dec 2026 10:30:00 +0000",
    }


class Ticker:
    """Counts the turns the event loop gives to other tasks."""

    def __init__(self) -> None:
        self.turns = 0
        self._task: asyncio.Task[None] | None = None

    async def _spin(self) -> None:
        while True:
            self.turns += 1
            await asyncio.sleep(0)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._spin())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


class ListingHook:
    """Stands in for SignalWireAsyncHook: lists what the test sets, records every request."""

    def __init__(self) -> None:
        self.listing: list[dict[str, Any]] = []
        self.error: Exception | None = None
        self.now: datetime | None = SERVER_NOW
        self.found: dict[str, Any] | None = None
        self.listed_with: list[dict[str, Any]] = []
        self.looks: list[dict[str, Any]] = []
        self.turns_at_item: list[int] = []
        self.ticker: Ticker | None = None
        self.hold = asyncio.Event()
        self.hold.set()
        self.listing_started = asyncio.Event()

    async def list_conferences(self, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        self.listed_with.append(filters)
        self.listing_started.set()
        await self.hold.wait()
        if self.error is not None:
            raise self.error
        for item in self.listing:
            if self.ticker is not None:
                self.turns_at_item.append(self.ticker.turns)
            yield item

    def server_now(self) -> datetime | None:
        return self.now

    async def find_conference(self, **kwargs: Any) -> dict[str, Any] | None:
        self.looks.append(kwargs)
        return self.found


def poller_of(hook: ListingHook) -> ConferencePoller:
    return ConferencePoller(hook, ACCOUNT)  # type: ignore[arg-type]


async def one_sweep(poller: ConferencePoller, interval: float = 3600.0) -> Sweep:
    sweeps = poller.sweeps(interval)
    try:
        return await anext(sweeps)
    finally:
        await sweeps.aclose()


def pauses(turns: list[int]) -> list[int]:
    """The item numbers (1-based) after which the loop ran other tasks."""
    return [n for n in range(1, len(turns)) if turns[n] != turns[n - 1]]


async def let_the_loop_run(turns: int = 20) -> None:
    """Give the loop's other tasks a handful of turns, no clock involved."""
    for _ in range(turns):
        await asyncio.sleep(0)


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 60))


def record_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the delay of every ``asyncio.sleep`` from now on (they still sleep)."""
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float, result: Any = None) -> Any:
        delays.append(delay)
        return await real_sleep(delay, result)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return delays


class StoppedClockLoop(SteppedLoop):
    """An event loop whose clock stands still: it reads ``ahead``, which only the test moves."""

    def time(self) -> float:
        return self.ahead


@pytest.mark.parametrize(
    "conferences", [1, INDEX_SLICE - 1, INDEX_SLICE, INDEX_SLICE + 1, 2 * INDEX_SLICE + 1]
)
def test_reading_a_big_page_lets_the_loop_run_once_per_slice(
    conferences: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    delays = record_sleeps(monkeypatch)

    async def scenario() -> tuple[list[int], list[int]]:
        hook = ListingHook()
        hook.listing = [conference(f"CF{n:032d}") for n in range(conferences)]
        hook.ticker = ticker = Ticker()
        ticker.start()
        await asyncio.sleep(0)
        await one_sweep(poller_of(hook))
        await ticker.stop()
        steps = [hook.turns_at_item[n] - hook.turns_at_item[n - 1] for n in range(1, conferences)]
        return pauses(hook.turns_at_item), steps

    found, steps = run(scenario())
    assert found == [n for n in range(1, conferences) if n % INDEX_SLICE == 0]
    assert all(step in (0, 1) for step in steps)  # one turn per pause: no sleeping in between
    assert set(delays) == {0}  # reading and indexing pause the loop a turn, never wait on it


@pytest.mark.parametrize("waiters", [YIELD_EVERY - 1, YIELD_EVERY, 2 * YIELD_EVERY + 1])
def test_matching_many_waiters_lets_the_loop_run_once_per_slice(waiters: int) -> None:
    async def scenario() -> list[int]:
        hook = ListingHook()
        hook.listing = [conference(f"CF{n:032d}") for n in range(waiters)]
        hook.hold.clear()  # every waiter registers before the first listing
        poller = poller_of(hook)
        ticker = Ticker()
        turns_at_waiter: list[int] = []
        tasks = [
            asyncio.ensure_future(
                poller.wait_for(
                    conference_sid=item["sid"],
                    friendly_name=None,
                    targets=frozenset({"completed"}),
                    interval=3600.0,
                    on_seen=lambda _seen: turns_at_waiter.append(ticker.turns),
                )
            )
            for item in hook.listing
        ]
        await hook.listing_started.wait()
        ticker.start()
        hook.hold.set()
        while len(turns_at_waiter) < waiters:
            await asyncio.sleep(0)
        await ticker.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await poller.aclose()
        return turns_at_waiter

    turns = run(scenario())
    # The pause comes before the waiter whose number is a multiple of YIELD_EVERY.
    assert pauses(turns) == [n - 1 for n in range(2, waiters + 1) if n % YIELD_EVERY == 0]
    steps = [turns[n] - turns[n - 1] for n in range(1, waiters)]
    assert all(step in (0, 1) for step in steps)


def test_the_poller_task_is_named_after_its_account() -> None:
    async def scenario() -> str:
        hook = ListingHook()
        hook.hold.clear()
        poller = poller_of(hook)
        sweeps = poller.sweeps(3600.0)
        pending = asyncio.ensure_future(anext(sweeps))
        await hook.listing_started.wait()
        names = [t.get_name() for t in asyncio.all_tasks() if "poller" in t.get_name()]
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        await sweeps.aclose()
        await poller.aclose()
        assert len(names) == 1
        return names[0]

    assert run(scenario()) == f"signalwire-conference-poller-{ACCOUNT}"


def test_the_poller_stops_as_soon_as_its_last_user_leaves() -> None:
    # The interval is an hour: a poller that waited for it would still be running.
    async def scenario() -> None:
        hook = ListingHook()
        hook.listing = [conference("CF1", "completed")]
        poller = poller_of(hook)
        seen = await poller.wait_for(
            conference_sid="CF1",
            friendly_name=None,
            targets=frozenset({"completed"}),
            interval=3600.0,
            on_seen=lambda _seen: None,
        )
        assert seen["status"] == "completed"
        task = poller._task
        assert task is not None
        await let_the_loop_run()
        assert task.done()

    run(scenario())


def test_the_poller_stops_when_its_last_subscriber_leaves_mid_interval() -> None:
    # The poller waits out an hour between polls; the last subscriber leaving wakes it to end.
    async def scenario() -> None:
        hook = ListingHook()
        poller = poller_of(hook)
        sweeps = poller.sweeps(3600.0)
        await anext(sweeps)
        task = poller._task
        assert task is not None
        await let_the_loop_run()
        assert not task.done()  # waiting for its next poll
        await sweeps.aclose()
        await let_the_loop_run()
        assert task.done()
        assert poller.polls == 1

    run(scenario())


def test_the_next_poll_starts_when_the_interval_is_up_and_not_before() -> None:
    # The loop's clock stands still but for the test's moves: a poll due at exactly 5 s after
    # the previous one started comes when the clock reads that, not a tick later.
    async def scenario() -> list[int]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, StoppedClockLoop)
        hook = ListingHook()
        poller = poller_of(hook)
        sweeps = poller.sweeps(5.0)
        await anext(sweeps)
        polls = [poller.polls]
        for seconds in (4.5, 0.5):  # 4.5 s of 5: no poll; then 5 s: the next poll
            loop.ahead += seconds
            await let_the_loop_run()
            polls.append(poller.polls)
        await sweeps.aclose()
        await poller.aclose()
        return polls

    loop = StoppedClockLoop()
    loop.ahead = 1000.0
    try:
        assert loop.run_within(scenario()) == [1, 1, 2]
    finally:
        loop.close()


def test_closing_cancels_a_poll_in_flight() -> None:
    async def scenario() -> None:
        hook = ListingHook()
        hook.hold.clear()  # the listing never answers
        poller = poller_of(hook)
        sweeps = poller.sweeps(3600.0)
        pending = asyncio.ensure_future(anext(sweeps))
        await hook.listing_started.wait()
        task = poller._task
        assert task is not None
        await poller.aclose()
        assert task.cancelled()
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        await sweeps.aclose()

    run(scenario())


def test_a_failed_poll_reaches_subscribers_with_signalwire_s_clock() -> None:
    async def scenario() -> Sweep:
        hook = ListingHook()
        hook.error = SignalWireError("the listing failed")
        return await one_sweep(poller_of(hook))

    sweep = run(scenario())
    assert isinstance(sweep.error, SignalWireError)
    assert str(sweep.error) == "the listing failed"
    assert sweep.index is None
    assert sweep.server_now == SERVER_NOW


def test_a_first_look_asks_the_poller_s_account_once() -> None:
    # The conference is not in the listing (not updated since yesterday): looked up on its own,
    # on the poller's account (a subaccount's conference is not the main account's), and the
    # next polls do not look again.
    async def scenario() -> tuple[list[dict[str, Any]], int]:
        hook = ListingHook()
        hook.found = conference("CF-old", "in-progress")
        poller = poller_of(hook)
        seen: list[Any] = []
        task = asyncio.ensure_future(
            poller.wait_for(
                conference_sid="CF-old",
                friendly_name=None,
                targets=frozenset({"completed"}),
                interval=0.0,
                on_seen=seen.append,
            )
        )
        while poller.polls < 4:
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await poller.aclose()
        return hook.looks, len(seen)

    looks, reports = run(scenario())
    assert looks == [{"conference_sid": "CF-old", "friendly_name": None, "account_sid": ACCOUNT}]
    assert reports == 1  # told once: nothing changed after


def test_a_trigger_is_told_of_each_new_conference_of_its_name_once() -> None:
    # The newest conference of the name changes from A to B, both in progress: two reports,
    # one per conference, however many polls see each.
    async def scenario() -> list[tuple[str, str]]:
        hook = ListingHook()
        hook.listing = [conference("CF-A")]
        poller = poller_of(hook)
        seen: list[tuple[str, str]] = []
        task = asyncio.ensure_future(
            poller.wait_for(
                conference_sid=None,
                friendly_name="room",
                targets=frozenset({"completed"}),
                interval=0.0,
                on_seen=lambda found: seen.append((found["sid"], found["status"])),
            )
        )
        while poller.polls < 3:
            await asyncio.sleep(0)
        newer = conference("CF-B")
        newer["date_created"] = "Sat, 05 Dec 2026 10:45:00 +0000"
        hook.listing = [conference("CF-A"), newer]
        start = poller.polls
        while poller.polls < start + 3:
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await poller.aclose()
        return seen

    assert run(scenario()) == [("CF-A", "in-progress"), ("CF-B", "in-progress")]


def test_a_listing_refused_at_once_does_not_starve_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A listing can fail before it waits on anything (a refusal decided in the hook); with an
    # interval already spent by then, the poller must still let other tasks run between polls.
    class RefusingHook(ListingHook):
        async def list_conferences(self, **filters: Any) -> AsyncIterator[dict[str, Any]]:
            assert self.ticker is not None
            self.turns_at_item.append(self.ticker.turns)
            if self.turns_at_item[-100:] == [self.ticker.turns] * 100:
                await asyncio.sleep(0)  # a fuse: the test fails below instead of hanging
            raise SignalWireError("refused at once")
            yield {}  # an async generator, as the hook's

    async def scenario() -> tuple[list[int], list[Sweep]]:
        hook = RefusingHook()
        hook.ticker = ticker = Ticker()
        ticker.start()
        await asyncio.sleep(0)
        sweeps = poller_of(hook).sweeps(1e-9)
        got = [await anext(sweeps) for _ in range(5)]
        await sweeps.aclose()
        await ticker.stop()
        return hook.turns_at_item, got

    delays = record_sleeps(monkeypatch)
    turns, got = run(scenario())
    assert set(delays) == {0}  # it lets the loop run, it does not wait: the interval is spent
    assert [str(sweep.error) for sweep in got] == ["refused at once"] * 5
    assert all(later > earlier for earlier, later in itertools.pairwise(turns))
