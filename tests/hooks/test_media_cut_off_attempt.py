"""
A media file cut off mid-chunk: the sink gets every byte that arrived, as sent, then the error.

Bytes are handed on as they were read off the socket (no decoding, no holding back a short
chunk), so what a failed attempt wrote is exactly the file's first bytes up to the break.
"""

from __future__ import annotations

import pytest
from signalwire_test_support import FakeSleep, MediaSink

from airflow_provider_signalwire.exceptions import SignalWireConnectionError
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing.media import media_bytes


@pytest.mark.parametrize("sent", [20_000, 20_500, 1])
def test_a_cut_off_attempt_hands_the_sink_every_byte_that_arrived(
    signalwire_default: SignalWireEmulator, sent: int
) -> None:
    emu = signalwire_default
    sid = str(emu.add_recording(emu.demo_conference_sid, status="completed", size=50_000)["sid"])
    emu.add_fault(Fault(action="truncate", after_bytes=sent, path_contains=".wav"))
    hook = SignalWireHook(max_attempts=1)
    hook.media.sleep = FakeSleep()
    hook.media.chunk_size = 1000
    sink = MediaSink()

    with pytest.raises(SignalWireConnectionError, match=r"\(no complete answer\)"):
        hook.download_recording_media(sid, sink)
    hook.close()

    assert b"".join(sink.writes[-1]) == media_bytes(sid, "wav", 50_000)[:sent]
    assert [len(chunk) for chunk in sink.writes[-1]] == [1000] * (sent // 1000) + (
        [sent % 1000] if sent % 1000 else []
    )
