"""
Issue 23, point 7, through real Airflow (``airflow dags test``): one stream per task instance.

The emulator applies the first start and loses its answer, so the first try fails; Airflow
retries. The retry stops what the first try started (found through ``task_state_store`` on
Airflow 3.3, by the derived name on 3.1) and starts anew: exactly one live stream remains.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import connection_json, read_xcom

from airflow_provider_signalwire.testing import Fault

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

DAG_ID = "signalwire_start_stream_once"
DAGS = Path(__file__).parent / "dags"

pytestmark = pytest.mark.integration


def run_dag(emu: SignalWireEmulator, conf: dict[str, Any]) -> str:
    env = os.environ.copy()
    env.update(
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW_CONN_SIGNALWIRE_DEFAULT=connection_json(emu.url),
    )
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, "--conf", json.dumps(conf)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    return done.stdout + done.stderr


def streams_of(emu: SignalWireEmulator, conference_sid: str) -> list[dict[str, Any]]:
    [conference] = [c for c in emu.state()["conferences"] if c["sid"] == conference_sid]
    streams: list[dict[str, Any]] = conference["streams"]
    return streams


def start_requests(emu: SignalWireEmulator, conference_sid: str) -> list[str]:
    return [
        r.path.rpartition(f"/Conferences/{conference_sid}/")[2]
        for r in emu.requests
        if r.method == "POST" and f"/Conferences/{conference_sid}/Streams" in r.path
    ]


@pytest.mark.parametrize("given_name", ["", "recorder-7"])
def test_a_lost_start_answer_and_a_retry_leave_exactly_one_live_stream(
    airflow_db: Path, emulator: SignalWireEmulator, given_name: str
) -> None:
    conference = emulator.add_conference(friendly_name="once", status="in-progress")["sid"]
    emulator.add_fault(
        Fault(action="apply_then_drop", method="POST", path_contains=f"{conference}/Streams"),
        times=1,
    )

    output = run_dag(emulator, {"conference_sid": conference, "name": given_name})

    streams = streams_of(emulator, conference)
    live = [s for s in streams if s["status"] in ("queued", "in-progress")]
    assert len(live) == 1, (streams, output[-6000:])
    assert [s["status"] for s in streams] == ["stopped", "in-progress"]
    name = live[0]["name"]
    assert {s["name"] for s in streams} == {name}
    if given_name:
        assert name == given_name
    else:
        assert name.startswith(f"airflow-{DAG_ID}.start_stream-")
    # try 1: start (answer lost); try 2: stop the earlier stream, then start.
    stopped_by = start_requests(emulator, conference)
    assert len(stopped_by) == 3 and stopped_by[0] == stopped_by[2] == "Streams"
    assert stopped_by[1].startswith("Streams/")
    pushed = read_xcom(DAG_ID, "start_stream", "stream_sid", order_by="run_id")
    assert pushed[-1] == live[0]["sid"]


def test_without_a_lost_answer_one_try_starts_one_stream_and_stops_nothing(
    airflow_db: Path, emulator: SignalWireEmulator
) -> None:
    conference = emulator.add_conference(friendly_name="once-ok", status="in-progress")["sid"]

    run_dag(emulator, {"conference_sid": conference, "name": ""})

    assert [s["status"] for s in streams_of(emulator, conference)] == ["in-progress"]
    assert start_requests(emulator, conference) == ["Streams"]


def airflow_has_task_state_store() -> bool:
    try:
        from airflow.sdk.execution_time.context import TaskStateStoreAccessor  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(
    not airflow_has_task_state_store(), reason="task_state_store arrived in Airflow 3.3"
)
def test_the_task_state_store_finds_a_stream_whose_name_changed_between_tries(
    airflow_db: Path, emulator: SignalWireEmulator
) -> None:
    """A name rendered per try ("...-{{ ti.try_number }}"): only the stored name can find it."""
    conference = emulator.add_conference(friendly_name="renamed", status="in-progress")["sid"]
    emulator.add_fault(
        Fault(action="apply_then_drop", method="POST", path_contains=f"{conference}/Streams"),
        times=1,
    )

    conf = {"conference_sid": conference, "name": "rec", "name_per_try": True}
    output = run_dag(emulator, conf)

    streams = [(s["name"], s["status"]) for s in streams_of(emulator, conference)]
    assert streams == [("rec-1", "stopped"), ("rec-2", "in-progress")], output[-6000:]
