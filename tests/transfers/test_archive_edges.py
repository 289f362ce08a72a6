"""
The archive never claims what is not on disk (issue 23, point 4), over loopback.

A folder or a link at a recording's final path, partial files a killed run left behind, a server
answer no parser expects, a listing that fails: each recording gets its own honest outcome, the
others go on, and the ``archived`` XCom is pushed before the task fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import ObjectStoragePath
from archive_test_support import CountingTaskInstance, execute_failing, operator
from fsspec.implementations.local import LocalFileSystem
from signalwire_test_support import every_file

from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing.media import media_bytes
from airflow_provider_signalwire.transfers._storage import (
    RecordingFile,
    part_name,
    stale_parts,
)


@pytest.fixture
def conference(signalwire_default: SignalWireEmulator) -> str:
    return str(signalwire_default.add_conference(friendly_name="edges", status="completed")["sid"])


class TestOnlyARegularFileCounts:
    @pytest.mark.parametrize("overwrite", [False, True])
    def test_a_folder_at_the_final_path_is_an_error_and_nothing_hides_in_it(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        overwrite: bool,
    ) -> None:
        emu = signalwire_default
        blocked = emu.add_recording(conference, status="completed", size=2048)["sid"]
        fine = emu.add_recording(conference, status="completed", size=1024)["sid"]
        (tmp_path / conference / f"{blocked}.wav").mkdir(parents=True)

        archived = execute_failing(operator(f"file://{tmp_path}", conference, overwrite=overwrite))

        failed, done = archived
        assert failed["recording_sid"] == blocked
        assert failed["error_type"] == "NotARegularFileError"
        assert "directory" in failed["error"]
        assert (failed["bytes"], failed["sha256"], failed["skipped"]) == (None, None, False)
        assert done["recording_sid"] == fine and done["bytes"] == 1024 and "error" not in done
        assert every_file(tmp_path) == [f"{conference}/{fine}.wav"]

    def test_a_link_at_the_final_path_is_an_error_and_its_target_is_untouched(
        self, signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
    ) -> None:
        sid = signalwire_default.add_recording(conference, status="completed", size=64)["sid"]
        elsewhere = tmp_path / "elsewhere.wav"
        elsewhere.write_bytes(b"not yours")
        (tmp_path / conference).mkdir()
        (tmp_path / conference / f"{sid}.wav").symlink_to(elsewhere)

        [failed] = execute_failing(operator(f"file://{tmp_path}", conference))

        assert failed["error_type"] == "NotARegularFileError" and "link" in failed["error"]
        assert elsewhere.read_bytes() == b"not yours"

    def test_a_folder_that_appears_during_the_download_is_an_error(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        signalwire_default.add_recording(conference, status="completed", size=4096)
        write = RecordingFile.write

        def write_then_block_the_final_path(self: RecordingFile, chunk: bytes) -> None:
            write(self, chunk)
            Path(self.final.path).mkdir(exist_ok=True)

        monkeypatch.setattr(RecordingFile, "write", write_then_block_the_final_path)

        [failed] = execute_failing(operator(f"file://{tmp_path}", conference))

        assert failed["error_type"] == "NotARegularFileError"
        assert failed["sha256"] is None
        assert every_file(tmp_path) == []

    def test_the_move_is_checked_even_if_the_folder_slips_in_after_the_check(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import airflow_provider_signalwire.transfers._storage as storage

        final = ObjectStoragePath(f"file://{tmp_path}") / "RE1.wav"
        target = RecordingFile(final)
        target.restart(3)
        target.write(b"abc")
        check = storage.require_regular_file_or_nothing

        def check_then_race(path: ObjectStoragePath) -> None:
            check(path)
            Path(path.path).mkdir()

        monkeypatch.setattr(storage, "require_regular_file_or_nothing", check_then_race)

        with pytest.raises(storage.NotARegularFileError, match="after the move"):
            target.commit()
        target.discard()
        assert every_file(tmp_path) == []


class TestPartialFilesOfAKilledRun:
    def test_the_next_run_removes_them_for_the_recordings_it_handles(
        self, signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
    ) -> None:
        emu = signalwire_default
        sid = emu.add_recording(conference, status="completed", size=512)["sid"]
        live = emu.add_recording(conference, status="in-progress")["sid"]
        folder = tmp_path / conference
        folder.mkdir()
        left = [folder / part_name(f"{sid}.wav") for _ in range(2)]
        left.append(folder / part_name(f"{live}.wav"))
        for path in left:
            path.write_bytes(b"half a recording")
        unrelated = [
            folder / part_name("RE-not-listed.wav"),  # a recording this run does not handle
            folder / part_name(f"{sid}.mp3"),  # the other format: another task's file
            folder / f".{sid}.wav.not-hex.part",  # not a name this operator makes
            folder / "notes.txt",
        ]
        for path in unrelated:
            path.write_bytes(b"keep me")
        ti = CountingTaskInstance()

        operator(f"file://{tmp_path}", conference).execute({"ti": ti})

        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [f"{sid}.wav", *(p.name for p in unrelated)]
        )
        assert (folder / f"{sid}.wav").read_bytes() == media_bytes(sid, "wav", 512)

    def test_a_real_interrupted_download_leaves_a_file_the_next_run_recognises(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        sid = signalwire_default.add_recording(conference, status="completed", size=300_000)["sid"]
        write, discard = RecordingFile.write, RecordingFile.discard

        class WorkerDied(BaseException):
            """Stands in for SIGKILL: no cleanup code runs after it."""

        def write_then_die(self: RecordingFile, chunk: bytes) -> None:
            write(self, chunk)
            raise WorkerDied

        monkeypatch.setattr(RecordingFile, "write", write_then_die)
        monkeypatch.setattr(RecordingFile, "discard", lambda self: None)
        with pytest.raises(WorkerDied):
            operator(f"file://{tmp_path}", conference).execute({"ti": CountingTaskInstance()})
        folder = ObjectStoragePath(f"file://{tmp_path}") / conference
        assert list(stale_parts(folder)) == [f"{sid}.wav"]

        monkeypatch.setattr(RecordingFile, "write", write)
        monkeypatch.setattr(RecordingFile, "discard", discard)
        operator(f"file://{tmp_path}", conference).execute({"ti": CountingTaskInstance()})

        assert every_file(tmp_path) == [f"{conference}/{sid}.wav"]


class TestOneRecordingNeverAbortsTheOthers:
    def test_an_unexpected_error_in_one_recording_is_its_outcome(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        emu = signalwire_default
        odd = emu.add_recording(conference, status="completed", size=10)["sid"]
        fine = emu.add_recording(conference, status="completed", size=10)["sid"]
        download = SignalWireHook.download_recording_media

        def download_or_break(self: Any, sid: str, *args: Any, **kwargs: Any) -> Any:
            if sid == odd:
                raise ValueError("invalid literal for int() with base 10: '\u00b2'")
            return download(self, sid, *args, **kwargs)

        monkeypatch.setattr(SignalWireHook, "download_recording_media", download_or_break)

        failed, done = execute_failing(operator(f"file://{tmp_path}", conference))

        assert failed["error_type"] == "ValueError" and "\u00b2" in failed["error"]
        assert done["recording_sid"] == fine and done["bytes"] == 10

    def test_an_odd_listing_item_is_an_outcome_not_a_crash(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        fine = signalwire_default.add_recording(conference, status="completed", size=8)["sid"]
        listing = SignalWireHook.list_recordings

        def listing_with_junk(self: Any, *args: Any, **kwargs: Any) -> Any:
            junk = [None, {"sid": "../../etc", "status": "completed"}]
            return [*junk, *listing(self, *args, **kwargs)]

        monkeypatch.setattr(SignalWireHook, "list_recordings", listing_with_junk)

        none, climbing, done = execute_failing(operator(f"file://{tmp_path}", conference))

        assert none["recording_sid"] is None and none["error_type"] == "SignalWireValidationError"
        assert climbing["error_type"] == "SignalWireValidationError" and climbing["path"] is None
        assert done["recording_sid"] == fine and done["bytes"] == 8
        assert every_file(tmp_path) == [f"{conference}/{fine}.wav"]

    def test_a_failure_after_the_download_was_declined_reports_nothing_stored_or_skipped(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """
        The refused ``HEAD`` leaves it to the download's headers to find the file already there
        complete: the download is declined and counted as a skip. The clean-up that follows then
        fails: like every error, the outcome claims no bytes, no hash and no skip.
        """
        emu = signalwire_default
        sid = emu.add_recording(conference, status="completed", size=500)["sid"]
        final = tmp_path / conference / f"{sid}.wav"
        final.parent.mkdir()
        final.write_bytes(b"s" * 500)
        emu.add_fault(Fault(status=405, method="HEAD"), times=1)
        info = LocalFileSystem.info

        def info_refused_for_temporary_files(self: Any, path: str, **kwargs: Any) -> Any:
            if str(path).endswith(".part"):
                raise PermissionError(13, "Permission denied", str(path))
            return info(self, path, **kwargs)

        monkeypatch.setattr(LocalFileSystem, "info", info_refused_for_temporary_files)

        [item] = execute_failing(
            operator(f"file://{tmp_path}", conference), match="^1 of 1 recordings of conference"
        )

        assert item["error_type"] == "PermissionError"
        assert item["error"].startswith("[Errno 13] Permission denied: ")
        assert (item["recording_sid"], item["path"]) == (sid, f"file://{final}")
        assert (item["bytes"], item["sha256"], item["skipped"]) == (None, None, False)
        assert final.read_bytes() == b"s" * 500  # the file already there was left as it was


class TestArchivedIsAlwaysPushed:
    def test_a_listing_that_fails_pushes_an_empty_archived(
        self, signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path
    ) -> None:
        signalwire_default.add_fault(Fault(status=401, path_contains="/Recordings"), times=1)

        archived = execute_failing(operator(f"file://{tmp_path}", conference), match="401")

        assert archived == []

    def test_a_bad_destination_pushes_an_empty_archived(
        self, signalwire_default: SignalWireEmulator, conference: str
    ) -> None:
        archived = execute_failing(operator("   ", conference), match="Invalid destination")

        assert archived == []

    def test_a_timeout_pushes_the_finished_and_the_dropped(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        emu = signalwire_default
        first = emu.add_recording(conference, status="completed", size=16)["sid"]
        second = emu.add_recording(conference, status="completed", size=16)["sid"]
        write = RecordingFile.write

        class TaskTimeoutError(BaseException):
            pass

        def write_then_time_out(self: RecordingFile, chunk: bytes) -> None:
            write(self, chunk)
            if self.final.name.startswith(second):
                raise TaskTimeoutError

        monkeypatch.setattr(RecordingFile, "write", write_then_time_out)
        ti = CountingTaskInstance()

        with pytest.raises(TaskTimeoutError):
            operator(f"file://{tmp_path}", conference, max_concurrency=1).execute({"ti": ti})

        done, dropped = ti.archived
        assert done["recording_sid"] == first and done["bytes"] == 16 and "error" not in done
        assert dropped["recording_sid"] == second
        assert dropped["error_type"] == "DownloadCancelledError"

    def test_an_interrupt_while_submitting_reports_the_rest_as_dropped(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        emu = signalwire_default
        sids = [emu.add_recording(conference, status="completed", size=8)["sid"] for _ in range(3)]
        submit = ThreadPoolExecutor.submit
        submitted: list[object] = []

        class TaskTimeoutError(BaseException):
            pass

        def submit_then_time_out(self: ThreadPoolExecutor, *args: Any, **kwargs: Any) -> Any:
            if len(submitted) == 1:
                raise TaskTimeoutError
            future = submit(self, *args, **kwargs)
            submitted.append(future)
            future.result()  # the first download ends before the timeout strikes
            return future

        monkeypatch.setattr(ThreadPoolExecutor, "submit", submit_then_time_out)
        ti = CountingTaskInstance()

        with pytest.raises(TaskTimeoutError):
            operator(f"file://{tmp_path}", conference).execute({"ti": ti})

        archived = ti.archived
        assert [item["recording_sid"] for item in archived] == sids
        assert "error" not in archived[0] and archived[0]["bytes"] == 8
        assert [item["error_type"] for item in archived[1:]] == ["DownloadCancelledError"] * 2
