"""
Benchmark: archiving recordings with ``ConferenceRecordingsToStorageOperator`` against raw requests.

The emulator runs in its own process (``python -m airflow_provider_signalwire.testing``), as
SignalWire would. Every measured run is a fresh child process that writes into an empty folder:

* ``raw``: what a user would write by hand: ``requests.get(media_url, stream=True)``,
  ``iter_content(1 MiB)``, SHA-256 on the way, written to ``{folder}/{sid}.wav``, one file after
  the other (no listing, no temporary name, no checks);
* ``operator``: ``ConferenceRecordingsToStorageOperator(...).execute()`` on a ``file://`` folder
  (lists the conference's recordings, then downloads each through the hook).

Measured: wall time of the work (imports excluded) and peak RSS growth over the child's RSS just
before the work (``VmHWM`` reset through ``/proc/self/clear_refs``, else sampled every 5 ms).
Runs alternate raw/operator (ABBA); medians are reported, with two ratios: of the medians, and
the median of each round's ratio to raw's run of the same round (robust to the machine's drift).

Cases (targets from issue 16):

* ``large``: one 300 MB recording: operator time <= 1.3x raw, peak RSS growth <= 64 MB;
* ``small``: 200 recordings of 64 KiB, operator at ``max_concurrency`` 1, 4 and 8 against raw
  sequential, with the emulator adding ``--latency`` seconds to every answer (default 5 ms).

Usage, from the repository root::

    python benchmarks/bench_recordings.py                 # both cases, 3 rounds
    python benchmarks/bench_recordings.py --quick         # 1 round, 30 MB, 50 small files
    python benchmarks/bench_recordings.py --cases large --rounds 5

It prints a table and writes ``benchmarks/results/recordings.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PROJECT_ID = "bench-project"
TOKEN = "bench-token-0123456789"
MB = 1_000_000


# -- the child: one measured run -------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakRss:
    """Peak RSS growth over the RSS at start, in bytes."""

    def __init__(self) -> None:
        self.sampled = False
        self._peak = 0
        self._done = threading.Event()
        try:
            Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        except OSError:
            self.sampled = True
        self.start_kb = _status_kb("VmRSS")
        if self.sampled:
            self._peak = self.start_kb
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self._peak = max(self._peak, _status_kb("VmRSS"))

    def growth_bytes(self) -> int:
        if self.sampled:
            self._done.set()
            self._thread.join()
            peak = max(self._peak, _status_kb("VmRSS"))
        else:
            peak = _status_kb("VmHWM")
        return (peak - self.start_kb) * 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_raw(spec: dict[str, Any]) -> dict[str, Any]:
    import hashlib

    import requests

    folder = Path(spec["folder"])
    session = requests.Session()
    peak = PeakRss()
    started, cpu = time.perf_counter(), cpu_seconds()
    digests, total = {}, 0
    for sid in spec["sids"]:
        url = f"{spec['url']}/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Recordings/{sid}.wav"
        digest = hashlib.sha256()
        with session.get(url, stream=True, timeout=60) as response:
            response.raise_for_status()
            with open(folder / f"{sid}.wav", "wb") as out:
                for chunk in response.iter_content(1024 * 1024):
                    digest.update(chunk)
                    out.write(chunk)
                    total += len(chunk)
        digests[sid] = digest.hexdigest()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "rss_growth": peak.growth_bytes(), "bytes": total,
            "sha256": digests, "rss_sampled": peak.sampled}  # fmt: skip


def child_operator(spec: dict[str, Any]) -> dict[str, Any]:
    # What a task process has loaded before execute(): Airflow's task runner (which looks the
    # connection up) and the provider's HTTP stack. The raw child likewise imports requests first.
    import airflow.sdk.execution_time.supervisor  # noqa: F401
    import requests  # noqa: F401

    import airflow_provider_signalwire.hooks.signalwire  # noqa: F401
    from airflow_provider_signalwire.transfers.recordings import (
        ConferenceRecordingsToStorageOperator,
    )

    class TaskInstance:
        def xcom_push(self, key: str, value: Any) -> None:
            pass

    operator = ConferenceRecordingsToStorageOperator(
        task_id="archive",
        conference_sid=spec["conference_sid"],
        destination=f"file://{spec['folder']}",
        max_concurrency=spec["max_concurrency"],
    )
    peak = PeakRss()
    started, cpu = time.perf_counter(), cpu_seconds()
    archived = operator.execute({"ti": TaskInstance()})  # type: ignore[arg-type]
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "rss_growth": peak.growth_bytes(),
            "bytes": sum(item["bytes"] for item in archived),
            "sha256": {item["recording_sid"]: item["sha256"] for item in archived},
            "rss_sampled": peak.sampled}  # fmt: skip


def run_child(kind: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run one measured child; the folder it writes is emptied first and removed after."""
    folder = Path(spec["folder"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", kind, json.dumps(spec)],
            capture_output=True, text=True, env=env, timeout=1800, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{kind} child failed:\n{done.stderr[-4000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- the parent: emulator, cases, table ------------------------------------------------------


class Emulator:
    """The package's emulator in its own process, controlled over its ``/_emulator`` endpoints."""

    def __init__(self, latency: float) -> None:
        command = [sys.executable, "-m", "airflow_provider_signalwire.testing", "--host",
                   "127.0.0.1", "--port", "0", "--project-id", PROJECT_ID, "--token", TOKEN,
                   "--latency", str(latency)]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        ready = json.loads(self.proc.stdout.readline())
        self.url = str(ready["url"])
        conference = self._post("conferences", "FriendlyName=archive-bench&Status=completed")
        self.conference_sid = str(conference["sid"])

    def _post(self, endpoint: str, form: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}/_emulator/{endpoint}", data=form.encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def add_recordings(self, count: int, size: int) -> list[str]:
        endpoint = f"conferences/{self.conference_sid}/recordings"
        answer = self._post(endpoint, f"Count={count}&Size={size}&Status=completed")
        return [item["sid"] for item in answer["recordings"]]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def measure(
    emulator: Emulator,
    sids: list[str],
    rounds: int,
    concurrencies: list[int],
    env: dict[str, str],
    where: str,
) -> dict[str, Any]:
    """ABBA rounds of raw and operator runs; check every copy's hash against raw's."""
    folder = str(Path(where) / f"signalwire-bench-recordings-{os.getpid()}")
    base = {"url": emulator.url, "conference_sid": emulator.conference_sid, "folder": folder}
    variants = ["raw"] + [f"operator@{n}" for n in concurrencies]
    samples: dict[str, list[dict[str, Any]]] = {variant: [] for variant in variants}
    for index in range(rounds):
        order = variants if index % 2 == 0 else variants[::-1]
        for variant in order:
            kind, _, concurrency = variant.partition("@")
            spec = {**base, "sids": sids, "max_concurrency": int(concurrency or 1)}
            result = run_child(kind, spec, env)
            samples[variant].append(result)
            print(f"  {variant:<12} round {index + 1}: {result['seconds']:.2f} s "
                  f"(CPU {result['cpu']:.2f} s), peak RSS +{result['rss_growth'] / MB:.1f} MB",
                  file=sys.stderr)  # fmt: skip
    reference = samples["raw"][0]["sha256"]
    for variant, runs in samples.items():
        for run in runs:
            if run["sha256"] != reference:
                raise RuntimeError(f"{variant} stored different bytes than raw")
    raw_seconds = [run["seconds"] for run in samples["raw"]]
    return {
        variant: {
            "seconds": [run["seconds"] for run in runs],
            # ratio to raw's run of the same round, then the median: robust to the machine's drift
            "median_paired_ratio": median(
                [run["seconds"] / raw for run, raw in zip(runs, raw_seconds, strict=True)]
            ),
            "cpu_seconds": [run["cpu"] for run in runs],
            "median_cpu_seconds": median([run["cpu"] for run in runs]),
            "rss_growth_bytes": [run["rss_growth"] for run in runs],
            "median_seconds": median([run["seconds"] for run in runs]),
            "median_rss_growth_mb": median([run["rss_growth"] / MB for run in runs]),
            "bytes": runs[0]["bytes"],
            "rss_sampled": runs[0]["rss_sampled"],
        }
        for variant, runs in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    parser.add_argument("--cases", default="large,small")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--large-mb", type=int, default=300)
    parser.add_argument("--small-count", type=int, default=200)
    parser.add_argument("--small-kib", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.005)
    parser.add_argument("--output", default=str(RESULTS / "recordings.json"))
    # tmpfs by default: disk write-back on a shared VM adds seconds of noise to 300 MB runs.
    parser.add_argument(
        "--folder", default="/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir()
    )
    args = parser.parse_args()
    if args.child:
        kind, spec = args.child
        child = {"raw": child_raw, "operator": child_operator}[kind]
        print(json.dumps(child(json.loads(spec))))
        return
    if args.quick:
        args.rounds, args.large_mb, args.small_count = 1, 30, 50

    home = tempfile.mkdtemp(prefix="signalwire-bench-airflow-home-")
    env = os.environ.copy()
    env.update(
        AIRFLOW_HOME=home,
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
    )
    results: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                               "load_average_start": os.getloadavg()[0], "cases": {}}  # fmt: skip
    started = time.monotonic()
    try:
        if "large" in args.cases:
            emulator = Emulator(latency=0.0)
            env["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = _connection(emulator.url)
            try:
                print(f"large: 1 recording of {args.large_mb} MB", file=sys.stderr)
                sids = emulator.add_recordings(1, args.large_mb * MB)
                large = measure(emulator, sids, args.rounds, [4], env, args.folder)
                results["cases"]["large"] = large
            finally:
                emulator.stop()
        if "small" in args.cases:
            emulator = Emulator(latency=args.latency)
            env["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = _connection(emulator.url)
            try:
                print(f"small: {args.small_count} recordings of {args.small_kib} KiB, "
                      f"latency {args.latency}s", file=sys.stderr)  # fmt: skip
                sids = emulator.add_recordings(args.small_count, args.small_kib * 1024)
                results["cases"]["small"] = measure(
                    emulator, sids, args.rounds, [1, 4, 8], env, args.folder
                )
            finally:
                emulator.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    results["seconds_total"] = round(time.monotonic() - started, 1)
    results["load_average_end"] = os.getloadavg()[0]
    results["args"] = vars(args)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


def _connection(url: str) -> str:
    return json.dumps(
        {"conn_type": "signalwire", "host": url, "login": PROJECT_ID, "password": TOKEN}
    )


def print_table(results: dict[str, Any]) -> None:
    rows = [("case", "variant", "median s", "x raw", "paired x raw", "CPU s", "CPU x raw",
             "peak RSS +MB", "target", "result")]  # fmt: skip
    for case, variants in results["cases"].items():
        raw = variants["raw"]["median_seconds"]
        raw_cpu = variants["raw"]["median_cpu_seconds"]
        for name, data in variants.items():
            ratio = data["median_seconds"] / raw
            cpu = data["median_cpu_seconds"]
            rss = data["median_rss_growth_mb"]
            target, met = "", ""
            paired = data["median_paired_ratio"]
            if case == "large" and name != "raw":
                target = "<= 1.3x (both), <= 64 MB"
                fast = ratio <= 1.3 and paired <= 1.3
                met = "MET" if fast and max(data["rss_growth_bytes"]) <= 64 * MB else "MISSED"
            rows.append((case, name, f"{data['median_seconds']:.2f}", f"{ratio:.2f}x",
                         f"{paired:.2f}x", f"{cpu:.2f}", f"{cpu / raw_cpu:.2f}x", f"{rss:.1f}",
                         target, met))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"total {results['seconds_total']} s, load average {results['load_average_start']:.1f}"
          f" -> {results['load_average_end']:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
