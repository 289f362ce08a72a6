"""
The example DAGs, run end to end by real Airflow (``airflow dags test``) against the emulator.

Each run uses a recognisable API token (and bearer token) and then searches everything a user with
DAG access could read: console output, every file under ``AIRFLOW_HOME/logs``, and the metadata
database (XCom, rendered template fields). The tokens must appear nowhere.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import (
    PROJECT_ID,
    REPO,
    TOKEN,
    assert_no_secret_anywhere,
    connection_json,
    read_xcom,
    without_airflow_mask_messages,
)

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator

BEARER = "bearer-LEAKCHECK-9a8b7c6d5e4f"
SECRETS = (TOKEN, base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode(), BEARER)
DAG_FILES = sorted((REPO / "dags").glob("*.py"))

pytestmark = pytest.mark.integration


def dags_test(
    dag_id: str, emu: SignalWireEmulator, conf: dict[str, Any] | None = None, *, level: str = "INFO"
) -> str:
    """Run ``airflow dags test`` in a child process at the given log level; return its output."""
    env = os.environ.copy()
    env.update(
        AIRFLOW_CONN_SIGNALWIRE_DEFAULT=connection_json(emu.url),
        AIRFLOW_VAR_SIGNALWIRE_STREAM_TOKEN=BEARER,
        AIRFLOW__LOGGING__LOGGING_LEVEL=level,
    )
    command = [sys.executable, "-m", "airflow", "dags", "test", dag_id]
    if conf is not None:
        command += ["--conf", json.dumps(conf)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    return output


def stopped_streams(emu: SignalWireEmulator) -> dict[str, int]:
    return {sid: count for sid, count in emu.stop_counts.items() if count}


def assert_secrets_nowhere(output: str) -> None:
    assert_no_secret_anywhere(without_airflow_mask_messages(output), SECRETS)


def xcom(dag_id: str, task_id: str, key: str = "return_value") -> list[Any]:
    return read_xcom(dag_id, task_id, key, order_by="map_index")


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda path: path.name)
def test_dag_file_imports_without_errors(dag_file: Path) -> None:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

    bag = DagBag(dag_folder=str(dag_file))
    assert bag.import_errors == {}
    assert len(bag.dags) == 1


def test_stop_dag_stops_the_seeded_stream(airflow_db: Path, emulator: SignalWireEmulator) -> None:
    output = dags_test("signalwire_stop_conference_stream", emulator)

    assert "stream_status=stopped" in output
    assert stopped_streams(emulator) == {emulator.demo_stream_sid: 1}
    [stream] = xcom("signalwire_stop_conference_stream", "stop_stream")
    assert stream["sid"] == emulator.demo_stream_sid
    assert stream["status"] == "stopped"
    assert xcom("signalwire_stop_conference_stream", "stop_stream", "stream_status") == ["stopped"]
    assert_secrets_nowhere(output)


def test_stop_dag_fails_clearly_on_unknown_stream(
    airflow_db: Path, emulator: SignalWireEmulator
) -> None:
    env = os.environ.copy()
    env["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = connection_json(emulator.url)
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "signalwire_stop_conference_stream",
         "--conf", json.dumps({"conference_sid": emulator.demo_conference_sid, "stream_sid": "no-such-stream"})],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "SignalWireNotFoundError" in output
    assert "404" in output
    assert [r.method for r in emulator.requests] == ["POST"]  # 404 is permanent: no retry
    assert TOKEN not in output


def test_lifecycle_dag_defers_starts_and_stops(
    airflow_db: Path, emulator: SignalWireEmulator
) -> None:
    conference = emulator.add_conference(friendly_name="standup-e2e", status="init")

    def go_live_after_first_poll() -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if any(r.method == "GET" for r in emulator.requests):
                emulator.schedule_conference_status(conference["sid"], "in-progress", after=2.5)
                return
            time.sleep(0.1)

    threading.Thread(target=go_live_after_first_poll, daemon=True).start()

    output = dags_test(
        "signalwire_conference_stream_lifecycle",
        emulator,
        {"conference_friendly_name": "standup-e2e", "ws_url": "wss://media.example.com/a"},
        level="DEBUG",
    )

    dag_id = "signalwire_conference_stream_lifecycle"
    [started] = xcom(dag_id, "start_stream")
    assert started["conference_sid"] == conference["sid"]
    assert started["status"] == "in-progress"
    assert xcom(dag_id, "stop_stream", "stream_status") == ["stopped"]
    assert stopped_streams(emulator) == {started["sid"]: 1}
    [start_request] = [r for r in emulator.requests if r.path.endswith("/Streams")]
    assert start_request.form["Url"] == ["wss://media.example.com/a"]
    polls = [r for r in emulator.requests if r.method == "GET"]
    assert len(polls) >= 2, "the sensor should have polled before the conference went live"
    assert "deferred" in output.lower() or "TaskDeferred" in output
    assert_secrets_nowhere(output)


def test_bulk_dag_stops_every_stream_once(airflow_db: Path, emulator: SignalWireEmulator) -> None:
    conference_sid = emulator.demo_conference_sid
    streams = [
        {"conference_sid": conference_sid, "stream_sid": emulator.add_stream(conference_sid)["sid"]}
        for _ in range(7)
    ]

    output = dags_test(
        "signalwire_bulk_stop_streams", emulator, {"streams": streams}, level="DEBUG"
    )

    assert stopped_streams(emulator) == {stream["stream_sid"]: 1 for stream in streams}
    [counts] = xcom("signalwire_bulk_stop_streams", "summarize")
    assert counts == {"mapped_stopped": 4, "bulk_stopped": 3}
    assert len(xcom("signalwire_bulk_stop_streams", "stop_mapped", "stream_status")) == 4
    assert_secrets_nowhere(output)


def test_participants_dag_holds_removes_and_ends_the_seeded_conference(
    airflow_db: Path, emulator: SignalWireEmulator
) -> None:
    dag_id = "signalwire_manage_conference_participants"
    conference_sid = emulator.demo_conference_sid
    held, removed = emulator.state()["conferences"][0]["participants"][:2]

    output = dags_test(dag_id, emulator)  # the defaults: the SIDs the emulator seeds

    [participant] = xcom(dag_id, "mute_and_hold")
    assert (participant["call_sid"], participant["muted"], participant["hold"]) == (
        held["call_sid"], True, True,
    )  # fmt: skip
    assert xcom(dag_id, "remove_participant") == [
        {"conference_sid": conference_sid, "call_sid": removed["call_sid"], "status": "removed"}
    ]
    assert xcom(dag_id, "end_conference", "conference_status") == ["completed"]
    assert xcom(dag_id, "report") == [
        [
            f"{held['call_sid']}: muted=True hold=True",
            f"{removed['call_sid']}: removed",
            "conference: completed",
        ]
    ]
    [conference] = [c for c in emulator.state()["conferences"] if c["sid"] == conference_sid]
    assert conference["status"] == "completed"
    writes = [(r.method, r.path.split(conference_sid, 1)[1]) for r in emulator.requests]
    assert sorted(writes) == sorted(
        [
            ("POST", f"/Participants/{held['call_sid']}"),
            ("DELETE", f"/Participants/{removed['call_sid']}"),
            ("POST", ""),
        ]
    )  # one request each: nothing retried
    assert_secrets_nowhere(output)
