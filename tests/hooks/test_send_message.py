"""``send_message`` of both hooks against the emulator: the form sent, the sender, retries, errors."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from signalwire_test_support import TOKEN, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireServerError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks import _wire
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Iterator

ALICE, SENDER, OTHER = "+15550100001", "+15550100999", "+15550100888"
SERVICE_SID = "4d2c8f9e-0b1a-4c3d-9e8f-7a6b5c4d3e2f"

Send = Callable[..., dict[str, Any]]


def sync_sender(**hook_arguments: Any) -> Iterator[Send]:
    hook = SignalWireHook(initial_backoff=0.0, max_backoff=0.0, **hook_arguments)
    yield hook.send_message
    hook.close()


def async_sender(**hook_arguments: Any) -> Iterator[Send]:
    def send(to: Any, **arguments: Any) -> dict[str, Any]:
        async def run() -> dict[str, Any]:
            hook = SignalWireAsyncHook(initial_backoff=0.0, max_backoff=0.0, **hook_arguments)
            async with hook:
                return await hook.send_message(to, **arguments)

        return asyncio.run(run())

    yield send


SENDERS = {"sync": sync_sender, "async": async_sender}


@pytest.fixture(params=sorted(SENDERS))
def hook_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def emu(emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch) -> SignalWireEmulator:
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url))
    return emulator


@pytest.fixture
def send(emu: SignalWireEmulator, hook_kind: str) -> Iterator[Send]:
    yield from SENDERS[hook_kind]()


def message_requests(emu: SignalWireEmulator) -> list[Any]:
    return [r for r in emu.requests if r.path.endswith("/Messages")]


class TestSend:
    def test_posts_the_form_and_returns_the_message_object(
        self, send: Send, emu: SignalWireEmulator
    ) -> None:
        message = send(ALICE, body="disk full", from_number=SENDER)

        [request] = message_requests(emu)
        assert request.method == "POST"
        assert request.path == f"{emu.base_path}/Messages"
        assert request.form == {"To": [ALICE], "From": [SENDER], "Body": ["disk full"]}
        assert message == emu.messages[0]
        assert (message["to"], message["status"]) == (ALICE, "queued")

    @pytest.mark.parametrize("length", [1, 1599, 1600])
    def test_a_body_up_to_1600_characters_is_sent_whole(
        self, send: Send, emu: SignalWireEmulator, length: int
    ) -> None:
        """The other side of the limit whose refusal ``body-too-long`` checks (1,601)."""
        body = ("0123456789" * 160)[:length]
        send(ALICE, body=body, from_number=SENDER)

        [request] = message_requests(emu)
        assert request.form["Body"] == [body]

    def test_media_urls_repeat_and_status_callback_is_sent(
        self, send: Send, emu: SignalWireEmulator
    ) -> None:
        media = ["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"]
        send(ALICE, from_number=SENDER, media_url=media, status_callback="http://example.com/cb")

        [request] = message_requests(emu)
        assert request.form["MediaUrl"] == media
        assert request.form["StatusCallback"] == ["http://example.com/cb"]
        assert "Body" not in request.form

    def test_a_messaging_service_sends_instead_of_a_number(
        self, send: Send, emu: SignalWireEmulator
    ) -> None:
        send(ALICE, body="x", messaging_service_sid=SERVICE_SID)

        [request] = message_requests(emu)
        assert request.form["MessagingServiceSid"] == [SERVICE_SID]
        assert "From" not in request.form


class TestDefaultFromNumber:
    @pytest.fixture
    def send(
        self, emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch, hook_kind: str
    ) -> Iterator[Send]:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, from_number=SENDER)
        )
        yield from SENDERS[hook_kind]()

    @pytest.mark.parametrize(
        ("arguments", "form"),
        [
            ({}, {"From": [SENDER]}),
            ({"from_number": OTHER}, {"From": [OTHER]}),
            ({"messaging_service_sid": SERVICE_SID}, {"MessagingServiceSid": [SERVICE_SID]}),
        ],
        ids=["default", "explicit-number-wins", "messaging-service-wins"],
    )
    def test_the_sender(
        self,
        send: Send,
        emulator: SignalWireEmulator,
        arguments: dict[str, str],
        form: dict[str, list[str]],
    ) -> None:
        send(ALICE, body="x", **arguments)

        [request] = message_requests(emulator)
        assert {
            k: v for k, v in request.form.items() if k in ("From", "MessagingServiceSid")
        } == form

    def test_an_invalid_default_fails_the_connection_test_naming_it(
        self, emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, from_number="0800")
        )

        ok, message = SignalWireHook().test_connection()

        assert not ok
        assert "'0800'" in message and "from_number" in message
        assert TOKEN not in message
        assert emulator.requests == []


# Sending creates a message: retried only when SignalWire provably never got it (429 refusals).
RETRY_TABLE = [
    pytest.param(Fault(status=429, retry_after="0"), None, 2, 1, id="429-retried"),
    pytest.param(Fault(status=429), None, 2, 1, id="429-without-retry-after-retried"),
    pytest.param(Fault(status=503), SignalWireServerError, 1, 0, id="503-not-retried"),
    pytest.param(Fault(status=500), SignalWireServerError, 1, 0, id="500-not-retried"),
    pytest.param(Fault(action="drop"), SignalWireConnectionError, 1, 0, id="dropped-not-retried"),
    pytest.param(
        Fault(action="apply_then_drop"), SignalWireConnectionError, 1, 1, id="lost-answer-once"
    ),
    pytest.param(Fault(status=400), SignalWireRequestError, 1, 0, id="400-permanent"),
    pytest.param(Fault(status=422), SignalWireRequestError, 1, 0, id="422-permanent"),
    pytest.param(Fault(status=401), SignalWireAuthError, 1, 0, id="401-permanent"),
]


class TestRetries:
    @pytest.mark.parametrize(("fault", "error", "requests", "sent"), RETRY_TABLE)
    def test_retried_only_when_never_delivered(
        self,
        send: Send,
        emu: SignalWireEmulator,
        fault: Fault,
        error: type[SignalWireError] | None,
        requests: int,
        sent: int,
    ) -> None:
        emu.add_fault(fault, times=1)

        if error is None:
            send(ALICE, body="x", from_number=SENDER)
        else:
            with pytest.raises(error) as info:
                send(ALICE, body="x", from_number=SENDER)
            assert TOKEN not in str(info.value)
        assert len(message_requests(emu)) == requests
        assert len(emu.messages) == sent

    def test_429_every_time_gives_up_after_max_attempts(
        self, send: Send, emu: SignalWireEmulator
    ) -> None:
        emu.add_fault(Fault(status=429, retry_after="0"), times=10)

        with pytest.raises(SignalWireRateLimitError):
            send(ALICE, body="x", from_number=SENDER)
        assert len(message_requests(emu)) == 5
        assert emu.messages == []

    @pytest.mark.parametrize(
        "addresses",
        [("127.0.0.1",), ("127.0.0.1", "127.0.0.2")],
        ids=["one-address", "two-addresses"],
    )
    def test_a_refused_connection_is_retried(
        self, monkeypatch: pytest.MonkeyPatch, hook_kind: str, addresses: tuple[str, ...]
    ) -> None:
        # localhost resolves to loopback addresses where nothing listens. With two, the async
        # client (anyio) groups the two refusals: the error still says refused, never sent.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        resolve = socket.getaddrinfo

        def localhost_at_addresses(host: Any, *args: Any, **kwargs: Any) -> Any:
            if host != "localhost":
                return resolve(host, *args, **kwargs)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

        monkeypatch.setattr(socket, "getaddrinfo", localhost_at_addresses)
        url = f"http://localhost:{port}"
        monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(url))

        with pytest.raises(SignalWireConnectionError) as info:
            next(SENDERS[hook_kind](max_attempts=3))(ALICE, body="x", from_number=SENDER)
        assert info.value.attempts == 3
        assert info.value.maybe_delivered is False
        assert "connection refused" in str(info.value)
        assert TOKEN not in str(info.value)

    def test_a_request_that_found_no_free_pooled_connection_is_retried(
        self, monkeypatch: pytest.MonkeyPatch, emu: SignalWireEmulator
    ) -> None:
        # httpx's PoolTimeout: the request waited for a connection and never left.
        class PoolBusyOnce(httpx.AsyncBaseTransport):
            def __init__(self) -> None:
                self.inner = httpx.AsyncHTTPTransport()
                self.busy = 1

            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                if self.busy:
                    self.busy -= 1
                    raise httpx.PoolTimeout("no connection was free", request=request)
                return await self.inner.handle_async_request(request)

            async def aclose(self) -> None:
                await self.inner.aclose()

        real_build = _wire.build_client

        def build(settings: Any) -> httpx.AsyncClient:
            client = real_build(settings)
            client._transport = PoolBusyOnce()
            return client

        monkeypatch.setattr(_wire, "build_client", build)

        message = next(async_sender())(ALICE, body="x", from_number=SENDER)
        assert [m["sid"] for m in emu.messages] == [message["sid"]]
        assert len(message_requests(emu)) == 1


BAD_ARGUMENTS = [
    pytest.param({"to": "5550100001"}, "5550100001", id="to-without-plus"),
    pytest.param({"to": "+1"}, "'+1'", id="to-too-short"),
    pytest.param({"to": "+" + "1" * 16}, "1" * 16, id="to-too-long"),
    pytest.param({"to": "+1 555 0100"}, "+1 555 0100", id="to-with-spaces"),
    pytest.param({"to": "+\uff11\uff15\uff15"}, "+\uff11\uff15\uff15", id="to-fullwidth-digits"),
    pytest.param({"to": None}, "None", id="to-missing"),
    pytest.param({"from_number": "5550100999"}, "5550100999", id="from-without-plus"),
    pytest.param(
        {"messaging_service_sid": SERVICE_SID}, "not both", id="from-and-messaging-service"
    ),
    pytest.param(
        {"from_number": None, "messaging_service_sid": "MG/../x"}, "MG/../x", id="bad-service-sid"
    ),
    pytest.param({"from_number": None}, "Default From number", id="no-sender"),
    pytest.param({"body": None}, "needs a body", id="no-body-no-media"),
    pytest.param({"body": ""}, "needs a body", id="empty-body"),
    pytest.param({"body": "x" * 1601}, "1601 characters", id="body-too-long"),
    pytest.param({"body": b"bytes"}, "b'bytes'", id="body-bytes"),
    pytest.param({"body": "\ud800"}, "surrogates", id="body-lone-surrogate"),
    pytest.param({"media_url": "http://cdn.example.com/a.png"}, "http://cdn", id="media-http"),
    pytest.param(
        {"media_url": ["https://ok.example.com/a", "//x"]}, "media_url[1]", id="media-no-scheme"
    ),
    pytest.param({"media_url": 42}, "42", id="media-not-a-url"),
    pytest.param({"media_url": "https://cdn.example.com/a\x00b"}, "media_url", id="media-nul"),
    pytest.param({"media_url": "https://u:p@cdn.example.com/a"}, "u:p@", id="media-credentials"),
    pytest.param({"media_url": "https://cdn.example.com/a b"}, "a b", id="media-space"),
    pytest.param({"media_url": "https://[::1/a"}, "[::1", id="media-broken-ipv6"),
    pytest.param({"status_callback": "ftp://example.com/cb"}, "ftp://", id="callback-ftp"),
    pytest.param({"account_sid": "../other"}, "../other", id="account-sid-traversal"),
]


class TestBadArguments:
    @pytest.mark.parametrize(("change", "named"), BAD_ARGUMENTS)
    def test_refused_before_any_request(
        self, send: Send, emu: SignalWireEmulator, change: dict[str, Any], named: str
    ) -> None:
        arguments: dict[str, Any] = {"to": ALICE, "body": "x", "from_number": SENDER}
        arguments.update(change)
        to = arguments.pop("to")

        with pytest.raises(SignalWireValidationError) as info:
            send(to, **arguments)

        assert named in str(info.value)
        assert TOKEN not in str(info.value)
        assert emu.requests == []
