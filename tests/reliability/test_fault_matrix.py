"""
Every way the network or SignalWire can fail, against the emulator over loopback, for both clients.

Each case runs once with the sync hook and once with the async hook (``make_client``, ids
``sync`` and ``async``): both share the rules, so both must keep the same promises. Each case
asserts the exact outcome (the exception class and what it carries, or the result) and exactly
how many requests reached the server. Every exception raised here is also checked for the token
and the Basic credentials: message, args, repr, attributes and formatted traceback. The stream
calls, which only the sync hook has, are in ``test_fault_matrix_stream_calls.py``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from fault_matrix_support import (
    CLIENT_ERRORS,
    CONNECT_FAILURES,
    ERROR_SHAPES,
    HTML,
    HUGE,
    MALFORMED_SUCCESS,
    MEMORY_CEILING,
    REDIRECTS,
    closed_port_url,
    error_body,
    expect,
    fail_to_connect_once,
    gzip_bomb,
    peak_while,
    retry_after_value,
)
from reliability_support import (
    EndlessBodyServer,
    assert_no_secret,
    full_backlog_listener,
    leak_surface,
)

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireConnectionError,
    SignalWireRateLimitError,
    SignalWireResponseError,
    SignalWireServerError,
)
from airflow_provider_signalwire.hooks._errors import MAX_BODY_BYTES
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Callable

    from sync_and_async_clients import Client

    MakeClient = Callable[..., Client]


class TestTransportFaults:
    def test_connection_refused_gives_up_after_max_attempts(self, make_client: MakeClient) -> None:
        url = closed_port_url()
        client = make_client(url, max_attempts=3)

        err = expect(SignalWireConnectionError, lambda: client.get_conference("CF1"))

        assert err.maybe_delivered is False
        assert err.attempts == 3
        assert len(client.sleeps.waits) == 2
        assert "connection refused" in str(err)
        assert "connection was not established" in str(err)
        assert urlsplit(url).netloc in str(err)
        assert err.method == "GET"
        assert err.path is not None and err.path.endswith("/Conferences/CF1")

    @pytest.mark.parametrize("how", CONNECT_FAILURES)
    def test_a_connection_never_established_is_retried(
        self,
        make_client: MakeClient,
        emulator: SignalWireEmulator,
        monkeypatch: pytest.MonkeyPatch,
        how: str,
    ) -> None:
        url = emulator.url.replace("127.0.0.1", "localhost")
        sid = emulator.demo_conference_sid
        failed = fail_to_connect_once(monkeypatch, how)

        err = expect(
            SignalWireConnectionError, lambda: make_client(url, max_attempts=1).get_conference(sid)
        )
        assert err.maybe_delivered is False
        assert CONNECT_FAILURES[how] in str(err)
        assert len(failed) == 1

        failed.clear()
        client = make_client(url, max_attempts=2)
        assert client.get_conference(sid)["sid"] == sid
        assert len(failed) == 1
        assert len(emulator.requests) == 1
        assert len(client.sleeps.waits) == 1

    def test_connect_timeout_on_a_full_backlog(self, make_client: MakeClient) -> None:
        with full_backlog_listener() as port:
            client = make_client(
                f"http://127.0.0.1:{port}", extra={"connect_timeout": 0.3}, max_attempts=2
            )
            started = time.monotonic()
            err = expect(SignalWireConnectionError, lambda: client.get_conference("CF1"))
            # The connection's connect_timeout, not a library default (5 s in httpx, none in
            # requests), bounds each attempt: 2 x 0.3 s plus generous slack for a busy machine.
            assert time.monotonic() - started < 4.0

        assert "ConnectTimeout" in str(err)
        assert err.maybe_delivered is False
        assert err.attempts == 2
        assert len(client.sleeps.waits) == 1

    def test_read_timeout_then_success_sends_two_requests(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url, timeout=0.3)
        emulator.add_fault(Fault(status=200, body={"sid": "late"}, delay=0.8), times=1)

        conference = client.get_conference(emulator.demo_conference_sid)

        assert conference["sid"] == emulator.demo_conference_sid
        assert len(emulator.requests) == 2
        assert len(client.sleeps.waits) == 1

    def test_read_timeout_every_time_gives_up(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url, timeout=0.3, max_attempts=2)
        emulator.add_fault(Fault(status=200, body={}, delay=0.8), times=2)

        err = expect(
            SignalWireConnectionError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert "ReadTimeout" in str(err)
        assert err.maybe_delivered is True
        assert err.attempts == 2
        assert len(emulator.requests) == 2

    @pytest.mark.parametrize("action", ["reset", "drop", "truncate"])
    def test_broken_connection_then_success_sends_two_requests(
        self, make_client: MakeClient, emulator: SignalWireEmulator, action: str
    ) -> None:
        client = make_client(emulator.url)
        emulator.add_fault(Fault(action=action), times=1)  # type: ignore[arg-type]

        conference = client.get_conference(emulator.demo_conference_sid)

        assert conference["sid"] == emulator.demo_conference_sid
        assert conference["status"]
        assert len(emulator.requests) == 2

    @pytest.mark.parametrize("action", ["reset", "drop", "truncate"])
    def test_broken_connection_every_time_gives_up(
        self, make_client: MakeClient, emulator: SignalWireEmulator, action: str
    ) -> None:
        client = make_client(emulator.url, max_attempts=3)
        emulator.add_fault(Fault(action=action), times=3)  # type: ignore[arg-type]

        err = expect(
            SignalWireConnectionError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert err.maybe_delivered is True
        assert "no complete answer" in str(err)
        assert err.attempts == 3
        assert len(emulator.requests) == 3


class TestServerErrors:
    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    def test_5xx_then_success_sends_two_requests(
        self, make_client: MakeClient, emulator: SignalWireEmulator, status: int
    ) -> None:
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=status), times=1)

        conference = client.get_conference(emulator.demo_conference_sid)

        assert conference["sid"] == emulator.demo_conference_sid
        assert len(emulator.requests) == 2
        assert len(client.sleeps.waits) == 1

    def test_502_with_html_body_then_success(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=502, body=HTML, content_type="text/html"), times=1)

        conference = client.get_conference(emulator.demo_conference_sid)

        assert conference["sid"] == emulator.demo_conference_sid
        assert len(emulator.requests) == 2

    def test_502_with_html_body_forever_names_the_body(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url, max_attempts=3)
        emulator.add_fault(Fault(status=502, body=HTML, content_type="text/html"), times=3)

        err = expect(
            SignalWireServerError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert err.status_code == 502
        assert err.code is None
        assert err.api_message is not None
        assert err.api_message.startswith("non-JSON body: <!DOCTYPE html>")
        assert "gave up after 3 attempts" in str(err)
        assert len(emulator.requests) == 3

    @pytest.mark.parametrize("status", [501, 505])
    def test_5xx_that_cannot_heal_is_not_retried(
        self, make_client: MakeClient, emulator: SignalWireEmulator, status: int
    ) -> None:
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=status), times=5)

        err = expect(
            SignalWireServerError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert err.status_code == status
        assert len(emulator.requests) == 1


class TestRateLimits:
    @pytest.mark.parametrize(
        ("retry_after", "low", "high"),
        [("3", 3.0, 3.15), ("0.5", 0.5, 0.525), ("date:+20", 17.0, 21.0)],
        ids=["seconds", "fraction", "http-date"],
    )
    @pytest.mark.parametrize("status", [429, 503])
    def test_retry_after_is_honoured_then_success(
        self,
        make_client: MakeClient,
        emulator: SignalWireEmulator,
        status: int,
        retry_after: str,
        low: float,
        high: float,
    ) -> None:
        client = make_client(emulator.url, max_backoff=1.0)
        emulator.add_fault(
            Fault(status=status, retry_after=retry_after_value(retry_after)), times=1
        )

        conference = client.get_conference(emulator.demo_conference_sid)

        assert conference["sid"] == emulator.demo_conference_sid
        assert len(emulator.requests) == 2
        [wait] = client.sleeps.waits
        assert low <= wait <= high

    def test_429_without_retry_after_backs_off_exponentially(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url, initial_backoff=0.5, max_backoff=30.0)
        emulator.add_fault(Fault(status=429), times=3)

        client.get_conference(emulator.demo_conference_sid)

        assert len(emulator.requests) == 4
        assert len(client.sleeps.waits) == 3
        for attempt, wait in enumerate(client.sleeps.waits):
            assert 0.5 * 2**attempt <= wait <= 0.5 * 2**attempt + 0.5

    @pytest.mark.parametrize(
        "retry_after", ["2", "date:+30", None], ids=["seconds", "http-date", "absent"]
    )
    def test_429_forever_gives_up_and_says_how_long_it_waited(
        self, make_client: MakeClient, emulator: SignalWireEmulator, retry_after: str | None
    ) -> None:
        client = make_client(emulator.url, max_attempts=4)
        emulator.add_fault(Fault(status=429, retry_after=retry_after_value(retry_after)), times=10)

        err = expect(
            SignalWireRateLimitError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        waits = client.sleeps.waits
        assert err.status_code == 429
        assert err.attempts == 4
        assert len(emulator.requests) == 4
        assert len(waits) == 3
        assert f"gave up after 4 attempts, waited {sum(waits):.1f}s" in str(err)


class TestClientErrors:
    @pytest.mark.parametrize("shape", sorted(ERROR_SHAPES))
    @pytest.mark.parametrize("status", sorted(CLIENT_ERRORS))
    def test_4xx_is_parsed_and_not_retried(
        self, make_client: MakeClient, emulator: SignalWireEmulator, status: int, shape: str
    ) -> None:
        _, code, api_message, more_info = ERROR_SHAPES[shape]
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=status, body=error_body(shape, status)), times=5)

        err = expect(
            CLIENT_ERRORS[status], lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert err.status_code == status
        assert err.code == code
        assert err.api_message == api_message
        assert err.more_info == more_info
        assert err.method == "GET"
        assert err.path == emulator.requests[0].raw_path
        assert f"SignalWire answered {status}" in str(err)
        if api_message:
            assert api_message[:60] in str(err)
        assert len(emulator.requests) == 1
        assert client.sleeps.waits == []

    def test_real_401_from_a_wrong_token(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url, token="wrong-token-LEAKCHECK-0000")

        err = expect(
            SignalWireAuthError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert err.status_code == 401
        assert "wrong-token-LEAKCHECK-0000" not in leak_surface(err)
        assert len(emulator.requests) == 1


class TestMalformedSuccess:
    @pytest.mark.parametrize("case", list(MALFORMED_SUCCESS))
    def test_200_without_a_json_object_is_a_response_error(
        self, make_client: MakeClient, emulator: SignalWireEmulator, case: str
    ) -> None:
        body, content_type, says = MALFORMED_SUCCESS[case]
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=200, body=body, content_type=content_type), times=5)

        err = expect(
            SignalWireResponseError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert err.status_code == 200
        assert says in str(err)
        assert len(emulator.requests) == 1


class TestHugeBodies:
    def test_huge_body_with_content_length_is_refused_unread(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=200, body=b"x" * HUGE), times=5)

        raised, peak = peak_while(lambda: client.get_conference(emulator.demo_conference_sid))

        assert isinstance(raised, SignalWireResponseError), raised
        assert "refused to read it" in str(raised)
        assert_no_secret(leak_surface(raised))
        assert len(emulator.requests) == 1
        assert peak < MEMORY_CEILING, f"peak {peak / 2**20:.1f} MiB"

    @pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
    def test_huge_body_without_length_is_cut_at_the_cap(
        self, make_client: MakeClient, chunked: bool
    ) -> None:
        with EndlessBodyServer(HUGE, chunked=chunked) as server:
            client = make_client(server.url)
            raised, peak = peak_while(lambda: client.get_conference("CF1"))

        assert isinstance(raised, SignalWireResponseError), raised
        assert f"over {MAX_BODY_BYTES} bytes" in str(raised)
        assert_no_secret(leak_surface(raised))
        assert len(server.requests) == 1
        assert peak < MEMORY_CEILING, f"peak {peak / 2**20:.1f} MiB"

    def test_gzip_bomb_is_cut_at_the_cap(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        client = make_client(emulator.url)
        emulator.add_fault(
            Fault(status=200, body=gzip_bomb(), headers={"Content-Encoding": "gzip"}), times=5
        )

        raised, peak = peak_while(lambda: client.get_conference(emulator.demo_conference_sid))

        assert isinstance(raised, SignalWireResponseError), raised
        assert_no_secret(leak_surface(raised))
        assert len(emulator.requests) == 1
        assert peak < MEMORY_CEILING, f"peak {peak / 2**20:.1f} MiB"


class TestRedirects:
    @pytest.mark.parametrize("where", ["same-host", "other-host"])
    @pytest.mark.parametrize("status", REDIRECTS)
    def test_redirect_is_never_followed(
        self,
        make_client: MakeClient,
        emulator: SignalWireEmulator,
        other_host: SignalWireEmulator,
        status: int,
        where: str,
    ) -> None:
        target = emulator if where == "same-host" else other_host
        location = f"{target.url}{target.base_path}/Conferences/{target.demo_conference_sid}"
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=status, headers={"Location": location}), times=1)

        err = expect(
            SignalWireResponseError, lambda: client.get_conference(emulator.demo_conference_sid)
        )

        assert err.status_code == status
        assert f"redirect to {location!r} not followed" in str(err)
        assert len(emulator.requests) == 1
        assert other_host.requests == []
        assert emulator.stop_counts[emulator.demo_stream_sid] == 0
        assert other_host.stop_counts[other_host.demo_stream_sid] == 0


def conference_page(emu: SignalWireEmulator, next_page_uri: str) -> dict[str, Any]:
    """One page of conferences whose ``next_page_uri`` is ``next_page_uri``."""
    return {
        "conferences": [{"sid": emu.demo_conference_sid, "status": "init"}],
        "next_page_uri": next_page_uri,
        "page": 0,
        "page_size": 1,
    }


class TestPaging:
    def test_a_failed_page_is_retried_and_paging_goes_on(
        self, make_client: MakeClient, emulator: SignalWireEmulator
    ) -> None:
        for index in range(5):
            emulator.add_conference(friendly_name=f"extra-{index}")
        client = make_client(emulator.url)
        emulator.add_fault(Fault(), times=1)  # the first page is answered as it is
        emulator.add_fault(Fault(status=502), times=1)  # the second fails once

        conferences = client.list_conferences(page_size=2)

        assert len({conference["sid"] for conference in conferences}) == len(conferences) == 8
        pages = [request.query for request in emulator.requests]
        assert len(pages) == 5
        assert pages[0] == {"PageSize": ["2"]}
        assert pages[1]["Page"] == pages[2]["Page"] == ["1"]
        assert len(client.sleeps.waits) == 1

    @pytest.mark.parametrize(
        ("where", "says"),
        [
            ("other-host", "leaves this Space's API; not followed"),
            ("other-resource", "points at another resource; not followed"),
        ],
    )
    def test_next_page_uri_off_the_listed_resource_is_never_followed(
        self,
        make_client: MakeClient,
        emulator: SignalWireEmulator,
        other_host: SignalWireEmulator,
        where: str,
        says: str,
    ) -> None:
        next_uri = {
            "other-host": f"{other_host.url}{other_host.base_path}/Conferences?Page=1",
            "other-resource": f"{emulator.base_path}/Calls?Page=1",
        }[where]
        client = make_client(emulator.url)
        emulator.add_fault(Fault(status=200, body=conference_page(emulator, next_uri)), times=5)

        err = expect(SignalWireResponseError, lambda: client.list_conferences())

        assert f"next_page_uri {next_uri!r}" in str(err)
        assert says in str(err)
        assert len(emulator.requests) == 1
        assert other_host.requests == []
