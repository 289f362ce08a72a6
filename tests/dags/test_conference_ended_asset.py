"""The event-driven example DAG: its Asset is watched by ConferenceEventTrigger, as Airflow sees it."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import REPO, connection_json

from airflow_provider_signalwire.triggers.conference import ConferenceEventTrigger

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator

DAG_FILE = REPO / "dags" / "conference_ended_asset.py"
DAG_ID = "signalwire_conference_ended"


def load(monkeypatch: pytest.MonkeyPatch, interval: str | None) -> dict[str, Any]:
    if interval is None:
        monkeypatch.delenv("SIGNALWIRE_EVENT_POLL_INTERVAL", raising=False)
    else:
        monkeypatch.setenv("SIGNALWIRE_EVENT_POLL_INTERVAL", interval)
    return runpy.run_path(str(DAG_FILE))


@pytest.mark.parametrize(("interval", "expected"), [(None, 60.0), ("5", 5.0)])
def test_the_asset_is_watched_by_the_event_trigger(
    monkeypatch: pytest.MonkeyPatch, interval: str | None, expected: float
) -> None:
    from airflow.triggers.base import BaseEventTrigger

    asset = load(monkeypatch, interval)["conference_ended"]
    [watcher] = asset.watchers
    trigger = watcher.trigger
    assert isinstance(trigger, ConferenceEventTrigger)
    classpath, kwargs = trigger.serialize()
    assert kwargs["events"] == ["conference-end"]
    assert kwargs["poll_interval"] == expected
    # What the triggerer does with the stored row: rebuild from the class path and kwargs.
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(__import__(module, fromlist=[name]), name)(**json.loads(json.dumps(kwargs)))
    assert rebuilt.serialize() == (classpath, kwargs)
    assert BaseEventTrigger.hash(*rebuilt.serialize()) == BaseEventTrigger.hash(classpath, kwargs)


@pytest.mark.integration
def test_a_run_by_hand_has_nothing_to_do(airflow_db: Path, emulator: SignalWireEmulator) -> None:
    env = os.environ.copy()
    env["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = connection_json(emulator.url)
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert f"DagRun Finished: dag_id={DAG_ID}" in output
    assert "state=success" in output.split("DagRun Finished:")[1].split("\n")[0]
    assert output.count("Done. Returned value was: []") == 2  # both tasks: nothing ended
    assert emulator.requests == []  # no conference ended: nothing was listed
