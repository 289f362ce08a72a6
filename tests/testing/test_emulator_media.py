"""The emulator's recording media bytes: deterministic, exact in size, the same however sliced."""

from __future__ import annotations

import hashlib

import pytest
import requests
import urllib3

from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing.media import (
    PATTERN_LENGTH,
    media_bytes,
    media_chunks,
    media_sha256,
)


@pytest.mark.parametrize("size", [0, 1, 4096, PATTERN_LENGTH + 1, 1_000_003])
def test_sizes_are_exact_and_the_hash_matches_the_bytes(size: int) -> None:
    data = media_bytes("RE1", "wav", size)
    assert len(data) == size
    assert media_sha256("RE1", "wav", size) == hashlib.sha256(data).hexdigest()


def test_the_same_recording_always_gives_the_same_bytes() -> None:
    assert media_bytes("RE1", "wav", 70_000) == media_bytes("RE1", "wav", 70_000)


def test_recordings_and_formats_differ() -> None:
    assert media_bytes("RE1", "wav", 64) != media_bytes("RE2", "wav", 64)
    assert media_bytes("RE1", "wav", 64) != media_bytes("RE1", "mp3", 64)


@pytest.mark.parametrize(
    ("start", "stop"), [(0, 10), (5, 300_000), (65_520, 65_522), (999_000, None)]
)
def test_a_range_is_the_same_slice_of_the_whole_file(start: int, stop: int | None) -> None:
    whole = media_bytes("RE1", "mp3", 1_000_003)
    part = b"".join(media_chunks("RE1", "mp3", 1_000_003, start=start, stop=stop))
    assert part == whole[start:stop]


def test_the_pattern_does_not_repeat_at_a_power_of_two() -> None:
    data = media_bytes("RE1", "wav", 3 * 65_536)
    assert data[:65_536] != data[65_536 : 2 * 65_536]


# -- served over HTTP -----------------------------------------------------------------------

MEDIA_PATH = "/api/laml/2010-04-01/Accounts/{account}/Recordings/{sid}"


@pytest.fixture
def completed(emulator: SignalWireEmulator) -> str:
    sid = emulator.add_recording(emulator.demo_conference_sid, status="completed", size=70_000)
    return str(sid["sid"])


def url(emu: SignalWireEmulator, sid: str, suffix: str) -> str:
    return emu.url + MEDIA_PATH.format(account=emu.project_id, sid=sid) + suffix


@pytest.mark.parametrize(
    ("suffix", "content_type"), [(".wav", "audio/x-wav"), (".mp3", "audio/mpeg")]
)
def test_media_is_served_without_credentials(
    emulator: SignalWireEmulator, completed: str, suffix: str, content_type: str
) -> None:
    answer = requests.get(url(emulator, completed, suffix), timeout=10)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    assert answer.headers["Content-Length"] == "70000"
    assert answer.content == media_bytes(completed, suffix[1:], 70_000)
    [request] = emulator.requests
    assert request.auth_user is None


def test_head_announces_the_length_without_a_body(
    emulator: SignalWireEmulator, completed: str
) -> None:
    answer = requests.head(url(emulator, completed, ".wav"), timeout=10)

    assert answer.status_code == 200
    assert answer.headers["Content-Length"] == "70000"
    assert answer.content == b""


def test_metadata_needs_credentials_and_is_the_recording(
    emulator: SignalWireEmulator, completed: str
) -> None:
    assert requests.get(url(emulator, completed, ".json"), timeout=10).status_code == 401
    auth = (emulator.project_id, emulator.token)
    for suffix in (".json", ""):
        answer = requests.get(url(emulator, completed, suffix), auth=auth, timeout=10)
        assert answer.status_code == 200
        assert answer.json()["sid"] == completed
        assert answer.json()["status"] == "completed"


@pytest.mark.parametrize(
    ("method", "auth", "status"), [("POST", False, 401), ("POST", True, 405), ("DELETE", True, 405)]
)
def test_only_get_and_head_are_public(
    emulator: SignalWireEmulator, completed: str, method: str, auth: bool, status: int
) -> None:
    credentials = (emulator.project_id, emulator.token) if auth else None
    answer = requests.request(
        method, url(emulator, completed, ".wav"), auth=credentials, timeout=10
    )
    assert answer.status_code == status


def test_no_media_before_the_recording_completes_nor_for_unknown_sids(
    emulator: SignalWireEmulator,
) -> None:
    live = emulator.add_recording(emulator.demo_conference_sid, status="in-progress")["sid"]
    assert requests.get(url(emulator, live, ".wav"), timeout=10).status_code == 404
    assert requests.get(url(emulator, "RE-unknown", ".wav"), timeout=10).status_code == 404


def test_default_size(emulator: SignalWireEmulator) -> None:
    sid = emulator.add_recording(emulator.demo_conference_sid, status="completed")["sid"]
    assert len(requests.get(url(emulator, sid, ".mp3"), timeout=10).content) == 4096


def read_until_broken(address: str) -> tuple[requests.Response, bytes, bool]:
    """GET in 100-byte reads; return the answer, the bytes received and whether it broke."""
    received = bytearray()
    answer = requests.get(address, stream=True, timeout=10)
    try:
        while chunk := answer.raw.read(100):
            received += chunk
    except (urllib3.exceptions.HTTPError, OSError):
        return answer, bytes(received), True
    finally:
        answer.close()
    return answer, bytes(received), False


def test_a_reset_mid_file_sends_the_first_bytes_then_resets(
    emulator: SignalWireEmulator, completed: str
) -> None:
    emulator.add_fault(Fault(action="reset", after_bytes=5000, path_contains=".wav"))

    answer, received, broke = read_until_broken(url(emulator, completed, ".wav"))

    assert broke
    assert answer.headers["Content-Length"] == "70000"
    assert len(received) <= 5000
    assert received == media_bytes(completed, "wav", 70_000)[: len(received)]
    assert emulator.requests[0].fault == "reset"


def test_a_cut_off_body_can_announce_any_length(
    emulator: SignalWireEmulator, completed: str
) -> None:
    emulator.add_fault(
        Fault(action="truncate", after_bytes=1000, content_length=10**12, path_contains=".wav")
    )

    answer, received, broke = read_until_broken(url(emulator, completed, ".wav"))

    assert broke
    assert answer.headers["Content-Length"] == str(10**12)
    assert received == media_bytes(completed, "wav", 70_000)[:1000]


@pytest.mark.parametrize(
    "kwargs",
    [{"action": "drop", "after_bytes": 1}, {"action": "reset", "after_bytes": -1},
     {"action": "reset", "content_length": 5}],
)  # fmt: skip
def test_mid_file_fault_settings_are_checked(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="after_bytes|content_length"):
        Fault(**kwargs)  # type: ignore[arg-type]


def test_the_remote_control_adds_recordings_with_media(emulator: SignalWireEmulator) -> None:
    answer = requests.post(
        f"{emulator.url}/_emulator/conferences/{emulator.demo_conference_sid}/recordings",
        data={"Count": "3", "Size": "10", "Status": "completed"},
        timeout=10,
    )
    assert answer.status_code == 201
    recordings = answer.json()["recordings"]
    assert [r["status"] for r in recordings] == ["completed"] * 3
    for recording in recordings:
        media = requests.get(url(emulator, recording["sid"], ".wav"), timeout=10)
        assert media.content == media_bytes(recording["sid"], "wav", 10)
    fault = requests.post(
        f"{emulator.url}/_emulator/faults",
        data={"Action": "truncate", "AfterBytes": "3", "ContentLength": "99"},
        timeout=10,
    )
    assert fault.json()["fault"]["after_bytes"] == 3
    assert fault.json()["fault"]["content_length"] == 99
