"""SignalWireHook's recording media methods against the emulator: no credentials, exact lengths."""

from __future__ import annotations

import http.server
import threading
from typing import TYPE_CHECKING, Any

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN, FakeSleep, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireNotFoundError,
    SignalWireResponseError,
    SignalWireServerError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing.media import media_bytes

if TYPE_CHECKING:
    from collections.abc import Iterator


class Sink:
    """Keeps what a download wrote, attempt by attempt."""

    def __init__(self, keep_size: int | None = None) -> None:
        self.keep_size = keep_size
        self.attempts: list[bytearray] = []
        self.lengths: list[int | None] = []

    def restart(self, content_length: int | None) -> bool:
        self.lengths.append(content_length)
        if content_length is not None and content_length == self.keep_size:
            return False
        self.attempts.append(bytearray())
        return True

    def write(self, chunk: bytes) -> None:
        self.attempts[-1] += chunk


@pytest.fixture
def hook(signalwire_default: SignalWireEmulator) -> SignalWireHook:
    hook = SignalWireHook(max_attempts=3, initial_backoff=0.5)
    hook.media.sleep = FakeSleep()
    return hook


@pytest.fixture
def recording(signalwire_default: SignalWireEmulator) -> str:
    emu = signalwire_default
    return str(emu.add_recording(emu.demo_conference_sid, status="completed", size=300_000)["sid"])


def media_path(sid: str, suffix: str = ".wav") -> str:
    return f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Recordings/{sid}{suffix}"


@pytest.mark.parametrize("media_format", ["wav", "mp3"])
def test_downloads_the_exact_bytes_without_credentials(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str, media_format: str
) -> None:
    sink = Sink()

    download = hook.download_recording_media(recording, sink, media_format=media_format)

    assert bytes(sink.attempts[0]) == media_bytes(recording, media_format, 300_000)
    assert (download.content_length, download.received, download.declined) == (
        300_000,
        300_000,
        False,
    )
    [request] = signalwire_default.requests
    assert request.path == media_path(recording, f".{media_format}")
    assert request.auth_user is None
    assert "authorization" not in {name.lower() for name in request.headers}
    assert request.headers.get("Accept-Encoding") == "identity"


def test_head_reads_the_length_without_a_body(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    assert hook.recording_media_length(recording, media_format="mp3") == 300_000
    [request] = signalwire_default.requests
    assert (request.method, request.auth_user) == ("HEAD", None)


@pytest.mark.parametrize("status", [302, 400, 403, 404, 405, 501])
def test_a_head_answered_otherwise_than_200_tells_no_size(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str, status: int
) -> None:
    signalwire_default.add_fault(Fault(status=status, method="HEAD"))
    assert hook.recording_media_length(recording) is None
    assert len(signalwire_default.requests) == 1


def test_a_head_without_a_usable_length_tells_no_size(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    signalwire_default.add_fault(
        Fault(status=200, body=b"", headers={"Content-Encoding": "gzip"}, method="HEAD")
    )
    assert hook.recording_media_length(recording) is None


def test_a_head_answered_503_is_retried(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    signalwire_default.add_fault(Fault(status=503, method="HEAD"), times=2)
    assert hook.recording_media_length(recording) == 300_000
    assert len(signalwire_default.requests) == 3


def test_the_sink_can_decline_the_file_after_seeing_its_length(
    hook: SignalWireHook, recording: str
) -> None:
    sink = Sink(keep_size=300_000)

    download = hook.download_recording_media(recording, sink)

    assert download.declined and download.received == 0
    assert sink.attempts == []


def test_a_reset_mid_file_starts_the_file_over(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    signalwire_default.add_fault(Fault(action="reset", after_bytes=100_000, path_contains=".wav"))
    sink = Sink()

    hook.download_recording_media(recording, sink)

    assert len(sink.attempts) == 2
    assert len(sink.attempts[0]) < 300_000
    assert bytes(sink.attempts[1]) == media_bytes(recording, "wav", 300_000)


def test_a_cut_off_body_is_retried_then_fails_as_a_connection_error(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    signalwire_default.add_fault(
        Fault(action="truncate", after_bytes=1000, content_length=10**12), times=3
    )

    with pytest.raises(SignalWireConnectionError, match="gave up after 3 attempts") as caught:
        hook.download_recording_media(recording, Sink())

    assert len(signalwire_default.requests) == 3
    assert TOKEN not in str(caught.value)


def test_a_server_error_is_retried(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    signalwire_default.add_fault(Fault(status=503), times=2)
    sink = Sink()

    hook.download_recording_media(recording, sink)

    assert len(signalwire_default.requests) == 3
    assert bytes(sink.attempts[-1]) == media_bytes(recording, "wav", 300_000)


def test_server_errors_until_the_retries_run_out(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    signalwire_default.add_fault(Fault(status=500), times=3)
    with pytest.raises(SignalWireServerError):
        hook.download_recording_media(recording, Sink())


def test_an_unknown_recording_is_not_retried(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    with pytest.raises(SignalWireNotFoundError):
        hook.download_recording_media("RE-missing", Sink())
    assert len(signalwire_default.requests) == 1


def test_a_redirect_is_not_followed_to_another_host(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as elsewhere:
        location = elsewhere.url + media_path(recording)
        signalwire_default.add_fault(Fault(status=302, headers={"Location": location}))

        with pytest.raises(SignalWireResponseError, match="not followed"):
            hook.download_recording_media(recording, Sink())

        assert elsewhere.requests == []
    assert len(signalwire_default.requests) == 1


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"Content-Encoding": "gzip"}, "Content-Encoding 'gzip'"),
        ({"Content-Length": "lots"}, "no valid Content-Length"),
    ],
)
def test_an_answer_that_cannot_be_checked_for_completeness_is_refused(
    hook: SignalWireHook,
    signalwire_default: SignalWireEmulator,
    recording: str,
    headers: dict[str, str],
    problem: str,
) -> None:
    body = b"x" * 10
    signalwire_default.add_fault(
        Fault(status=200, body=body, content_type="audio/x-wav", headers=headers)
    )
    with pytest.raises(SignalWireResponseError, match=problem):
        hook.download_recording_media(recording, Sink())
    assert len(signalwire_default.requests) == 1


def test_a_success_other_than_200_is_refused(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
) -> None:
    signalwire_default.add_fault(Fault(status=206, body=b"xx", content_type="audio/x-wav"))
    with pytest.raises(SignalWireResponseError, match="instead of 200"):
        hook.download_recording_media(recording, Sink())


@pytest.mark.parametrize(
    ("sid", "media_format", "named"),
    [
        ("../x", "wav", "recording_sid"),
        ("RE1", "ogg", "media_format"),
        ("RE1", "WAV", "media_format"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    hook: SignalWireHook,
    signalwire_default: SignalWireEmulator,
    sid: str,
    media_format: str,
    named: str,
) -> None:
    with pytest.raises(SignalWireValidationError, match=named):
        hook.download_recording_media(sid, Sink(), media_format=media_format)
    with pytest.raises(SignalWireValidationError, match=named):
        hook.recording_media_length(sid, media_format=media_format)
    assert signalwire_default.requests == []


def test_close_closes_the_media_session_and_it_reopens(
    hook: SignalWireHook, recording: str
) -> None:
    first = hook.media
    hook.close()
    assert "media" not in hook.__dict__
    assert hook.media is not first
    assert hook.recording_media_length(recording) == 300_000


# -- servers that announce no length ----------------------------------------------------------

CHUNKED_BODY = bytes(range(256)) * 1000  # 256,000 bytes


class _NoLengthHandler(http.server.BaseHTTPRequestHandler):
    """``…/RE-whole.wav``: chunked; ``RE-cut``: chunked, cut off; ``RE-close``: read to close."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        self.send_response(200)
        if name == "RE-close.wav":
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(CHUNKED_BODY)
            self.close_connection = True
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        body = CHUNKED_BODY if name == "RE-whole.wav" else CHUNKED_BODY[:100_000]
        for offset in range(0, len(body), 30_000):
            piece = body[offset : offset + 30_000]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        if name == "RE-whole.wav":
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.close_connection = True

    def do_HEAD(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def no_length_hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[SignalWireHook]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoLengthHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(url))
    hook = SignalWireHook(max_attempts=2, initial_backoff=0.01)
    hook.media.sleep = FakeSleep()
    try:
        yield hook
    finally:
        hook.close()
        server.shutdown()
        server.server_close()


def test_a_chunked_body_is_complete_when_its_end_marker_arrives(
    no_length_hook: SignalWireHook,
) -> None:
    sink = Sink()

    download = no_length_hook.download_recording_media("RE-whole", sink)

    assert bytes(sink.attempts[0]) == CHUNKED_BODY
    assert (download.content_length, download.received) == (None, len(CHUNKED_BODY))
    assert sink.lengths == [None]
    assert no_length_hook.recording_media_length("RE-whole") is None


def test_a_chunked_body_cut_off_before_its_end_marker_fails(
    no_length_hook: SignalWireHook,
) -> None:
    sink = Sink()
    with pytest.raises(SignalWireConnectionError, match="gave up after 2 attempts"):
        no_length_hook.download_recording_media("RE-cut", sink)
    assert len(sink.attempts) == 2


def test_a_body_read_until_the_connection_closes_is_refused(
    no_length_hook: SignalWireHook,
) -> None:
    with pytest.raises(SignalWireResponseError, match="completeness cannot be checked"):
        no_length_hook.download_recording_media("RE-close", Sink())


class TestAbortBeforeTheFirstRequest:
    """A hook killed before a media request starts sends nothing, and says so."""

    def test_a_download_is_not_sent(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
    ) -> None:
        hook.abort()
        sink = Sink()
        with pytest.raises(SignalWireCancelledError) as caught:
            hook.download_recording_media(recording, sink)
        assert caught.value.maybe_delivered is False
        assert str(caught.value).endswith(" not sent: the task was killed")
        assert caught.value.attempts == 1  # never retried
        assert sink.lengths == []
        assert signalwire_default.requests == []

    def test_a_length_is_not_asked(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
    ) -> None:
        hook.recording_media_length(recording)  # the media session is live before the kill
        signalwire_default.clear_requests()
        hook.abort()
        with pytest.raises(SignalWireCancelledError) as caught:
            hook.recording_media_length(recording)
        assert caught.value.maybe_delivered is False
        assert signalwire_default.requests == []

    def test_an_api_call_and_a_download_share_one_kill(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, recording: str
    ) -> None:
        hook.get_conference(signalwire_default.demo_conference_sid)
        hook.abort()
        for call in (
            lambda: hook.get_conference(signalwire_default.demo_conference_sid),
            lambda: hook.download_recording_media(recording, Sink()),
        ):
            with pytest.raises(SignalWireCancelledError, match="not sent: the task was killed"):
                call()
        assert len(signalwire_default.requests) == 1
