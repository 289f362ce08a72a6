"""
Triggerer scale (issue 14): N waiting triggers in one event loop against the emulator.

Usage, from the repository root, with the test environment's Python::

    .venv/bin/python benchmarks/bench_triggerer.py                  # N = 1000, both variants
    .venv/bin/python benchmarks/bench_triggerer.py --n 100 --duration 20 --variants signalwire

The package's emulator runs in its own process (``common.EmuHost``: the emulator's CLI)
and is driven only through its ``/_emulator`` control endpoints. Each variant runs in a fresh
process (``bench_triggerer_worker.py``): ``signalwire`` is N ``ConferenceStatusTrigger`` waiting
for N conferences to complete; ``http`` is the http provider's ``HttpSensorTrigger`` (the
baseline) poking N URLs that answer 404, so it keeps waiting. Requests are counted by the
emulator, per poll interval since the triggers started. Prints a table; writes the figures and
every sample to ``benchmarks/results/triggerer-<label>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

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

#: The issue's targets for 1,000 waiting triggers on one connection, in one loop.
TARGETS = {
    "rss_growth_mb": 40.0,
    "tcp_max": 10,
    "requests_per_interval_max": 50,
    "lag_max_ms": 100.0,
}


def run_variant(emu: EmuHost, variant: str, sids: list[str], args: argparse.Namespace) -> Any:
    for sid in sids[: args.completions]:
        emu.admin("POST", f"conferences/{sid}", Status="init")
    emu.admin("DELETE", "requests")
    cfg = {
        "variant": variant,
        "sids": sids,
        "interval": args.interval,
        "warmup": args.warmup,
        "duration": args.duration,
        "completions": args.completions if variant == "signalwire" else 0,
        "grace": args.grace,
        "burst": args.burst,
        "emulator_url": emu.url,
        "api_path": f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}",
    }
    env = airflow_env(
        {
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT": connection_json(emu.url),
            "AIRFLOW_CONN_HTTP_BENCH": http_connection_json(emu.url),
            "PYTHONPATH": str(REPO),
        }
    )
    log(f"[{variant}] {len(sids)} triggers for {args.duration:g}s ...")
    out = subprocess.run(
        [sys.executable, str(HERE / "bench_triggerer_worker.py"), json.dumps(cfg)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{variant} worker failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    requests = emu.admin("GET", "requests")
    result["requests_per_interval"] = per_interval(
        [r["time"] for r in requests], result["t_start"], result["t_end"], args.interval
    )
    counts = result["requests_per_interval"]
    result["requests_per_interval_max"] = max(counts, default=0)
    result["requests_per_interval_steady_max"] = max(counts[1:], default=0)
    result["requests_total"] = sum(counts)
    return result


def per_interval(times: list[float], start: float, end: float, interval: float) -> list[int]:
    """Requests in each whole poll interval from ``start`` (monotonic clocks are system-wide)."""
    buckets = [0] * max(math.floor((end - start) / interval), 1)
    for t in times:
        i = int((t - start) // interval)
        if 0 <= i < len(buckets):
            buckets[i] += 1
    return buckets


def verdict(result: dict[str, Any], args: argparse.Namespace) -> dict[str, bool]:
    checks = {key: result[key] <= limit for key, limit in TARGETS.items()}
    checks["fired_in_time"] = (
        result["fired_in_time"] == result["completed"] and result["fired_early"] == 0
    )
    return checks


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    rows = [
        ("RSS growth, max (MB)", "rss_growth_mb", f"<= {TARGETS['rss_growth_mb']:g}"),
        ("TCP connections to the API, max", "tcp_max", f"<= {TARGETS['tcp_max']}"),
        ("requests per interval, max", "requests_per_interval_max", "<= 50"),
        ("requests per interval, after the first", "requests_per_interval_steady_max", ""),
        ("event-loop lag, max (ms)", "lag_max_ms", "<= 100"),
        ("event-loop lag, p99 (ms)", "lag_p99_ms", ""),
    ]
    names = [r["variant"] for r in results]
    lines = [f"{'measure':42} | " + " | ".join(f"{n:>12}" for n in names) + " | target"]
    lines.append("-" * len(lines[0]))
    for label, key, target in rows:
        values = " | ".join(f"{r[key]:>12}" for r in results)
        lines.append(f"{label:42} | {values} | {target}")
    fired = " | ".join(
        f"{r['fired_in_time']:>5}/{r['completed']:<6}" if r["completed"] else f"{'n/a':>12}"
        for r in results
    )
    lines.append(f"{f'fired within interval + {args.grace:g} s':42} | {fired} | all")
    lines.append(
        f"{'requests per interval':42} | "
        + " | ".join(",".join(map(str, r["requests_per_interval"])) for r in results)
    )
    sw = next((r for r in results if r["variant"] == "signalwire"), None)
    http = next((r for r in results if r["variant"] == "http"), None)
    if sw and http:
        lines.append(
            "signalwire / http ratios: RSS growth "
            f"{sw['rss_growth_mb'] / max(http['rss_growth_mb'], 0.1):.2f}x, TCP max "
            f"{sw['tcp_max'] / max(http['tcp_max'], 1):.2f}x, requests per interval "
            f"{sw['requests_per_interval_max'] / max(http['requests_per_interval_max'], 1):.2f}x"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="triggers per variant")
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval (s)")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds per variant")
    parser.add_argument("--warmup", type=float, default=12.0, help="seconds before completions")
    parser.add_argument("--completions", type=int, default=10, help="conferences completed")
    parser.add_argument("--grace", type=float, default=4.0, help="firing allowance (s)")
    parser.add_argument("--variants", default="signalwire,http")
    parser.add_argument(
        "--burst", action="store_true", help="start all triggers in one loop iteration"
    )
    parser.add_argument("--label", default="latest", help="results/triggerer-<label>.json")
    args = parser.parse_args()
    started = time.monotonic()
    emu = EmuHost()
    try:
        log(f"creating {args.n} conferences in the emulator ({emu.url})")
        sids = [
            emu.admin("POST", "conferences", FriendlyName=f"bench-{i}", Status="init")["sid"]
            for i in range(args.n)
        ]
        results = [run_variant(emu, v, sids, args) for v in args.variants.split(",")]
    finally:
        emu.close()
    for r in results:
        r["verdict"] = verdict(r, args) if r["variant"] == "signalwire" else None
    text = table(results, args)
    print(text)
    load = os.getloadavg()
    report = {
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["benchmarks/bench_triggerer.py", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
        "load_average_end": [round(x, 2) for x in load],
        "seconds": round(time.monotonic() - started, 1),
        "targets": TARGETS,
        "table": text,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"triggerer-{args.label}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
