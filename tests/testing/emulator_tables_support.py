"""A shared emulator for the table tests: one per module, back to its seeded state per test."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.testing import SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Iterator


def fresh(emu: SignalWireEmulator) -> SignalWireEmulator:
    """Put ``emu`` back as a new emulator starts: seeded state and default settings."""
    emu.reset()
    emu.repeat_stop_status = 200
    emu.latency = 0.0
    emu.clock_offset = 0
    return emu


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[SignalWireEmulator]:
    """One started emulator for a whole module (starting one per test costs a poll interval)."""
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
        yield emu


@pytest.fixture
def emulator(shared_emulator: SignalWireEmulator) -> Iterator[SignalWireEmulator]:
    """The module's emulator, as freshly started."""
    yield fresh(shared_emulator)
    fresh(shared_emulator)
