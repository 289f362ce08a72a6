"""
One shared conference poller, several kinds of users at once: which listing, how often.

Waiting triggers (by SID or by name, one or several target statuses) and event triggers
(subscribers to every listing) share one poller per connection and account. The listing is
narrowed to ``Status=`` only when every user can do with it: waits by SID, all looked at once,
for one same status, and no subscriber (who must see every conference). The poller polls at
the shortest interval any current user asked for, and goes back to the longer one when that
user leaves.

The interval tests run in an event loop whose clock the test moves, so that "no poll came" is
decided by the poller's own timers, not by how long the test waited.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import SteppedLoop

from airflow_provider_signalwire.hooks._conference_poller import Sweep, conference_poller
from airflow_provider_signalwire.hooks.async_signalwire import HookKey

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_signalwire.hooks._conference_poller import ConferencePoller
    from airflow_provider_signalwire.testing import SignalWireEmulator

KEY = HookKey("signalwire_default", max_attempts=2, initial_backoff=0.0, max_backoff=0.0)


def listings(emu: SignalWireEmulator) -> list[Any]:
    return [r for r in emu.requests if "DateUpdated>" in r.query]


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait, in real time, until ``condition`` holds (a poll's request and answer take real time)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "it never happened"
        await asyncio.sleep(0.01)


def wait(
    poller: ConferencePoller,
    *,
    sid: str | None = None,
    name: str | None = None,
    targets: tuple[str, ...] = ("completed",),
    interval: float = 0.05,
) -> asyncio.Task[dict[str, Any]]:
    return asyncio.ensure_future(
        poller.wait_for(
            conference_sid=sid,
            friendly_name=name,
            targets=frozenset(targets),
            interval=interval,
            on_seen=lambda conference: None,
        )
    )


def subscribe(poller: ConferencePoller, into: list[Sweep], interval: float = 0.05) -> asyncio.Task:
    async def listen() -> None:
        async for sweep in poller.sweeps(interval):
            into.append(sweep)

    return asyncio.ensure_future(listen())


async def stop(*tasks: asyncio.Future[Any]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# -- which listing ------------------------------------------------------------------------------

#: Users, each (by, targets) with by "sid" or "name", whether an event trigger listens too, and
#: the Status filter of the listings once every waiter was looked at.
FILTER_CASES = {
    "one waiter by SID": ([("sid", ("completed",))], False, ["completed"]),
    "waiters by SID, one same target": (
        [("sid", ("completed",)), ("sid", ("completed",))],
        False,
        ["completed"],
    ),
    "waiters by SID, two targets": (
        [("sid", ("completed",)), ("sid", ("in-progress",))],
        False,
        None,
    ),
    "one waiter, two targets": ([("sid", ("in-progress", "completed"))], False, None),
    "a waiter by name among waiters by SID": (
        [("sid", ("completed",)), ("name", ("completed",))],
        False,
        None,
    ),
    "a waiter by SID and an event trigger": ([("sid", ("completed",))], True, None),
    "an event trigger alone": ([], True, None),
}


@pytest.mark.parametrize(
    ("users", "listens", "status"), FILTER_CASES.values(), ids=list(FILTER_CASES)
)
def test_which_filter_the_listing_uses(
    signalwire_default: SignalWireEmulator,
    users: list[tuple[str, tuple[str, ...]]],
    listens: bool,
    status: list[str] | None,
) -> None:
    emu = signalwire_default
    sids = [emu.add_conference(friendly_name=f"room-{i}")["sid"] for i in range(len(users))]

    async def scenario() -> None:
        async with conference_poller(KEY) as poller:
            sweeps: list[Sweep] = []
            tasks: list[asyncio.Future[Any]] = [subscribe(poller, sweeps)] if listens else []
            for i, ((by, targets), sid) in enumerate(zip(users, sids, strict=True)):
                if by == "sid":
                    tasks.append(wait(poller, sid=sid, targets=targets))
                else:
                    tasks.append(wait(poller, name=f"room-{i}", targets=targets))
            await until(lambda: len(listings(emu)) >= 3)
            await stop(*tasks)

    asyncio.run(scenario())

    first, *later = listings(emu)
    assert "Status" not in first.query  # nobody looked at yet: the listing must show all
    assert [r.query.get("Status") for r in later] == [status] * len(later)


def test_the_filter_widens_when_an_event_trigger_joins_and_narrows_when_it_leaves(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    waited = emu.add_conference(friendly_name="waited")["sid"]
    other = emu.add_conference(friendly_name="other")["sid"]

    async def scenario() -> tuple[list[Sweep], dict[str, Any]]:
        async with conference_poller(KEY) as poller:
            waiting = wait(poller, sid=waited)
            await until(lambda: len(listings(emu)) >= 2)
            assert listings(emu)[-1].query.get("Status") == ["completed"]

            sweeps: list[Sweep] = []
            listening = subscribe(poller, sweeps)
            joined = len(listings(emu))
            await until(lambda: len(sweeps) >= 2)
            assert all("Status" not in r.query for r in listings(emu)[joined:])
            # The subscriber sees every conference, the waiter's and the others, unfiltered.
            assert sweeps[-1].index is not None
            assert {waited, other} <= set(sweeps[-1].index.by_sid)

            await stop(listening)
            left = len(listings(emu))
            await until(lambda: len(listings(emu)) >= left + 2)
            assert listings(emu)[-1].query.get("Status") == ["completed"]

            emu.set_conference_status(waited, "completed")
            return sweeps, await asyncio.wait_for(waiting, 10)

    _, found = asyncio.run(scenario())
    assert (found["sid"], found["status"]) == (waited, "completed")


def test_a_waiter_and_an_event_trigger_hear_the_same_listing(
    signalwire_default: SignalWireEmulator,
) -> None:
    """The end that wakes the waiter is in the very listing the event trigger receives."""
    emu = signalwire_default
    sid = emu.add_conference(friendly_name="room", status="in-progress")["sid"]

    async def scenario() -> None:
        async with conference_poller(KEY) as poller:
            sweeps: list[Sweep] = []
            listening = subscribe(poller, sweeps)
            waiting = wait(poller, sid=sid)
            await until(lambda: len(sweeps) >= 1)
            emu.set_conference_status(sid, "completed")
            found = await asyncio.wait_for(waiting, 10)
            await until(lambda: any(_status_in(s, sid) == "completed" for s in sweeps))
            assert found["status"] == "completed"
            ended = [s for s in sweeps if _status_in(s, sid) == "completed"]
            # One poll woke the waiter and told the subscriber: the same listing, one request.
            assert ended[0].index is not None
            assert ended[0].index.by_sid[sid].conference == found
            await stop(listening)

    asyncio.run(scenario())


def _status_in(sweep: Sweep, sid: str) -> str | None:
    if sweep.index is None or sid not in sweep.index.by_sid:
        return None
    return sweep.index.by_sid[sid].status


# -- how often ----------------------------------------------------------------------------------


class Polls:
    """How many polls the poller made after each step of a test that moves the loop's clock."""

    def __init__(self, poller: ConferencePoller, emu: SignalWireEmulator) -> None:
        self.poller, self.emu = poller, emu
        self.counts: list[int] = []

    async def after(self, seconds: float) -> None:
        """Move the clock; let every timer that became due run its course; count."""
        loop = asyncio.get_running_loop()
        assert isinstance(loop, SteppedLoop)
        loop.ahead += seconds
        for _ in range(20):
            await asyncio.sleep(0)
        self.counts.append(self.poller.polls)

    async def cross(self, seconds: float) -> None:
        """Move the clock past a poll's due time; not counted (the poll's start may wait on a
        thread, so only :meth:`reached` can tell when it came)."""
        loop = asyncio.get_running_loop()
        assert isinstance(loop, SteppedLoop)
        loop.ahead += seconds

    async def reached(self, n: int) -> None:
        """Wait until the ``n``-th poll's listing came; count."""
        await until(lambda: self.poller.polls == n and len(listings(self.emu)) == n)
        self.counts.append(self.poller.polls)


def run_stepped(scenario: Callable[[], Any]) -> Any:
    loop = SteppedLoop()
    try:
        return loop.run_within(scenario())
    finally:
        loop.close()


def test_the_shortest_interval_is_kept_while_its_user_stays(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    sid = emu.add_conference(friendly_name="room", status="in-progress")["sid"]

    async def scenario() -> list[int]:
        async with conference_poller(KEY) as poller:
            polls = Polls(poller, emu)
            listening = subscribe(poller, [], interval=60.0)
            await polls.reached(1)
            await polls.after(5.0)  # 5 s of 60: no poll

            waiting = wait(poller, sid=sid, interval=5.0)  # due already: it polls at once
            await polls.reached(2)
            await polls.after(4.0)  # 4 s of 5: no poll
            await polls.cross(1.0)
            await polls.reached(3)

            emu.set_conference_status(sid, "completed")
            await polls.cross(5.0)
            await polls.reached(4)
            await asyncio.wait_for(waiting, 10)  # the 5 s user is gone: 60 s again

            await polls.after(5.0)
            await polls.after(50.0)  # 55 s of 60: no poll
            await polls.cross(5.0)
            await polls.reached(5)
            await stop(listening)
        return polls.counts

    assert run_stepped(scenario) == [1, 1, 2, 2, 3, 4, 4, 4, 5]


def test_a_longer_interval_joining_does_not_slow_the_poller(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    sid = emu.add_conference(friendly_name="room", status="in-progress")["sid"]

    async def scenario() -> list[int]:
        async with conference_poller(KEY) as poller:
            polls = Polls(poller, emu)
            listening = subscribe(poller, [], interval=10.0)
            await polls.reached(1)
            waiting = wait(poller, sid=sid, interval=600.0)
            await polls.after(9.0)  # 9 s of 10: no poll
            await polls.cross(1.0)
            await polls.reached(2)
            await polls.after(9.0)  # 9 s of 10 again: the 600 s user does not slow it
            await polls.cross(1.0)
            await polls.reached(3)
            await stop(listening, waiting)
        return polls.counts

    assert run_stepped(scenario) == [1, 1, 2, 2, 3]
