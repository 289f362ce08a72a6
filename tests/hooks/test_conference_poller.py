"""The shared conference poller and hook, against the emulator: what one poll sends, and when."""

from __future__ import annotations

import asyncio
import datetime
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_signalwire.hooks import _conference_poller
from airflow_provider_signalwire.hooks._conference_poller import (
    FIRST_LOOKS_PER_POLL,
    conference_poller,
)
from airflow_provider_signalwire.hooks.async_signalwire import HookKey, open_hooks, shared_hook

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

KEY = HookKey("signalwire_default", max_attempts=2, initial_backoff=0.0, max_backoff=0.0)


def is_listing(r: Any) -> bool:
    return "DateUpdated>" in r.query


async def wait_all(sids: list[str], targets: frozenset[str], interval: float = 0.1) -> list[Any]:
    async with conference_poller(KEY) as poller:
        return await asyncio.gather(
            *(
                poller.wait_for(
                    conference_sid=sid,
                    friendly_name=None,
                    targets=targets,
                    interval=interval,
                    on_seen=lambda conference: None,
                )
                for sid in sids
            )
        )


def test_one_listing_per_poll_with_the_spec_filters(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default
    sids = [emu.add_conference(friendly_name=f"c{i}", status="completed")["sid"] for i in range(5)]

    found = asyncio.run(wait_all(sids, frozenset({"completed"})))

    assert [c["sid"] for c in found] == sids
    [listing] = emu.requests
    yesterday = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)
    assert listing.query == {"DateUpdated>": [yesterday.isoformat()], "PageSize": ["1000"]}


def test_status_filter_once_every_waiter_was_seen(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default
    sids = [emu.add_conference(friendly_name=f"c{i}", status="init")["sid"] for i in range(3)]

    async def scenario() -> None:
        waiting = asyncio.create_task(wait_all(sids, frozenset({"completed"})))
        while sum(map(is_listing, emu.requests)) < 3:
            await asyncio.sleep(0.02)
        for sid in sids:
            emu.set_conference_status(sid, "completed")
        await waiting

    asyncio.run(asyncio.wait_for(scenario(), 10))

    listings = [r for r in emu.requests if is_listing(r)]
    assert "Status" not in listings[0].query  # nobody seen yet: the listing must show all
    assert all(r.query["Status"] == ["completed"] for r in listings[1:])


def test_first_looks_are_capped_per_poll(
    signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = signalwire_default
    monkeypatch.setattr(  # nothing updated since the floor: every waiter needs its own look
        _conference_poller, "_yesterday", lambda: datetime.date.today() + datetime.timedelta(days=2)
    )
    n = FIRST_LOOKS_PER_POLL + 5
    sids = [emu.add_conference(friendly_name=f"c{i}", status="completed")["sid"] for i in range(n)]

    asyncio.run(asyncio.wait_for(wait_all(sids, frozenset({"completed"})), 10))

    looks_per_poll: list[int] = []
    for r in emu.requests:
        if is_listing(r):
            looks_per_poll.append(0)
        else:
            looks_per_poll[-1] += 1
    assert looks_per_poll[:2] == [FIRST_LOOKS_PER_POLL, 5]


def test_polling_stops_when_nobody_waits(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default
    sid = emu.add_conference(friendly_name="c", status="init")["sid"]

    async def scenario() -> int:
        waiting = asyncio.create_task(wait_all([sid], frozenset({"completed"}), interval=0.05))
        while sum(map(is_listing, emu.requests)) < 2:
            await asyncio.sleep(0.02)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        after = len(emu.requests)
        await asyncio.sleep(0.3)  # six intervals
        assert _conference_poller.running_pollers() == 0
        assert open_hooks() == 0
        return after

    after = asyncio.run(scenario())
    assert len(emu.requests) == after


def test_a_hook_is_shared_per_key_and_loop(signalwire_default: SignalWireEmulator) -> None:
    other = HookKey("signalwire_default", max_attempts=3)

    async def scenario() -> None:
        async with shared_hook(KEY) as a, shared_hook(KEY) as b, shared_hook(other) as c:
            assert a is b
            assert c is not a
            assert open_hooks() == 2
            assert await a.get_client() is await b.get_client()
        assert open_hooks() == 0

    asyncio.run(scenario())


def test_a_missing_connection_fails_its_users_and_is_forgotten() -> None:
    async def scenario() -> None:
        for _ in range(2):  # the failure is not cached: the next user tries again
            with pytest.raises(Exception, match="nope_not_defined"):  # Airflow says it
                async with shared_hook(HookKey("nope_not_defined")):
                    pass
            assert open_hooks() == 0

    asyncio.run(scenario())
