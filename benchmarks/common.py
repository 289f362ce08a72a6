"""Helpers shared by the benchmark cases: child processes speaking JSON lines, stats, env."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
SDK_VENV = HERE / ".venv-signalwire-sdk"
PROJECT_ID = "bench-project"
TOKEN = "bench-token-0123456789"

#: Loopback only: never route the emulator's control calls through an environment proxy.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_SCRATCH = Path(tempfile.mkdtemp(prefix="signalwire-bench-"))


def scratch() -> Path:
    """A throw-away directory for this run (AIRFLOW_HOME, DAG copies); removed at exit."""
    return _SCRATCH


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def connection_json(url: str) -> str:
    return json.dumps(
        {"conn_type": "signalwire", "host": url, "login": PROJECT_ID, "password": TOKEN}
    )


def http_connection_json(url: str) -> str:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    return json.dumps(
        {
            "conn_type": "http",
            "host": host,
            "port": int(port),
            "schema": "http",
            "login": PROJECT_ID,
            "password": TOKEN,
        }
    )


def airflow_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every child that may import Airflow: a throw-away AIRFLOW_HOME."""
    env = os.environ.copy()
    home = scratch() / "airflow-home"
    home.mkdir(exist_ok=True)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
    )
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # children keep .pyc files, as installs do
    env.update(extra or {})
    return env


class Worker:
    """A child process that takes one JSON command per line and answers one JSON line."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(scratch()),
        )

    def ask(self, **command: Any) -> Any:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.proc.args!r} died (exit {self.proc.wait()})")
        return json.loads(line)

    def read_line(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.proc.args!r} died (exit {self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class EmuHost:
    """
    The package's emulator in its own process, driven through its ``/_emulator`` endpoints.

    It runs the emulator's CLI (``python -m airflow_provider_signalwire.testing``), which keeps
    its handler threads off the benchmark's GIL, and controls it over HTTP exactly as any
    out-of-process user would.

    :param latency: seconds the emulator adds before every API answer.
    """

    def __init__(self, latency: float = 0.0) -> None:
        # The checkout's emulator, not whatever copy of the package the interpreter has.
        env = airflow_env({"SIGNALWIRE_EMULATOR_TOKEN": TOKEN, "PYTHONPATH": str(REPO)})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "airflow_provider_signalwire.testing", "--port", "0",
             "--project-id", PROJECT_ID, "--latency", str(latency)],
            stdout=subprocess.PIPE, text=True, env=env, cwd=str(scratch()),
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator did not start (exit {self.proc.wait()})")
        info = json.loads(line)
        self.url: str = info["url"]
        self.demo_conference_sid: str = info["demo_conference_sid"]
        self.demo_stream_sid: str = info["demo_stream_sid"]

    def admin(self, method: str, path: str, **form: Any) -> Any:
        """Call ``/_emulator/<path>`` with a form body; return the decoded JSON (or None)."""
        data = urllib.parse.urlencode(form, doseq=True).encode() if form else None
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data, method=method)
        with _NO_PROXY.open(request, timeout=60) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def fresh(self) -> None:
        """Back to the seeded state (same port, same seeded SIDs, same latency)."""
        self.admin("POST", "reset")

    def set_latency(self, seconds: float) -> None:
        self.admin("POST", "config", Latency=str(seconds))

    def add_streams(
        self, conference_sid: str, n: int | None = None, names: list[str] | None = None
    ) -> list[str]:
        form: dict[str, Any] = {"Name": names} if names else {"Count": n}
        created = self.admin("POST", f"conferences/{conference_sid}/streams", **form)
        return [stream["sid"] for stream in created["streams"]]

    def fault(self, status: int, retry_after: str, times: int) -> None:
        self.admin("POST", "faults", Status=status, RetryAfter=retry_after, Times=times)

    def max_in_flight(self) -> int:
        return int(self.admin("GET", "stats")["max_in_flight"])

    def reset_max_in_flight(self) -> None:
        self.admin("DELETE", "stats")

    def stopped_streams(self) -> int:
        """How many streams were actually stopped (repeated stops not counted)."""
        return sum(1 for count in self.admin("GET", "state")["stop_counts"].values() if count)

    def take_requests(self) -> list[dict[str, Any]]:
        """Return the recorded API requests and forget them."""
        seen: list[dict[str, Any]] = self.admin("GET", "requests")
        self.admin("DELETE", "requests")
        return seen

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
