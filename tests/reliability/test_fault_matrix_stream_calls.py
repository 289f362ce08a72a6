"""
The fault matrix of the stream calls, which only the sync hook has: stop (idempotent) and start.

The cases that apply to both clients are in ``test_fault_matrix.py``. These add what only a
stream call shows: a stop is retried like a read but must stop at most once; a start creates
something, so only a failure that provably never reached SignalWire is repeated. Each case
asserts the exact outcome, how many requests reached the server and, through ``expect``, that
the exception leaks no credential.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fault_matrix_support import (
    CLIENT_ERRORS,
    CONNECT_FAILURES,
    ERROR_SHAPES,
    MALFORMED_SUCCESS,
    REDIRECTS,
    closed_port_url,
    error_body,
    expect,
    fail_to_connect_once,
    http_date,
    retry_after_value,
)

from airflow_provider_signalwire.exceptions import (
    SignalWireConnectionError,
    SignalWireRateLimitError,
    SignalWireResponseError,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Callable

    from signalwire_test_support import FakeSleep

    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

    MakeHook = Callable[..., SignalWireHook]


def stop(hook: SignalWireHook, emu: SignalWireEmulator) -> Callable[[], Any]:
    return lambda: hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)


def start(hook: SignalWireHook, emu: SignalWireEmulator) -> Callable[[], Any]:
    return lambda: hook.start_conference_stream(
        emu.demo_conference_sid, url="wss://ws.example.com/a"
    )


class TestTransportFaults:
    @pytest.mark.parametrize("call", ["stop", "start"])
    def test_connection_refused_gives_up_after_max_attempts(
        self, make_hook: MakeHook, sleeps: FakeSleep, call: str
    ) -> None:
        hook = make_hook(closed_port_url(), max_attempts=3)
        actions = {
            "stop": lambda: hook.stop_conference_stream("CF1", "ST1"),
            # a refused connection provably never arrived: even a create may repeat it
            "start": lambda: hook.start_conference_stream("CF1", url="wss://ws.example.com/a"),
        }

        err = expect(SignalWireConnectionError, actions[call])

        assert err.maybe_delivered is False
        assert err.attempts == 3
        assert len(sleeps.waits) == 2
        assert "connection was not established" in str(err)

    @pytest.mark.parametrize("how", CONNECT_FAILURES)
    @pytest.mark.parametrize("call", ["stop", "start"])
    def test_a_connection_never_established_is_retried(
        self,
        make_hook: MakeHook,
        emulator: SignalWireEmulator,
        sleeps: FakeSleep,
        monkeypatch: pytest.MonkeyPatch,
        call: str,
        how: str,
    ) -> None:
        """Nothing was sent (no address, no route): even a start is repeated."""
        url = emulator.url.replace("127.0.0.1", "localhost")
        action = {"stop": stop, "start": start}[call]
        failed = fail_to_connect_once(monkeypatch, how)

        err = expect(SignalWireConnectionError, action(make_hook(url, max_attempts=1), emulator))
        assert err.maybe_delivered is False
        assert CONNECT_FAILURES[how] in str(err)

        failed.clear()
        answer = action(make_hook(url, max_attempts=2), emulator)()
        assert answer["status"] == ("stopped" if call == "stop" else "in-progress")
        assert len(failed) == 1
        assert len(emulator.requests) == 1
        assert len(sleeps.waits) == 1

    def test_read_timeout_on_start_is_not_retried(
        self, make_hook: MakeHook, emulator: SignalWireEmulator
    ) -> None:
        hook = make_hook(emulator.url, timeout=0.3)
        emulator.add_fault(Fault(status=201, body={}, delay=0.8), times=1)

        err = expect(SignalWireConnectionError, start(hook, emulator))

        assert err.maybe_delivered is True
        assert len(emulator.requests) == 1

    @pytest.mark.parametrize("action", ["reset", "drop", "truncate"])
    def test_broken_connection_on_start_is_not_retried(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, action: str
    ) -> None:
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(action=action), times=1)  # type: ignore[arg-type]

        err = expect(SignalWireConnectionError, start(hook, emulator))

        assert err.maybe_delivered is True
        assert len(emulator.requests) == 1


class TestServerErrors:
    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    def test_5xx_then_success_stops_once(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, sleeps: FakeSleep, status: int
    ) -> None:
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(status=status), times=1)

        stream = stop(hook, emulator)()

        assert stream["status"] == "stopped"
        assert len(emulator.requests) == 2
        assert emulator.stop_counts[emulator.demo_stream_sid] == 1
        assert len(sleeps.waits) == 1


class TestRateLimits:
    @pytest.mark.parametrize(
        "retry_after", ["2", "date:+30", None], ids=["seconds", "http-date", "absent"]
    )
    def test_429_forever_gives_up_and_stops_nothing(
        self,
        make_hook: MakeHook,
        emulator: SignalWireEmulator,
        sleeps: FakeSleep,
        retry_after: str | None,
    ) -> None:
        hook = make_hook(emulator.url, max_attempts=4)
        emulator.add_fault(Fault(status=429, retry_after=retry_after_value(retry_after)), times=10)

        err = expect(SignalWireRateLimitError, stop(hook, emulator))

        assert err.status_code == 429
        assert err.attempts == 4
        assert len(emulator.requests) == 4
        assert len(sleeps.waits) == 3
        assert f"gave up after 4 attempts, waited {sum(sleeps.waits):.1f}s" in str(err)
        assert emulator.stop_counts[emulator.demo_stream_sid] == 0

    def test_429_asking_past_the_cap_fails_at_once_on_start(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, sleeps: FakeSleep
    ) -> None:
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(status=429, retry_after=http_date(3600)), times=1)

        err = expect(SignalWireRateLimitError, start(hook, emulator))

        assert err.retry_after is not None
        assert err.retry_after > 3000
        assert sleeps.waits == []
        assert len(emulator.requests) == 1


class TestClientErrors:
    @pytest.mark.parametrize("shape", sorted(ERROR_SHAPES))
    @pytest.mark.parametrize("status", sorted(CLIENT_ERRORS))
    def test_4xx_to_a_stop_is_parsed_and_not_retried(
        self,
        make_hook: MakeHook,
        emulator: SignalWireEmulator,
        sleeps: FakeSleep,
        status: int,
        shape: str,
    ) -> None:
        _, code, api_message, more_info = ERROR_SHAPES[shape]
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(status=status, body=error_body(shape, status)), times=5)

        err = expect(CLIENT_ERRORS[status], stop(hook, emulator))

        assert err.status_code == status
        assert err.code == code
        assert err.api_message == api_message
        assert err.more_info == more_info
        assert err.method == "POST"
        assert err.path == emulator.requests[0].raw_path
        assert f"SignalWire answered {status}" in str(err)
        if api_message:
            assert api_message[:60] in str(err)
        assert len(emulator.requests) == 1
        assert sleeps.waits == []
        assert emulator.stop_counts[emulator.demo_stream_sid] == 0


class TestMalformedSuccess:
    @pytest.mark.parametrize("case", list(MALFORMED_SUCCESS))
    def test_200_to_a_stop_without_a_json_object_is_a_response_error(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, case: str
    ) -> None:
        body, content_type, says = MALFORMED_SUCCESS[case]
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(status=200, body=body, content_type=content_type), times=5)

        err = expect(SignalWireResponseError, stop(hook, emulator))

        assert err.status_code == 200
        assert says in str(err)
        assert len(emulator.requests) == 1

    def test_truncated_success_of_a_stop_is_retried_and_stops_once(
        self, make_hook: MakeHook, emulator: SignalWireEmulator
    ) -> None:
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(action="truncate"), times=1)  # applied, then cut off

        assert stop(hook, emulator)()["status"] == "stopped"
        assert len(emulator.requests) == 2
        assert emulator.stop_counts[emulator.demo_stream_sid] == 1


class TestRedirects:
    @pytest.mark.parametrize("where", ["same-host", "other-host"])
    @pytest.mark.parametrize("status", REDIRECTS)
    def test_redirect_of_a_stop_is_never_followed(
        self,
        make_hook: MakeHook,
        emulator: SignalWireEmulator,
        other_host: SignalWireEmulator,
        status: int,
        where: str,
    ) -> None:
        target = emulator if where == "same-host" else other_host
        location = (
            f"{target.url}{target.base_path}/Conferences/{target.demo_conference_sid}"
            f"/Streams/{target.demo_stream_sid}"
        )
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(status=status, headers={"Location": location}), times=1)

        err = expect(SignalWireResponseError, stop(hook, emulator))

        assert err.status_code == status
        assert f"redirect to {location!r} not followed" in str(err)
        assert len(emulator.requests) == 1
        assert other_host.requests == []
        assert emulator.stop_counts[emulator.demo_stream_sid] == 0
        assert other_host.stop_counts[other_host.demo_stream_sid] == 0
