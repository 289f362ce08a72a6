"""RecordingFile: the temporary name, the hash, the exact move, the clean discard."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.transfers._storage import RecordingFile, existing_size


@pytest.fixture
def folder(tmp_path: Path) -> ObjectStoragePath:
    return ObjectStoragePath(f"file://{tmp_path}") / "conference"


def files_in(path: ObjectStoragePath) -> list[str]:
    return sorted(p.name for p in Path(path.path).iterdir()) if Path(path.path).exists() else []


class TestRecordingFile:
    def test_writes_under_a_temporary_name_then_moves_exactly(
        self, folder: ObjectStoragePath
    ) -> None:
        final = folder / "RE1.wav"
        target = RecordingFile(final)

        assert target.restart(6) is True
        target.write(b"abc")
        assert files_in(folder) == [target.temp.name]
        assert target.temp.name.startswith(".RE1.wav.") and target.temp.name.endswith(".part")
        assert not final.exists()
        target.write(b"def")
        digest = target.commit()

        assert digest == hashlib.sha256(b"abcdef").hexdigest()
        assert Path(final.path).read_bytes() == b"abcdef"
        assert files_in(folder) == ["RE1.wav"]

    def test_restart_drops_what_an_earlier_attempt_wrote(self, folder: ObjectStoragePath) -> None:
        final = folder / "RE1.wav"
        target = RecordingFile(final)
        target.restart(4)
        target.write(b"xx")
        target.restart(4)
        target.write(b"abcd")

        assert target.commit() == hashlib.sha256(b"abcd").hexdigest()
        assert Path(final.path).read_bytes() == b"abcd"

    @pytest.mark.parametrize("written", [b"", b"abc", b"abcdefgh"])
    def test_refuses_to_move_a_count_that_differs_from_the_announced_length(
        self, folder: ObjectStoragePath, written: bytes
    ) -> None:
        final = folder / "RE1.wav"
        target = RecordingFile(final)
        target.restart(5)
        if written:
            target.write(written)

        with pytest.raises(SignalWireError, match="incomplete.*5 announced"):
            target.commit()
        target.discard()

        assert not final.exists()
        assert files_in(folder) == []

    def test_commit_without_any_attempt_moves_nothing(self, folder: ObjectStoragePath) -> None:
        target = RecordingFile(folder / "RE1.wav")
        with pytest.raises(SignalWireError, match="incomplete"):
            target.commit()

    def test_declines_when_the_kept_file_has_the_announced_size(
        self, folder: ObjectStoragePath
    ) -> None:
        target = RecordingFile(folder / "RE1.wav", keep_size=10)

        assert target.restart(10) is False
        assert files_in(folder) == []
        assert target.restart(11) is True

    def test_an_unannounced_length_is_never_declined_and_commits_what_was_written(
        self, folder: ObjectStoragePath
    ) -> None:
        final = folder / "RE1.wav"
        target = RecordingFile(final, keep_size=3)

        assert target.restart(None) is True
        target.write(b"abc")

        assert target.commit() == hashlib.sha256(b"abc").hexdigest()
        assert Path(final.path).read_bytes() == b"abc"

    def test_replaces_an_existing_file(self, folder: ObjectStoragePath) -> None:
        final = folder / "RE1.wav"
        Path(folder.path).mkdir(parents=True)
        Path(final.path).write_bytes(b"old contents")
        target = RecordingFile(final, keep_size=12)
        target.restart(3)
        target.write(b"new")
        target.commit()

        assert Path(final.path).read_bytes() == b"new"

    def test_discard_is_safe_before_and_after_writing(self, folder: ObjectStoragePath) -> None:
        target = RecordingFile(folder / "RE1.wav")
        target.discard()
        target.restart(3)
        target.write(b"a")
        target.discard()
        target.discard()

        assert files_in(folder) == []

    def test_works_on_an_object_store_through_fsspec(self) -> None:
        from airflow.sdk.io import attach
        from fsspec.implementations.memory import MemoryFileSystem

        attach("memory", fs=MemoryFileSystem())
        # fsspec's memory store is one per process: a bucket of its own for each run.
        final = ObjectStoragePath(f"memory://bucket-{uuid.uuid4().hex}/archive/CF1/RE1.mp3")
        target = RecordingFile(final)
        target.restart(2)
        target.write(b"hi")
        assert existing_size(final) is None

        target.commit()

        assert final.read_bytes() == b"hi"
        assert existing_size(final) == 2
        assert [p.name for p in final.parent.iterdir()] == ["RE1.mp3"]


def test_existing_size_ignores_folders_and_missing_files(folder: ObjectStoragePath) -> None:
    Path(folder.path).mkdir(parents=True)
    assert existing_size(folder) is None
    assert existing_size(folder / "missing.wav") is None
    Path((folder / "RE1.wav").path).write_bytes(b"12345")
    assert existing_size(folder / "RE1.wav") == 5
