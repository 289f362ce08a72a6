"""Case 3: stop 1,000 streams with a 10 ms server latency; bulk hook versus sequential requests."""

from __future__ import annotations

import os
import time
from typing import Any

from common import PROJECT_ID, TOKEN, EmuHost, connection_json, log, median

LATENCY = 0.010


def run(streams: int, repeats: int, concurrencies: tuple[int, ...]) -> dict[str, Any]:
    import requests

    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

    emu = EmuHost(latency=LATENCY)
    os.environ["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = connection_json(emu.url)
    conference = emu.demo_conference_sid
    base = f"{emu.url}/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Conferences/{conference}/Streams"

    def fresh_streams() -> list[str]:
        return emu.add_streams(conference, n=streams)

    results: dict[str, Any] = {"seconds": {}, "max_in_flight": {}, "errors": {}}
    try:
        # Sequential raw requests: the floor of doing it one by one (one run, ~10 s).
        session = requests.Session()
        session.auth = (PROJECT_ID, TOKEN)
        sids = fresh_streams()
        emu.reset_max_in_flight()
        start = time.perf_counter()
        for sid in sids:
            answer = session.post(f"{base}/{sid}", data={"Status": "stopped"})
            answer.raise_for_status()
            assert answer.json()["status"] == "stopped"
        results["seconds"]["sequential_requests"] = [time.perf_counter() - start]
        results["max_in_flight"]["sequential_requests"] = emu.max_in_flight()
        session.close()
        log(f"  bulk: sequential requests {results['seconds']['sequential_requests'][0]:.2f}s")
        for repeat in range(repeats):
            for n in concurrencies:
                key = f"hook_bulk_c{n}"
                sids = fresh_streams()
                entries = [{"conference_sid": conference, "stream_sid": sid} for sid in sids]
                hook = SignalWireHook()
                hook.settings  # noqa: B018 - the connection lookup is not part of the bulk call
                emu.reset_max_in_flight()
                start = time.perf_counter()
                outcomes = hook.stop_conference_streams(entries, max_concurrency=n)
                elapsed = time.perf_counter() - start
                hook.close()
                peak = emu.max_in_flight()
                bad = [o for o in outcomes if o.get("status") != "stopped"]
                results["seconds"].setdefault(key, []).append(elapsed)
                results["max_in_flight"][key] = max(results["max_in_flight"].get(key, 0), peak)
                results["errors"][key] = results["errors"].get(key, 0) + len(bad)
                log(f"  bulk: {key} run {repeat + 1}: {elapsed:.2f}s, max_in_flight={peak}")
    finally:
        emu.close()
        os.environ.pop("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", None)
    seq = results["seconds"]["sequential_requests"][0]
    results["median_seconds"] = {k: median(v) for k, v in results["seconds"].items()}
    results["speedup_vs_sequential_requests"] = {
        k: seq / m for k, m in results["median_seconds"].items()
    }
    results["streams"] = streams
    results["latency_s"] = LATENCY
    results["concurrency_respected"] = all(
        results["max_in_flight"][f"hook_bulk_c{n}"] <= n for n in concurrencies
    )
    return results
