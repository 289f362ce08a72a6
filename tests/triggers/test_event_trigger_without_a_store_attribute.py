"""
ConferenceEventTrigger on an Airflow without asset state stores (before 3.3) watches all the same.

Airflow 3.3's ``BaseTrigger`` sets ``asset_state_store`` (``None`` unless the triggerer gives
one); earlier releases have no such attribute at all. Either way the trigger watches without a
watermark, and fires the events of what changes while it watches.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from airflow_provider_signalwire.triggers.conference import ConferenceEventTrigger

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator


def polls(emu: SignalWireEmulator) -> int:
    return sum(1 for r in emu.requests if "DateUpdated>" in r.query)


async def first_events(
    trigger: ConferenceEventTrigger, emu: SignalWireEmulator, sid: str
) -> list[dict[str, Any]]:
    """Run the trigger, end conference ``sid`` after its first poll; return what it fired."""
    fired: list[dict[str, Any]] = []

    async def consume() -> None:
        async for event in trigger.run():
            fired.append(event.payload)

    async def end_and_wait() -> None:
        while polls(emu) == 0 and not task.done():
            await asyncio.sleep(0.02)
        emu.set_conference_status(sid, "completed")
        while not fired and not task.done():
            await asyncio.sleep(0.02)

    task = asyncio.create_task(consume())
    try:
        await asyncio.wait_for(end_and_wait(), 10)
        if task.done():
            task.result()  # a trigger that failed fails the test with its error
        return fired
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_a_trigger_without_the_attribute_watches_without_a_watermark(
    signalwire_default: SignalWireEmulator,
) -> None:
    emu = signalwire_default
    conference = emu.add_conference(friendly_name="old-airflow", status="in-progress")
    trigger = ConferenceEventTrigger(poll_interval=0.1)
    vars(trigger).pop("asset_state_store", None)  # as on Airflow 3.1 and 3.2
    assert not hasattr(trigger, "asset_state_store")

    events = asyncio.run(first_events(trigger, emu, conference["sid"]))

    assert [(e["event"], e["conference"]["sid"]) for e in events] == [
        ("conference-end", conference["sid"])
    ]
