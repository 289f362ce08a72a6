"""
Issue 23, point 4, through real Airflow (``airflow dags test``): the archive never lies.

One recording's final path is taken by a folder, another has partial files a killed run left
behind. The task fails, after pushing ``archived``: an error for the blocked recording, a byte-exact
copy of the other, and the leftovers gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from signalwire_test_support import connection_json, read_xcom

from airflow_provider_signalwire.testing.media import media_bytes
from airflow_provider_signalwire.transfers._storage import part_name

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

DAG_ID = "signalwire_archive_honest"
DAGS = Path(__file__).parent / "dags"

pytestmark = pytest.mark.integration


def test_a_blocked_path_fails_the_task_after_an_honest_archived_xcom(
    airflow_db: Path, emulator: SignalWireEmulator, tmp_path: Path
) -> None:
    conference = emulator.add_conference(friendly_name="honest", status="completed")["sid"]
    blocked = emulator.add_recording(conference, status="completed", size=2048)["sid"]
    resumed = emulator.add_recording(conference, status="completed", size=70_000)["sid"]
    folder = tmp_path / conference
    (folder / f"{blocked}.wav").mkdir(parents=True)
    leftover = folder / part_name(f"{resumed}.wav")
    leftover.write_bytes(b"the first half of a killed download")
    env = os.environ.copy()
    env.update(
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW_CONN_SIGNALWIRE_DEFAULT=connection_json(emulator.url),
    )
    conf = {"conference_sid": conference, "destination": f"file://{tmp_path}"}

    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, "--conf", json.dumps(conf)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip

    output = done.stdout + done.stderr
    assert "1 of 2 recordings" in output, output[-6000:]
    [archived] = read_xcom(DAG_ID, "archive_recordings", "archived", order_by="run_id")
    failed, copied = archived
    assert failed["recording_sid"] == blocked
    assert failed["error_type"] == "NotARegularFileError"
    assert (failed["bytes"], failed["sha256"]) == (None, None)
    assert copied["recording_sid"] == resumed and copied["bytes"] == 70_000
    assert (folder / f"{resumed}.wav").read_bytes() == media_bytes(resumed, "wav", 70_000)
    assert not leftover.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{blocked}.wav", f"{resumed}.wav"])
    assert list((folder / f"{blocked}.wav").iterdir()) == []
