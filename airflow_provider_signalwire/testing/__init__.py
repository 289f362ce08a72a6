"""
A local SignalWire Compatibility API emulator for tests, demos and benchmarks.

Standard library only, so importing it (or its pytest plugin) costs almost nothing.
"""

from __future__ import annotations

from airflow_provider_signalwire.testing.emulator import SignalWireEmulator, is_loopback_host
from airflow_provider_signalwire.testing.faults import Fault
from airflow_provider_signalwire.testing.recorded import RecordedRequest
from airflow_provider_signalwire.testing.store.seed import DEFAULT_SEED_SIDS, seeded_sids

__all__ = [
    "DEFAULT_SEED_SIDS",
    "Fault",
    "RecordedRequest",
    "SignalWireEmulator",
    "is_loopback_host",
    "seeded_sids",
]
