"""
One measured run of ``bench_triggerer.py``: N triggers in one event loop, as a triggerer runs them.

Started in a fresh process per variant (so RSS is its own), with the connection in an
``AIRFLOW_CONN_*`` variable and a JSON config as its only argument; prints one JSON line.

While the triggers wait it samples, every second, the process's RSS and its TCP connections to
the emulator, and measures the event loop's lag with a 50 ms ticker. After ``warmup`` seconds it
moves ``completions`` of the awaited conferences to ``completed`` through the emulator's
``/_emulator`` control endpoint and records when each trigger fired.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

import psutil

TICK = 0.05


def rss_mb(proc: psutil.Process) -> float:
    return float(proc.memory_info().rss) / 2**20


def tcp_to(proc: psutil.Process, port: int) -> int:
    """Open TCP connections from this process to ``port`` (any state but LISTEN/CLOSE)."""
    return sum(
        1
        for c in proc.net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status not in ("LISTEN", "CLOSE")
    )


def complete(emulator_url: str, sid: str) -> float:
    """Move a conference to ``completed`` through the emulator's control endpoint; return when."""
    data = urllib.parse.urlencode({"Status": "completed"}).encode()
    req = urllib.request.Request(
        f"{emulator_url}/_emulator/conferences/{sid}", data=data, method="POST"
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
    return time.monotonic()


def build_triggers(cfg: dict[str, Any]) -> list[Any]:
    sids: list[str] = cfg["sids"]
    if cfg["variant"] == "signalwire":
        from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

        return [
            ConferenceStatusTrigger(
                conference_sid=sid, target_statuses=["completed"], poll_interval=cfg["interval"]
            )
            for sid in sids
        ]
    from airflow.providers.http.triggers.http import HttpSensorTrigger

    # A conference that does not exist: 404 on every poke, so the sensor keeps waiting.
    base = cfg["api_path"].lstrip("/")
    return [
        HttpSensorTrigger(
            endpoint=f"{base}/Conferences/{sid}-absent.json",
            http_conn_id="http_bench",
            poke_interval=cfg["interval"],
        )
        for sid in sids
    ]


def preload(variant: str) -> None:
    """Import what the variant's triggers import when they run, so the baseline includes it."""
    if variant == "signalwire":
        modules = [
            "airflow_provider_signalwire.triggers.conference",
            "airflow_provider_signalwire.hooks.async_signalwire",
            "airflow_provider_signalwire.hooks._wire",
        ]
    else:
        modules = [
            "aiohttp",
            "airflow.providers.http.hooks.http",
            "airflow.providers.http.triggers.http",
        ]
    for name in modules:
        with contextlib.suppress(ImportError):  # the package's layout may differ by version
            importlib.import_module(name)


async def warm_up(variant: str) -> None:
    """
    Fetch the variant's connection once, as a long-running triggerer has fetched others before.

    The first connection look-up of a process imports and sets up Airflow's secrets machinery
    (tens of milliseconds on the loop); a triggerer pays that once at start, not per trigger.
    """
    from airflow.sdk import BaseHook

    await BaseHook.aget_connection(
        "signalwire_default" if variant == "signalwire" else "http_bench"
    )


async def measure(cfg: dict[str, Any]) -> dict[str, Any]:
    proc = psutil.Process()
    port = int(cfg["emulator_url"].rsplit(":", 1)[1])
    preload(cfg["variant"])
    await warm_up(cfg["variant"])
    gc.collect()
    rss_base = rss_mb(proc)
    lags: list[float] = []
    lag_at: list[tuple[float, float]] = []
    samples: list[dict[str, float]] = []
    fired: dict[int, float] = {}
    errors: list[str] = []
    stop = asyncio.Event()

    t_loop = time.monotonic()

    async def ticker() -> None:
        while not stop.is_set():
            start = time.monotonic()
            await asyncio.sleep(TICK)
            lags.append(time.monotonic() - start - TICK)
            lag_at.append((round(start - t_loop, 2), round(lags[-1] * 1000, 1)))

    async def sampler(t0: float) -> None:
        while not stop.is_set():
            samples.append(
                {
                    "t": round(time.monotonic() - t0, 2),
                    "rss_mb": round(rss_mb(proc) - rss_base, 1),
                    "tcp": tcp_to(proc, port),
                }
            )
            await asyncio.sleep(1.0)

    async def consume(i: int, trigger: Any) -> None:
        try:
            async for event in trigger.run():
                fired[i] = time.monotonic()
                payload = event.payload
                if isinstance(payload, dict) and payload.get("status") == "error":
                    errors.append(str(payload.get("message"))[:200])
                return
        except Exception as exc:  # a benchmark reports, it does not stop
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    triggers = build_triggers(cfg)
    t0 = time.monotonic()
    helpers = [asyncio.create_task(ticker()), asyncio.create_task(sampler(t0))]
    tasks = []
    for i, trigger in enumerate(triggers):
        # As the triggerer's create_triggers does: one trigger per loop iteration (unless
        # --burst: all of them in one iteration, a harsher start than any triggerer's).
        tasks.append(asyncio.create_task(consume(i, trigger)))
        if not cfg.get("burst"):
            await asyncio.sleep(0)
    await asyncio.sleep(cfg["warmup"])
    changed: dict[int, float] = {}
    for i in range(cfg["completions"]):
        changed[i] = await asyncio.to_thread(complete, cfg["emulator_url"], cfg["sids"][i])
    remaining = cfg["duration"] - (time.monotonic() - t0)
    await asyncio.sleep(max(remaining, 0.0))
    t_end = time.monotonic()
    stop.set()
    for task in tasks + helpers:
        task.cancel()
    await asyncio.gather(*tasks, *helpers, return_exceptions=True)
    latencies = {i: fired[i] - changed[i] for i in changed if i in fired}
    early = [i for i in fired if i not in changed or fired[i] < changed[i]]
    return {
        "variant": cfg["variant"],
        "n": len(triggers),
        "interval": cfg["interval"],
        "t_start": t0,
        "t_end": t_end,
        "rss_base_mb": round(rss_base, 1),
        "rss_growth_mb": max((s["rss_mb"] for s in samples), default=0.0),
        "rss_growth_end_mb": samples[-1]["rss_mb"] if samples else 0.0,
        "tcp_max": max((int(s["tcp"]) for s in samples), default=0),
        "tcp_end": int(samples[-1]["tcp"]) if samples else 0,
        "lag_max_ms": round(max(lags, default=0.0) * 1000, 1),
        "lag_worst_ms_at_s": sorted(lag_at, key=lambda x: -x[1])[:5],
        "lag_p99_ms": round(sorted(lags)[int(len(lags) * 0.99)] * 1000, 1) if lags else 0.0,
        "completed": len(changed),
        "fired_of_completed": len(latencies),
        "fired_in_time": sum(1 for v in latencies.values() if v <= cfg["interval"] + cfg["grace"]),
        "latencies_s": sorted(round(v, 2) for v in latencies.values()),
        "fired_early": len(early),
        "still_waiting": len(triggers) - len(fired),
        "errors": errors[:5],
        "error_count": len(errors),
        "samples": samples,
    }


def main() -> None:
    cfg = json.loads(sys.argv[1])
    result = asyncio.run(measure(cfg))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
