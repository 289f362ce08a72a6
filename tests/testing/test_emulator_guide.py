"""
The examples of the emulator guide (docs/emulator.md includes them from here, between the
``[START ...]`` and ``[END ...]`` markers), so every example of the guide runs in CI.
"""

from __future__ import annotations

# [START emulator_fixture_example]
import json

import pytest  # noqa: TC002 - the guide shows the imports a test module needs, as they are

from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator


def test_a_stop_survives_two_503s(
    signalwire_emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = signalwire_emulator  # started on a free loopback port; stopped after the test
    monkeypatch.setenv(
        "AIRFLOW_CONN_SIGNALWIRE_DEFAULT",
        json.dumps(
            {
                "conn_type": "signalwire",
                "host": emu.url,  # http://127.0.0.1:<port>
                "login": emu.project_id,
                "password": emu.token,
            }
        ),
    )
    emu.add_fault(Fault(status=503), times=2)  # the next two requests get 503

    hook = SignalWireHook(initial_backoff=0.01)
    stream = hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)

    assert stream["status"] == "stopped"
    assert [r.fault for r in emu.requests] == ["respond:503", "respond:503", None]
    assert emu.stop_counts[emu.demo_stream_sid] == 1  # stopped once, asked three times
    # [END emulator_fixture_example]


def test_a_conference_of_your_own() -> None:
    # [START emulator_context_manager_example]
    with SignalWireEmulator(project_id="my-project", token="my-token") as emu:
        conference = emu.add_conference(friendly_name="standup", status="init")
        stream = emu.add_stream(conference["sid"], name="recorder")
        recording = emu.add_recording(conference["sid"], status="completed", size=1_000_000)
        emu.schedule_conference_status(conference["sid"], "in-progress", after=0.5)

        [state] = [c for c in emu.state()["conferences"] if c["sid"] == conference["sid"]]
        assert state["status"] == "init"  # in-progress 0.5 s from now
        assert [s["sid"] for s in state["streams"]] == [stream["sid"]]
        assert [r["sid"] for r in state["recordings"]] == [recording["sid"]]
    # [END emulator_context_manager_example]
