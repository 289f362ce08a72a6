"""
A connection nobody defined: the error says how to define it, and the task is not retried.

It stays an ``AirflowNotFoundException`` (what Airflow raises for it), for code that catches that.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from airflow_provider_signalwire._compat import AirflowFailException, AirflowNotFoundException
from airflow_provider_signalwire.exceptions import SignalWireConnectionNotFoundError
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from pathlib import Path

HOW_TO = (
    "The conn_id `signalwire_nowhere` isn't defined. Define it with the environment variable "
    "AIRFLOW_CONN_SIGNALWIRE_NOWHERE (a JSON object with conn_type signalwire, host, login and "
    "password), or in the Airflow UI under Admin > Connections > Add, connection type SignalWire."
)


@pytest.fixture(autouse=True)
def no_such_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_SIGNALWIRE_NOWHERE", raising=False)


def test_the_sync_hook_says_how_to_define_it() -> None:
    hook = SignalWireHook("signalwire_nowhere")
    with pytest.raises(AirflowNotFoundException) as caught:
        hook.get_conference("CF1")
    assert isinstance(caught.value, SignalWireConnectionNotFoundError)
    assert isinstance(caught.value, AirflowFailException)  # no task retry can define it
    assert str(caught.value) == HOW_TO


def test_the_async_hook_says_the_same() -> None:
    async def look_up() -> None:
        async with SignalWireAsyncHook("signalwire_nowhere") as hook:
            await hook.get_conference("CF1")

    with pytest.raises(AirflowNotFoundException) as caught:
        asyncio.run(look_up())
    assert isinstance(caught.value, SignalWireConnectionNotFoundError)
    assert str(caught.value) == HOW_TO


DAG_FILE = """
import datetime

from airflow.sdk import DAG

from airflow_provider_signalwire.operators.conference import StopConferenceStreamOperator

with DAG(
    "signalwire_missing_connection",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    default_args={"retries": 2, "retry_delay": datetime.timedelta(seconds=1)},
):
    StopConferenceStreamOperator(
        task_id="stop", signalwire_conn_id="signalwire_nowhere", conference_sid="CF1",
        stream_sid="ST1",
    )
"""


@pytest.mark.integration
def test_a_dag_run_fails_once_with_the_hint(airflow_db: Path, tmp_path: Path) -> None:
    (tmp_path / "missing_connection.py").write_text(DAG_FILE)
    env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "signalwire_missing_connection"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "AIRFLOW_CONN_SIGNALWIRE_NOWHERE" in output, output[-4000:]
    assert "Admin > Connections > Add" in output
    assert "new_state=failed" in output and "up_for_retry" not in output.lower()  # no retry
