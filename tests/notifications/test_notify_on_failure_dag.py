"""
The example DAG ``signalwire_notify_on_failure``, run by real Airflow (``airflow dags test``).

Its task fails on purpose; the task's failure callback and the DAG's failure callback each text
every on-call number through the emulator. Then the API token is searched for in everything the
run wrote: console output, every file under ``AIRFLOW_HOME/logs`` and the metadata database.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from signalwire_test_support import (
    PROJECT_ID,
    TOKEN,
    assert_no_secret_anywhere,
    connection_json,
    without_airflow_mask_messages,
)

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator

ON_CALL = ("+15550100001", "+15550100002")
SENDER = "+15550100999"
DAG_ID = "signalwire_notify_on_failure"
SECRETS = (TOKEN, base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode())

pytestmark = pytest.mark.integration


def run_failing_dag(emu: SignalWireEmulator) -> str:
    env = os.environ.copy()
    env.update(
        AIRFLOW_CONN_SIGNALWIRE_DEFAULT=connection_json(emu.url, from_number=SENDER),
        AIRFLOW_VAR_SIGNALWIRE_ONCALL_NUMBERS=",".join(ON_CALL),
        AIRFLOW__LOGGING__LOGGING_LEVEL="DEBUG",
    )
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return done.stdout + done.stderr


def test_task_and_dag_failure_text_every_on_call_number(
    airflow_db: Path, emulator: SignalWireEmulator
) -> None:
    output = run_failing_dag(emulator)

    assert "failed on purpose" in output, output[-6000:]
    messages = [(m["to"], m["from"], m["body"]) for m in emulator.messages]
    task_messages = [m for m in messages if m[2].startswith(f"{DAG_ID}/nightly_export failed")]
    dag_messages = [m for m in messages if m[2].startswith(f"DAG {DAG_ID} failed")]
    assert [(to, sender) for to, sender, _ in task_messages] == [(n, SENDER) for n in ON_CALL]
    assert [(to, sender) for to, sender, _ in dag_messages] == [(n, SENDER) for n in ON_CALL]
    assert len(messages) == 4
    task_body = task_messages[0][2]
    assert "in run manual__" in task_body
    assert f"/dags/{DAG_ID}/runs/" in task_body and "/tasks/nightly_export" in task_body
    assert "{{" not in task_body and "{{" not in dag_messages[0][2]
    assert_no_secret_anywhere(without_airflow_mask_messages(output), SECRETS)
