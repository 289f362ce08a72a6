"""
Host the package's SignalWire emulator in its own process, driven by JSON lines on stdin.

Keeping the emulator out of the benchmark's process keeps its handler threads off the client's
GIL. Commands: ``start`` (latency, port), ``fresh`` (a new emulator on the same port),
``latency``, ``add_streams``, ``fault``, ``reset_max_in_flight``, ``max_in_flight``,
``request_times``, ``stop_counts``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from airflow_provider_signalwire.testing import Fault, SignalWireEmulator


def main() -> None:
    project, token = sys.argv[1], sys.argv[2]
    emu: SignalWireEmulator | None = None
    port = 0

    def start(latency: float) -> dict[str, Any]:
        nonlocal emu, port
        emu = SignalWireEmulator(project, token, port=port, latency=latency).start()
        port = emu.port
        return {
            "url": emu.url,
            "demo_conference_sid": emu.demo_conference_sid,
            "demo_stream_sid": emu.demo_stream_sid,
        }

    for line in sys.stdin:
        command = json.loads(line)
        cmd = command.pop("cmd")
        answer: Any
        if cmd == "start":
            answer = start(float(command.get("latency", 0.0)))
        elif cmd == "fresh":
            assert emu is not None
            latency = emu.latency
            emu.stop()
            answer = start(latency)
        else:
            assert emu is not None
            if cmd == "latency":
                emu.latency = float(command["value"])
                answer = {}
            elif cmd == "add_streams":
                sids = [
                    emu.add_stream(command["conference_sid"], name=name)["sid"]
                    for name in command.get("names") or [None] * int(command["n"])
                ]
                answer = {"sids": sids}
            elif cmd == "fault":
                emu.add_fault(
                    Fault(status=int(command["status"]), retry_after=command.get("retry_after")),
                    times=int(command.get("times", 1)),
                )
                answer = {}
            elif cmd == "reset_max_in_flight":
                emu.reset_max_in_flight()
                answer = {}
            elif cmd == "max_in_flight":
                answer = {"max_in_flight": emu.max_in_flight}
            elif cmd == "request_times":
                answer = {
                    "times": [r.time for r in emu.requests],
                    "faults": [r.fault for r in emu.requests],
                }
                emu.clear_requests()
            elif cmd == "clear_requests":
                emu.clear_requests()
                answer = {}
            elif cmd == "stop_counts":
                answer = {"stopped": sum(1 for c in emu.stop_counts.values() if c)}
            else:
                answer = {"error": f"unknown command {cmd}"}
        print(json.dumps(answer), flush=True)
    if emu is not None:
        emu.stop()


if __name__ == "__main__":
    main()
