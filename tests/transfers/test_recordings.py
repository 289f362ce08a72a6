"""ConferenceRecordingsToStorageOperator against the emulator over loopback, into file:// and memory://."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk import ObjectStoragePath
from archive_test_support import WAIT, CountingTaskInstance, execute_failing, operator
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.exceptions import SignalWireValidationError
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing.media import media_bytes
from airflow_provider_signalwire.transfers._storage import RecordingFile

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing.recorded import RecordedRequest

MEDIA_ROOT = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Recordings/"


def run(op: Any) -> tuple[list[dict[str, Any]], CountingTaskInstance]:
    ti = CountingTaskInstance()
    return op.execute({"ti": ti}), ti


def media_requests(emu: SignalWireEmulator, method: str = "GET") -> list[RecordedRequest]:
    return [r for r in emu.requests if r.method == method and r.path.startswith(MEDIA_ROOT)]


def folder_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def conference(signalwire_default: SignalWireEmulator) -> str:
    return str(
        signalwire_default.add_conference(friendly_name="archive", status="completed")["sid"]
    )


@pytest.mark.parametrize("media_format", ["wav", "mp3"])
def test_copies_are_byte_exact_with_their_sha256(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path, media_format: str
) -> None:
    emu = signalwire_default
    sizes = {1: None, 4096: None, 1_000_003: None}
    sids = {emu.add_recording(conference, status="completed", size=n)["sid"]: n for n in sizes}

    archived, ti = run(operator(f"file://{tmp_path}", conference, format=media_format))

    assert ti.archived == archived
    assert [item["recording_sid"] for item in archived] == list(sids)
    for item in archived:
        expected = media_bytes(item["recording_sid"], media_format, sids[item["recording_sid"]])
        stored = tmp_path / conference / f"{item['recording_sid']}.{media_format}"
        assert stored.read_bytes() == expected
        assert item == {
            "recording_sid": item["recording_sid"],
            "path": f"file://{stored}",
            "bytes": len(expected),
            "sha256": hashlib.sha256(expected).hexdigest(),
            "skipped": False,
        }
    assert folder_files(tmp_path) == sorted(f"{conference}/{sid}.{media_format}" for sid in sids)


def test_media_is_fetched_without_credentials_from_the_spec_path(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    sid = emu.add_recording(conference, status="completed", size=10)["sid"]

    run(operator(f"file://{tmp_path}", conference))

    [download] = media_requests(emu)
    assert download.path == f"{MEDIA_ROOT}{sid}.wav"
    assert download.auth_user is None
    assert "authorization" not in {name.lower() for name in download.headers}
    listing = [r for r in emu.requests if r.path.endswith("/Recordings")]
    assert listing and all(r.auth_ok for r in listing)


def test_a_second_run_downloads_nothing(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    for size in (1, 4096, 70_000):
        emu.add_recording(conference, status="completed", size=size)
    first, _ = run(operator(f"file://{tmp_path}", conference))
    before = {name: (tmp_path / name).stat().st_mtime_ns for name in folder_files(tmp_path)}
    emu.clear_requests()

    second, _ = run(operator(f"file://{tmp_path}", conference))

    assert media_requests(emu) == []
    assert len(media_requests(emu, "HEAD")) == 3
    assert [item["skipped"] for item in second] == [True, True, True]
    assert [item["bytes"] for item in second] == [item["bytes"] for item in first]
    assert all(item["sha256"] is None for item in second)
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in folder_files(tmp_path)} == before


def test_overwrite_downloads_again(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    emu.add_recording(conference, status="completed", size=100)
    run(operator(f"file://{tmp_path}", conference))
    emu.clear_requests()

    [item], _ = run(operator(f"file://{tmp_path}", conference, overwrite=True))

    assert item["skipped"] is False
    assert len(media_requests(emu)) == 1
    assert media_requests(emu, "HEAD") == []


def test_a_file_of_another_size_is_replaced(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    sid = emu.add_recording(conference, status="completed", size=300)["sid"]
    stale = tmp_path / conference / f"{sid}.wav"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half a file")

    [item], _ = run(operator(f"file://{tmp_path}", conference))

    assert item["skipped"] is False
    assert stale.read_bytes() == media_bytes(sid, "wav", 300)


@pytest.mark.parametrize("head_status", [404, 405, 501])
def test_without_head_support_the_size_is_read_from_the_download_headers(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path, head_status: int
) -> None:
    emu = signalwire_default
    emu.add_recording(conference, status="completed", size=5000)
    run(operator(f"file://{tmp_path}", conference))
    emu.add_fault(Fault(status=head_status, method="HEAD"), times=1)

    [item], _ = run(operator(f"file://{tmp_path}", conference))

    assert item["skipped"] is True
    assert item["bytes"] == 5000
    assert folder_files(tmp_path) == [f"{conference}/{item['recording_sid']}.wav"]


def test_a_recording_in_progress_is_skipped_with_a_warning(
    signalwire_default: SignalWireEmulator,
    conference: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    emu = signalwire_default
    live = emu.add_recording(conference, status="in-progress", size=10)["sid"]
    done = emu.add_recording(conference, status="completed", size=10)["sid"]

    archived, _ = run(operator(f"file://{tmp_path}", conference))

    assert [(item["recording_sid"], item["skipped"]) for item in archived] == [
        (live, True),
        (done, False),
    ]
    assert archived[0]["bytes"] is None and archived[0]["sha256"] is None
    assert [r.path for r in media_requests(emu)] == [f"{MEDIA_ROOT}{done}.wav"]
    [warning] = [line for line in capfd.readouterr().out.splitlines() if live in line]
    assert "warning" in warning and "in-progress, not completed yet: skipped" in warning


def test_a_reset_mid_file_is_retried_and_never_shows_a_partial_file(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    sid = emu.add_recording(conference, status="completed", size=1_000_003)["sid"]
    emu.add_fault(Fault(action="reset", after_bytes=300_000, path_contains=f"{sid}.wav"), times=1)

    [item], _ = run(operator(f"file://{tmp_path}", conference))

    assert len(media_requests(emu)) == 2
    assert item["bytes"] == 1_000_003
    assert (tmp_path / conference / f"{sid}.wav").read_bytes() == media_bytes(sid, "wav", 1_000_003)
    assert folder_files(tmp_path) == [f"{conference}/{sid}.wav"]


def test_a_reset_on_every_attempt_leaves_no_file_at_all(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    sid = emu.add_recording(conference, status="completed", size=500_000)["sid"]
    emu.add_fault(Fault(action="reset", after_bytes=1000, path_contains=f"{sid}.wav"), times=3)
    [item] = execute_failing(
        operator(f"file://{tmp_path}", conference, max_attempts=3), "1 of 1 recordings"
    )

    assert len(media_requests(emu)) == 3
    assert item["error_type"] == "SignalWireConnectionError"
    assert "gave up after 3 attempts" in item["error"]
    assert folder_files(tmp_path) == []


def test_a_cut_off_body_with_a_huge_announced_length_fails_cleanly(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    broken = emu.add_recording(conference, status="completed", size=4096)["sid"]
    fine = emu.add_recording(conference, status="completed", size=4096)["sid"]
    emu.add_fault(
        Fault(action="truncate", after_bytes=2048, content_length=10**13,
              path_contains=f"{broken}.wav"),
        times=2,
    )  # fmt: skip
    failed, archived = execute_failing(
        operator(f"file://{tmp_path}", conference, max_attempts=2), "1 of 2 recordings"
    )

    assert failed["recording_sid"] == broken
    assert failed["error_type"] == "SignalWireConnectionError"
    assert failed["bytes"] is None and failed["sha256"] is None
    assert archived["recording_sid"] == fine and archived["bytes"] == 4096
    assert folder_files(tmp_path) == [f"{conference}/{fine}.wav"]


def test_a_missing_recording_fails_that_file_without_retry(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    sid = emu.add_recording(conference, status="completed", size=10)["sid"]
    emu.add_fault(Fault(status=404, path_contains=f"{sid}.wav"), times=5)
    archived = execute_failing(operator(f"file://{tmp_path}", conference), None)

    assert len(media_requests(emu)) == 1
    assert archived[0]["error_type"] == "SignalWireNotFoundError"


def test_a_redirect_is_never_followed(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as elsewhere:
        sid = emu.add_recording(conference, status="completed", size=10)["sid"]
        location = f"{elsewhere.url}{MEDIA_ROOT}{sid}.wav"
        emu.add_fault(Fault(status=302, headers={"Location": location}, path_contains=".wav"))
        [item] = execute_failing(operator(f"file://{tmp_path}", conference), None)

        assert elsewhere.requests == []
    assert item["error_type"] == "SignalWireResponseError"
    assert "not followed" in item["error"]


def test_concurrency_is_bounded_and_every_file_arrives(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    emu.latency = 0.02
    sids = [emu.add_recording(conference, status="completed", size=2000)["sid"] for _ in range(12)]
    emu.reset_max_in_flight()

    archived, _ = run(operator(f"file://{tmp_path}", conference, max_concurrency=3))

    assert [item["recording_sid"] for item in archived] == sids
    assert 1 < emu.max_in_flight <= 3
    assert len(folder_files(tmp_path)) == 12


def test_lists_every_page_of_recordings(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    sids = [emu.add_recording(conference, status="completed", size=1)["sid"] for _ in range(55)]

    archived, _ = run(operator(f"file://{tmp_path}", conference, max_concurrency=8))

    assert [item["recording_sid"] for item in archived] == sids
    pages = [r for r in emu.requests if r.path.removesuffix(".json").endswith("/Recordings")]
    assert len(pages) == 2


def test_object_store_paths_work_through_fsspec(
    signalwire_default: SignalWireEmulator, conference: str
) -> None:
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    attach("memory", fs=MemoryFileSystem())
    emu = signalwire_default
    sid = emu.add_recording(conference, status="completed", size=4096)["sid"]
    destination = ObjectStoragePath("memory://recordings-bucket/archive")

    [item], _ = run(operator(destination, conference, format="mp3"))

    stored = destination / conference / f"{sid}.mp3"
    assert item["path"] == str(stored)
    # universal_pathlib 0.2 writes memory:///bucket, 0.3 memory://bucket
    assert item["path"].replace(":///", "://") == (
        f"memory://recordings-bucket/archive/{conference}/{sid}.mp3"
    )
    assert stored.read_bytes() == media_bytes(sid, "mp3", 4096)
    assert [p.name for p in stored.parent.iterdir()] == [f"{sid}.mp3"]
    [again], _ = run(operator("memory://recordings-bucket/archive", conference, format="mp3"))
    assert again["skipped"] is True


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"format": "ogg"}, "format"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": 65}, "max_concurrency"),
        ({"overwrite": "yes"}, "overwrite"),
    ],
)
def test_bad_arguments_fail_when_the_dag_is_parsed(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(SignalWireValidationError, match=named):
        operator("file:///tmp/x", "CF1", **kwargs)


@pytest.mark.parametrize(
    ("conference_sid", "destination", "named"),
    [
        ("../etc", "file:///tmp/x", "conference_sid"),
        ("CF1", "", "destination"),
        ("CF1", 42, "destination"),
    ],
)
def test_bad_rendered_values_fail_before_any_request(
    signalwire_default: SignalWireEmulator, conference_sid: str, destination: Any, named: str
) -> None:
    with pytest.raises(SignalWireValidationError, match=named):
        run(operator(destination, conference_sid))
    assert signalwire_default.requests == []


def test_lineage_names_the_recordings_and_the_stored_files(
    signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
) -> None:
    emu = signalwire_default
    live = emu.add_recording(conference, status="in-progress", size=1)["sid"]
    sids = [emu.add_recording(conference, status="completed", size=10)["sid"] for _ in range(2)]
    op = operator(f"file://{tmp_path}", conference)
    run(op)

    # As the OpenLineage provider gets it when the task completes.
    from airflow.providers.openlineage.extractors.manager import ExtractorManager

    extractor = ExtractorManager().get_extractor_class(op)
    assert extractor is not None
    lineage = extractor(op).extract_on_complete(None)
    assert lineage is not None

    host = emu.url.split("://", 1)[1]
    assert [(d.namespace, d.name) for d in lineage.inputs] == [
        (f"signalwire://{host}", f"{PROJECT_ID}/conferences/{conference}/recordings/{sid}")
        for sid in sids
    ]
    assert [(d.namespace, d.name) for d in lineage.outputs] == [
        ("file", str(tmp_path / conference / f"{sid}.wav")) for sid in sids
    ]
    assert live not in repr(lineage)


def test_on_kill_stops_a_download_mid_file_and_starts_no_other(
    signalwire_default: SignalWireEmulator,
    conference: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = signalwire_default
    first = emu.add_recording(conference, status="completed", size=3_000_000)["sid"]
    later = emu.add_recording(conference, status="completed", size=10)["sid"]
    op = operator(f"file://{tmp_path}", conference, max_concurrency=1)
    write = RecordingFile.write

    def write_then_kill(self: RecordingFile, chunk: bytes) -> None:
        write(self, chunk)
        op.on_kill()  # what Airflow calls on SIGTERM, from the main thread

    monkeypatch.setattr(RecordingFile, "write", write_then_kill)
    dropped, not_started = execute_failing(op, "2 of 2 recordings")

    assert [dropped["error_type"], not_started["error_type"]] == ["DownloadCancelledError"] * 2
    # Whichever net stopped the first download (the event at its next write, or the abort at
    # its next read), the second one was never started: only the event says so.
    assert dropped["error"].endswith("the task is stopping; download dropped")
    assert not_started["error"] == f"Recording {later}: the task is stopping; not started"
    assert [r.path for r in media_requests(emu)] == [f"{MEDIA_ROOT}{first}.wav"]
    assert later not in str(emu.requests)
    assert folder_files(tmp_path) == []


def test_a_timeout_in_the_task_thread_stops_the_downloads(
    signalwire_default: SignalWireEmulator,
    conference: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """
    Airflow's execution_timeout: a signal handler raises in the task's thread, waiting on the pool.

    The signal is sent once both downloads are writing (no timer): the task thread is then
    waiting for them, and the error must stop both and start none of the four queued.
    """
    import signal
    import threading

    emu = signalwire_default
    for _ in range(6):
        emu.add_recording(conference, status="completed", size=3_000_000)
    write = RecordingFile.write
    writing: list[RecordingFile] = []
    lock = threading.Lock()

    def write_then_hang_until_cancelled(self: RecordingFile, chunk: bytes) -> None:
        write(self, chunk)
        with lock:
            if self not in writing:
                writing.append(self)
                if len(writing) == 2:  # both downloads are in flight: time is up
                    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGUSR1)
        assert self.cancel is not None
        self.cancel.wait(WAIT)

    class TaskTimeoutError(Exception):
        pass

    def on_signal(signum: int, frame: Any) -> None:
        raise TaskTimeoutError

    monkeypatch.setattr(RecordingFile, "write", write_then_hang_until_cancelled)
    previous = signal.signal(signal.SIGUSR1, on_signal)
    try:
        with pytest.raises(TaskTimeoutError):
            operator(f"file://{tmp_path}", conference, max_concurrency=2).execute(
                {"ti": CountingTaskInstance()}
            )
    finally:
        signal.signal(signal.SIGUSR1, previous)

    assert len(writing) == 2
    assert all(file.cancel is not None and file.cancel.is_set() for file in writing)
    assert len(media_requests(emu)) == 2
    assert folder_files(tmp_path) == []
