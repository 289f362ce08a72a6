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
from airflow import __version__ as airflow_version
from signalwire_test_support import TOKEN, connection_json

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

ON_CALL = ("+15550100001", "+15550100002")
SENDER = "+15550100999"
DAG_ID = "signalwire_notify_masked_failure"
DB_PASSWORD = "wh-pa55word-3e8a1f"
DAGS = Path(__file__).parent / "dags"
#: Airflow 3.1's ``airflow dags test`` leaves ``exception`` out of a failure callback's context.
EXCEPTION_IN_CALLBACK_CONTEXT = tuple(int(p) for p in airflow_version.split(".")[:2]) >= (3, 3)

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
    assert len(messages) == 6, output[-6000:]
    by_task: dict[str, list[tuple[str, str]]] = {}
    for to, body in messages:
        task = next(t for t in ("leaky_export", "leaky_template", "broken_template") if t in body)
        by_task.setdefault(task, []).append((to, body))
    for task, texts in by_task.items():
        assert [to for to, _ in texts] == list(ON_CALL), task
    for _, body in by_task["leaky_template"]:
        assert body == "leaky_template failed; target postgres://etl:***@db.internal:5432/dw"
    for _, body in by_task["broken_template"]:
        assert "could not be rendered" in body
        assert DAG_ID in body and "manual__" in body
    for _, body in by_task["leaky_export"]:
        if EXCEPTION_IN_CALLBACK_CONTEXT:
            assert body.startswith("leaky_export failed: could not connect to postgres://etl:***@")
            assert len(body) == 1600 and body.endswith("\u2026")
        else:  # `airflow dags test` of 3.1 gives callbacks no `exception`: the fallback pages
            assert "could not be rendered" in body and "task leaky_export" in body
    for place in (str(emulator.requests), str(emulator.messages)):
        assert DB_PASSWORD not in place
        assert TOKEN not in place
