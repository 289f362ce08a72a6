"""
Run every benchmark, print one table, write ``results/latest.json`` and ``results/latest.png``.

Usage, from the repository root, with the test environment's Python::

    .venv/bin/python benchmarks/run.py            # everything, a few minutes on 2 cores
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions, for a smoke test
    .venv/bin/python benchmarks/run.py --cases import,per_call

Only ratios measured in the same run mean anything; absolute numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, airflow_env, log, scratch

# Never touch ~/airflow: this process imports the hook for the bulk and retry cases.
os.environ.update({k: v for k, v in airflow_env().items() if k.startswith("AIRFLOW")})

CASES = ("import", "per_call", "bulk", "retry", "e2e")


def ensure_matplotlib(allowed: bool) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if not allowed:
            return
        log("matplotlib missing: pip-installing it into this environment for the chart...")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "matplotlib"],
            check=False,
        )  # fmt: skip


def machine() -> dict[str, Any]:
    def version(dist: str) -> str | None:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return None

    return {
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "apache-airflow": version("apache-airflow"),
        "apache-airflow-providers-http": version("apache-airflow-providers-http"),
        "requests": version("requests"),
        "airflow-provider-signalwire": version("airflow-provider-signalwire"),
    }


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def table(results: dict[str, Any]) -> tuple[list[list[str]], dict[str, bool]]:
    rows: list[list[str]] = []
    met: dict[str, bool] = {}
    if imp := results.get("import"):
        m = imp["median_added_ms"]
        http = m["http_operator"]
        for name in ("operator", "sensor"):
            heavy = imp["heavy_modules_loaded"][name]
            ok = m[name] <= 10.0 and not heavy
            met[f"import_{name}"] = ok
            rows.append([
                "1 import", f"{name} module (added ms, median of {imp['runs']})",
                f"{m[name]:.1f}", f"http provider {http:.1f}", f"{m[name] / http:.3f}x",
                "<= 10 ms, no heavy modules", verdict(ok),
            ])  # fmt: skip
        rows.append(["1 import", "new top-level modules: operator / sensor",
                     " ".join(imp["new_top_level_modules"]["operator"]) + " / "
                     + " ".join(imp["new_top_level_modules"]["sensor"]),
                     f"http: {len(imp['new_top_level_modules']['http_operator'])} packages",
                     "", "", ""])  # fmt: skip
    if call := results.get("per_call"):
        m, r = call["median_us"], call["ratio_vs_requests"]
        beats = r["hook"] < r["httphook"] and ("sdk" not in r or r["hook"] < r["sdk"])
        ok = r["hook"] <= 1.15 and beats
        met["per_call"] = ok
        n = f"median of {call['rounds']}x{call['calls_per_round']}"
        rows.append(["2 per call", f"raw requests.Session.post (us, {n})", f"{m['requests']:.0f}",
                     "", "1.000x", "floor", ""])  # fmt: skip
        rows.append(["2 per call", "SignalWireHook.stop_conference_stream (us)", f"{m['hook']:.0f}",
                     "raw requests", f"{r['hook']:.3f}x", "<= 1.15x, < HttpHook, < sdk",
                     verdict(ok)])  # fmt: skip
        rows.append(["2 per call", "raw requests, trust_env=False (us)",
                     f"{m['requests_no_env']:.0f}", "raw requests", f"{r['requests_no_env']:.3f}x",
                     "", ""])  # fmt: skip
        rows.append(["2 per call", "HttpHook.run (us)", f"{m['httphook']:.0f}", "raw requests",
                     f"{r['httphook']:.3f}x", "", ""])  # fmt: skip
        if "sdk" in m:
            own = r["sdk_vs_raw_in_its_own_process"]
            rows.append(["2 per call", "signalwire-sdk 3.0.2 compat stop_stream (us)",
                         f"{m['sdk']:.0f}", "raw requests", f"{r['sdk']:.3f}x",
                         "", f"vs raw in its venv {own:.3f}x"])  # fmt: skip
        else:
            rows.append(["2 per call", "signalwire-sdk 3.0.2", "n/a", call["sdk"], "", "", ""])
        c, cr = call["median_client_cpu_us"], call["cpu_ratio_vs_requests"]
        rows.append(["2 per call", "client CPU per call: hook / raw / HttpHook (us)",
                     f"{c['hook']:.0f} / {c['requests']:.0f} / {c['httphook']:.0f}",
                     "raw requests", f"{cr['hook']:.3f}x / 1x / {cr['httphook']:.3f}x",
                     "(less noisy than wall)", ""])  # fmt: skip
        rows.append(["2 per call", "raw socket round trip = server ceiling (us)",
                     f"{m['socket']:.0f}", "raw requests", f"{r['socket']:.3f}x",
                     "server not the bottleneck", verdict(r["socket"] < 0.25)])  # fmt: skip
    if bulk := results.get("bulk"):
        m, s, peak = (
            bulk["median_seconds"],
            bulk["speedup_vs_sequential_requests"],
            bulk["max_in_flight"],
        )
        rows.append(["3 bulk", f"sequential requests, {bulk['streams']} stops (s)",
                     f"{m['sequential_requests']:.2f}", "", "1.0x", "", ""])  # fmt: skip
        for key in m:
            if not key.startswith("hook"):
                continue
            n = int(key.rsplit("c", 1)[1])
            ok = peak[key] <= n and bulk["errors"][key] == 0 and (n < 8 or s[key] >= 4.0)
            if n >= 8:
                met[f"bulk_c{n}"] = ok
            rows.append(["3 bulk", f"stop_conference_streams(max_concurrency={n}) (s)",
                         f"{m[key]:.2f}", f"max_in_flight {peak[key]}", f"{s[key]:.1f}x faster",
                         ">= 4x, in flight <= N" if n >= 8 else "(operator default)",
                         verdict(ok) if n >= 8 else ("ok" if ok else "CHECK")])  # fmt: skip
        if mapped := (results.get("e2e") or {}).get("mapped"):
            est = mapped["extrapolated_1000_s"]
            rows.append(["3 bulk", "1,000 mapped task instances (s, EXTRAPOLATED)",
                         f"{est:.0f}", f"{mapped['per_task_instance_s']:.2f} s/TI measured",
                         f"{m['sequential_requests'] / est:.2f}x vs sequential", "",
                         "extrapolated"])  # fmt: skip
    if retry := results.get("retry"):
        ok = (
            retry["max_total_s"] <= 2.2
            and retry["min_total_s"] >= 2.0
            and retry["never_less_than_asked"]
        )
        met["retry"] = ok
        runs = len(retry["totals_s"])
        rows.append(["4 retry", f"2x 429 Retry-After: 1, then 200 (s, {runs} runs)",
                     f"{retry['median_total_s']:.3f} (max {retry['max_total_s']:.3f})",
                     "asked 2.000", f"{retry['max_ratio_vs_asked']:.3f}x max",
                     "within +10 %, never less", verdict(ok)])  # fmt: skip
    if e2e := results.get("e2e"):
        m = e2e["median_s"]
        ok = e2e["ratio_stop_vs_noop"] <= 1.1
        met["e2e"] = ok
        rows.append(["5 e2e", f"airflow dags test, stop DAG (s, median of {e2e['runs_each']})",
                     f"{m['stop']:.1f}", f"no-op task {m['noop']:.1f}",
                     f"{e2e['ratio_stop_vs_noop']:.3f}x", "<= 1.1x", verdict(ok)])  # fmt: skip
        t = e2e["median_stop_stream_task_s"]
        rows.append(["5 e2e", "stop_stream task instance alone (s, from the DAG test log)",
                     f"{t['stop']:.2f}", f"no-op task {t['noop']:.2f}",
                     f"+{t['stop'] - t['noop']:.2f}s", "", ""])  # fmt: skip
    return rows, met


def render(rows: list[list[str]]) -> str:
    header = ["case", "measure", "value", "baseline", "ratio", "target", "result"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), "-+-".join("-" * w for w in widths), *map(line, rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke test)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"subset of {','.join(CASES)}")
    parser.add_argument("--no-sdk", action="store_true", help="skip the signalwire-sdk variant")
    parser.add_argument("--no-install", action="store_true", help="never pip-install matplotlib")
    parser.add_argument("--import-runs", type=int, default=None, help="import samples per module")
    parser.add_argument("--e2e-runs", type=int, default=None, help="dags test runs per variant")
    parser.add_argument("--output", default=str(RESULTS / "latest"), help="results path stem")
    args = parser.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(cases) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s): {sorted(unknown)}")
    quick = args.quick
    ensure_matplotlib(not args.no_install)
    results: dict[str, Any] = {"machine": machine(), "quick": quick}
    timings: dict[str, float] = {}
    try:
        for case in cases:
            log(f"== case {case}")
            began = time.perf_counter()
            if case == "import":
                import bench_import

                results["import"] = bench_import.run(runs=args.import_runs or (5 if quick else 10))
            elif case == "per_call":
                import bench_percall

                results["per_call"] = bench_percall.run(
                    rounds=7 if quick else 25, calls=150 if quick else 300,
                    with_sdk=not args.no_sdk, budget_s=20 if quick else 60,
                )  # fmt: skip
            elif case == "bulk":
                import bench_bulk

                results["bulk"] = bench_bulk.run(
                    streams=200 if quick else 1000, repeats=1 if quick else 3,
                    concurrencies=(4, 8, 16),
                )  # fmt: skip
            elif case == "retry":
                import bench_retry

                results["retry"] = bench_retry.run(repeats=2 if quick else 4)
            elif case == "e2e":
                import bench_e2e

                runs = args.e2e_runs or (1 if quick else 4)
                results["e2e"] = bench_e2e.run(runs=runs, mapped_sizes=(10 if quick else 20,))
            timings[case] = time.perf_counter() - began
            log(f"   {case} took {timings[case]:.0f}s")
    finally:
        shutil.rmtree(scratch(), ignore_errors=True)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["case_seconds"] = timings
    rows, met = table(results)
    results["table"] = rows
    results["targets_met"] = met
    stem = Path(args.output)
    stem.parent.mkdir(parents=True, exist_ok=True)
    results["chart"] = chart_mode = draw_chart(results, stem.with_suffix(".png"))
    tmp = stem.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1, default=str) + "\n")
    tmp.replace(stem.with_suffix(".json"))
    info = results["machine"]
    print(f"\nairflow-provider-signalwire benchmarks, {info['date_utc']}: {info['cpus']} CPUs, "
          f"Python {info['python']}, Airflow {info['apache-airflow']}, "
          f"load average {info['load_average_at_start'][0]:.1f} -> "
          f"{info['load_average_at_end'][0]:.1f}")  # fmt: skip
    print(render(rows))
    print(f"\nwrote {stem.with_suffix('.json')} and {stem.with_suffix('.png')} ({chart_mode}); "
          f"total {sum(timings.values()):.0f}s")  # fmt: skip
    return 0


def draw_chart(results: dict[str, Any], path: Path) -> str:
    from chart import draw

    return draw(results, path)


if __name__ == "__main__":
    sys.exit(main())
