"""
The demo behind ``scripts/demo``: the example stop DAG, end to end, against the local emulator.

Starts the emulator on a free loopback port with a random token, points the ``signalwire_default``
connection at it through ``AIRFLOW_CONN_SIGNALWIRE_DEFAULT``, runs ``airflow dags test`` on a
throw-away ``AIRFLOW_HOME`` (embedded SQLite), prints the stream status the DAG pushed to XCom,
then stops the emulator and removes the temporary files.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DAG_ID = "signalwire_stop_conference_stream"


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="signalwire-demo-"))
    token = f"demo-{secrets.token_hex(16)}"
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        SIGNALWIRE_EMULATOR_TOKEN=token,
    )
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider_signalwire.testing",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--project-id",
            "demo-project",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert emulator.stdout is not None
        ready = json.loads(emulator.stdout.readline())
        print(f"==> SignalWire emulator listening at {ready['url']}")
        env["AIRFLOW_CONN_SIGNALWIRE_DEFAULT"] = json.dumps(
            {
                "conn_type": "signalwire",
                "host": ready["url"],
                "login": ready["project_id"],
                "password": token,
            }
        )
        print("==> Preparing Airflow's embedded SQLite database")
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"==> airflow dags test {DAG_ID}")
        run = subprocess.run(
            [sys.executable, "-m", "airflow", "dags", "test", DAG_ID],
            env=env,
            capture_output=True,
            text=True,
        )
        log = home / "dags-test.log"
        log.write_text(run.stdout + run.stderr)
        if run.returncode != 0:
            print((run.stdout + run.stderr)[-4000:])
            print(f"DAG run failed (exit {run.returncode})")
            return 1
        with sqlite3.connect(home / "airflow.db") as db:
            rows = dict(
                db.execute(
                    "SELECT key, value FROM xcom WHERE dag_id = ? AND task_id = 'stop_stream'",
                    (DAG_ID,),
                ).fetchall()
            )
        stream = json.loads(rows["return_value"])
        status = json.loads(rows["stream_status"])
        print(
            f"==> Stream {stream['sid']} ({stream['name']}) of conference "
            f"{stream['conference_sid']}: stream_status = {status}"
        )
        leaked = token in log.read_text()
        print(f"==> API token in the run's output: {'FOUND (bug!)' if leaked else 'no'}")
        return 0 if status == "stopped" and not leaked else 1
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        print("==> Emulator stopped")
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
