"""Constants and helpers the test modules share (``conftest`` is not importable by name)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Coroutine

    import pytest

T = TypeVar("T")

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


class MediaSink:
    """A download's sink that keeps what each attempt wrote, chunk by chunk (or declines them)."""

    def __init__(self, decline: bool = False) -> None:
        self.decline = decline
        self.lengths: list[int | None] = []
        self.writes: list[list[bytes]] = []

    def restart(self, content_length: int | None) -> bool:
        self.lengths.append(content_length)
        if self.decline:
            return False
        self.writes.append([])
        return True

    def write(self, chunk: bytes) -> None:
        self.writes[-1].append(chunk)

    def file(self) -> bytes:
        return b"".join(self.writes[-1])


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


def without_airflow_mask_messages(output: str) -> str:
    """
    Drop the ``MaskSecret`` messages Airflow itself relays, which ``airflow dags test`` prints.

    Airflow's in-process test supervisor prints every message it relays at DEBUG, including the
    ``MaskSecret`` messages Airflow sends when a task fetches a connection or Variable (``airflow
    dags test`` only; real deployments do not log them). Not ours to fix: exactly those lines go.
    """
    return "\n".join(
        line
        for line in output.splitlines()
        if not ("Sending request" in line and "type='MaskSecret'" in line)
    )


def places_a_user_can_read(console: str) -> dict[str, str]:
    """The console output given, every task log file, and the metadata database's files."""
    places = {"console": console}
    for path in (airflow_home() / "logs").rglob("*"):
        if path.is_file():
            places[str(path)] = path.read_text(errors="replace")
    # SQLite runs in WAL mode: recent writes sit in airflow.db-wal until a checkpoint.
    for path in airflow_home().glob("airflow.db*"):
        places[f"metadata database ({path.name})"] = path.read_bytes().decode("latin-1")
    return places


def assert_no_secret_anywhere(console: str, secrets: tuple[str, ...]) -> None:
    """Fail if any secret is in the console output, a task log or the metadata database."""
    for where, text in places_a_user_can_read(console).items():
        for secret in secrets:
            assert secret not in text, f"secret leaked into {where}"


def read_xcom(dag_id: str, task_id: str, key: str, *, order_by: str) -> list[Any]:
    """
    Read XCom values from a snapshot of the metadata database, never the live files.

    A reader in this process sharing the WAL index with Airflow's processes saw "malformed"
    pages, so the database and its WAL file are copied together and the copy is queried.

    :param order_by: ``run_id`` or ``map_index``.
    """
    if order_by not in {"run_id", "map_index"}:
        raise ValueError(order_by)
    with tempfile.TemporaryDirectory() as snapshot:
        for path in airflow_home().glob("airflow.db*"):
            if not path.name.endswith("-shm"):
                shutil.copy(path, snapshot)
        db = sqlite3.connect(Path(snapshot) / "airflow.db")
        try:
            rows = db.execute(
                "SELECT value FROM xcom WHERE dag_id = ? AND task_id = ? AND key = ?"
                f" ORDER BY {order_by}",
                (dag_id, task_id, key),
            ).fetchall()
        finally:
            db.close()
    return [json.loads(value) for (value,) in rows]


def skip_reasons(skipped: list[Any]) -> Counter[str]:
    """
    Count the skipped tests of a run by reason.

    :param skipped: pytest's ``skipped`` reports (``terminalreporter.stats["skipped"]``).
    """
    reasons: Counter[str] = Counter()
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    return reasons


class SteppedLoop(asyncio.SelectorEventLoop):
    """
    An event loop whose clock runs ahead of the real one by what the test adds to ``ahead``.

    A poller waiting an interval of an hour polls as soon as the test moves the clock by an
    hour, and never before: "no poll came" is decided by the code's own timers.
    """

    def __init__(self) -> None:
        super().__init__()
        self.ahead = 0.0

    def time(self) -> float:
        return super().time() + self.ahead

    def run_within(self, coroutine: Coroutine[Any, Any, T], seconds: float = 60.0) -> T:
        """
        Run ``coroutine`` to its end, cancelling it after ``seconds`` of real time (the loop's
        own clock jumps, so ``asyncio.wait_for`` cannot bound it); a hang fails the test.
        """
        task = self.create_task(coroutine)
        timer = threading.Timer(seconds, self.call_soon_threadsafe, (task.cancel,))
        timer.start()
        try:
            return self.run_until_complete(task)
        except asyncio.CancelledError:
            raise AssertionError(f"still running after {seconds:g} s of real time") from None
        finally:
            timer.cancel()


#: A console log line: ``[level    ] message``, then the logger and ``loc=`` if shown.
_LOG_LINE = re.compile(r"\[(?P<level>[a-z]+)\s*\] (?P<rest>.*)$")
#: Colour codes, should the console renderer use them.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: What follows the message: the logger's name in brackets and where the call was.
_TRAILER = re.compile(r"(\s+\[[\w.]+\])?(\s+loc=\S+)?\s*$")


def logged(text: str) -> list[tuple[str, str]]:
    """
    The ``(level, message)`` of each task log line in captured console output.

    Airflow's own warning that ``execute`` runs outside a task runner is left out. Colours, the
    logger's name and ``loc=`` are taken off, as Airflow versions render them differently.
    """
    found = (_LOG_LINE.search(_ANSI.sub("", line)) for line in text.splitlines())
    return [
        (m["level"], _TRAILER.sub("", m["rest"]))
        for m in found
        if m is not None and "cannot be called outside of the Task Runner" not in m["rest"]
    ]


def console(capfd: pytest.CaptureFixture[str]) -> str:
    """What was written to the console since the last read, stdout and stderr."""
    captured = capfd.readouterr()
    return captured.out + captured.err


def every_file(root: Path) -> list[str]:
    """The files under ``root`` (folders left out), as sorted relative paths."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
