"""
Test set-up shared by the whole suite.

Airflow reads its configuration when first imported, so the environment is set here, before any
test module imports it: a throw-away ``AIRFLOW_HOME`` (never the user's), no example DAGs, and the
repository's ``dags/`` as the DAGs folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="signalwire-test-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
os.environ.pop("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", None)

from airflow_provider_signalwire.testing import SignalWireEmulator  # noqa: E402

#: A recognisable token: any test that finds it in output has found a leak.
TOKEN = "sw-token-LEAKCHECK-5f1e2d3c4b5a"
PROJECT_ID = "0c7e9a3e-1b2d-4c5f-8a9b-7d6e5f4a3b2c"


def connection_json(url: str, *, token: str = TOKEN, **extra: Any) -> str:
    """The ``AIRFLOW_CONN_...`` JSON of a ``signalwire`` connection to ``url``."""
    return json.dumps(
        {"conn_type": "signalwire", "host": url, "login": PROJECT_ID, "password": token, "extra": extra}
    )


@pytest.fixture
def emulator() -> Iterator[SignalWireEmulator]:
    """A fresh emulator on a free loopback port, with the suite's project and token."""
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
        yield emu


@pytest.fixture
def signalwire_default(emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch) -> SignalWireEmulator:
    """Point the ``signalwire_default`` connection at the emulator."""
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url))
    return emulator


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the metadata database (SQLite in the throw-away ``AIRFLOW_HOME``) once."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
        timeout=300,
    )
    return AIRFLOW_HOME
