"""
Where the archive writes and what it recognises: temporary names, leftovers, kinds, sizes, lineage.

Tables with both sides of each rule: the names a killed run leaves are found and removed, names
that merely look alike are kept; only a regular file counts; a file is never moved or reported
unless the bytes on disk are the bytes written.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import ObjectStoragePath
from archive_test_support import memory_dataset

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.transfers._lineage import (
    archive_lineage,
    recording_dataset,
    storage_dataset,
)
from airflow_provider_signalwire.transfers._storage import (
    PART_NAME,
    DownloadCancelledError,
    NotARegularFileError,
    RecordingFile,
    existing_size,
    part_name,
    path_kind,
    remove_stale_parts,
    require_regular_file_or_nothing,
    stale_parts,
)

HEX = "0123456789abcdef" * 2


@pytest.fixture
def folder(tmp_path: Path) -> ObjectStoragePath:
    Path(tmp_path, "CF1").mkdir()
    return ObjectStoragePath(f"file://{tmp_path}") / "CF1"


def local(path: ObjectStoragePath) -> Path:
    return Path(path.path)


def names_in(folder: ObjectStoragePath) -> list[str]:
    return sorted(p.name for p in local(folder).iterdir())


class TestTemporaryNames:
    @pytest.mark.parametrize("final", ["RE1.wav", "RE-1.mp3", "a.b.c.wav", "x y.wav", "é.wav"])
    def test_a_temporary_name_is_hidden_next_to_its_final_name_and_names_it(
        self, final: str
    ) -> None:
        name = part_name(final)

        assert re.fullmatch(rf"\.{re.escape(final)}\.[0-9a-f]{{32}}\.part", name)
        match = PART_NAME.fullmatch(name)
        assert match is not None and match[1] == final

    def test_each_temporary_name_is_new(self) -> None:
        assert len({part_name("RE1.wav") for _ in range(50)}) == 50

    def test_the_temporary_file_sits_in_the_final_files_folder(
        self, folder: ObjectStoragePath
    ) -> None:
        target = RecordingFile(folder / "RE1.wav")

        assert str(target.temp.parent) == str(folder)
        assert PART_NAME.fullmatch(target.temp.name)[1] == "RE1.wav"  # type: ignore[index]


class TestLeftoversOfAKilledRun:
    @pytest.mark.parametrize(
        ("name", "belongs_to"),
        [
            (f".RE1.wav.{HEX}.part", "RE1.wav"),
            (f".RE1.mp3.{HEX}.part", "RE1.mp3"),
            (f".a.b.wav.{HEX}.part", "a.b.wav"),
            (f"..{HEX}.part", None),  # no final name
            (f".RE1.wav.{HEX[:31]}.part", None),  # 31 hex digits
            (f".RE1.wav.{HEX}0.part", None),  # 33 hex digits
            (f".RE1.wav.{HEX.upper()}.part", None),  # not lower-case hex
            (f"RE1.wav.{HEX}.part", None),  # not hidden
            (f".RE1.wav.{HEX}.partial", None),
            (f".RE1.wav.{HEX}.part ", None),  # a trailing space: someone else's file
            (f".RE1.wav.{HEX}.part~", None),
            (f".RE1.wav.{HEX}.partX", None),
            ("RE1.wav", None),
        ],
    )
    def test_only_the_names_this_operator_makes_are_found(
        self, folder: ObjectStoragePath, name: str, belongs_to: str | None
    ) -> None:
        (local(folder) / name).write_bytes(b"x")

        found = stale_parts(folder)

        expected = {} if belongs_to is None else {belongs_to: [str(local(folder) / name)]}
        assert found == expected

    def test_several_leftovers_of_one_file_are_listed_together(
        self, folder: ObjectStoragePath
    ) -> None:
        names = [part_name("RE1.wav") for _ in range(3)] + [part_name("RE2.wav")]
        for name in names:
            (local(folder) / name).write_bytes(b"x")

        found = stale_parts(folder)

        assert sorted(found) == ["RE1.wav", "RE2.wav"]
        assert sorted(found["RE1.wav"]) == sorted(str(local(folder) / n) for n in names[:3])
        assert found["RE2.wav"] == [str(local(folder) / names[3])]

    def test_a_folder_that_does_not_exist_has_no_leftovers(self, tmp_path: Path) -> None:
        assert stale_parts(ObjectStoragePath(f"file://{tmp_path}") / "never-made") == {}

    def test_leftovers_are_found_on_an_object_store(self) -> None:
        from airflow.sdk.io import attach
        from fsspec.implementations.memory import MemoryFileSystem

        attach("memory", fs=MemoryFileSystem())
        folder = ObjectStoragePath(f"memory://bucket-{uuid.uuid4().hex}/archive/CF1")
        name = part_name("RE1.wav")
        (folder / name).write_bytes(b"x")
        (folder / "RE1.wav").write_bytes(b"y")

        [(belongs_to, [path])] = stale_parts(folder).items()

        assert belongs_to == "RE1.wav" and path.endswith(f"/archive/CF1/{name}")

    @pytest.mark.parametrize("count", [0, 1, 2, 3])
    def test_removing_leftovers_counts_each_file_removed(
        self, folder: ObjectStoragePath, count: int
    ) -> None:
        paths = [str(local(folder) / part_name("RE1.wav")) for _ in range(count)]
        for path in paths:
            Path(path).write_bytes(b"x")

        assert remove_stale_parts(folder, paths) == count
        assert names_in(folder) == []

    def test_a_leftover_already_gone_is_not_counted_and_is_no_error(
        self, folder: ObjectStoragePath
    ) -> None:
        kept = local(folder) / part_name("RE1.wav")
        kept.write_bytes(b"x")
        gone = str(local(folder) / part_name("RE1.wav"))

        assert remove_stale_parts(folder, [gone, str(kept)]) == 1
        assert names_in(folder) == []


class TestWhatIsAtAPath:
    def test_kinds_and_sizes_of_what_can_be_at_a_final_path(
        self, folder: ObjectStoragePath
    ) -> None:
        base = local(folder)
        (base / "file.wav").write_bytes(b"12345")
        (base / "empty.wav").write_bytes(b"")
        (base / "dir.wav").mkdir()
        (base / "link.wav").symlink_to(base / "file.wav")
        (base / "dangling.wav").symlink_to(base / "missing.wav")
        os.mkfifo(base / "fifo.wav")

        table = {
            name: (path_kind(folder / name), existing_size(folder / name))
            for name in ("missing.wav", "file.wav", "empty.wav", "dir.wav", "link.wav", "fifo.wav")
        }

        assert table == {
            "missing.wav": (None, None),
            "file.wav": ("file", 5),
            "empty.wav": ("file", 0),  # an empty file has a size, 0
            "dir.wav": ("directory", None),
            "link.wav": ("link", 5),
            "fifo.wav": ("other", None),
        }

    @pytest.mark.parametrize("name", ["missing.wav", "file.wav"])
    def test_nothing_or_a_regular_file_may_be_at_a_final_path(
        self, folder: ObjectStoragePath, name: str
    ) -> None:
        (local(folder) / "file.wav").write_bytes(b"x")

        require_regular_file_or_nothing(folder / name)

    @pytest.mark.parametrize(
        ("name", "kind"), [("dir.wav", "directory"), ("link.wav", "link"), ("fifo.wav", "other")]
    )
    def test_anything_else_at_a_final_path_is_refused_by_name(
        self, folder: ObjectStoragePath, name: str, kind: str
    ) -> None:
        base = local(folder)
        (base / "target.wav").write_bytes(b"x")
        (base / "dir.wav").mkdir()
        (base / "link.wav").symlink_to(base / "target.wav")
        os.mkfifo(base / "fifo.wav")
        path = folder / name

        with pytest.raises(NotARegularFileError) as caught:
            require_regular_file_or_nothing(path)

        assert str(caught.value) == (
            f"Recording file {path}: a {kind}, not a regular file, is at its final path; "
            "nothing was archived there"
        )


class TestRecordingFileStates:
    def test_a_new_file_has_started_nothing(self, folder: ObjectStoragePath) -> None:
        final = folder / "RE1.wav"
        cancel = threading.Event()
        target = RecordingFile(final, keep_size=7, cancel=cancel)

        assert (target.final, target.keep_size, target.cancel) == (final, 7, cancel)
        assert (target.expected, target.started, target.written, target.committed) == (
            None,
            False,
            0,
            False,
        )
        assert names_in(folder) == []

    def test_commit_before_any_attempt_says_so_exactly(self, folder: ObjectStoragePath) -> None:
        final = folder / "RE1.wav"
        target = RecordingFile(final)

        with pytest.raises(SignalWireError) as caught:
            target.commit()

        assert str(caught.value) == (
            f"Recording file {final} is incomplete: 0 bytes written, None stored, None "
            "announced; not moved to its final name"
        )
        assert target.committed is False

    @pytest.mark.parametrize(
        ("announced", "kept", "goes_on"),
        [
            (10, 10, False),  # the kept file has the announced size: declined
            (11, 10, True),
            (9, 10, True),
            (0, 0, False),
            (0, None, True),
            (10, None, True),
            (None, None, True),  # nothing announced: never declined
            (None, 3, True),
        ],
    )
    def test_restart_declines_only_a_kept_file_of_the_announced_size(
        self, folder: ObjectStoragePath, announced: int | None, kept: int | None, goes_on: bool
    ) -> None:
        target = RecordingFile(folder / "RE1.wav", keep_size=kept)

        assert target.restart(announced) is goes_on

        assert target.started is goes_on
        assert names_in(folder) == ([target.temp.name] if goes_on else [])
        if goes_on:
            assert (target.expected, target.written) == (announced, 0)
        target.discard()

    def test_restart_creates_missing_folders_and_may_be_repeated(self, tmp_path: Path) -> None:
        final = ObjectStoragePath(f"file://{tmp_path}") / "new" / "deeper" / "RE1.wav"
        target = RecordingFile(final)

        for content in (b"first try", b"xy", b"abc"):
            assert target.restart(3) is True
            target.write(content)
        target.restart(3)
        target.write(b"abc")

        assert target.commit() == hashlib.sha256(b"abc").hexdigest()
        assert local(final).read_bytes() == b"abc"
        assert (target.written, target.committed) == (3, True)

    @pytest.mark.parametrize("chunks", [[b"a"], [b"ab", b"c"], [b"", b"abc", b"", b"de"]])
    def test_written_counts_every_byte_and_the_hash_covers_them(
        self, folder: ObjectStoragePath, chunks: list[bytes]
    ) -> None:
        data = b"".join(chunks)
        target = RecordingFile(folder / "RE1.wav")
        target.restart(len(data))
        for chunk in chunks:
            target.write(chunk)

        assert target.written == len(data)
        assert target.commit() == hashlib.sha256(data).hexdigest()
        assert local(folder / "RE1.wav").read_bytes() == data

    @pytest.mark.parametrize("cancel", [None, "unset"])
    def test_writes_go_on_without_a_cancel_event_or_while_it_is_unset(
        self, folder: ObjectStoragePath, cancel: str | None
    ) -> None:
        target = RecordingFile(
            folder / "RE1.wav", cancel=None if cancel is None else threading.Event()
        )
        target.restart(2)
        target.write(b"ok")

        assert target.commit() == hashlib.sha256(b"ok").hexdigest()

    def test_a_set_cancel_event_refuses_the_next_write_and_writes_nothing(
        self, folder: ObjectStoragePath
    ) -> None:
        final = folder / "RE1.wav"
        cancel = threading.Event()
        target = RecordingFile(final, cancel=cancel)
        target.restart(4)
        target.write(b"ab")
        cancel.set()

        with pytest.raises(DownloadCancelledError) as caught:
            target.write(b"cd")

        assert str(caught.value) == (
            f"Recording file {final}: the task is stopping; download dropped"
        )
        assert target.written == 2
        target.discard()
        assert names_in(folder) == []


class TestNeverReportAFileNotWritten:
    def test_bytes_lost_on_disk_before_the_move_are_refused(
        self, folder: ObjectStoragePath
    ) -> None:
        final = folder / "RE1.wav"
        target = RecordingFile(final)
        target.restart(None)
        target.write(b"abcdef")
        target._close()
        local(target.temp).write_bytes(b"abc")  # the store kept less than was written

        with pytest.raises(SignalWireError) as caught:
            target.commit()

        assert str(caught.value) == (
            f"Recording file {final} is incomplete: 6 bytes written, 3 stored, None announced; "
            "not moved to its final name"
        )
        target.discard()
        assert names_in(folder) == []

    def test_a_move_that_loses_bytes_is_an_error_not_an_archived_file(
        self, folder: ObjectStoragePath, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        final = folder / "RE1.wav"
        target = RecordingFile(final)
        target.restart(6)
        target.write(b"abcdef")
        fs = target.temp.fs
        move = fs.mv

        def lossy_move(source: str, destination: str, **kwargs: Any) -> None:
            move(source, destination, **kwargs)
            Path(destination).write_bytes(b"abc")

        monkeypatch.setattr(fs, "mv", lossy_move)

        with pytest.raises(NotARegularFileError) as caught:
            target.commit()

        assert str(caught.value) == (
            f"Recording file {final}: after the move, no regular file of 6 bytes is at its "
            "final path"
        )
        assert target.committed is False

    def test_discard_removes_the_temporary_file_even_if_closing_it_fails(
        self, folder: ObjectStoragePath
    ) -> None:
        target = RecordingFile(folder / "RE1.wav")
        target.restart(4)
        target.write(b"ab")
        real = target._file

        class FailingClose:
            def close(self) -> None:
                real.close()
                raise OSError("No space left on device")

        target._file = FailingClose()

        target.discard()

        assert names_in(folder) == []

    def test_discard_is_lenient_when_the_temporary_file_vanishes_meanwhile(
        self, folder: ObjectStoragePath, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        target = RecordingFile(folder / "RE1.wav")
        target.restart(4)
        target.write(b"ab")
        fs = target.temp.fs
        remove = fs.rm

        def removed_by_someone_else_first(path: str, **kwargs: Any) -> None:
            remove(path, **kwargs)
            raise FileNotFoundError(path)

        monkeypatch.setattr(fs, "rm", removed_by_someone_else_first)

        target.discard()

        assert names_in(folder) == []

    def test_discard_after_a_commit_leaves_the_file(self, folder: ObjectStoragePath) -> None:
        target = RecordingFile(folder / "RE1.wav")
        target.restart(2)
        target.write(b"ok")
        target.commit()

        target.discard()

        assert names_in(folder) == ["RE1.wav"]


class TestLineageNames:
    def test_a_recording_is_named_by_space_account_conference_and_sid(self) -> None:
        dataset = recording_dataset("example.signalwire.com:8443", "AC1", "CF1", "RE1")

        assert (dataset.namespace, dataset.name) == (
            "signalwire://example.signalwire.com:8443",
            "AC1/conferences/CF1/recordings/RE1",
        )

    @pytest.mark.parametrize(
        ("uri", "namespace", "name"),
        [
            ("file:///data/CF1/RE1.wav", "file", "/data/CF1/RE1.wav"),
            ("/data/CF1/RE1.wav", "file", "/data/CF1/RE1.wav"),
            ("local:///data/CF1/RE1.wav", "file", "/data/CF1/RE1.wav"),
            ("s3://bkt/archive/CF1/RE1.wav", "s3://bkt", "archive/CF1/RE1.wav"),
            # The connection id is not part of the bucket's name (Airflow 3.1 kept it there).
            ("s3://aws_default@bkt/archive/CF1/RE1.wav", "s3://bkt", "archive/CF1/RE1.wav"),
            ("gs://Bkt/a b/RE1.wav", "gs://Bkt", "a b/RE1.wav"),
        ],
    )
    def test_a_stored_file_is_named_as_airflows_assets_name_it(
        self, uri: str, namespace: str, name: str
    ) -> None:
        dataset = storage_dataset(ObjectStoragePath(uri))

        assert (dataset.namespace, dataset.name) == (namespace, name)

    def test_a_memory_file_is_named_as_the_airflow_release_names_it(self) -> None:
        from airflow.sdk.io import attach
        from fsspec.implementations.memory import MemoryFileSystem

        attach("memory", fs=MemoryFileSystem())
        dataset = storage_dataset(ObjectStoragePath("memory://bkt/archive/CF1/RE1.wav"))

        assert (dataset.namespace, dataset.name) == memory_dataset("bkt", "archive/CF1/RE1.wav")

    def test_a_run_reads_the_recordings_and_writes_their_files_pair_by_pair(self) -> None:
        stored = [(sid, ObjectStoragePath(f"file:///data/CF1/{sid}.wav")) for sid in ("RE2", "RE1")]

        lineage = archive_lineage("space:1", "AC1", "CF1", iter(stored))

        assert [(d.namespace, d.name) for d in lineage.inputs] == [
            ("signalwire://space:1", "AC1/conferences/CF1/recordings/RE2"),
            ("signalwire://space:1", "AC1/conferences/CF1/recordings/RE1"),
        ]
        assert [(d.namespace, d.name) for d in lineage.outputs] == [
            ("file", "/data/CF1/RE2.wav"),
            ("file", "/data/CF1/RE1.wav"),
        ]

    def test_a_run_that_stored_nothing_has_no_datasets(self) -> None:
        lineage = archive_lineage("space", "AC1", "CF1", [])

        assert (lineage.inputs, lineage.outputs) == ([], [])
