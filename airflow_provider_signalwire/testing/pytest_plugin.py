"""
Pytest plugin providing the ``signalwire_emulator`` fixture.

Enable it with ``pytest_plugins = ["airflow_provider_signalwire.testing.pytest_plugin"]`` (it is
also registered as a ``pytest11`` entry point, so an installed provider enables it everywhere,
which is why it imports nothing but pytest and the standard-library emulator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire.testing import SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Iterator

TEST_PROJECT_ID = "test-project"
# A fixed, well-known credential: the emulator only ever listens on loopback.
TEST_TOKEN = "test-token-0123456789"  # noqa: S105


@pytest.fixture
def signalwire_emulator() -> Iterator[SignalWireEmulator]:
    """Yield a started emulator (project ``test-project``, seed 0) and stop it afterwards."""
    with SignalWireEmulator(project_id=TEST_PROJECT_ID, token=TEST_TOKEN) as emulator:
        yield emulator
