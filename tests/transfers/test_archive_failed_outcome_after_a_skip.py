"""
A recording that fails after it was found already stored reports the failure, not the skip.

The download's headers can show that the file already there is complete (the ``HEAD`` was
refused); the download is then declined and the recording counted as skipped. If the clean-up
that follows fails, the recording's outcome is an error, and like every error it claims no bytes,
no hash and no skip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from archive_test_support import CountingTaskInstance, operator
from fsspec.implementations.local import LocalFileSystem

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.testing import Fault

if TYPE_CHECKING:
    from pathlib import Path

    from airflow_provider_signalwire.testing import SignalWireEmulator


@pytest.fixture
def conference(signalwire_default: SignalWireEmulator) -> str:
    return str(signalwire_default.add_conference(friendly_name="skip", status="completed")["sid"])


def test_a_failure_after_the_download_was_declined_reports_nothing_stored_or_skipped(
    signalwire_default: SignalWireEmulator,
    conference: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = signalwire_default
    sid = emu.add_recording(conference, status="completed", size=500)["sid"]
    final = tmp_path / conference / f"{sid}.wav"
    final.parent.mkdir()
    final.write_bytes(b"s" * 500)
    emu.add_fault(Fault(status=405, method="HEAD"), times=1)  # the download's headers decide
    info = LocalFileSystem.info

    def info_refused_for_temporary_files(self: LocalFileSystem, path: str, **kwargs: Any) -> Any:
        if str(path).endswith(".part"):
            raise PermissionError(13, "Permission denied", str(path))
        return info(self, path, **kwargs)

    monkeypatch.setattr(LocalFileSystem, "info", info_refused_for_temporary_files)
    ti = CountingTaskInstance()

    with pytest.raises(SignalWireError, match="^1 of 1 recordings of conference"):
        operator(f"file://{tmp_path}", conference).execute({"ti": ti})

    [item] = ti.archived
    assert item["error_type"] == "PermissionError"
    assert item["error"].startswith("[Errno 13] Permission denied: ")
    assert (item["recording_sid"], item["path"]) == (sid, f"file://{final}")
    assert (item["bytes"], item["sha256"], item["skipped"]) == (None, None, False)
    assert final.read_bytes() == b"s" * 500  # the file already there was left as it was
