"""Case 2: per-call overhead of one stop, against a fast local keep-alive server."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from typing import Any

from common import (
    HERE,
    PROJECT_ID,
    SDK_VENV,
    TOKEN,
    Worker,
    airflow_env,
    connection_json,
    http_connection_json,
    log,
    median,
    scratch,
)

CONFERENCE = "cb89326f-fa42-517f-b106-65bf21525f75"
STREAM = "8da25362-7b9a-58c9-828d-1325ffbf92d0"


def ensure_sdk_venv() -> tuple[str | None, str]:
    """Create benchmarks/.venv-signalwire-sdk with signalwire-sdk 3.0.2 if needed."""
    python = SDK_VENV / "bin" / "python"
    check = [str(python), "-c", "import signalwire.rest, sys; print('ok')"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python), "reused"
    log("creating benchmarks/.venv-signalwire-sdk (pip install signalwire-sdk==3.0.2)...")
    made = subprocess.run(["python3", "-m", "venv", str(SDK_VENV)], capture_output=True, text=True)
    if made.returncode != 0:
        return None, f"python3 -m venv failed: {made.stderr.strip()[-500:]}"
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "signalwire-sdk==3.0.2"],
        capture_output=True, text=True,
    )  # fmt: skip
    if pip.returncode != 0:
        return None, f"pip install signalwire-sdk==3.0.2 failed: {pip.stderr.strip()[-800:]}"
    if subprocess.run(check, capture_output=True).returncode != 0:
        return None, "signalwire-sdk installed but signalwire.rest does not import"
    return str(python), "installed"


def run(rounds: int, calls: int, with_sdk: bool, budget_s: float = 90.0) -> dict[str, Any]:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "fastserver.py")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(scratch()),
    )  # fmt: skip
    assert server.stdout is not None
    url = f"http://127.0.0.1:{json.loads(server.stdout.readline())['port']}"
    worker_args = [
        str(HERE / "percall_worker.py"),
        "--url", url, "--project", PROJECT_ID, "--token", TOKEN,
        "--conference", CONFERENCE, "--stream", STREAM,
    ]  # fmt: skip
    env = airflow_env(
        {
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT": connection_json(url),
            "AIRFLOW_CONN_SIGNALWIRE_HTTP": http_connection_json(url),
        }
    )
    workers = {"main": Worker([sys.executable, *worker_args], env)}
    variants = {
        "socket": "main",
        "requests": "main",
        "requests_no_env": "main",
        "hook": "main",
        "httphook": "main",
    }
    sdk_note = "skipped (--no-sdk)"
    if with_sdk:
        sdk_python, sdk_note = ensure_sdk_venv()
        if sdk_python:
            workers["sdk"] = Worker([sdk_python, *worker_args], env)
            variants["sdk"] = "sdk"
            variants["requests_sdk_process"] = "sdk"
    samples: dict[str, list[float]] = {v: [] for v in variants}
    cpu: dict[str, list[float]] = {v: [] for v in variants}
    try:
        # Warm-up: build every client, open its connection, fill caches.
        for variant, where in variants.items():
            workers[where].ask(variant=variant.removesuffix("_sdk_process"), n=max(50, calls // 4))
        order = list(variants)
        began = time.perf_counter()
        for number in range(rounds):
            if number >= 7 and time.perf_counter() - began > budget_s:
                log(f"  per-call: time budget reached after {number} rounds")
                break
            random.shuffle(order)
            for variant in order:
                answer = workers[variants[variant]].ask(
                    variant=variant.removesuffix("_sdk_process"), n=calls
                )
                samples[variant].append(answer["us"])
                cpu[variant].append(answer["cpu_us"])
            log(f"  per-call round {number + 1}/{rounds}: "
                + ", ".join(f"{v}={samples[v][-1]:.0f}us" for v in variants))  # fmt: skip
    finally:
        for worker in workers.values():
            worker.close()
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    medians = {v: median(s) for v, s in samples.items()}
    raw = medians["requests"]
    # Per-round ratios (same round, same conditions), then their median: robust to drift.
    ratios = {
        v: median([a / b for a, b in zip(samples[v], samples["requests"], strict=True)])
        for v in variants
        if v in ("hook", "httphook", "socket", "requests_no_env")
    }
    if "sdk" in samples:
        ratios["sdk"] = median(
            [a / b for a, b in zip(samples["sdk"], samples["requests"], strict=True)]
        )
        ratios["sdk_vs_raw_in_its_own_process"] = median(
            [a / b for a, b in zip(samples["sdk"], samples["requests_sdk_process"], strict=True)]
        )
    return {
        "rounds": len(samples["requests"]),
        "calls_per_round": calls,
        "server": "benchmarks/fastserver.py (asyncio, keep-alive HTTP/1.1, separate process)",
        "median_us": medians,
        "ratio_vs_requests": ratios,
        "ratio_of_medians_vs_requests": {v: m / raw for v, m in medians.items()},
        "server_share_of_raw_call": medians["socket"] / raw,
        "median_client_cpu_us": {v: median(s) for v, s in cpu.items()},
        "cpu_ratio_vs_requests": {
            v: median([a / b for a, b in zip(cpu[v], cpu["requests"], strict=True)])
            for v in variants
            if v != "requests" and variants[v] == "main"
        },
        "sdk": sdk_note,
        "samples_us": samples,
    }
