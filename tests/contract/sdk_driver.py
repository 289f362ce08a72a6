"""
Drive the emulator with SignalWire's official Python SDK (signalwire-sdk 3.0.2), out of process.

Run by ``test_sdk_round_trip.py``: ``python sdk_driver.py BASE_URL PROJECT CONFERENCE CALL
OTHER_CALL RECORDING``, with the token in ``SIGNALWIRE_API_TOKEN``. It prints one JSON line per
call: the call's name and the SDK's answer (or the SDK error's status and body). The SDK runs in
its own process because importing it configures structlog process-wide.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main() -> None:
    from signalwire.rest import RestClient
    from signalwire.rest._base import SignalWireRestError

    base_url, project, conference, call, other_call, recording = sys.argv[1:7]
    client = RestClient(project=project, token=os.environ["SIGNALWIRE_API_TOKEN"], host="sdk")
    # The SDK hard-codes https://{host}; the emulator listens on plain http on loopback.
    client._http._base_url = base_url
    conferences = client.compat.conferences
    unknown = "00000000-0000-4000-8000-00000000dead"
    steps: list[tuple[str, Any]] = [
        ("list", lambda: conferences.list(Status="in-progress", PageSize=2)),
        ("get", lambda: conferences.get(conference)),
        ("list_participants", lambda: conferences.list_participants(conference)),
        ("get_participant", lambda: conferences.get_participant(conference, call)),
        ("update_participant", lambda: conferences.update_participant(
            conference, call, Muted=True, Hold=True, HoldMethod="GET")),
        ("start_stream", lambda: conferences.start_stream(
            conference, Url="wss://media.example.test/sdk", Name="sdk-stream",
            Track="inbound_track", StreamRealTime=True,
            **{"Parameter1.Name": "source", "Parameter1.Value": "sdk"})),
        ("stop_stream", lambda: conferences.stop_stream(
            conference, "sdk-stream", Status="stopped")),
        ("stop_demo_stream", lambda: conferences.stop_stream(
            conference, "demo-stream", Status="stopped")),
        ("list_recordings", lambda: conferences.list_recordings(conference)),
        ("get_recording", lambda: conferences.get_recording(conference, recording)),
        ("update_recording", lambda: conferences.update_recording(
            conference, recording, Status="paused", PauseBehavior="skip")),
        ("update", lambda: conferences.update(
            conference, AnnounceUrl="https://example.test/announce.xml", AnnounceMethod="GET")),
        ("remove_participant", lambda: conferences.remove_participant(conference, other_call)),
        ("get_unknown", lambda: conferences.get(unknown)),
        ("update_participant_invalid", lambda: conferences.update_participant(
            conference, call, Muted="maybe")),
    ]  # fmt: skip
    for name, step in steps:
        try:
            outcome = {"name": name, "answer": step()}
        except SignalWireRestError as err:
            outcome = {"name": name, "status": err.status_code, "body": err.body}
        print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
