"""
Case 5: ``airflow dags test`` of the example stop DAG versus the same DAG with a no-op task.

Also (case 3's Airflow-native alternative): a DAG of N mapped stop task instances, measured at two
sizes so the per-instance cost can be extrapolated to 1,000 (clearly labelled as extrapolated).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path  # noqa: TC003
from typing import Any

from common import REPO, EmuHost, airflow_env, connection_json, log, median, scratch

DAG_ID = "signalwire_stop_conference_stream"
NOOP_DAG_ID = "signalwire_stop_conference_stream_noop"

NOOP_TASK = """stop_stream = PythonOperator(
        task_id="stop_stream",
        python_callable=_pretend_to_stop,
    )"""
NOOP_HELPERS = '''from airflow.providers.standard.operators.python import PythonOperator


def _pretend_to_stop(**context: Any) -> dict[str, str]:
    """Publish what the stop operator would, without the provider."""
    context["ti"].xcom_push(key="stream_status", value="stopped")
    return {"status": "stopped"}
'''

MAPPED_DAG = """from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_signalwire.operators.conference import StopConferenceStreamOperator

with DAG(dag_id="signalwire_bench_mapped_{n}", schedule=None, start_date=datetime(2026, 1, 1),
         catchup=False):
    StopConferenceStreamOperator.partial(
        task_id="stop_mapped", conference_sid="{conference}", max_attempts=1
    ).expand(stream_sid={names!r})
"""


def noop_variant(source: str) -> str:
    """The example DAG with its stop operator swapped for a no-op PythonOperator."""
    swapped, count = re.subn(
        r"stop_stream = StopConferenceStreamOperator\(.*?\n    \)", NOOP_TASK, source, flags=re.S
    )
    swapped, imports = re.subn(
        r"^from airflow_provider_signalwire\.operators\.conference import "
        r"StopConferenceStreamOperator\n",
        NOOP_HELPERS,
        swapped,
        flags=re.M,
    )
    if count != 1 or imports != 1:
        raise RuntimeError("dags/stop_conference_stream.py changed shape; update bench_e2e.py")
    return swapped.replace(f'dag_id="{DAG_ID}"', f'dag_id="{NOOP_DAG_ID}"')


def prepare() -> dict[str, Path]:
    folders = {name: scratch() / f"dags-{name}" for name in ("stop", "noop", "mapped")}
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    shutil.copy(REPO / "dags" / "stop_conference_stream.py", folders["stop"])
    source = (REPO / "dags" / "stop_conference_stream.py").read_text()
    (folders["noop"] / "stop_conference_stream_noop.py").write_text(noop_variant(source))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True, text=True, env=airflow_env(), cwd=str(scratch()), timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{(done.stdout + done.stderr)[-3000:]}")
    log(f"  e2e: airflow db migrate took {time.perf_counter() - started:.1f}s")
    return folders


TASK_LINE = re.compile(
    r"^(\S+Z) \[[a-z ]+\] \[DAG TEST\] (starting|end task) task_id=(\S+) map_index=(-?\d+)",
    re.M,
)


def task_seconds(output: str) -> dict[tuple[str, int], float]:
    """Per task instance: seconds from ``[DAG TEST] starting`` to ``[DAG TEST] end task``."""
    started: dict[tuple[str, int], dt.datetime] = {}
    spans: dict[tuple[str, int], float] = {}
    for stamp, what, task_id, index in TASK_LINE.findall(output):
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        key = (task_id, int(index))
        if what == "starting":
            started[key] = when
        elif key in started:
            spans[key] = (when - started[key]).total_seconds()
    return spans


def dags_test(
    dag_id: str, folder: Path, emu: EmuHost, expect: str
) -> tuple[float, dict[tuple[str, int], float]]:
    env = airflow_env(
        {
            "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT": connection_json(emu.url),
        }
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", dag_id],
        capture_output=True, text=True, env=env, cwd=str(scratch()), timeout=900,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    output = done.stdout + done.stderr
    if done.returncode != 0 or expect not in output:
        raise RuntimeError(f"airflow dags test {dag_id} failed:\n{output[-4000:]}")
    return elapsed, task_seconds(output)


def run(runs: int, mapped_sizes: tuple[int, ...]) -> dict[str, Any]:
    folders = prepare()
    emu = EmuHost()
    walls: dict[str, list[float]] = {"noop": [], "stop": []}
    task: dict[str, list[float]] = {"noop": [], "stop": []}
    mapped: dict[str, Any] = {}
    try:
        # ABBA order (noop, stop, stop, noop, ...) balances drift; the noop variant goes first,
        # so any first-run penalty counts against the baseline, not against the provider.
        pattern = ["noop", "stop", "stop", "noop"]
        order = [pattern[i % 4] for i in range(2 * runs)]
        for number, variant in enumerate(order):
            emu.fresh()
            if variant == "stop":
                wall, spans = dags_test(DAG_ID, folders["stop"], emu, "stream_status=stopped")
                stopped = emu.stopped_streams()
                assert stopped == 1, f"the DAG stopped {stopped} streams"
            else:
                wall, spans = dags_test(NOOP_DAG_ID, folders["noop"], emu, "stream_status=stopped")
            walls[variant].append(wall)
            task[variant].append(spans.get(("stop_stream", -1), float("nan")))
            log(f"  e2e run {number + 1}/{len(order)}: {variant} {wall:.1f}s "
                f"(stop_stream task {task[variant][-1]:.2f}s)")  # fmt: skip
        for n in mapped_sizes:
            emu.fresh()
            emu.set_latency(0.010)
            names = [f"bench-{i}" for i in range(n)]
            emu.add_streams(emu.demo_conference_sid, names=names)
            for stale in folders["mapped"].glob("*.py"):
                stale.unlink()
            (folders["mapped"] / f"mapped_{n}.py").write_text(
                MAPPED_DAG.format(n=n, conference=emu.demo_conference_sid, names=names)
            )
            wall, spans = dags_test(f"signalwire_bench_mapped_{n}", folders["mapped"], emu, "")
            stopped = emu.stopped_streams()
            assert stopped == n, f"{stopped} of {n} mapped streams stopped"
            # The first instance also pays the in-process API server's start-up: left out.
            per_ti = sorted(v for (t, i), v in spans.items() if t == "stop_mapped" and i > 0)
            mapped[str(n)] = {"wall_s": wall, "task_instance_s": per_ti}
            emu.set_latency(0.0)
            log(f"  e2e mapped {n} TIs: {wall:.1f}s, median TI {median(per_ti):.2f}s")
    finally:
        emu.close()
    result: dict[str, Any] = {
        "runs_each": runs,
        "walls_s": walls,
        "median_s": {k: median(v) for k, v in walls.items()},
        "stop_stream_task_s": task,
        "median_stop_stream_task_s": {k: median(v) for k, v in task.items()},
    }
    result["ratio_stop_vs_noop"] = result["median_s"]["stop"] / result["median_s"]["noop"]
    result["added_s"] = result["median_s"]["stop"] - result["median_s"]["noop"]
    result["ratio_per_round_median"] = median(
        [a / b for a, b in zip(walls["stop"], walls["noop"], strict=True)]
    )
    if mapped:
        n, largest = max(((int(k), v) for k, v in mapped.items()), key=lambda kv: kv[0])
        per_ti = median(largest["task_instance_s"])
        result["mapped"] = {
            "measured": mapped,
            "measured_size": n,
            "per_task_instance_s": per_ti,
            "extrapolated_1000_s": 1000 * per_ti,
            "note": f"EXTRAPOLATED: 1000 x the median time of one mapped stop task instance "
            f"measured in `airflow dags test` of {n} mapped instances (10 ms server latency), "
            "task instances run one after another; DAG parsing, process start-up and a real "
            "scheduler's queueing are not included, so the real figure is higher.",
        }
    return result
