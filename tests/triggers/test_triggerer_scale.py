"""
Triggerer scale at a small N (issue 14): many waiting triggers in one event loop share one poll.

The same scenario as ``benchmarks/bench_triggerer.py`` (which measures N = 1,000 with timings and
memory), checked here by counts only: requests per poll, TCP connections, who fired.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import psutil

from airflow_provider_signalwire.hooks import _conference_poller, async_signalwire
from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

N = 200
COMPLETED = 10


def tcp_connections_to(port: int) -> int:
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status != "LISTEN"
    )


def test_many_waiting_triggers_share_one_poll(signalwire_default: SignalWireEmulator) -> None:
    emu = signalwire_default
    sids = [emu.add_conference(friendly_name=f"scale-{i}", status="init")["sid"] for i in range(N)]
    triggers = [ConferenceStatusTrigger(conference_sid=sid, poll_interval=0.2) for sid in sids]
    fired: dict[int, dict[str, Any]] = {}
    observed: dict[str, int] = {}

    def listings() -> int:
        return sum(1 for r in emu.requests if "DateUpdated>" in r.query)

    async def scenario() -> None:
        async def wait(i: int, trigger: ConferenceStatusTrigger) -> None:
            async for event in trigger.run():
                fired[i] = event.payload

        tasks = [asyncio.create_task(wait(i, t)) for i, t in enumerate(triggers)]
        while listings() < 3:
            await asyncio.sleep(0.05)
        observed["pollers"] = _conference_poller.running_pollers()
        observed["hooks"] = async_signalwire.open_hooks()
        observed["tcp"] = tcp_connections_to(emu.port)
        for sid in sids[:COMPLETED]:
            emu.set_conference_status(sid, "completed")
        while len(fired) < COMPLETED:
            await asyncio.sleep(0.05)
        mark = listings()
        while listings() < mark + 3:  # a few more polls: nobody else fires
            await asyncio.sleep(0.05)
        observed["tcp_end"] = tcp_connections_to(emu.port)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        observed["pollers_after"] = _conference_poller.running_pollers()
        observed["hooks_after"] = async_signalwire.open_hooks()

    asyncio.run(asyncio.wait_for(scenario(), 60))

    assert observed["pollers"] == observed["hooks"] == 1
    assert observed["pollers_after"] == observed["hooks_after"] == 0
    assert observed["tcp"] <= 10 and observed["tcp_end"] <= 10
    assert sorted(fired) == list(range(COMPLETED))
    assert all(p["status"] == "success" for p in fired.values())
    assert {p["conference"]["sid"] for p in fired.values()} == set(sids[:COMPLETED])
    # Every request was a listing of the account (one page: N < 1,000): one request per poll
    # for all N triggers, never one per trigger.
    assert len(emu.requests) == listings()
    assert all(r.query["PageSize"] == ["1000"] for r in emu.requests)
