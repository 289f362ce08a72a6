"""
One measured run of ``bench_events.py``: a busy account's watchers in one event loop.

Started in a fresh process per variant, with the connection in an ``AIRFLOW_CONN_*`` variable
and a JSON config as its only argument; prints one JSON line. ``signalwire``: one
``ConferenceEventTrigger`` per room and ``ConferenceStatusTrigger``\\ s waiting for the live
conferences to complete, all on one connection; ``http``: as many ``HttpSensorTrigger``\\ s
poking URLs that answer 404. It measures the event loop's lag with a 50 ms ticker and, for
``signalwire``, ends ``ends`` live conferences (one per room) after ``warmup`` seconds through
the emulator's ``/_emulator`` endpoint and records when each event trigger and each waiting
trigger fired for them.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from typing import Any

import psutil
from bench_triggerer_worker import TICK, complete, preload, rss_mb, warm_up


def build(cfg: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Return the event triggers and the waiting triggers of the variant."""
    interval = cfg["interval"]
    if cfg["variant"] == "signalwire":
        from airflow_provider_signalwire.triggers.conference import (
            ConferenceEventTrigger,
            ConferenceStatusTrigger,
        )

        watchers = [
            ConferenceEventTrigger(
                events=["conference-start", "conference-end"],
                friendly_name=room,
                poll_interval=interval,
            )
            for room in cfg["rooms"]
        ]
        live = cfg["live"]
        waiting = [
            ConferenceStatusTrigger(
                conference_sid=live[i % len(live)], target_statuses=["completed"],
                poll_interval=interval,
            )
            for i in range(cfg["waiting"])
        ]  # fmt: skip
        return watchers, waiting
    from airflow.providers.http.triggers.http import HttpSensorTrigger

    base = cfg["api_path"].lstrip("/")
    sensors = [
        HttpSensorTrigger(
            endpoint=f"{base}/Conferences/absent-{i}.json",
            http_conn_id="http_bench",
            poke_interval=interval,
        )
        for i in range(len(cfg["rooms"]) + cfg["waiting"])
    ]
    return [], sensors


async def measure(cfg: dict[str, Any]) -> dict[str, Any]:
    proc = psutil.Process()
    preload(cfg["variant"])
    await warm_up(cfg["variant"])
    if cfg.get("gc_freeze"):
        gc.freeze()  # as a process that froze its start-up heap: full collections skip it
    rss_base = rss_mb(proc)
    lags: list[float] = []
    lag_at: list[tuple[float, float]] = []
    stop = asyncio.Event()
    event_fired: dict[str, float] = {}
    waiter_fired: dict[int, float] = {}
    errors: list[str] = []

    async def ticker() -> None:
        while not stop.is_set():
            start = time.monotonic()
            await asyncio.sleep(TICK)
            lags.append(time.monotonic() - start - TICK)
            lag_at.append((round(start - t0, 2), round(lags[-1] * 1000, 1)))

    async def watch(trigger: Any) -> None:
        async for event in trigger.run():
            payload = event.payload
            if payload.get("event") == "conference-end":
                event_fired.setdefault(payload["conference"]["sid"], time.monotonic())
            elif payload.get("status") == "error":
                errors.append(str(payload.get("message"))[:200])

    async def wait(i: int, trigger: Any) -> None:
        async for event in trigger.run():
            waiter_fired[i] = time.monotonic()
            if event.payload.get("status") == "error":
                errors.append(str(event.payload.get("message"))[:200])
            return

    watchers, waiting = build(cfg)
    t0 = time.monotonic()
    gc_pauses: list[tuple[float, int, float]] = []
    gc_started: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[:] = [time.perf_counter()]
        elif gc_started and info["generation"] == 2:
            took = (time.perf_counter() - gc_started[0]) * 1000
            gc_pauses.append((round(time.monotonic() - t0, 2), 2, round(took, 1)))

    gc.callbacks.append(on_gc)
    rss_max = 0.0
    helpers = [asyncio.create_task(ticker())]
    tasks = []
    for trigger in watchers:
        tasks.append(asyncio.create_task(watch(trigger)))
        await asyncio.sleep(0)
    for i, trigger in enumerate(waiting):
        tasks.append(asyncio.create_task(wait(i, trigger)))
        await asyncio.sleep(0)
    await asyncio.sleep(cfg["warmup"])
    ended: dict[str, float] = {}
    for sid in cfg["ends"]:
        ended[sid] = await asyncio.to_thread(complete, cfg["emulator_url"], sid)
    while time.monotonic() - t0 < cfg["duration"]:
        rss_max = max(rss_max, rss_mb(proc) - rss_base)
        await asyncio.sleep(1.0)
    t_end = time.monotonic()
    stop.set()
    for task in tasks + helpers:
        task.cancel()
    await asyncio.gather(*tasks, *helpers, return_exceptions=True)
    limit = cfg["interval"] + cfg["grace"]
    event_latency = {sid: event_fired[sid] - ended[sid] for sid in ended if sid in event_fired}
    live = cfg["live"]
    waiter_latency = [
        waiter_fired[i] - ended[live[i % len(live)]]
        for i in range(len(waiting))
        if live[i % len(live)] in ended and i in waiter_fired
    ]
    waiters_due = sum(1 for i in range(len(waiting)) if live[i % len(live)] in ended)
    early = [sid for sid in event_fired if sid not in ended]
    return {
        "variant": cfg["variant"],
        "triggers": len(watchers) + len(waiting),
        "interval": cfg["interval"],
        "t_start": t0,
        "t_end": t_end,
        "rss_growth_mb": round(rss_max, 1),
        "lag_max_ms": round(max(lags, default=0.0) * 1000, 1),
        "lag_worst_ms_at_s": sorted(lag_at, key=lambda x: -x[1])[:5],
        "full_gc_pauses_ms_at_s": sorted(gc_pauses, key=lambda x: -x[2])[:5],
        "full_gc_count": len(gc_pauses),
        "lag_p99_ms": round(sorted(lags)[int(len(lags) * 0.99)] * 1000, 1) if lags else 0.0,
        "ends": len(ended) if watchers else 0,
        "events_in_time": sum(1 for v in event_latency.values() if v <= limit),
        "event_latencies_s": sorted(round(v, 2) for v in event_latency.values()),
        "waiters_due": waiters_due if watchers else 0,
        "waiters_in_time": sum(1 for v in waiter_latency if v <= limit),
        "unexpected_ends": len(early),
        "errors": errors[:5],
        "error_count": len(errors),
    }


def main() -> None:
    cfg = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(measure(cfg))), flush=True)


if __name__ == "__main__":
    main()
