"""
A real Airflow API server, with the SignalWire provider, for the connection-form tests.

``airflow_api`` starts ``airflow api-server`` on a free loopback port, in its own throw-away
``AIRFLOW_HOME`` (migrated first), with the Test button enabled and every visitor an admin
(``SimpleAuthManager`` with ``simple_auth_manager_all_admins``). It is shared by the modules of
this folder and stopped (its whole process group) when they are done.

``chromium`` gives the browser tests a headless Chromium driven by Playwright. When Chromium or
the ``playwright`` package is missing, those tests are SKIPPED with the way to enable them,
except when ``CI=true``: in CI they FAIL instead, so a CI run can never pass without them.
The API-level tests need no browser and always run.

Knobs (environment variables):

- ``SIGNALWIRE_CHROMIUM``: the Chromium executable (default: ``chromium`` or
  ``chromium-browser`` on ``PATH``).
- ``SIGNALWIRE_API_SERVER_PYTHON``: the interpreter that runs ``airflow`` (default: this one), to
  check the tests against another Airflow installation that can import the provider.
- ``SIGNALWIRE_SCREENSHOTS``: folder for the screenshots (default: a pytest temporary folder).
- ``SIGNALWIRE_UPDATE_DOCS_SCREENSHOT=1``: also write ``docs/connection-form.png``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from airflow_api_server import AirflowApi
from skip_notice import browser_skip_reason

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 180.0
CHROMIUM_ARGS = [
    "--no-sandbox",  # needed as root (CI containers)
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_skipped_browser_reasons: list[str] = []


# -- the Airflow API server ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(home: Path) -> dict[str, str]:
    env = os.environ.copy()
    for name in list(env):
        if name.startswith("AIRFLOW_CONN_"):
            del env[name]
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    return env


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="package")
def airflow_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowApi]:
    """Start ``airflow api-server`` once for this folder's modules; stop it afterwards."""
    home = tmp_path_factory.mktemp("api-server-airflow-home")
    env = _server_env(home)
    python = os.environ.get("SIGNALWIRE_API_SERVER_PYTHON") or sys.executable
    migrate = subprocess.run(
        [python, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if migrate.returncode != 0:
        pytest.fail(
            f"airflow db migrate failed:\n{migrate.stdout[-3000:]}\n{migrate.stderr[-3000:]}"
        )

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    api = AirflowApi(base_url, httpx.Client(base_url=base_url, timeout=60.0), home / "server.log")
    command = [python, "-m", "airflow", "api-server", "--host", "127.0.0.1", "--port", str(port)]
    with api.log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    try:
        _wait_until_healthy(proc, api)
        # With all-admins, Airflow 3.3 answers the REST API without a token but 3.1 answers
        # 401; GET /auth/token hands an admin token to any caller in both, so always send one.
        token = api.client.get("/auth/token")
        token.raise_for_status()
        api.client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        version = api.client.get("/api/v2/version")
        version.raise_for_status()
        api.version = _version_tuple(version.json()["version"])
        yield api
    finally:
        _stop(proc)
        api.client.close()


def _version_tuple(version: str) -> tuple[int, ...]:
    numbers = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in numbers.group(0).split(".")) if numbers else ()


def _wait_until_healthy(proc: subprocess.Popen[bytes], api: AirflowApi) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"airflow api-server exited with {proc.returncode}:\n{api.log_tail()}")
        try:
            if api.client.get("/api/v2/monitor/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"airflow api-server not healthy after {SERVER_START_TIMEOUT}s:\n{api.log_tail()}"
            )
        time.sleep(0.5)


# -- Chromium ------------------------------------------------------------------------------------


def _chromium_executable() -> str | None:
    configured = os.environ.get("SIGNALWIRE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing_for_browser_tests() -> dict[str, str]:
    """Return what the browser tests lack, as {piece: what is wrong}; empty when they can run."""
    missing = {}
    try:
        has_playwright = importlib.util.find_spec("playwright") is not None
    except (ImportError, ValueError):
        has_playwright = False
    if not has_playwright:
        missing["playwright"] = "the `playwright` Python package"
    if _chromium_executable() is None:
        configured = os.environ.get("SIGNALWIRE_CHROMIUM")
        missing["chromium"] = (
            f"Chromium (SIGNALWIRE_CHROMIUM={configured!r} not found)"
            if configured
            else "Chromium (no `chromium` or `chromium-browser` on PATH)"
        )
    return missing


# Package scope: Playwright's sync API keeps an event loop running while it is open, which
# would break every later test that calls asyncio.run().
@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``); skips, or fails in CI, if unavailable."""
    missing = _missing_for_browser_tests()
    if missing:
        reason = browser_skip_reason(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: browser tests must run in CI)", pytrace=False)
        _skipped_browser_reasons.append(reason)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium_executable(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests' screenshots go (``SIGNALWIRE_SCREENSHOTS`` or a temporary folder)."""
    configured = os.environ.get("SIGNALWIRE_SCREENSHOTS")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = tmp_path_factory.getbasetemp() / "screenshots"
    path.mkdir(exist_ok=True)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Repeat, at the very end, why the browser tests did not run."""
    if _skipped_browser_reasons:
        terminalreporter.section("browser tests skipped", sep="!", yellow=True, bold=True)
        terminalreporter.line(_skipped_browser_reasons[0], yellow=True, bold=True)
