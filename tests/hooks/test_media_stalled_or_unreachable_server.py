"""
Media requests to a Space that stalls or is not there: each read is bounded by the read timeout,
and the error names the request (``HEAD`` for a size, ``GET`` for a download) as it was sent.

A download has no deadline for the whole file (a large file may take long), so the read timeout
is the only thing that ends a server that stops sending: before its answer or mid-file.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import pytest
from reliability.hostile_server import Answer, serving_signalwire_default
from signalwire_test_support import PROJECT_ID, MediaSink, connection_json

from airflow_provider_signalwire.exceptions import SignalWireConnectionError
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Callable

#: The server's stall: far longer than the read timeout, short enough to end a broken run.
STALL = 2.0
READ_TIMEOUT = 0.3
MEDIA_PATH = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Recordings/RE1.wav"


def length(hook: SignalWireHook) -> Any:
    return hook.recording_media_length("RE1")


def download(hook: SignalWireHook) -> Any:
    return hook.download_recording_media("RE1", MediaSink())


STALLS = [
    pytest.param(length, "HEAD", Answer(hang=STALL), "ReadTimeout", id="head-before-the-answer"),
    pytest.param(download, "GET", Answer(hang=STALL), "ReadTimeout", id="get-before-the-answer"),
    pytest.param(
        download,
        "GET",
        Answer(body=b"abc", drip=STALL / 3),
        "ReadTimeoutError",
        id="get-mid-file",
    ),
]


@pytest.mark.parametrize(("call", "method", "answer", "error"), STALLS)
def test_a_stalled_media_answer_fails_within_the_read_timeout(
    monkeypatch: pytest.MonkeyPatch,
    call: Callable[[SignalWireHook], Any],
    method: str,
    answer: Answer,
    error: str,
) -> None:
    with serving_signalwire_default(monkeypatch, lambda seen: answer) as server:
        hook = SignalWireHook(max_attempts=1, timeout=READ_TIMEOUT)
        with pytest.raises(SignalWireConnectionError) as caught:
            call(hook)
        hook.close()

    origin = server.url.removeprefix("http://")
    assert str(caught.value) == (
        f"SignalWire request {method} {MEDIA_PATH} to {origin} failed: {error} (no complete answer)"
    )
    assert (caught.value.method, caught.value.maybe_delivered) == (method, True)


@pytest.mark.parametrize(("call", "method"), [(length, "HEAD"), (download, "GET")])
def test_an_unreachable_space_names_the_media_request_not_sent(
    monkeypatch: pytest.MonkeyPatch, call: Callable[[SignalWireHook], Any], method: str
) -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(
        "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(f"http://127.0.0.1:{port}")
    )
    hook = SignalWireHook(max_attempts=1)

    with pytest.raises(SignalWireConnectionError) as caught:
        call(hook)
    hook.close()

    assert str(caught.value) == (
        f"SignalWire request {method} {MEDIA_PATH} to 127.0.0.1:{port} failed: connection "
        "refused (nothing listens there; connection was not established)"
    )
    assert (caught.value.method, caught.value.maybe_delivered) == (method, False)
