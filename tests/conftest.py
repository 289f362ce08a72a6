"""
Test set-up shared by the whole suite.

Airflow reads its configuration when first imported, so the environment is set here, before any
test module imports it: a throw-away ``AIRFLOW_HOME`` (never the user's), no example DAGs, and the
repository's ``dags/`` as the DAGs folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

REPO = Path(__file__).resolve().parent.parent
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="signalwire-test-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
os.environ.pop("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", None)

from signalwire_test_support import PROJECT_ID, TOKEN, connection_json, skip_reasons  # noqa: E402

from airflow_provider_signalwire.testing import SignalWireEmulator  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator


def _fresh_asgiref_executor() -> None:
    """
    Give a forked child its own thread for Airflow's async connection look-up.

    ``aget_connection`` runs the secrets backend through asgiref's one-thread executor, a class
    attribute. A child forked after that thread started (mutmut forks one worker per mutant)
    inherits the executor but not its thread, so every async look-up waited forever there and
    the test was cut by its timeout: a kill that no mutant caused.
    """
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


os.register_at_fork(after_in_child=_fresh_asgiref_executor)


@pytest.fixture(params=["Etc/GMT+12", "Etc/GMT-14"])
def machine_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """
    Run the test on a machine whose local time zone is far from UTC (UTC-12, then UTC+14).

    Between them, the local date differs from the UTC date at every hour of the day (UTC-12
    before noon UTC, UTC+14 from 10:00 UTC), so a date read in local time fails one of them.
    """
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def emulator() -> Iterator[SignalWireEmulator]:
    """A fresh emulator on a free loopback port, with the suite's project and token."""
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
        yield emu


@pytest.fixture
def signalwire_default(
    emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> SignalWireEmulator:
    """Point the ``signalwire_default`` connection at the emulator."""
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url))
    return emulator


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[SignalWireEmulator]:
    """One emulator for a whole test module (for tables of many rows; see ``emu``)."""
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def emu(module_emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch) -> SignalWireEmulator:
    """The module's emulator, put back to its seeded state, behind ``signalwire_default``."""
    module_emulator.reset()
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(module_emulator.url))
    return module_emulator


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


#: ``scripts/test`` names a file here; the run writes one line per skip reason into it
#: (``<count><TAB><reason>``), so that the script's last line can say what was skipped.
SKIPS_FILE_ENV = "SIGNALWIRE_SKIPS_FILE"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    path = os.environ.get(SKIPS_FILE_ENV)
    if path:
        reasons = skip_reasons(terminalreporter.stats.get("skipped", []))
        Path(path).write_text("".join(f"{n}\t{reason}\n" for reason, n in reasons.items()))


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """
    Run ``tests/browser`` last (stable sort: the order is otherwise kept).

    Playwright's sync API leaves an event loop marked as running in the main thread even after it
    closes, so any later ``asyncio.run()`` (the trigger tests) would fail.
    """
    items.sort(key=lambda item: item.path.parent.name == "browser")
