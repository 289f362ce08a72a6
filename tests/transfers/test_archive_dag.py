"""
The archive example DAG, run twice by real Airflow (``airflow dags test``) against the emulator.

The first run copies every completed recording byte for byte; the second downloads nothing. The
API token must appear in no output, no task log and nowhere in the metadata database (XCom and
rendered template fields included).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN, airflow_home, connection_json

from airflow_provider_signalwire.testing.media import media_bytes

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

DAG_ID = "signalwire_archive_conference_recordings"
SECRETS = (TOKEN, base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode())
SIZES = (1, 4096, 1_000_003)

pytestmark = pytest.mark.integration


def dags_test(emu: SignalWireEmulator, conf: dict[str, Any]) -> str:
    env = os.environ.copy()
    env["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = connection_json(emu.url)
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, "--conf", json.dumps(conf)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    return output


def xcom(task_id: str, key: str) -> list[Any]:
    # A snapshot of the database and its WAL, never the live files Airflow's processes share.
    with tempfile.TemporaryDirectory() as snapshot:
        for path in airflow_home().glob("airflow.db*"):
            if not path.name.endswith("-shm"):
                shutil.copy(path, snapshot)
        db = sqlite3.connect(Path(snapshot) / "airflow.db")
        try:
            rows = db.execute(
                "SELECT value FROM xcom WHERE dag_id = ? AND task_id = ? AND key = ?"
                " ORDER BY run_id",
                (DAG_ID, task_id, key),
            ).fetchall()
        finally:
            db.close()
    return [json.loads(value) for (value,) in rows]


def assert_token_nowhere(output: str) -> None:
    places = {"console": output}
    for path in (airflow_home() / "logs").rglob("*"):
        if path.is_file():
            places[str(path)] = path.read_text(errors="replace")
    for path in airflow_home().glob("airflow.db*"):
        places[f"metadata database ({path.name})"] = path.read_bytes().decode("latin-1")
    for where, text in places.items():
        for secret in SECRETS:
            assert secret not in text, f"the API token leaked into {where}"


def test_archives_byte_exact_then_downloads_nothing(
    airflow_db: Path, emulator: SignalWireEmulator, tmp_path: Path
) -> None:
    conference = emulator.add_conference(friendly_name="archive-e2e", status="completed")["sid"]
    sids = [emulator.add_recording(conference, status="completed", size=n)["sid"] for n in SIZES]
    live = emulator.add_recording(conference, status="in-progress")["sid"]
    conf = {"conference_sid": conference, "destination": f"file://{tmp_path}"}

    first = dags_test(emulator, conf)

    for sid, size in zip(sids, SIZES, strict=True):
        stored = tmp_path / conference / f"{sid}.wav"
        assert stored.read_bytes() == media_bytes(sid, "wav", size)
    assert sorted(p.name for p in (tmp_path / conference).iterdir()) == sorted(
        f"{sid}.wav" for sid in sids
    )
    [archived] = xcom("archive_recordings", "archived")
    assert [item["recording_sid"] for item in archived] == [*sids, live]
    assert [item["skipped"] for item in archived] == [False, False, False, True]
    assert [item["bytes"] for item in archived[:3]] == list(SIZES)
    assert "archive summary: {'downloaded': 3, 'skipped': 1, 'bytes': 1004100}" in first
    media_gets = [r for r in emulator.requests if r.method == "GET" and "/Recordings/" in r.path
                  and r.path.endswith(".wav")]  # fmt: skip
    assert len(media_gets) == 3 and all(r.auth_user is None for r in media_gets)
    emulator.clear_requests()

    second = dags_test(emulator, conf)

    assert [r for r in emulator.requests if r.method == "GET" and r.path.endswith(".wav")] == []
    assert "archive summary: {'downloaded': 0, 'skipped': 4, 'bytes': 0}" in second
    assert_token_nowhere(first + second)
