"""
A round trip with SignalWire's official Python SDK, ``signalwire-sdk`` 3.0.2.

It sends every write as JSON; each must take effect on the emulator (the SDK's answers are
checked against the schemas, and the emulator's state after the run against what was asked).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contract_operations import OPERATIONS
from contract_schemas import ERROR_OBJECT, errors_of
from signalwire_test_support import TOKEN

from airflow_provider_signalwire.testing import seeded_sids

if TYPE_CHECKING:
    from contract_support import Api

DRIVER = Path(__file__).with_name("sdk_driver.py")

#: Each SDK call and the operation whose success schema its answer must match.
ANSWER_SCHEMAS = {
    "list": "list_all_conferences",
    "get": "retrieve_conference",
    "list_participants": "list_all_participants",
    "get_participant": "retrieve_participant",
    "update_participant": "update_participant",
    "start_stream": "create_conference_stream",
    "stop_stream": "update_conference_stream",
    "stop_demo_stream": "update_conference_stream",
    "list_recordings": "list_conference_recordings",
    "get_recording": "get_conference_recording",
    "update_recording": "update_conference_recording",
    "update": "update_conference",
}


def run_sdk(api: Api) -> dict[str, dict[str, Any]]:
    seeded = seeded_sids(api.emu.seed)
    env = {**os.environ, "SIGNALWIRE_API_TOKEN": TOKEN}
    done = subprocess.run(
        [
            sys.executable, str(DRIVER), api.emu.url, api.emu.project_id,
            seeded["demo_conference_sid"], *seeded["participants"], seeded["recordings"][0],
        ],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    )  # fmt: skip
    outcomes = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {outcome["name"]: outcome for outcome in outcomes}


def test_official_sdk_round_trip(api: Api) -> None:
    outcomes = run_sdk(api)
    assert set(outcomes) == {*ANSWER_SCHEMAS, "remove_participant", "get_unknown",
                             "update_participant_invalid"}  # fmt: skip
    for name, operation in ANSWER_SCHEMAS.items():
        assert "answer" in outcomes[name], outcomes[name]
        body = OPERATIONS[operation].body
        assert body is not None
        assert errors_of(body, outcomes[name]["answer"]) == [], name

    seeded = seeded_sids(api.emu.seed)
    conference, call, other_call = seeded["demo_conference_sid"], *seeded["participants"]
    # Reads saw the seeded space.
    assert [c["sid"] for c in outcomes["list"]["answer"]["conferences"]] == [conference]
    assert outcomes["get_participant"]["answer"]["call_sid"] == call

    # Every write took effect.
    state = api.emu.state()["conferences"][0]
    [participant] = state["participants"]  # the other one was removed
    assert (participant["call_sid"], participant["muted"], participant["hold"]) == (
        call, True, True,
    )  # fmt: skip
    assert other_call not in {p["call_sid"] for p in state["participants"]}
    sdk_stream = api.emu.get_stream(conference, "sdk-stream")
    assert sdk_stream is not None
    assert sdk_stream["status"] == "stopped"
    assert sdk_stream["_options"]["Track"] == "inbound_track"
    assert sdk_stream["_options"]["StreamRealTime"] == "true"
    assert sdk_stream["_parameters"] == {"source": "sdk"}
    stops = api.emu.stop_counts
    assert stops[sdk_stream["sid"]] == 1
    assert stops[api.emu.demo_stream_sid] == 1
    assert state["recordings"][0]["status"] == "paused"
    announce = [r for r in api.emu.requests if r.method == "POST" and r.path.endswith(conference)]
    assert announce[-1].form == {
        "AnnounceUrl": ["https://example.test/announce.xml"],
        "AnnounceMethod": ["GET"],
    }

    # It really sent JSON, and errors reach it in SignalWire's shape.
    writes = [r for r in api.emu.requests if r.method == "POST"]
    assert {r.headers.get("Content-Type") for r in writes} == {"application/json"}
    for name, status in (("get_unknown", 404), ("update_participant_invalid", 422)):
        assert outcomes[name]["status"] == status
        assert errors_of(ERROR_OBJECT, outcomes[name]["body"]) == []
