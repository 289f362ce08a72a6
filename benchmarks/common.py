"""Helpers shared by the benchmark cases: child processes speaking JSON lines, stats, env."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
SDK_VENV = HERE / ".venv-signalwire-sdk"
PROJECT_ID = "bench-project"
TOKEN = "bench-token-0123456789"

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


class EmuHost(Worker):
    """The package's emulator in its own process (see ``emu_host.py``)."""

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(
            [sys.executable, str(HERE / "emu_host.py"), PROJECT_ID, TOKEN], airflow_env()
        )
        info = self.ask(cmd="start", latency=latency)
        self.url: str = info["url"]
        self.demo_conference_sid: str = info["demo_conference_sid"]
        self.demo_stream_sid: str = info["demo_stream_sid"]

    def fresh(self) -> None:
        """Replace the emulator by a new one (same port, same seeded SIDs)."""
        self.ask(cmd="fresh")
