from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import airflow_provider_signalwire.testing as emulator_package

ROOT = Path(emulator_package.__file__).resolve().parents[2]
TOKEN = "cli-token-0123456789"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "SIGNALWIRE_EMULATOR_TOKEN"}
    full_env.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_signalwire.testing", *args],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("token_from_env", "stop_signal"), [(False, signal.SIGTERM), (True, signal.SIGINT)]
)
def test_cli_prints_one_json_line_serves_and_exits_on_signal(token_from_env, stop_signal):
    args = ["--port", "0", "--project-id", "cli-project", "--seed", "0"]
    env = {"SIGNALWIRE_EMULATOR_TOKEN": TOKEN} if token_from_env else None
    process = run_cli(*args, *([] if token_from_env else ["--token", TOKEN]), env=env)
    try:
        assert process.stdout is not None
        banner = json.loads(process.stdout.readline())
        assert set(banner) == {
            "url",
            "project_id",
            "conferences",
            "streams",
            "demo_conference_sid",
            "demo_stream_sid",
            "seeded",
        }
        assert banner["project_id"] == "cli-project"
        demo, waiting, standup = banner["seeded"]
        assert demo["conference_sid"] == banner["demo_conference_sid"]
        assert demo["streams"][0] == {
            "sid": banner["demo_stream_sid"],
            "name": "demo-stream",
            "status": "in-progress",
        }
        assert len(demo["participants"]) == 2
        assert len(demo["recordings"]) == 1
        assert (waiting["status"], waiting["streams"]) == ("init", [])
        assert standup["streams"][0]["sid"] == banner["streams"][2]
        assert banner["url"].startswith("http://127.0.0.1:")
        assert TOKEN not in json.dumps(banner)
        url = (
            f"{banner['url']}/api/laml/2010-04-01/Accounts/cli-project/Conferences/"
            f"{banner['demo_conference_sid']}/Streams/{banner['demo_stream_sid']}"
        )
        response = requests.post(
            url, data={"Status": "stopped"}, auth=("cli-project", TOKEN), timeout=5
        )
        assert response.json()["status"] == "stopped"
    finally:
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert stdout == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_cli_refuses_non_loopback_host(host):
    process = run_cli("--host", host, "--port", "0", "--token", TOKEN)
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 2
    assert stdout == ""
    assert "loopback" in stderr


def test_cli_requires_a_token():
    process = run_cli("--port", "0")
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 2
    assert "SIGNALWIRE_EMULATOR_TOKEN" in stderr


def test_help_shows_every_default():
    from airflow_provider_signalwire.testing.__main__ import DEFAULT_PROJECT_ID, TOKEN_ENV

    process = run_cli("--help")
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    help_text = " ".join(out.split())  # argparse wraps lines
    for expected in (
        "(default: 127.0.0.1)",
        "(default: 8765)",
        f"(default: {DEFAULT_PROJECT_ID})",
        f"(default: the environment variable {TOKEN_ENV})",
        "(default: 0)",
        "(default: 200)",
        "(default: 0.0)",
    ):
        assert expected in help_text
