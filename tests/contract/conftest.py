"""
Contract tests: the emulator's every answer against schemas written from SignalWire's spec.

One emulator serves each test module (project ID a UUID, as SignalWire's are); every test
starts from its freshly seeded state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests
from contract_support import Api
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.testing import SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def contract_emulator() -> Iterator[SignalWireEmulator]:
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def api(contract_emulator: SignalWireEmulator) -> Iterator[Api]:
    contract_emulator.reset()
    contract_emulator.repeat_stop_status = 200
    with requests.Session() as session:
        yield Api(contract_emulator, session)
