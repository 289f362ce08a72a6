"""
A finished archive run has no worker thread left by the time it pushes ``archived``.

The push is the last thing the run does after the pool, so a worker still alive then would
outlive the run.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

import pytest
from archive_test_support import CountingTaskInstance, operator

from airflow_provider_signalwire.transfers._storage import RecordingFile

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator


@pytest.fixture
def conference(signalwire_default: SignalWireEmulator) -> str:
    return str(signalwire_default.add_conference(friendly_name="pool", status="completed")["sid"])


@pytest.fixture
def threads_switch_only_when_waiting() -> Iterator[None]:
    """
    Hand the interpreter to another thread only when the running one waits.

    A worker told to stop then cannot end unseen while the task's thread goes from the pool's
    shutdown to the push, however the machine schedules them: only a join lets it end first.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(5.0)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("threads_switch_only_when_waiting")
def test_every_worker_thread_has_ended_when_archived_is_pushed(
    signalwire_default: SignalWireEmulator,
    conference: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(3):
        signalwire_default.add_recording(conference, status="completed", size=10)
    workers: list[threading.Thread] = []
    write = RecordingFile.write

    def write_and_note_the_thread(self: RecordingFile, chunk: bytes) -> None:
        workers.append(threading.current_thread())
        write(self, chunk)

    monkeypatch.setattr(RecordingFile, "write", write_and_note_the_thread)
    ti = CountingTaskInstance()
    alive_at_push: list[threading.Thread] = []
    ti.on_push = lambda: alive_at_push.extend(w for w in workers if w.is_alive())

    archived = operator(f"file://{tmp_path}", conference, max_concurrency=2).execute({"ti": ti})

    assert [item["bytes"] for item in archived] == [10, 10, 10]
    assert workers
    assert alive_at_push == []
