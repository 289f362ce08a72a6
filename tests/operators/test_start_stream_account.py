"""
The stream a StartConferenceStreamOperator starts is started in the account it is given.

The emulator serves only the connection's project, so another account's request is answered
401: which account the start went to is read from the request the emulator saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire.exceptions import SignalWireAuthError
from airflow_provider_signalwire.operators.conference import StartConferenceStreamOperator
from operators.test_operator_arguments_table import WSS, RecordingTaskInstance

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

ACCOUNT = "AC-other-1"


def test_the_first_try_starts_the_stream_in_the_given_account(emu: SignalWireEmulator) -> None:
    conference = emu.demo_conference_sid
    ti = RecordingTaskInstance(try_number=1)  # nothing to stop first: the start is the request
    operator = StartConferenceStreamOperator(
        task_id="t", conference_sid=conference, url=WSS, name="n", account_sid=ACCOUNT
    )

    with pytest.raises(SignalWireAuthError):
        operator.execute({"ti": ti})

    assert [(r.method, r.path) for r in emu.requests] == [
        ("POST", f"/api/laml/2010-04-01/Accounts/{ACCOUNT}/Conferences/{conference}/Streams")
    ]
    assert ti.pushes == []
