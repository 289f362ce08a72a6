"""
Issue 23, point 1, through real Airflow: ``airflow dags test`` of tasks that fail the hard way.

A task's exception holds a connection's password; another's notifier cannot render its body. The
on-call Variable has a trailing comma and newlines. Every on-call number must still get a text
for each task, none of which carries the password, each at most 1,600 characters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from signalwire_test_support import TOKEN, connection_json

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

ON_CALL = ("+15550100001", "+15550100002")
SENDER = "+15550100999"
DAG_ID = "signalwire_notify_masked_failure"
DB_PASSWORD = "wh-pa55word-3e8a1f"
DAGS = Path(__file__).parent / "dags"

pytestmark = pytest.mark.integration


def run_dag(emu: SignalWireEmulator) -> str:
    env = os.environ.copy()
    env.update(
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW_CONN_SIGNALWIRE_DEFAULT=connection_json(emu.url, from_number=SENDER),
        AIRFLOW_CONN_WAREHOUSE_DB=json.dumps(
            {
                "conn_type": "postgres",
                "host": "db.internal",
                "login": "etl",
                "password": DB_PASSWORD,
                "port": 5432,
                "schema": "dw",
            }
        ),
        AIRFLOW_VAR_SIGNALWIRE_ONCALL_NUMBERS=f"{ON_CALL[0]},\n{ON_CALL[1]},\n",
    )
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return done.stdout + done.stderr


def test_every_failure_pages_everyone_without_the_password(
    airflow_db: Path, emulator: SignalWireEmulator
) -> None:
    output = run_dag(emulator)

    assert "broken_template failed on purpose" in output, output[-6000:]
    messages = [(m["to"], m["body"]) for m in emulator.messages]
    leaky = [(to, body) for to, body in messages if body.startswith("leaky_export failed")]
    fallback = [(to, body) for to, body in messages if "could not be rendered" in body]
    assert [to for to, _ in leaky] == list(ON_CALL), output[-6000:]
    assert [to for to, _ in fallback] == list(ON_CALL), output[-6000:]
    assert len(messages) == 4
    for _, body in leaky:
        assert "could not connect to postgres://etl:***@db.internal:5432/dw" in body
        assert len(body) == 1600 and body.endswith("\u2026")
    for _, body in fallback:
        assert DAG_ID in body and "broken_template" in body and "manual__" in body
    for place in (str(emulator.requests), str(emulator.messages)):
        assert DB_PASSWORD not in place
        assert TOKEN not in place
