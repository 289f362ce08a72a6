"""
The archive as a table of behaviours, over loopback to the emulator.

Both sides of every argument it checks, the exact ``archived`` XCom and task log of a mixed
run, the overwrite and skip rules with their request counts, the account in every request,
lineage, and what is counted: one push, one close of the hook.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk import ObjectStoragePath
from archive_test_support import (
    CountingTaskInstance,
    Proxy,
    execute_failing,
    memory_dataset,
    operator,
    task_log,
)
from signalwire_test_support import PROJECT_ID, connection_json, every_file

from airflow_provider_signalwire.exceptions import SignalWireError, SignalWireValidationError
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault
from airflow_provider_signalwire.testing.media import media_bytes
from airflow_provider_signalwire.transfers._storage import RecordingFile, part_name

if TYPE_CHECKING:
    from airflow_provider_signalwire.testing import SignalWireEmulator

MEDIA_ROOT = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Recordings/"


def media(emu: SignalWireEmulator, method: str) -> list[str]:
    return [r.path for r in emu.requests if r.method == method and r.path.startswith(MEDIA_ROOT)]


@pytest.fixture
def conference(signalwire_default: SignalWireEmulator) -> str:
    return str(signalwire_default.add_conference(friendly_name="table", status="completed")["sid"])


class TestArgumentsCheckedWhenTheDagIsParsed:
    def test_the_defaults(self) -> None:
        op = operator("file:///data", "CF1")

        assert (op.format, op.overwrite, op.max_concurrency) == ("wav", False, 4)
        assert op.template_fields == (
            "conference_sid",
            "destination",
            "signalwire_conn_id",
            "account_sid",
        )

    @pytest.mark.parametrize(
        ("kwargs", "kept"),
        [
            ({"format": "wav"}, ("format", "wav")),
            ({"format": "mp3"}, ("format", "mp3")),
            ({"overwrite": True}, ("overwrite", True)),
            ({"overwrite": False}, ("overwrite", False)),
            ({"max_concurrency": 1}, ("max_concurrency", 1)),
            ({"max_concurrency": 64}, ("max_concurrency", 64)),
        ],
    )
    def test_accepted(self, kwargs: dict[str, Any], kept: tuple[str, Any]) -> None:
        op = operator("file:///data", "CF1", **kwargs)

        name, value = kept
        assert getattr(op, name) == value and type(getattr(op, name)) is type(value)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"format": "ogg"}, "Invalid format 'ogg': expected one of wav, mp3."),
            ({"format": "WAV"}, "Invalid format 'WAV': expected one of wav, mp3."),
            ({"format": ""}, "Invalid format '': expected one of wav, mp3."),
            ({"format": None}, "Invalid format None: expected one of wav, mp3."),
            ({"overwrite": "yes"}, "Invalid overwrite 'yes': expected a bool."),
            ({"overwrite": 1}, "Invalid overwrite 1: expected a bool."),
            ({"overwrite": 0}, "Invalid overwrite 0: expected a bool."),
            ({"overwrite": None}, "Invalid overwrite None: expected a bool."),
            (
                {"max_concurrency": 0},
                "Invalid max_concurrency 0: expected an integer from 1 to 64.",
            ),
            (
                {"max_concurrency": 65},
                "Invalid max_concurrency 65: expected an integer from 1 to 64.",
            ),
            (
                {"max_concurrency": True},
                "Invalid max_concurrency True: expected an integer from 1 to 64.",
            ),
            (
                {"max_concurrency": 2.0},
                "Invalid max_concurrency 2.0: expected an integer from 1 to 64.",
            ),
        ],
    )
    def test_refused_with_a_message_naming_the_argument(
        self, kwargs: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(SignalWireValidationError) as caught:
            operator("file:///data", "CF1", **kwargs)

        assert str(caught.value) == message

    @pytest.mark.parametrize("max_concurrency", [1, 4, 64])
    def test_the_hook_pools_as_many_connections_as_downloads_run_at_once(
        self, signalwire_default: SignalWireEmulator, max_concurrency: int
    ) -> None:
        op = operator("file:///data", "CF1", max_concurrency=max_concurrency)

        assert op.hook.pool_size == max_concurrency


class TestValuesCheckedWhenTheTaskRuns:
    """Rendered values are checked before any request; ``archived`` is still pushed, empty."""

    SID_REASON = "expected 1-64 ASCII letters, digits or hyphens."
    DESTINATION_REASON = (
        "expected a folder URI such as 'file:///data/recordings' or an ObjectStoragePath."
    )

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"conference_sid": "../etc"}, f"Invalid conference_sid '../etc': {SID_REASON}"),
            ({"conference_sid": ""}, f"Invalid conference_sid '': {SID_REASON}"),
            ({"conference_sid": "C" * 65}, f"Invalid conference_sid '{'C' * 65}': {SID_REASON}"),
            ({"account_sid": "../AC"}, f"Invalid account_sid '../AC': {SID_REASON}"),
            ({"account_sid": ""}, f"Invalid account_sid '': {SID_REASON}"),
            ({"destination": ""}, f"Invalid destination '': {DESTINATION_REASON}"),
            ({"destination": "   "}, f"Invalid destination '   ': {DESTINATION_REASON}"),
            ({"destination": 42}, f"Invalid destination 42: {DESTINATION_REASON}"),
            ({"destination": None}, f"Invalid destination None: {DESTINATION_REASON}"),
        ],
    )
    def test_refused_before_any_request(
        self,
        signalwire_default: SignalWireEmulator,
        tmp_path: Path,
        kwargs: dict[str, Any],
        message: str,
    ) -> None:
        kwargs.setdefault("conference_sid", "CF1")
        kwargs.setdefault("destination", f"file://{tmp_path}")
        op = operator(**kwargs)
        ti = CountingTaskInstance()

        with pytest.raises(SignalWireValidationError) as caught:
            op.execute({"ti": ti})

        assert str(caught.value) == message
        assert signalwire_default.requests == []
        assert ti.pushes == [("archived", [])]

    @pytest.mark.parametrize("form", ["padded", "path"])
    def test_accepted_destinations(
        self, signalwire_default: SignalWireEmulator, conference: str, tmp_path: Path, form: str
    ) -> None:
        sid = signalwire_default.add_recording(conference, status="completed", size=4)["sid"]
        destination: Any = {
            "padded": f"  file://{tmp_path}\n",
            "path": ObjectStoragePath(f"file://{tmp_path}"),
        }[form]

        [item] = operator(destination, conference).execute({"ti": CountingTaskInstance()})

        assert item["path"] == f"file://{tmp_path}/{conference}/{sid}.wav"
        assert every_file(tmp_path) == [f"{conference}/{sid}.wav"]

    def test_the_longest_conference_sid_is_asked_for(
        self, signalwire_default: SignalWireEmulator, tmp_path: Path
    ) -> None:
        longest = "C" * 64
        ti = CountingTaskInstance()

        with pytest.raises(SignalWireError, match="404 Not Found"):
            operator(f"file://{tmp_path}", longest).execute({"ti": ti})

        [listing] = signalwire_default.requests
        assert (
            listing.path
            == f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Conferences/{longest}/Recordings"
        )
        assert ti.pushes == [("archived", [])]

    def test_account_sid_names_the_account_in_every_request(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        other = "AC-another-account"
        emu = signalwire_default
        sid = emu.add_recording(conference, status="completed", size=10)["sid"]
        kept = tmp_path / conference / f"{sid}.mp3"
        kept.parent.mkdir()
        kept.write_bytes(b"not the same size")
        with Proxy(emu.url, rewrite=lambda path: path.replace(other, PROJECT_ID)) as proxy:
            monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(proxy.url))

            [item] = operator(
                f"file://{tmp_path}", conference, account_sid=other, format="mp3"
            ).execute({"ti": CountingTaskInstance()})
            seen = list(proxy.seen)

        account_root = f"/api/laml/2010-04-01/Accounts/{other}/"
        assert [method for method, _ in seen] == ["GET", "HEAD", "GET"]
        assert seen[0][1].startswith(f"{account_root}Conferences/{conference}/Recordings")
        assert seen[1:] == [
            ("HEAD", f"{account_root}Recordings/{sid}.mp3"),
            ("GET", f"{account_root}Recordings/{sid}.mp3"),
        ]
        assert item["bytes"] == 10 and kept.read_bytes() == media_bytes(sid, "mp3", 10)


class TestAMixedRun:
    """Downloaded, kept, in progress, failed, and an odd listing item: the XCom and the log."""

    @pytest.fixture
    def run(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> dict[str, Any]:
        emu = signalwire_default
        new = emu.add_recording(conference, status="completed", size=3000)["sid"]
        kept = emu.add_recording(conference, status="completed", size=20)["sid"]
        live = emu.add_recording(conference, status="in-progress", size=5)["sid"]
        gone = emu.add_recording(conference, status="completed", size=7)["sid"]
        emu.add_fault(Fault(status=404, path_contains=f"{gone}.wav"), times=5)
        folder = tmp_path / conference
        folder.mkdir()
        (folder / f"{kept}.wav").write_bytes(media_bytes(kept, "wav", 20))
        for _ in range(2):
            (folder / part_name(f"{new}.wav")).write_bytes(b"left by a killed run")
        listing = SignalWireHook.list_recordings
        monkeypatch.setattr(
            SignalWireHook,
            "list_recordings",
            lambda self, *a, **k: [*listing(self, *a, **k), {"sid": 123, "status": "completed"}],
        )
        op = operator(f"file://{tmp_path}", conference, max_concurrency=1)
        ti = CountingTaskInstance()
        with task_log() as log, pytest.raises(SignalWireError) as caught:
            op.execute({"ti": ti})
        return {
            "op": op,
            "ti": ti,
            "log": log,
            "error": str(caught.value),
            "sids": (new, kept, live, gone),
            "folder": f"file://{folder}",
            "tmp_path": tmp_path,
        }

    def test_the_archived_xcom_is_pushed_once_with_one_exact_outcome_per_item(
        self, run: dict[str, Any]
    ) -> None:
        new, kept, live, gone = run["sids"]
        folder = run["folder"]
        gone_path = f"{MEDIA_ROOT}{gone}.wav"

        assert run["ti"].archived == [
            {
                "recording_sid": new,
                "path": f"{folder}/{new}.wav",
                "bytes": 3000,
                "sha256": hashlib.sha256(media_bytes(new, "wav", 3000)).hexdigest(),
                "skipped": False,
            },
            {
                "recording_sid": kept,
                "path": f"{folder}/{kept}.wav",
                "bytes": 20,
                "sha256": None,
                "skipped": True,
            },
            {
                "recording_sid": live,
                "path": f"{folder}/{live}.wav",
                "bytes": None,
                "sha256": None,
                "skipped": True,
            },
            {
                "recording_sid": gone,
                "path": f"{folder}/{gone}.wav",
                "bytes": None,
                "sha256": None,
                "skipped": False,
                "error": f"SignalWire answered 404 Not Found to GET {gone_path}: code 20404; "
                "Not Found; see https://developer.signalwire.com/compatibility-api/reference/"
                "error-codes",
                "error_type": "SignalWireNotFoundError",
            },
            {
                "recording_sid": None,
                "path": None,
                "bytes": None,
                "sha256": None,
                "skipped": False,
                "error": "Invalid recording_sid 123: expected 1-64 ASCII letters, digits or "
                "hyphens.",
                "error_type": "SignalWireValidationError",
            },
        ]
        assert run["error"] == (
            f"2 of 5 recordings of conference {run['op'].conference_sid} could not be archived."
        )
        assert every_file(run["tmp_path"]) == sorted(
            f"{run['op'].conference_sid}/{sid}.wav" for sid in (new, kept)
        )

    def test_the_task_log_says_what_happened_to_each(self, run: dict[str, Any]) -> None:
        new, kept, live, gone = run["sids"]
        folder = run["folder"]
        conference = run["op"].conference_sid
        ours = [line for line in run["log"] if "cannot be called outside" not in line[1]]
        failures = {r["recording_sid"]: r["error"] for r in run["ti"].archived if "error" in r}

        assert ours == [
            (
                "info",
                f"Archiving 5 recording(s) of conference {conference} to {folder} "
                "(wav, at most 1 at once)",
            ),
            ("info", f"Recording {new}: removed 2 partial file(s) an earlier run left"),
            ("info", f"Recording {new}: 3000 bytes to {folder}/{new}.wav"),
            ("info", f"Recording {kept} is already at {folder}/{kept}.wav (20 bytes): skipped"),
            ("warning", f"Recording {live} is in-progress, not completed yet: skipped"),
            ("info", f"Conference {conference}: 1 recording(s) downloaded, 2 skipped, 2 failed"),
            ("error", f"Recording {gone}: {failures[gone]}"),
            ("error", f"Recording None: {failures[None]}"),
        ]

    def test_lineage_names_what_is_in_the_destination_now(self, run: dict[str, Any]) -> None:
        new, kept, _, _ = run["sids"]
        conference = run["op"].conference_sid
        host = run["op"].hook.settings.base_url.split("://", 1)[1]

        lineage = run["op"].get_openlineage_facets_on_complete(None)

        assert [(d.namespace, d.name) for d in lineage.inputs] == [
            (f"signalwire://{host}", f"{PROJECT_ID}/conferences/{conference}/recordings/{sid}")
            for sid in (new, kept)
        ]
        folder = Path(run["tmp_path"], conference)
        assert [(d.namespace, d.name) for d in lineage.outputs] == [
            ("file", str(folder / f"{sid}.wav")) for sid in (new, kept)
        ]


ONE_FAILED = r"^1 of 1 recordings of conference \S+ could not be archived\.$"


class TestFailuresOfOneRecording:
    @pytest.mark.parametrize(
        ("error", "logged_as_unexpected"),
        [
            (ValueError("odd \u00b2"), True),
            (ValueError(), True),  # no message: the type names it
            (KeyError("size"), True),
            (PermissionError(13, "Permission denied"), False),  # the store said no: expected
            (SignalWireError("refused"), False),
        ],
    )
    def test_any_error_is_that_recordings_outcome_and_only_a_surprise_logs_its_traceback(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        error: Exception,
        logged_as_unexpected: bool,
    ) -> None:
        sid = signalwire_default.add_recording(conference, status="completed", size=10)["sid"]

        def fail(self: RecordingFile, content_length: int | None) -> bool:
            raise error

        monkeypatch.setattr(RecordingFile, "restart", fail)

        with task_log() as log:
            [item] = execute_failing(operator(f"file://{tmp_path}", conference), ONE_FAILED)

        assert item["error"] == (str(error) or type(error).__name__)
        assert item["error_type"] == type(error).__name__
        assert (item["bytes"], item["sha256"], item["skipped"]) == (None, None, False)
        unexpected = [line for line in log if line[1].endswith("unexpected failure")]
        expected_lines = [("error", f"Recording {sid}: unexpected failure")]
        assert unexpected == (expected_lines if logged_as_unexpected else [])

    def test_an_error_after_the_file_was_moved_leaves_no_hash_in_its_outcome(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The move hashed the file, then its cleanup failed: the outcome is that error alone."""
        signalwire_default.add_recording(conference, status="completed", size=10)

        def fail(self: RecordingFile) -> None:
            raise OSError("cleanup failed")

        monkeypatch.setattr(RecordingFile, "discard", fail)

        [item] = execute_failing(operator(f"file://{tmp_path}", conference), ONE_FAILED)

        assert (item["error"], item["error_type"]) == ("cleanup failed", "OSError")
        assert (item["bytes"], item["sha256"], item["skipped"]) == (None, None, False)

    def test_an_error_with_an_empty_message_is_named_by_its_type(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        signalwire_default.add_recording(conference, status="completed", size=10)

        def fail(self: RecordingFile, content_length: int | None) -> bool:
            raise SignalWireError("")

        monkeypatch.setattr(RecordingFile, "restart", fail)

        [item] = execute_failing(operator(f"file://{tmp_path}", conference), ONE_FAILED)

        assert (item["error"], item["error_type"]) == ("SignalWireError", "SignalWireError")


class TestOverwriteAndSkipRules:
    """(what is at the final path, overwrite, HEAD answered) -> requests made and the outcome."""

    @pytest.mark.parametrize(
        ("existing", "overwrite", "head_fault", "heads", "gets", "skipped"),
        [
            (None, False, None, 0, 1, False),  # nothing there: download, no HEAD
            (None, True, None, 0, 1, False),
            ("same", False, None, 1, 0, True),  # same size: HEAD says so, nothing downloaded
            ("same", True, None, 0, 1, False),  # overwrite: no HEAD, downloaded again
            ("other", False, None, 1, 1, False),  # another size: replaced
            ("other", True, None, 0, 1, False),
            ("same", False, 405, 1, 1, True),  # no HEAD: the download's headers decide
            ("other", False, 405, 1, 1, False),
            ("empty", False, None, 1, 1, False),  # an empty file is a file of another size
        ],
    )
    def test_requests_and_outcome(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        existing: str | None,
        overwrite: bool,
        head_fault: int | None,
        heads: int,
        gets: int,
        skipped: bool,
    ) -> None:
        emu = signalwire_default
        sid = emu.add_recording(conference, status="completed", size=500)["sid"]
        final = tmp_path / conference / f"{sid}.mp3"
        final.parent.mkdir()
        before = {
            None: None,
            "same": b"s" * 500,
            "other": b"o" * 499,
            "empty": b"",
        }[existing]
        if before is not None:
            final.write_bytes(before)
        if head_fault is not None:
            emu.add_fault(Fault(status=head_fault, method="HEAD"), times=1)

        with task_log() as log:
            [item] = operator(
                f"file://{tmp_path}", conference, overwrite=overwrite, format="mp3"
            ).execute({"ti": CountingTaskInstance()})

        assert media(emu, "HEAD") == [f"{MEDIA_ROOT}{sid}.mp3"] * heads
        assert media(emu, "GET") == [f"{MEDIA_ROOT}{sid}.mp3"] * gets
        assert item["skipped"] is skipped and item["bytes"] == 500
        written = media_bytes(sid, "mp3", 500)
        assert final.read_bytes() == (before if skipped else written)
        assert item["sha256"] == (None if skipped else hashlib.sha256(written).hexdigest())
        assert every_file(tmp_path) == [f"{conference}/{sid}.mp3"]
        said = (
            f"Recording {sid} is already at file://{final} (500 bytes): skipped"
            if skipped
            else f"Recording {sid}: 500 bytes to file://{final}"
        )
        assert [line for line in log if sid in line[1]] == [("info", said)]


class TestWhatIsCounted:
    @pytest.mark.parametrize("fails", [False, True])
    def test_one_push_and_one_close_of_the_hook_per_run(
        self,
        signalwire_default: SignalWireEmulator,
        conference: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        fails: bool,
    ) -> None:
        sid = signalwire_default.add_recording(conference, status="completed", size=10)["sid"]
        if fails:
            signalwire_default.add_fault(Fault(status=404, path_contains=f"{sid}.wav"))
        closes: list[SignalWireHook] = []
        close = SignalWireHook.close

        def counted_close(self: SignalWireHook) -> None:
            closes.append(self)
            close(self)

        monkeypatch.setattr(SignalWireHook, "close", counted_close)
        op = operator(f"file://{tmp_path}", conference)
        ti = CountingTaskInstance()

        if fails:
            with pytest.raises(SignalWireError):
                op.execute({"ti": ti})
        else:
            assert op.execute({"ti": ti}) == ti.archived

        assert closes == [op.hook]
        assert [key for key, _ in ti.pushes] == ["archived"]
        assert "media" not in op.hook.__dict__  # the media session's connections are closed too

    def test_lineage_before_any_run_is_empty(self) -> None:
        lineage = operator("file:///data", "CF1").get_openlineage_facets_on_complete(None)

        assert (lineage.inputs, lineage.outputs) == ([], [])

    def test_lineage_of_an_object_store_destination(
        self, signalwire_default: SignalWireEmulator, conference: str
    ) -> None:
        import uuid

        from airflow.sdk.io import attach
        from fsspec.implementations.memory import MemoryFileSystem

        attach("memory", fs=MemoryFileSystem())
        bucket = f"bucket-{uuid.uuid4().hex}"
        sid = signalwire_default.add_recording(conference, status="completed", size=8)["sid"]
        op = operator(f"memory://{bucket}/archive", conference)
        op.execute({"ti": CountingTaskInstance()})

        lineage = op.get_openlineage_facets_on_complete(None)

        assert [(d.namespace, d.name) for d in lineage.outputs] == [
            memory_dataset(bucket, f"archive/{conference}/{sid}.wav")
        ]
