"""ConferenceEventTrigger against the emulator with SignalWire's clock off the triggerer's."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire.hooks._conference_poller import conference_poller
from airflow_provider_signalwire.hooks.async_signalwire import HookKey
from airflow_provider_signalwire.triggers.conference import ConferenceEventTrigger
from triggers.test_conference_event_trigger import END, fired, polled, polls, watch

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator


@pytest.mark.parametrize("skew", [600, -600])
def test_judged_by_signalwire_clock(signalwire_default: SignalWireEmulator, skew: int) -> None:
    emu = signalwire_default
    emu.clock_offset = skew
    before = emu.add_conference(friendly_name="before", status="completed")
    live = emu.add_conference(friendly_name="live", status="in-progress")

    async def scenario() -> None:
        await polled(emu, 0)
        await asyncio.sleep(1.1)  # a later second of SignalWire's clock
        emu.set_conference_status(live["sid"], "completed")
        await polled(emu, polls(emu) + 2)

    [events] = asyncio.run(watch([ConferenceEventTrigger(poll_interval=0.1)], scenario))

    assert fired(events) == [(END, live["sid"])]
    assert before["sid"] not in {sid for _, sid in fired(events)}


def test_the_poller_reads_signalwire_clock_and_yesterday(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    emu.clock_offset = 2 * 86400  # two days ahead: SignalWire's yesterday is our tomorrow

    async def scenario() -> None:
        async with conference_poller(HookKey("signalwire_default")) as poller:
            assert poller.hook.server_now() is None  # no answer yet
            sweeps = poller.sweeps(0.05)
            first = await anext(sweeps)
            second = await anext(sweeps)
            await sweeps.aclose()
        assert first.server_now is not None
        assert abs((first.server_now - emu.server_now()).total_seconds()) < 2
        assert first.index is not None
        assert second.index is not None
        assert second.index.previous == first.index.sequence

    asyncio.run(asyncio.wait_for(scenario(), 10))

    listings = [r for r in emu.requests if "DateUpdated>" in r.query]
    tomorrow = (emu.server_now() - timedelta(days=1)).date()
    assert listings[-1].query["DateUpdated>"] == [tomorrow.isoformat()]
