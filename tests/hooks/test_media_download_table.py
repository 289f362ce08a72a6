"""
Recording media downloads, edge by edge: what a download accepts, refuses, retries and writes.

Odd answers come from a loopback server that answers each recording with prepared bytes and
counts the connections it accepted, so "nothing reached the server" is counted, not assumed.
Each safety net is tested on its own: the announced-length check with a transport that does not
enforce lengths itself, the kill check before a request with nothing listening behind it.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
from typing import TYPE_CHECKING, Any

import pytest
import urllib3
from requests.adapters import HTTPAdapter
from signalwire_test_support import PROJECT_ID, FakeSleep, MediaSink, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireResponseError,
    SignalWireServerError,
)
from airflow_provider_signalwire.hooks._media import CHUNK_SIZE, MediaClient
from airflow_provider_signalwire.hooks._wire import KillSwitch
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing.media import media_bytes

if TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

BODY = bytes(range(256)) * 40  # 10,240 bytes


def media_path(sid: str, suffix: str = ".wav") -> str:
    return f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}/Recordings/{sid}{suffix}"


def answer(status: str, headers: list[str], body: bytes = b"") -> bytes:
    """The bytes of an HTTP/1.1 answer that closes its connection."""
    head = "".join(f"{line}\r\n" for line in [f"HTTP/1.1 {status}", *headers, "Connection: close"])
    return head.encode("latin-1") + b"\r\n" + body


def chunked(body: bytes, piece: int = 3000) -> bytes:
    parts = [body[i : i + piece] for i in range(0, len(body), piece)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


class RawServer:
    """Answers ``…/Recordings/<name>`` with ``answers[name]``, then closes; counts connections."""

    def __init__(self) -> None:
        self.answers: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    data = conn.recv(65536)
                    if not data:
                        break
                    head += data
                if not head:
                    continue
                method, target = head.split(b" ", 2)[:2]
                path = target.decode()
                self.requests.append((method.decode(), path))
                conn.sendall(self.answers.get(path.rsplit("/", 1)[-1], answer("404 Not Found", [])))
                conn.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        # shutdown, unlike close, wakes the thread blocked in accept().
        self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(30)


@pytest.fixture
def raw(monkeypatch: pytest.MonkeyPatch) -> Iterator[RawServer]:
    server = RawServer()
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(server.url))
    yield server
    server.close()


def new_hook(max_attempts: int = 2) -> SignalWireHook:
    hook = SignalWireHook(max_attempts=max_attempts, initial_backoff=0.5)
    hook.media.sleep = FakeSleep()
    return hook


@pytest.fixture
def hook(raw: RawServer) -> Iterator[SignalWireHook]:
    hook = new_hook()
    yield hook
    hook.close()


def origin(server: RawServer) -> str:
    return server.url.removeprefix("http://")


# -- what a 200 answer must announce --------------------------------------------------------------

ACCEPTED = [
    pytest.param([f"Content-Length: {len(BODY)}"], BODY, len(BODY), id="content-length"),
    pytest.param(["Content-Length: 0"], b"", 0, id="empty-file"),
    pytest.param(
        ["Content-Encoding: identity", f"Content-Length: {len(BODY)}"],
        BODY,
        len(BODY),
        id="identity-encoding",
    ),
    pytest.param(
        ["Content-Encoding:  IDENTITY ", f"Content-Length: {len(BODY)}"],
        BODY,
        len(BODY),
        id="identity-any-case",
    ),
    pytest.param(["Transfer-Encoding: chunked"], chunked(BODY), None, id="chunked"),
    pytest.param(["Transfer-Encoding: Chunked"], chunked(BODY), None, id="chunked-any-case"),
]


@pytest.mark.parametrize(("headers", "body", "length"), ACCEPTED)
def test_a_complete_answer_is_written_whole(
    hook: SignalWireHook,
    raw: RawServer,
    headers: list[str],
    body: bytes,
    length: int | None,
) -> None:
    raw.answers["RE1.wav"] = answer("200 OK", ["Content-Type: audio/x-wav", *headers], body)
    sink = MediaSink()

    download = hook.download_recording_media("RE1", sink)

    assert sink.lengths == [length]
    assert sink.file() == (BODY if length is None else BODY[:length])
    assert (download.path, download.content_length, download.received, download.declined) == (
        media_path("RE1"),
        length,
        len(BODY) if length is None else length,
        False,
    )
    assert raw.requests == [("GET", media_path("RE1"))]


REFUSED = [
    pytest.param(
        ["Content-Encoding: gzip", f"Content-Length: {len(BODY)}"],
        BODY,
        "Content-Encoding 'gzip' although identity was asked for",
        id="gzip",
    ),
    pytest.param(
        ["Content-Encoding: gzip", "Transfer-Encoding: chunked"],
        chunked(BODY),
        "Content-Encoding 'gzip' although identity was asked for",
        id="gzip-chunked",
    ),
    pytest.param(
        [],
        BODY,
        "no valid Content-Length ('') and no chunked encoding, so completeness cannot be checked",
        id="neither-length-nor-chunked",
    ),
    pytest.param(
        ["Content-Length: 1" + "0" * 40],
        BODY,
        f"no valid Content-Length ({'1' + '0' * 39!r}) and no chunked encoding, so "
        "completeness cannot be checked",
        id="length-too-long-shown-cut-to-40",
    ),
    pytest.param(
        ["Content-Length: ten", "Transfer-Encoding: chunked"],
        chunked(BODY),
        "no valid Content-Length ('ten') and no chunked encoding, so completeness cannot be "
        "checked",
        id="chunked-with-a-broken-length",
    ),
]


@pytest.mark.parametrize(("headers", "body", "problem"), REFUSED)
def test_an_answer_whose_completeness_cannot_be_checked_is_refused_unretried(
    hook: SignalWireHook, raw: RawServer, headers: list[str], body: bytes, problem: str
) -> None:
    raw.answers["RE1.wav"] = answer("200 OK", headers, body)
    sink = MediaSink()

    with pytest.raises(SignalWireResponseError) as caught:
        hook.download_recording_media("RE1", sink)

    path = media_path("RE1")
    assert str(caught.value) == f"SignalWire answered 200 to GET {path} with {problem}"
    assert (caught.value.status_code, caught.value.method, caught.value.path) == (200, "GET", path)
    assert sink.lengths == []
    assert len(raw.requests) == 1


# -- answers other than 200 ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["201 Created", "204 No Content", "206 Partial", "299 Odd"])
def test_a_success_other_than_200_is_refused_by_its_status(
    hook: SignalWireHook, raw: RawServer, status: str
) -> None:
    raw.answers["RE1.wav"] = answer(status, ["Content-Length: 2"], b"xx")

    with pytest.raises(SignalWireResponseError) as caught:
        hook.download_recording_media("RE1", MediaSink())

    code = int(status.split()[0])
    path = media_path("RE1")
    assert str(caught.value) == (
        f"SignalWire answered {code} to GET {path} instead of 200 with the media file"
    )
    assert (caught.value.status_code, caught.value.method, caught.value.path) == (code, "GET", path)
    assert len(raw.requests) == 1


def test_a_300_is_a_redirect_not_followed(hook: SignalWireHook, raw: RawServer) -> None:
    raw.answers["RE1.wav"] = answer(
        "300 Multiple Choices", ["Location: http://elsewhere.invalid/x", "Content-Length: 0"]
    )
    with pytest.raises(SignalWireResponseError, match="not followed") as caught:
        hook.download_recording_media("RE1", MediaSink())
    assert caught.value.status_code == 300
    assert "instead of 200" not in str(caught.value)


@pytest.mark.parametrize("reason", ["404 Not Found", "404"], ids=["with-reason", "no-reason"])
def test_an_error_answer_says_signalwires_code_and_message(
    hook: SignalWireHook, raw: RawServer, reason: str
) -> None:
    body = json.dumps({"code": 20404, "message": "The requested resource was not found"})
    raw.answers["RE1.wav"] = answer(
        reason,
        ["Content-Type: application/json", f"Content-Length: {len(body)}"],
        body.encode(),
    )

    with pytest.raises(SignalWireNotFoundError) as caught:
        hook.download_recording_media("RE1", MediaSink())

    assert str(caught.value) == (
        f"SignalWire answered {reason} to GET {media_path('RE1')}: code 20404; "
        "The requested resource was not found"
    )


def test_an_empty_error_answer_says_only_its_status(hook: SignalWireHook, raw: RawServer) -> None:
    raw.answers["RE1.wav"] = answer("403 Forbidden", ["Content-Length: 0"])
    with pytest.raises(SignalWireError) as caught:
        hook.download_recording_media("RE1", MediaSink())
    assert str(caught.value) == f"SignalWire answered 403 Forbidden to GET {media_path('RE1')}"


def error_body_of(size: int) -> bytes:
    """A SignalWire error body of exactly ``size`` bytes (padded inside its message)."""
    empty = json.dumps({"code": 20404, "message": ""})
    return json.dumps({"code": 20404, "message": "x" * (size - len(empty))}).encode()


@pytest.mark.parametrize(("size", "read"), [(64 * 1024, True), (64 * 1024 + 1, False)])
def test_an_error_body_is_read_up_to_64_kib(
    hook: SignalWireHook, raw: RawServer, size: int, read: bool
) -> None:
    body = error_body_of(size)
    assert len(body) == size
    raw.answers["RE1.wav"] = answer(
        "404 Not Found",
        ["Content-Type: application/json", f"Content-Length: {size}"],
        body,
    )

    with pytest.raises(SignalWireNotFoundError) as caught:
        hook.download_recording_media("RE1", MediaSink())

    assert (caught.value.code == 20404) is read


def test_an_error_body_is_taken_as_sent_whatever_encoding_it_claims(
    hook: SignalWireHook, raw: RawServer
) -> None:
    """The status decides: a body claiming gzip that is not gzip still gives the 404."""
    raw.answers["RE1.wav"] = answer(
        "404 Not Found", ["Content-Encoding: gzip", "Content-Length: 9"], b"not gzip!"
    )
    with pytest.raises(SignalWireNotFoundError, match="non-JSON body: not gzip!"):
        hook.download_recording_media("RE1", MediaSink())


def test_an_error_body_cut_short_still_gives_the_status_error(
    hook: SignalWireHook, raw: RawServer
) -> None:
    raw.answers["RE1.wav"] = answer("500 Internal Server Error", ["Content-Length: 100"], b"{")

    with pytest.raises(SignalWireServerError) as caught:
        hook.download_recording_media("RE1", MediaSink())

    assert (caught.value.status_code, caught.value.attempts) == (500, 2)
    assert "non-JSON body: {" in str(caught.value)
    assert len(raw.requests) == 2


class _BrokenBody(io.RawIOBase):
    """A socket that breaks at the first read."""

    def readinto(self, buffer: Any) -> int:
        raise ConnectionResetError(104, "Connection reset by peer")

    def readable(self) -> bool:
        return True


class _BrokenBodyAdapter(HTTPAdapter):
    """Answers ``status`` with ``Content-Length: 100``, and the body breaks when it is read."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status
        self.sent = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        raw = urllib3.HTTPResponse(
            body=_BrokenBody(),
            headers={"Content-Length": "100"},
            status=self.status,
            preload_content=False,
            decode_content=False,
            request_method=request.method,
        )
        return self.build_response(request, raw)


@pytest.mark.parametrize("status", [200, 404])
def test_a_body_that_breaks_is_a_transport_failure_retried(raw: RawServer, status: int) -> None:
    """Whether the file or an error answer breaks, it may have been delivered, and is retried."""
    hook = new_hook(max_attempts=2)
    adapter = _BrokenBodyAdapter(status)
    hook.media.session.mount("http://", adapter)

    with pytest.raises(SignalWireConnectionError) as caught:
        hook.download_recording_media("RE1", MediaSink())

    assert str(caught.value).startswith(
        f"SignalWire request GET {media_path('RE1')} to {origin(raw)} failed: "
    )
    assert "(no complete answer) (gave up after 2 attempts" in str(caught.value)
    assert (caught.value.maybe_delivered, caught.value.attempts) == (True, 2)
    assert adapter.sent == 2


# -- HEAD: a size, or no size ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["429 Too Many", "500 Error", "502 Bad", "503 Busy", "504 Late"])
def test_a_transient_head_answer_is_retried(
    hook: SignalWireHook, raw: RawServer, status: str
) -> None:
    raw.answers["RE1.wav"] = answer(status, ["Content-Length: 0"])

    with pytest.raises((SignalWireServerError, SignalWireRateLimitError)) as caught:
        hook.recording_media_length("RE1")

    assert str(caught.value).startswith(
        f"SignalWire answered {status} to HEAD {media_path('RE1')} (gave up after 2 attempts, "
    )
    assert caught.value.status_code == int(status.split()[0])
    assert caught.value.attempts == 2
    assert raw.requests == [("HEAD", media_path("RE1"))] * 2


HEAD_SIZES = [
    pytest.param("200 OK", ["Content-Length: 12345"], 12345, id="length"),
    pytest.param("200 OK", ["Content-Length: 0"], 0, id="empty-file"),
    pytest.param("200 OK", ["Transfer-Encoding: chunked"], None, id="chunked"),
    pytest.param("200 OK", ["Content-Length: 12", "Content-Encoding: br"], None, id="encoded"),
    pytest.param("408 Timeout", ["Content-Length: 0"], None, id="408"),
    pytest.param("501 No", ["Content-Length: 0"], None, id="501"),
    pytest.param("505 No", ["Content-Length: 0"], None, id="505"),
    pytest.param("206 Partial", ["Content-Length: 12"], None, id="206"),
]


@pytest.mark.parametrize(("status", "headers", "size"), HEAD_SIZES)
def test_head_tells_a_size_only_from_a_200_with_a_length(
    hook: SignalWireHook, raw: RawServer, status: str, headers: list[str], size: int | None
) -> None:
    raw.answers["RE1.mp3"] = answer(status, headers)
    assert hook.recording_media_length("RE1", media_format="mp3") == size
    assert raw.requests == [("HEAD", media_path("RE1", ".mp3"))]
    assert raw.connections == 1


# -- the bytes, chunk by chunk ---------------------------------------------------------------------


@pytest.fixture
def emu_hook(signalwire_default: SignalWireEmulator) -> Iterator[SignalWireHook]:
    hook = new_hook(max_attempts=3)
    yield hook
    hook.close()


def test_the_sink_gets_one_write_per_chunk(
    emu_hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    emu = signalwire_default
    sid = str(emu.add_recording(emu.demo_conference_sid, status="completed", size=10_500)["sid"])
    emu_hook.media.chunk_size = 1000
    sink = MediaSink()

    download = emu_hook.download_recording_media(sid, sink)

    assert [len(chunk) for chunk in sink.writes[0]] == [1000] * 10 + [500]
    assert sink.file() == media_bytes(sid, "wav", 10_500)
    assert (download.content_length, download.received) == (10_500, 10_500)


def test_chunks_are_a_mebibyte_by_default(
    emu_hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    emu = signalwire_default
    size = 2 * CHUNK_SIZE + 7
    sid = str(emu.add_recording(emu.demo_conference_sid, status="completed", size=size)["sid"])
    sink = MediaSink()

    emu_hook.download_recording_media(sid, sink)

    assert CHUNK_SIZE == 1024 * 1024
    assert [len(chunk) for chunk in sink.writes[0]] == [CHUNK_SIZE, CHUNK_SIZE, 7]


def test_a_declined_file_is_never_read(
    emu_hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    emu = signalwire_default
    sid = str(emu.add_recording(emu.demo_conference_sid, status="completed", size=5000)["sid"])
    sink = MediaSink(decline=True)

    download = emu_hook.download_recording_media(sid, sink)

    assert (download.path, download.content_length, download.received, download.declined) == (
        media_path(sid),
        5000,
        0,
        True,
    )
    assert (sink.lengths, sink.writes) == ([5000], [])
    assert len(signalwire_default.requests) == 1


def test_a_break_mid_file_is_a_connection_error_after_each_attempt_restarted(
    emu_hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    emu = signalwire_default
    sid = str(emu.add_recording(emu.demo_conference_sid, status="completed", size=50_000)["sid"])
    emu.add_fault(Fault(action="reset", after_bytes=20_000, path_contains=".wav"), times=3)
    sink = MediaSink()

    with pytest.raises(SignalWireConnectionError) as caught:
        emu_hook.download_recording_media(sid, sink)

    assert "(no complete answer) (gave up after 3 attempts" in str(caught.value)
    assert caught.value.maybe_delivered is True
    assert sink.lengths == [50_000] * 3
    assert all(sum(map(len, attempt)) < 50_000 for attempt in sink.writes)
    assert emu_hook.media.sleep.waits == [pytest.approx(0.5, abs=0.5), pytest.approx(1, abs=0.5)]


class _ShortBodyAdapter(HTTPAdapter):
    """
    Answers every request with 200, ``Content-Length: 20`` and a body of 10 bytes, and does not
    enforce the length itself: the media client's own check is the only one left.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(b"0123456789"),
            headers={"Content-Length": "20"},
            status=200,
            preload_content=False,
            decode_content=False,
            enforce_content_length=False,
            request_method=request.method,
        )
        return self.build_response(request, raw)


@pytest.mark.parametrize("attempts", [1, 3])
def test_a_body_shorter_than_announced_is_refused_by_the_clients_own_count(
    raw: RawServer, attempts: int
) -> None:
    hook = new_hook(max_attempts=attempts)
    adapter = _ShortBodyAdapter()
    hook.media.session.mount("http://", adapter)
    sink = MediaSink()

    with pytest.raises(SignalWireConnectionError) as caught:
        hook.download_recording_media("RE1", sink)

    path = media_path("RE1")
    expected = (
        f"SignalWire request GET {path} to {origin(raw)} failed: the body ended after 10 of 20 "
        "announced bytes (no complete answer)"
    )
    assert str(caught.value).startswith(expected)
    assert str(caught.value) == expected or "(gave up after 3 attempts" in str(caught.value)
    assert (caught.value.method, caught.value.path, caught.value.attempts) == (
        "GET",
        path,
        attempts,
    )
    assert adapter.sent == attempts
    assert [b"".join(writes) for writes in sink.writes] == [b"0123456789"] * attempts
    assert raw.connections == 0


def test_a_body_of_exactly_the_announced_length_passes_the_count(raw: RawServer) -> None:
    class Exact(_ShortBodyAdapter):
        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
            response = super().send(request, *args, **kwargs)
            response.raw.headers["Content-Length"] = "10"
            response.headers["Content-Length"] = "10"
            return response

    hook = new_hook(max_attempts=1)
    hook.media.session.mount("http://", Exact())
    sink = MediaSink()

    download = hook.download_recording_media("RE1", sink)

    assert (download.content_length, download.received, sink.file()) == (10, 10, b"0123456789")


# -- a kill: before a request, between attempts, mid-file ------------------------------------------


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("GET", lambda hook: hook.download_recording_media("RE1", MediaSink())),
        ("HEAD", lambda hook: hook.recording_media_length("RE1")),
    ],
    ids=["download", "length"],
)
def test_a_killed_hook_sends_no_media_request(
    hook: SignalWireHook, raw: RawServer, method: str, call: Any
) -> None:
    raw.answers["RE1.wav"] = answer("200 OK", [f"Content-Length: {len(BODY)}"], BODY)
    hook.abort()

    with pytest.raises(SignalWireCancelledError) as caught:
        call(hook)

    assert str(caught.value) == (
        f"SignalWire request {method} {media_path('RE1')} to {origin(raw)} not sent: "
        "the task was killed"
    )
    assert (caught.value.maybe_delivered, caught.value.attempts) == (False, 1)
    assert (raw.connections, raw.requests) == (0, [])


def test_a_kill_mid_file_cuts_the_download_off_unretried(
    emu_hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    emu = signalwire_default
    sid = str(emu.add_recording(emu.demo_conference_sid, status="completed", size=400_000)["sid"])
    emu_hook.media.chunk_size = 1000
    hook = emu_hook

    class KillingSink(MediaSink):
        def write(self, chunk: bytes) -> None:
            super().write(chunk)
            if sum(map(len, self.writes[-1])) == 2000:
                hook.abort()

    sink = KillingSink()
    with pytest.raises(SignalWireCancelledError) as caught:
        hook.download_recording_media(sid, sink)

    assert str(caught.value) == (
        f"SignalWire request GET {media_path(sid)} to {emu.url.removeprefix('http://')} cut off: "
        "the task was killed"
    )
    assert (caught.value.maybe_delivered, caught.value.attempts) == (True, 1)
    assert len(sink.writes) == 1 and sum(map(len, sink.writes[0])) < 400_000
    assert len(signalwire_default.requests) == 1


def test_a_kill_ends_the_wait_between_attempts(signalwire_default: SignalWireEmulator) -> None:
    """Without a fake sleep, the wait before a retry is the kill switch's: a kill ends it."""
    emu = signalwire_default
    sid = str(emu.add_recording(emu.demo_conference_sid, status="completed", size=1000)["sid"])
    emu.add_fault(Fault(status=503))
    retrying = threading.Event()

    class Announcer(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            retrying.set()

    logger = logging.getLogger(f"test-media-kill-{id(retrying)}")
    logger.addHandler(Announcer(logging.WARNING))
    kill_switch = KillSwitch()
    client = MediaClient(
        SignalWireHook().settings,
        pool_size=1,
        kill_switch=kill_switch,
        max_attempts=2,
        initial_backoff=3600,
        max_backoff=3600,
        logger=logger,
    )
    errors: list[SignalWireError] = []

    def download() -> None:
        try:
            client.download(media_path(sid), MediaSink())
        except SignalWireError as err:
            errors.append(err)

    thread = threading.Thread(target=download)
    thread.start()
    # The retry is announced just before its wait: the kill lands before or during the wait.
    assert retrying.wait(60)
    kill_switch.abort()
    thread.join(60)
    client.close()

    assert not thread.is_alive()
    [error] = errors
    assert isinstance(error, SignalWireCancelledError)
    assert (error.maybe_delivered, error.attempts) == (False, 2)
    assert len(emu.requests) == 1


# -- the connections a download holds ---------------------------------------------------------------


def recordings(emu: SignalWireEmulator, count: int, size: int) -> list[str]:
    return [
        str(emu.add_recording(emu.demo_conference_sid, status="completed", size=size)["sid"])
        for _ in range(count)
    ]


def test_a_declined_file_gives_its_connection_back(signalwire_default: SignalWireEmulator) -> None:
    """With one pooled connection, a second download can only start if the first freed it."""
    first, second = recordings(signalwire_default, 2, 300_000)
    hook = SignalWireHook(max_attempts=1, pool_size=1)
    done: list[int] = []

    def both() -> None:
        hook.download_recording_media(first, MediaSink(decline=True))
        done.append(hook.download_recording_media(second, MediaSink()).received)

    thread = threading.Thread(target=both, daemon=True)
    thread.start()
    thread.join(60)
    hook.close()

    assert done == [300_000]


def test_pool_size_downloads_run_at_once(signalwire_default: SignalWireEmulator) -> None:
    """Each sink waits for the other to start: both can only if the pool holds two connections."""
    sids = recordings(signalwire_default, 2, 5000)
    hook = SignalWireHook(max_attempts=1, pool_size=2)
    started = threading.Barrier(2, timeout=60)
    received: list[int] = []

    class Waiting(MediaSink):
        def restart(self, content_length: int | None) -> bool:
            started.wait()
            return super().restart(content_length)

    def download(sid: str) -> None:
        received.append(hook.download_recording_media(sid, Waiting()).received)

    threads = [threading.Thread(target=download, args=(sid,), daemon=True) for sid in sids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    hook.close()

    assert received == [5000, 5000]


def test_finished_downloads_leave_nothing_for_the_kill_switch_to_watch(
    emu_hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    """A long-lived hook downloading many files must not keep every attempt registered."""
    signalwire_default.add_fault(Fault(status=404), times=1)
    for sid in recordings(signalwire_default, 3, 1000):
        with contextlib.suppress(SignalWireNotFoundError):
            emu_hook.download_recording_media(sid, MediaSink())
        emu_hook.recording_media_length(sid)
    assert emu_hook._kill_switch._attempts == set()
