"""Case 4: two 429s with Retry-After: 1, then success; total time versus the 2 s asked for."""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

from common import EmuHost, connection_json, log, median

ASKED = 2.0


def run(repeats: int) -> dict[str, Any]:
    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

    emu = EmuHost()
    os.environ["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = connection_json(emu.url)
    totals: list[float] = []
    gaps: list[list[float]] = []
    try:
        hook = SignalWireHook()
        hook.settings  # noqa: B018 - look the connection up outside the timed call
        hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)  # warm
        for number in range(repeats):
            emu.take_requests()
            emu.fault(status=429, retry_after="1", times=2)
            start = time.perf_counter()
            answer = hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
            totals.append(time.perf_counter() - start)
            assert answer["status"] == "stopped"
            seen = emu.take_requests()
            faults = [r["fault"] for r in seen]
            assert faults == ["respond:429", "respond:429", None], faults
            times = [r["time"] for r in seen]
            gaps.append([b - a for a, b in itertools.pairwise(times)])
            log(f"  retry run {number + 1}/{repeats}: {totals[-1]:.3f}s (server gaps "
                + ", ".join(f"{g:.3f}" for g in gaps[-1]) + ")")  # fmt: skip
    finally:
        emu.close()
        os.environ.pop("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", None)
    return {
        "asked_seconds": ASKED,
        "totals_s": totals,
        "median_total_s": median(totals),
        "max_total_s": max(totals),
        "min_total_s": min(totals),
        "median_ratio_vs_asked": median(totals) / ASKED,
        "max_ratio_vs_asked": max(totals) / ASKED,
        "server_seen_gaps_s": gaps,
        "never_less_than_asked": all(min(g) >= 1.0 for g in gaps),
    }
