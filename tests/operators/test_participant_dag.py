"""
End to end through Airflow (``airflow dags test``): a participant update the spec defines is
applied; one with a field the spec does not define fails before any request, without a retry.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from signalwire_test_support import connection_json

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator

pytestmark = pytest.mark.integration

DAG_ID = "signalwire_spec_participant_update"
DAG_FILE = """
import datetime

from airflow.sdk import DAG

from airflow_provider_signalwire.operators.conference import UpdateConferenceParticipantOperator

with DAG(
    "{dag_id}",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    default_args={{"retries": 2, "retry_delay": datetime.timedelta(seconds=1)}},
):
    UpdateConferenceParticipantOperator(
        task_id="mute", conference_sid="{conference}", call_sid="{muted}", muted=True, hold=True
    )
    UpdateConferenceParticipantOperator(
        task_id="beep", conference_sid="{conference}", call_sid="{refused}", beep_on_exit=True
    )
"""


def test_participant_updates_through_airflow(
    airflow_db: Path, emulator: SignalWireEmulator, tmp_path: Path
) -> None:
    conference = emulator.demo_conference_sid
    muted, refused = (emulator.add_participant(conference)["call_sid"] for _ in range(2))
    (tmp_path / "spec_participant.py").write_text(
        DAG_FILE.format(dag_id=DAG_ID, conference=conference, muted=muted, refused=refused)
    )
    env = os.environ.copy()
    env.update(
        AIRFLOW__CORE__DAGS_FOLDER=str(tmp_path),
        AIRFLOW_CONN_SIGNALWIRE_DEFAULT=connection_json(emulator.url),
    )
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "SignalWireValidationError" in output, output[-4000:]
    assert "beep_on_exit" in output and "HoldMethod" in output
    assert "new_state=failed" in output and "up_for_retry" not in output.lower()  # no retry
    participants = {p["call_sid"]: p for p in emulator.state()["conferences"][0]["participants"]}
    assert (participants[muted]["muted"], participants[muted]["hold"]) == (True, True)
    assert participants[refused]["muted"] is False
    writes = [r for r in emulator.requests if r.method == "POST"]
    assert [r.path.rsplit("/", 1)[1] for r in writes] == [muted]  # the refused task sent nothing
    assert writes[0].form == {"Muted": ["true"], "Hold": ["true"]}
