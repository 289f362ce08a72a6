"""The emulator's recording media bytes: deterministic, exact in size, the same however sliced."""

from __future__ import annotations

import hashlib

import pytest

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
