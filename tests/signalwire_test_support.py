"""Constants and helpers the test modules share (``conftest`` is not importable by name)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: A recognisable token: any test that finds it in output has found a leak.
TOKEN = "sw-token-LEAKCHECK-5f1e2d3c4b5a"
PROJECT_ID = "0c7e9a3e-1b2d-4c5f-8a9b-7d6e5f4a3b2c"


def airflow_home() -> Path:
    """The throw-away ``AIRFLOW_HOME`` that ``tests/conftest.py`` set up."""
    return Path(os.environ["AIRFLOW_HOME"])


def connection_json(url: str, *, token: str = TOKEN, **extra: Any) -> str:
    """The ``AIRFLOW_CONN_...`` JSON of a ``signalwire`` connection to ``url``."""
    return json.dumps(
        {
            "conn_type": "signalwire",
            "host": url,
            "login": PROJECT_ID,
            "password": token,
            "extra": extra,
        }
    )


class FakeSleep:
    """Stands in for ``time.sleep`` in a hook's retries: records each wait, never sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class AsyncFakeSleep(FakeSleep):
    """The same for the async hook and client, standing in for ``asyncio.sleep``."""

    async def __call__(self, seconds: float) -> None:  # type: ignore[override]
        self.waits.append(seconds)
