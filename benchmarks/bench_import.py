"""
Case 1: time added by importing the provider's operator and sensor modules.

Every sample is a fresh interpreter (no fork: a forked child of an Airflow-sized process pays
copy-on-write faults that a real interpreter does not). Each process imports the SDK base classes,
then one of our modules, then the HTTP provider's operator module (which shares nothing with ours),
so one process yields one sample of each.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from typing import Any

from common import HERE, airflow_env, log, median, scratch

OURS = {
    "operator": "airflow_provider_signalwire.operators.conference",
    "sensor": "airflow_provider_signalwire.sensors.conference",
}
HTTP = "airflow.providers.http.operators.http"
#: Modules that must wait until a task runs (HTTP stacks and the retry library).
HEAVY = ("requests", "urllib3", "tenacity", "httpx", "httpcore", "aiohttp", "h11", "anyio")


def probe(*modules: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(HERE / "import_probe.py"), *modules],
        capture_output=True, text=True, env=airflow_env(), cwd=str(scratch()), timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"import probe {modules} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(runs: int) -> dict[str, Any]:
    names = {**OURS, "http_operator": HTTP}
    samples: dict[str, list[float]] = {name: [] for name in names}
    new_modules: dict[str, list[str]] = {}
    baselines: list[float] = []
    # Warm-up, not recorded: leaves fresh .pyc files, as any installed package has.
    for module in OURS.values():
        probe(module, HTTP)
    for number in range(runs):
        order = list(OURS)
        random.shuffle(order)
        for name in order:
            answer = probe(OURS[name], HTTP)
            baselines.append(answer["baseline_ms"])
            ours, http = answer["samples"]
            samples[name].append(ours["ms"])
            samples["http_operator"].append(http["ms"])
            new_modules.setdefault(name, ours["new"])
            new_modules.setdefault("http_operator", http["new"])
        if (number + 1) % 5 == 0 or number + 1 == runs:
            log(f"  import {number + 1}/{runs}: "
                + ", ".join(f"{n}={median(s):.1f}ms" for n, s in samples.items()))  # fmt: skip
    result: dict[str, Any] = {
        "runs": runs,
        "method": "fresh interpreter per sample; baseline, then ours, then the HTTP operator",
        "baseline": "from airflow.sdk import BaseOperator, BaseSensorOperator, BaseHook",
        "baseline_import_ms_median": median(baselines),
        "median_added_ms": {n: median(s) for n, s in samples.items()},
        "new_top_level_modules": {},
        "new_module_count": {},
        "heavy_modules_loaded": {},
        "new_modules": new_modules,
        "samples_ms": samples,
    }
    for name, modules in new_modules.items():
        tops = sorted({m.split(".")[0] for m in modules})
        result["new_top_level_modules"][name] = tops
        result["new_module_count"][name] = len(modules)
        result["heavy_modules_loaded"][name] = [m for m in tops if m in HEAVY]
    return result
