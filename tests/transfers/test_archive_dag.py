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
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import (
    PROJECT_ID,
    TOKEN,
    assert_no_secret_anywhere,
    connection_json,
    read_xcom,
)

from airflow_provider_signalwire.testing.media import media_bytes

if TYPE_CHECKING:
    from pathlib import Path

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
    return read_xcom(DAG_ID, task_id, key, order_by="run_id")


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
    assert_no_secret_anywhere(first + second, SECRETS)
