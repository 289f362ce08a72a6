"""
Killing or timing out the archive, each safety net on its own, synchronised by events only.

The nets: the cancel event (no new write, no new recording), the hook's abort (a request waiting
for the server ends at once), the clean-up of the temporary file, and never reporting a file the
run did not write. Each test switches the others off, or puts the run where they cannot act.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from archive_test_support import WAIT, CountingTaskInstance, Proxy, operator
from signalwire_test_support import PROJECT_ID, connection_json, every_file

from airflow_provider_signalwire.exceptions import SignalWireCancelledError, SignalWireError
from airflow_provider_signalwire.hooks._media import CHUNK_SIZE
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.transfers._storage import RecordingFile

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_signalwire.testing import SignalWireEmulator

MEDIA_ROOT = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Recordings/"


def stopping(sid: Any, path: str | None, error: str) -> dict[str, Any]:
    """The outcome of a recording the stopping task did not archive."""
    return {
        "recording_sid": sid,
        "path": path,
        "bytes": None,
        "sha256": None,
        "skipped": False,
        "error": error,
        "error_type": "DownloadCancelledError",
    }


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


@pytest.fixture
def conference(signalwire_default: SignalWireEmulator) -> str:
    return str(signalwire_default.add_conference(friendly_name="kill", status="completed")["sid"])


def kill_when(event: threading.Event, kill: Any) -> threading.Thread:
    """Call ``kill`` from another thread (as Airflow's signal handler does) once ``event`` is set."""

    def run() -> None:
        event.wait(WAIT)
        kill()

    thread = threading.Thread(target=run, name="test-killer", daemon=True)
    thread.start()
    return thread


class TestTheCancelEventAlone:
    """The hook's abort is switched off: only the operator's event stops the work."""

    def test_the_next_write_and_the_next_recording_stop(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        emu = signalwire_default
        first = emu.add_recording(conference, status="completed", size=3 * CHUNK_SIZE)["sid"]
        later = emu.add_recording(conference, status="completed", size=10)["sid"]
        op = operator(f"file://{tmp_path}", conference, max_concurrency=1)
        monkeypatch.setattr(SignalWireHook, "abort", lambda self: None)
        write = RecordingFile.write
        writes: list[int] = []
        temp_files: list[bool] = []

        def write_then_kill(self: RecordingFile, chunk: bytes) -> None:
            write(self, chunk)
            writes.append(len(chunk))
            temp_files.append(Path(self.temp.path).is_file())
            op.on_kill()

        monkeypatch.setattr(RecordingFile, "write", write_then_kill)
        ti = CountingTaskInstance()

        with pytest.raises(SignalWireError, match="^2 of 2 recordings of conference"):
            op.execute({"ti": ti})

        final = f"file://{tmp_path}/{conference}/{first}.wav"
        later_path = f"file://{tmp_path}/{conference}/{later}.wav"
        assert ti.archived == [
            stopping(
                first, final, f"Recording file {final}: the task is stopping; download dropped"
            ),
            stopping(later, later_path, f"Recording {later}: the task is stopping; not started"),
        ]
        assert writes == [CHUNK_SIZE]  # the second chunk was refused
        assert temp_files == [True]  # a temporary file was being written ...
        assert every_file(tmp_path) == []  # ... and is gone, with no final file
        media = [r.path for r in emu.requests if r.path.startswith(MEDIA_ROOT)]
        assert media == [f"{MEDIA_ROOT}{first}.wav"]

    def test_on_kill_before_and_after_a_run_is_harmless(
        self, signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
    ) -> None:
        signalwire_default.add_recording(conference, status="completed", size=10)
        op = operator(f"file://{tmp_path}", conference)
        op.on_kill()  # nothing runs yet: no event, no hook

        [item] = op.execute({"ti": CountingTaskInstance()})
        op.on_kill()  # the run is over: its event is gone

        assert item["bytes"] == 10 and "error" not in item
        [again] = operator(f"file://{tmp_path}", conference).execute({"ti": CountingTaskInstance()})
        assert again["skipped"] is True


class TestTheHooksAbortAlone:
    """A download waits for the server, so no write can see the event: only the abort can act."""

    @pytest.fixture
    def two(self, signalwire_default: SignalWireEmulator, conference: str) -> list[str]:
        return [
            str(signalwire_default.add_recording(conference, status="completed", size=n)["sid"])
            for n in (CHUNK_SIZE, 10)
        ]

    @pytest.fixture
    def held_media(
        self, signalwire_default: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[Proxy]:
        with Proxy(
            signalwire_default.url,
            hold=lambda method, path: method == "GET" and path.endswith(".wav"),
        ) as proxy:
            monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(proxy.url))
            yield proxy

    def test_abort_ends_the_download_in_flight_and_refuses_the_next(
        self, held_media: Proxy, two: list[str], conference: str, tmp_path: Path
    ) -> None:
        op = operator(f"file://{tmp_path}", conference, max_concurrency=1)
        ti = CountingTaskInstance()
        killer = kill_when(held_media.held, lambda: op.hook.abort())

        with pytest.raises(SignalWireError, match="^2 of 2 recordings"):
            op.execute({"ti": ti})
        killer.join(WAIT)

        first, later = two
        assert ti.archived == [
            stopping(
                sid,
                f"file://{tmp_path}/{conference}/{sid}.wav",
                f"Recording {sid}: the task is stopping; download dropped",
            )
            for sid in (first, later)
        ]
        assert held_media.paths("GET")[-1:] == [f"{MEDIA_ROOT}{first}.wav"]
        assert f"{later}.wav" not in str(held_media.seen)
        assert every_file(tmp_path) == []

    def test_on_kill_ends_the_download_in_flight_and_starts_no_other(
        self, held_media: Proxy, two: list[str], conference: str, tmp_path: Path
    ) -> None:
        op = operator(f"file://{tmp_path}", conference, max_concurrency=1)
        ti = CountingTaskInstance()
        first, later = two
        killer = kill_when(held_media.held, op.on_kill)

        with pytest.raises(SignalWireError, match="^2 of 2 recordings"):
            op.execute({"ti": ti})
        killer.join(WAIT)

        folder = f"file://{tmp_path}/{conference}"
        assert ti.archived == [
            stopping(
                first, f"{folder}/{first}.wav", f"Recording {first}: the task is stopping; "
                "download dropped"
            ),
            stopping(
                later, f"{folder}/{later}.wav", f"Recording {later}: the task is stopping; "
                "not started"
            ),
        ]  # fmt: skip
        assert f"{later}.wav" not in str(held_media.seen)
        assert every_file(tmp_path) == []

    def test_on_kill_ends_the_listing_in_flight(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        signalwire_default.add_recording(conference, status="completed", size=10)
        with Proxy(
            signalwire_default.url, hold=lambda method, path: "/Recordings" in path
        ) as proxy:
            monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(proxy.url))
            op = operator(f"file://{tmp_path}", conference)
            ti = CountingTaskInstance()
            killer = kill_when(proxy.held, op.on_kill)

            with pytest.raises(SignalWireCancelledError):
                op.execute({"ti": ti})
            killer.join(WAIT)
            seen = list(proxy.seen)

        assert ti.pushes == [("archived", [])]
        assert len(seen) == 1 and "/Recordings" in seen[0][1]


class TestATimeoutInTheTaskThread:
    """
    Airflow's ``execution_timeout`` raises in the task's thread while it waits for the pool.

    Here the "timeout" is raised by the pool's ``submit`` once the first download is writing,
    and that download goes on only once the queued ones were cancelled: no timing involved.
    """

    def test_the_running_download_stops_and_the_queued_and_unsubmitted_are_dropped(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        emu = signalwire_default
        sids = [
            emu.add_recording(conference, status="completed", size=2 * CHUNK_SIZE)["sid"]
            for _ in range(3)
        ]
        listing = SignalWireHook.list_recordings
        monkeypatch.setattr(
            SignalWireHook,
            "list_recordings",
            lambda self, *a, **k: [*listing(self, *a, **k), None],  # an odd item, never started
        )

        class TaskTimeoutError(BaseException):
            pass

        writing = threading.Event()
        queued_cancelled = threading.Event()
        submitted: list[Future[Any]] = []
        workers: list[threading.Thread] = []
        submit = ThreadPoolExecutor.submit

        def submit_or_time_out(self: ThreadPoolExecutor, *args: Any, **kwargs: Any) -> Any:
            if len(submitted) == 3:
                writing.wait(WAIT)
                raise TaskTimeoutError
            future = submit(self, *args, **kwargs)
            if submitted:
                future.add_done_callback(
                    lambda f: queued_cancelled.set() if f.cancelled() else None
                )
            submitted.append(future)
            return future

        write = RecordingFile.write

        def write_once_cancelled(self: RecordingFile, chunk: bytes) -> None:
            workers.append(threading.current_thread())
            writing.set()
            assert self.cancel is not None
            self.cancel.wait(WAIT)
            queued_cancelled.wait(WAIT)
            write(self, chunk)

        monkeypatch.setattr(ThreadPoolExecutor, "submit", submit_or_time_out)
        monkeypatch.setattr(RecordingFile, "write", write_once_cancelled)
        ti = CountingTaskInstance()
        ti.on_push = lambda: workers_alive.extend(w for w in workers if w.is_alive())
        workers_alive: list[threading.Thread] = []
        op = operator(f"file://{tmp_path}", conference, max_concurrency=1)

        with pytest.raises(TaskTimeoutError):
            op.execute({"ti": ti})

        folder = f"file://{tmp_path}/{conference}"
        first = f"{folder}/{sids[0]}.wav"
        assert ti.archived == [
            stopping(sids[0], first, f"Recording file {first}: the task is stopping; download dropped"),
            stopping(sids[1], None, f"Recording {sids[1]}: the task is stopping; not finished"),
            stopping(sids[2], None, f"Recording {sids[2]}: the task is stopping; not finished"),
            stopping(None, None, "Recording None: the task is stopping; not finished"),
        ]  # fmt: skip
        assert workers_alive == []  # every download had ended before archived was pushed
        assert every_file(tmp_path) == []
        op.on_kill()  # after the interrupted run: harmless

    def test_a_timeout_while_the_pool_starts_its_thread_still_waits_for_that_download(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """
        The timeout lands inside ``submit()``, after the pool's new thread has started but before
        the pool records it, so ``shutdown(wait=True)`` alone would not wait for that thread.
        """
        emu = signalwire_default
        sids = [
            emu.add_recording(conference, status="completed", size=2 * CHUNK_SIZE)["sid"]
            for _ in range(2)
        ]

        class TaskTimeoutError(BaseException):
            pass

        writing = threading.Event()
        writes_ended: list[bool] = []
        start = threading.Thread.start

        def start_then_time_out(self: threading.Thread) -> None:
            start(self)
            if self.name.startswith("signalwire-archive"):
                writing.wait(WAIT)  # the new thread is writing its first recording
                raise TaskTimeoutError

        write = RecordingFile.write

        def write_once_cancelled(self: RecordingFile, chunk: bytes) -> None:
            writing.set()
            assert self.cancel is not None
            self.cancel.wait(WAIT)
            try:
                write(self, chunk)
            finally:
                writes_ended.append(True)

        monkeypatch.setattr(threading.Thread, "start", start_then_time_out)
        monkeypatch.setattr(RecordingFile, "write", write_once_cancelled)
        ti = CountingTaskInstance()
        ended_at_push: list[int] = []
        ti.on_push = lambda: ended_at_push.append(len(writes_ended))
        op = operator(f"file://{tmp_path}", conference, max_concurrency=1)

        with pytest.raises(TaskTimeoutError):
            op.execute({"ti": ti})

        first = f"file://{tmp_path}/{conference}/{sids[0]}.wav"
        assert ti.archived == [
            stopping(sids[0], first, f"Recording file {first}: the task is stopping; download dropped"),
            stopping(sids[1], None, f"Recording {sids[1]}: the task is stopping; not finished"),
        ]  # fmt: skip
        assert ended_at_push == [1]  # the one write had ended (refused) before the push
        assert every_file(tmp_path) == []

    @pytest.mark.usefixtures("threads_switch_only_when_waiting")
    def test_no_worker_thread_outlives_a_finished_run(
        self,
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
        # Already at the push, the run's last step: only a join of the pool lets a worker
        # end before it (see threads_switch_only_when_waiting).
        assert alive_at_push == []
        assert workers and not any(w.is_alive() for w in workers)
        assert {w.name.rpartition("_")[0] for w in workers} == {"signalwire-archive"}
        assert {w.name.rpartition("_")[2] for w in workers} <= {"0", "1"}
