"""
Busy-account conference events (issue 22): watchers on an account with 20,000 conferences today.

Usage, from the repository root, with the test environment's Python::

    .venv/bin/python benchmarks/bench_events.py                 # both variants, ~3 min
    .venv/bin/python benchmarks/bench_events.py --variants signalwire --duration 40

The package's emulator runs in its own process (``common.EmuHost``) and is driven only through
its ``/_emulator`` endpoints: ``--today`` conferences updated today (completed), ``--live`` of
them in progress in ``--rooms`` rooms. ``signalwire``: one ``ConferenceEventTrigger`` per room
plus ``--waiting`` ``ConferenceStatusTrigger``\\ s waiting for the live conferences to end, all
on one connection in one event loop (``bench_events_worker.py``, a fresh process); one live
conference per room is ended after ``--warmup`` seconds. ``http``: as many
``HttpSensorTrigger``\\ s (the baseline) poking URLs that answer 404. Requests are counted by
the emulator per poll interval. Prints a table; writes ``benchmarks/results/events-<label>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_triggerer import per_interval  # noqa: E402
from common import (  # noqa: E402
    PROJECT_ID,
    REPO,
    RESULTS,
    EmuHost,
    airflow_env,
    connection_json,
    http_connection_json,
    log,
)

#: The issue's targets for 10 event triggers and 100 waiting ones on one connection.
TARGETS = {"lag_max_ms": 100.0, "requests_per_interval_max": 25}


def setup(emu: EmuHost, args: argparse.Namespace) -> dict[str, Any]:
    rooms = [f"room-{i}" for i in range(args.rooms)]
    archive = args.today - args.live
    log(f"creating {archive} completed and {args.live} live conferences ({emu.url})")
    emu.admin("POST", "conferences", FriendlyName="archive", Status="completed", Count=archive)
    live: list[str] = []
    for i in range(args.live):
        room = rooms[i % len(rooms)]
        live.append(
            emu.admin("POST", "conferences", FriendlyName=room, Status="in-progress")["sid"]
        )
    return {"rooms": rooms, "live": live, "ends": live[: len(rooms)]}


def run_variant(emu: EmuHost, variant: str, world: dict[str, Any], args: argparse.Namespace) -> Any:
    emu.admin("DELETE", "requests")
    cfg = {
        "variant": variant,
        **world,
        "ends": world["ends"] if variant == "signalwire" else [],
        "waiting": args.waiting,
        "interval": args.interval,
        "warmup": args.warmup,
        "duration": args.duration,
        "grace": args.grace,
        "gc_freeze": args.gc_freeze,
        "emulator_url": emu.url,
        "api_path": f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}",
    }
    env = airflow_env(
        {
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT": connection_json(emu.url),
            "AIRFLOW_CONN_HTTP_BENCH": http_connection_json(emu.url),
            "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)]),
        }
    )
    log(f"[{variant}] {args.rooms + args.waiting} triggers for {args.duration:g}s ...")
    out = subprocess.run(
        [sys.executable, str(HERE / "bench_events_worker.py"), json.dumps(cfg)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{variant} worker failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    times = [r["time"] for r in emu.admin("GET", "requests")]
    counts = per_interval(times, result["t_start"], result["t_end"], args.interval)
    result["requests_per_interval"] = counts
    result["requests_per_interval_max"] = max(counts, default=0)
    return result


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    rows = [
        ("event-loop lag, max (ms)", "lag_max_ms", "<= 100"),
        ("event-loop lag, p99 (ms)", "lag_p99_ms", ""),
        ("requests per interval, max", "requests_per_interval_max", "<= 25"),
        ("RSS growth, max (MB)", "rss_growth_mb", ""),
    ]
    names = [r["variant"] for r in results]
    lines = [f"{'measure':44} | " + " | ".join(f"{n:>12}" for n in names) + " | target"]
    lines.append("-" * len(lines[0]))
    for label, key, target in rows:
        lines.append(
            f"{label:44} | " + " | ".join(f"{r[key]:>12}" for r in results) + f" | {target}"
        )
    limit = f"interval + {args.grace:g} s"
    for label, got, due in (
        (f"ends fired by event triggers within {limit}", "events_in_time", "ends"),
        (f"waiting triggers fired within {limit}", "waiters_in_time", "waiters_due"),
    ):
        cells = [f"{r[got]:>5}/{r[due]:<6}" if r[due] else f"{'n/a':>12}" for r in results]
        lines.append(f"{label:44} | " + " | ".join(cells) + " | all")
    lines.append(
        f"{'requests per interval':44} | "
        + " | ".join(",".join(map(str, r["requests_per_interval"])) for r in results)
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--today", type=int, default=20_000, help="conferences updated today")
    parser.add_argument("--live", type=int, default=50, help="of them in progress")
    parser.add_argument("--rooms", type=int, default=10, help="rooms (one event trigger each)")
    parser.add_argument("--waiting", type=int, default=100, help="waiting status triggers")
    parser.add_argument("--interval", type=float, default=15.0, help="poll interval (s)")
    parser.add_argument("--duration", type=float, default=75.0, help="seconds per variant")
    parser.add_argument("--warmup", type=float, default=35.0, help="seconds before the ends")
    parser.add_argument("--grace", type=float, default=4.0, help="firing allowance (s)")
    parser.add_argument("--variants", default="signalwire,http")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() the workers' start-up heap"
    )
    parser.add_argument("--label", default="latest", help="results/events-<label>.json")
    args = parser.parse_args()
    started = time.monotonic()
    emu = EmuHost()
    try:
        world = setup(emu, args)
        results = [run_variant(emu, v, world, args) for v in args.variants.split(",")]
    finally:
        emu.close()
    text = table(results, args)
    print(text)
    sw = next((r for r in results if r["variant"] == "signalwire"), None)
    verdict = None
    if sw is not None:
        verdict = {key: sw[key] <= limit for key, limit in TARGETS.items()}
        verdict["ends_in_time"] = sw["events_in_time"] == sw["ends"]
        verdict["waiters_in_time"] = sw["waiters_in_time"] == sw["waiters_due"]
        verdict["nothing_else_fired"] = sw["unexpected_ends"] == 0 and sw["error_count"] == 0
    report = {
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["benchmarks/bench_events.py", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.monotonic() - started, 1),
        "targets": TARGETS,
        "verdict": verdict,
        "table": text,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"events-{args.label}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
