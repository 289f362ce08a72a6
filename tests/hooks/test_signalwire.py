"""SignalWireHook against the local emulator over loopback: requests, retries, errors, secrets."""

from __future__ import annotations

import base64
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from signalwire_test_support import PROJECT_ID, TOKEN, FakeSleep, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireServerError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

BASIC = base64.b64encode(f"{PROJECT_ID}:{TOKEN}".encode()).decode()


@pytest.fixture
def sleeps() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def hook(signalwire_default: SignalWireEmulator, sleeps: FakeSleep) -> SignalWireHook:
    hook = SignalWireHook(initial_backoff=0.5, max_backoff=4.0)
    hook.transport.sleep = sleeps
    return hook


def stream_path(emu: SignalWireEmulator, stream: str | None = None) -> str:
    return f"{emu.base_path}/Conferences/{emu.demo_conference_sid}/Streams/{stream or emu.demo_stream_sid}"


class TestHookIdentity:
    def test_class_attributes(self) -> None:
        assert SignalWireHook.conn_name_attr == "signalwire_conn_id"
        assert SignalWireHook.default_conn_name == "signalwire_default"
        assert SignalWireHook.conn_type == "signalwire"
        assert SignalWireHook.hook_name == "SignalWire"

    def test_constructor_does_no_io(self, emulator: SignalWireEmulator) -> None:
        SignalWireHook("no_such_connection")
        assert emulator.requests == []

    @pytest.mark.parametrize(
        ("kwargs", "named"),
        [
            ({"max_attempts": 0}, "max_attempts 0"),
            ({"initial_backoff": -1}, "initial_backoff -1"),
            ({"max_backoff": "x"}, "max_backoff 'x'"),
            ({"timeout": 0}, "timeout 0"),
        ],
    )
    def test_bad_knobs_fail_early(self, kwargs: dict[str, object], named: str) -> None:
        with pytest.raises(SignalWireValidationError, match=named):
            SignalWireHook(**kwargs)  # type: ignore[arg-type]

    @pytest.mark.parametrize("cls", [SignalWireHook, SignalWireAsyncHook])
    def test_default_knobs_are_the_documented_ones(
        self, cls: type[SignalWireHook | SignalWireAsyncHook]
    ) -> None:
        """docs/hooks.md: 5 attempts, 1.0 s before the second, waits capped at 30 s."""
        hook = cls()
        assert (hook.signalwire_conn_id, hook.max_attempts) == ("signalwire_default", 5)
        assert (hook.initial_backoff, hook.max_backoff) == (1.0, 30.0)
        assert (hook.timeout, hook.max_pages) == (None, 1000)

    def test_default_pool_keeps_ten_connections(self) -> None:
        assert SignalWireHook().pool_size == 10

    def test_repr_and_settings_hide_the_token(self, hook: SignalWireHook) -> None:
        assert TOKEN not in repr(hook)
        assert TOKEN not in repr(hook.settings)
        assert BASIC not in repr(hook.settings)


class TestStopConferenceStream:
    def test_sends_the_spec_request(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        stream = hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)

        assert stream["status"] == "stopped"
        assert stream["sid"] == emu.demo_stream_sid
        [request] = emu.requests
        assert request.method == "POST"
        assert request.raw_path == stream_path(emu)  # the spec route: no .json suffix
        assert request.form == {"Status": ["stopped"]}
        assert request.auth_user == PROJECT_ID
        assert request.auth_ok
        assert request.headers["User-Agent"].startswith("airflow-provider-signalwire/0.1.0")
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert emu.stop_counts[emu.demo_stream_sid] == 1

    def test_stops_by_name(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        stream = hook.stop_conference_stream(signalwire_default.demo_conference_sid, "demo-stream")
        assert stream["sid"] == signalwire_default.demo_stream_sid
        assert stream["status"] == "stopped"

    def test_name_is_one_encoded_segment(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.add_stream(emu.demo_conference_sid, name="a/../b?c#d e")
        stream = hook.stop_conference_stream(emu.demo_conference_sid, "a/../b?c#d e")
        assert stream["name"] == "a/../b?c#d e"
        assert emu.requests[-1].raw_path.endswith("/Streams/a%2F..%2Fb%3Fc%23d%20e")

    def test_account_sid_overrides_project(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        # SignalWire's spec documents 401 (not 403) for another account's path.
        with pytest.raises(SignalWireAuthError, match="401"):
            hook.stop_conference_stream(
                signalwire_default.demo_conference_sid, "demo-stream", account_sid="other-account"
            )
        assert "/Accounts/other-account/" in signalwire_default.requests[-1].raw_path

    @pytest.mark.parametrize(
        ("conference_sid", "stream_sid", "named"),
        [
            ("", "ok", "conference_sid ''"),
            ("x" * 65, "ok", "conference_sid"),
            ("CF/../x", "ok", "conference_sid 'CF/../x'"),
            ("CF123", "", "stream_sid ''"),
            ("CF123", "..", "stream_sid '..'"),
            ("CF123", "a\nb", "stream_sid 'a\\\\nb'"),
            ("CF123", "s" * 257, "longer than 256"),
        ],
    )
    def test_invalid_input_fails_before_any_request(
        self,
        hook: SignalWireHook,
        signalwire_default: SignalWireEmulator,
        conference_sid: str,
        stream_sid: str,
        named: str,
    ) -> None:
        with pytest.raises(SignalWireValidationError, match=named):
            hook.stop_conference_stream(conference_sid, stream_sid)
        assert signalwire_default.requests == []

    def test_repeated_stop_answered_200_is_success(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        again = hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        assert again["status"] == "stopped"
        assert emu.stop_counts[emu.demo_stream_sid] == 1

    def test_repeated_stop_answered_404_is_not_found(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.repeat_stop_status = 404
        hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        with pytest.raises(SignalWireNotFoundError):
            hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)

    @pytest.mark.parametrize("repeat_status", [200, 404])
    def test_lost_answer_then_retry_ends_stopped(
        self,
        hook: SignalWireHook,
        signalwire_default: SignalWireEmulator,
        repeat_status: int,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        emu = signalwire_default
        emu.repeat_stop_status = repeat_status
        emu.add_fault(Fault(action="apply_then_drop"), times=1)

        stream = hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)

        assert stream["status"] == "stopped"
        assert len(emu.requests) == 2
        assert emu.stop_counts[emu.demo_stream_sid] == 1
        if repeat_status == 404:
            assert "taking it as already stopped" in capfd.readouterr().out


class TestRetries:
    def test_503_503_then_200_sends_three_requests(
        self,
        hook: SignalWireHook,
        signalwire_default: SignalWireEmulator,
        sleeps: FakeSleep,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=503), times=2)
        stream = hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        assert stream["status"] == "stopped"
        assert len(emu.requests) == 3
        assert len(sleeps.waits) == 2
        assert 0.5 <= sleeps.waits[0] <= 1.0
        assert 1.0 <= sleeps.waits[1] <= 1.5
        retry_lines = [
            line for line in capfd.readouterr().out.splitlines() if "retrying in" in line
        ]
        assert len(retry_lines) == 2
        assert "warning" in retry_lines[0]
        assert "SignalWire answered 503 Service Unavailable to POST " in retry_lines[0]
        assert "(attempt 1 of 5); retrying in " in retry_lines[0]

    @pytest.mark.parametrize(
        ("status", "error"),
        [
            (400, SignalWireRequestError),
            (401, SignalWireAuthError),
            (403, SignalWireAuthError),
            (404, SignalWireNotFoundError),
            (422, SignalWireRequestError),
            (501, SignalWireServerError),
        ],
    )
    def test_permanent_errors_are_not_retried(
        self,
        hook: SignalWireHook,
        signalwire_default: SignalWireEmulator,
        sleeps: FakeSleep,
        status: int,
        error: type[SignalWireError],
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=status), times=5)
        with pytest.raises(error) as caught:
            hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        assert type(caught.value) is error
        assert caught.value.status_code == status
        assert len(emu.requests) == 1
        assert sleeps.waits == []

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    def test_server_errors_give_up_after_max_attempts(
        self, signalwire_default: SignalWireEmulator, sleeps: FakeSleep, status: int
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=status), times=10)
        hook = SignalWireHook(max_attempts=3, initial_backoff=0.1)
        hook.transport.sleep = sleeps
        with pytest.raises(SignalWireServerError, match=f"{status}.*gave up after 3 attempts"):
            hook.get_conference(emu.demo_conference_sid)
        assert len(emu.requests) == 3

    def test_429_retry_after_seconds_is_honoured(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, sleeps: FakeSleep
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=429, retry_after="7"), times=2)
        hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        assert len(emu.requests) == 3
        # waits what the server asked (above max_backoff=4), plus at most 5 % jitter
        assert all(7.0 <= wait <= 7.35 for wait in sleeps.waits), sleeps.waits

    def test_429_retry_after_http_date_is_honoured(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, sleeps: FakeSleep
    ) -> None:
        emu = signalwire_default
        when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=10), usegmt=True)
        emu.add_fault(Fault(status=429, retry_after=when), times=1)
        hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        assert len(emu.requests) == 2
        assert 8.0 <= sleeps.waits[0] <= 10.6

    def test_429_asking_too_long_fails_at_once(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=429, retry_after="600"), times=1)
        with pytest.raises(SignalWireRateLimitError, match="Retry-After 600s"):
            hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        assert len(emu.requests) == 1

    def test_429_forever_says_how_long_it_waited(
        self, signalwire_default: SignalWireEmulator, sleeps: FakeSleep
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=429, retry_after="2"), times=10)
        hook = SignalWireHook(max_attempts=4)
        hook.transport.sleep = sleeps
        with pytest.raises(
            SignalWireRateLimitError, match=r"gave up after 4 attempts, waited 6\.\ds"
        ):
            hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        assert len(emu.requests) == 4

    def test_connection_refused_is_retried_then_fails(
        self, monkeypatch: pytest.MonkeyPatch, sleeps: FakeSleep
    ) -> None:
        with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
            url = emu.url
        monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(url))
        hook = SignalWireHook(max_attempts=3)
        hook.transport.sleep = sleeps
        with pytest.raises(
            SignalWireConnectionError, match="not established.*gave up after 3"
        ) as caught:
            hook.stop_conference_stream("CF1", "ST1")
        assert caught.value.maybe_delivered is False
        assert len(sleeps.waits) == 2

    def test_start_stream_is_not_retried_after_503(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=503), times=1)
        with pytest.raises(SignalWireServerError):
            hook.start_conference_stream(emu.demo_conference_sid, url="wss://ws.example.com/a")
        assert len(emu.requests) == 1

    @pytest.mark.parametrize("first", ["read", "start"])
    def test_one_hook_keeps_each_call_on_its_own_policy(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, first: str
    ) -> None:
        """A read retries a 503 and a start does not, whichever of them the hook made first."""
        emu = signalwire_default

        def read() -> None:
            emu.add_fault(Fault(status=503, method="GET"), times=1)
            assert hook.get_conference(emu.demo_conference_sid)["sid"] == emu.demo_conference_sid

        def start() -> None:
            emu.add_fault(Fault(status=503, method="POST"), times=1)
            with pytest.raises(SignalWireServerError):
                hook.start_conference_stream(emu.demo_conference_sid, url="wss://ws.example.com/a")

        calls = [read, start] if first == "read" else [start, read]
        for call in calls:
            call()
        assert [request.method for request in emu.requests] == (
            ["GET", "GET", "POST"] if first == "read" else ["POST", "GET", "GET"]
        )

    def test_start_stream_is_retried_after_429(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=429, retry_after="1"), times=1)
        stream = hook.start_conference_stream(emu.demo_conference_sid, url="wss://ws.example.com/a")
        assert stream["status"] == "in-progress"
        assert len(emu.requests) == 2


class TestErrorsNeverLeakTheToken:
    @pytest.mark.parametrize("status", [400, 401, 404, 422, 500])
    def test_error_message(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, status: int
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=status), times=5)
        hook.transport.max_attempts = 1
        with pytest.raises(SignalWireError) as caught:
            hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)
        text = f"{caught.value} {caught.value!r} {vars(caught.value)}"
        assert TOKEN not in text
        assert BASIC not in text
        assert f"POST {stream_path(emu)}" in str(caught.value)

    def test_wrong_token(
        self, monkeypatch: pytest.MonkeyPatch, emulator: SignalWireEmulator
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT",
            connection_json(emulator.url, token="wrong-token-XYZ987"),
        )
        ok, message = SignalWireHook().test_connection()
        assert ok is False
        assert "401" in message
        assert "Authentication failed" in message
        assert "wrong-token-XYZ987" not in message


class TestTestConnection:
    def test_success_after_one_cheap_read(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator
    ) -> None:
        ok, message = hook.test_connection()
        assert ok is True, message
        [request] = signalwire_default.requests
        assert request.method == "GET"
        assert request.query == {"PageSize": ["1"]}

    def test_bad_space_url_is_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json("http://example.signalwire.com")
        )
        ok, message = SignalWireHook().test_connection()
        assert ok is False
        assert "'http://example.signalwire.com'" in message
        assert "loopback" in message


class TestTransportErrorsCarryNoRequest:
    @pytest.mark.parametrize("action", ["drop", "reset"])
    def test_no_chained_exception_holds_the_authorization_header(
        self, hook: SignalWireHook, signalwire_default: SignalWireEmulator, action: str
    ) -> None:
        signalwire_default.add_fault(Fault(action=action), times=10)  # type: ignore[arg-type]
        hook.transport.max_attempts = 1
        with pytest.raises(SignalWireConnectionError) as caught:
            hook.get_conference(signalwire_default.demo_conference_sid)
        assert caught.value.__context__ is None
        assert caught.value.__cause__ is None


def test_test_connection_makes_a_single_attempt(signalwire_default: SignalWireEmulator) -> None:
    signalwire_default.add_fault(Fault(status=503), times=5)
    ok, message = SignalWireHook().test_connection()
    assert ok is False
    assert "503" in message
    assert len(signalwire_default.requests) == 1


def test_refused_connection_names_host_port_and_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emu:
        url = emu.url  # the emulator stops: nothing listens on this port any more
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(url))
    hook = SignalWireHook(max_attempts=1)

    with pytest.raises(SignalWireConnectionError) as caught:
        hook.get_conference("CF1")

    assert f"to {url.split('://')[1]} failed: connection refused" in str(caught.value)
    assert caught.value.maybe_delivered is False


def test_the_session_of_get_conn_serves_requests_of_ones_own_after_a_call(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    """Airflow's convention: the authenticated session, usable beside the hook's own calls."""
    emu = signalwire_default
    hook.get_conference(emu.demo_conference_sid)

    response = hook.get_conn().get(
        f"{emu.url}{emu.base_path}/Conferences/{emu.demo_conference_sid}.json", timeout=10
    )

    assert response.status_code == 200
    assert response.json()["sid"] == emu.demo_conference_sid


class _KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the connection stays open until the client closes it

    def handle(self) -> None:
        server: _KeepAliveServer = self.server  # type: ignore[assignment]
        server.opened += 1
        try:
            super().handle()
        finally:
            server.closed.set()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


class _KeepAliveServer(ThreadingHTTPServer):
    """A loopback server that counts the connections opened and sees one closed."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.opened = 0
        self.closed = threading.Event()
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        super().__exit__(*exc)


def test_the_session_of_get_conn_keeps_the_connections_of_one_host_only(
    hook: SignalWireHook, signalwire_default: SignalWireEmulator
) -> None:
    """
    The session never holds more sockets than the hook's pool: sent to a second host, it
    closes its connections to the first; each host's connection is reused while it is current.
    """
    session = hook.get_conn()
    with _KeepAliveServer() as first, _KeepAliveServer() as second:
        for _ in range(2):
            assert session.get(first.url, timeout=10).status_code == 200
        assert first.opened == 1
        assert not first.closed.is_set()

        for _ in range(2):
            assert session.get(second.url, timeout=10).status_code == 200

        assert first.closed.wait(timeout=10), "the first host's connection is still open"
        assert (first.opened, second.opened) == (1, 1)
        assert not second.closed.is_set()


def test_for_owner_takes_the_owners_connection_and_every_retry_knob() -> None:
    class Owner:
        signalwire_conn_id = "sw_owner"
        max_attempts = 7
        initial_backoff = 0.25
        max_backoff = 12.0

    hook = SignalWireHook.for_owner(Owner(), pool_size=3, timeout=4)
    assert (hook.signalwire_conn_id, hook.max_attempts) == ("sw_owner", 7)
    assert (hook.initial_backoff, hook.max_backoff) == (0.25, 12.0)
    assert (hook.pool_size, hook.timeout) == (3, 4.0)
    assert (
        repr(hook) == "SignalWireHook(signalwire_conn_id='sw_owner', max_attempts=7, timeout=4.0)"
    )
