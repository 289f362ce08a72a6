"""
Where the token could leak outside a DAG run, and how TLS and plain HTTP are guarded.

``tests/dags/test_example_dags.py`` already greps real ``airflow dags test`` runs (console, logs,
metadata DB). This module covers the rest: reprs, serialized triggers, the masker after template
rendering, urllib3's own DEBUG logging, and the TLS settings.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from airflow.sdk.log import redact  # type: ignore[attr-defined]
from reliability_support import (
    DRIPPED_CONFERENCE,
    SECRETS,
    assert_no_secret,
    async_client,
    leak_surface,
    tls_conference_server,
    write_self_signed_cert,
)
from signalwire_test_support import PROJECT_ID, TOKEN

from airflow_provider_signalwire.exceptions import (
    SignalWireConnectionError,
    SignalWireError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._api import account_path, conference_relative_path
from airflow_provider_signalwire.hooks._connection import settings_from_connection
from airflow_provider_signalwire.hooks._retry import is_transient
from airflow_provider_signalwire.hooks.async_signalwire import AsyncSignalWireClient
from airflow_provider_signalwire.operators.conference import (
    EndConferenceOperator,
    RemoveConferenceParticipantOperator,
    StartConferenceStreamOperator,
    StopConferenceStreamOperator,
    StopConferenceStreamsOperator,
    UpdateConferenceParticipantOperator,
)
from airflow_provider_signalwire.testing import Fault
from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from conftest import ListHandler
    from signalwire_test_support import FakeSleep

    from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
    from airflow_provider_signalwire.testing import SignalWireEmulator

    MakeHook = Callable[..., SignalWireHook]


def unique_secret(prefix: str) -> str:
    """A value no other test registered with the masker, so masking it proves this test did."""
    return f"{prefix}-LEAKCHECK-{uuid.uuid4().hex}"


class TestReprs:
    def test_hook_and_its_parts(self, make_hook: MakeHook, emulator: SignalWireEmulator) -> None:
        hook = make_hook(emulator.url)
        hook.get_conference(emulator.demo_conference_sid)  # settings and session are live

        for shown in (repr(hook), str(hook), repr(hook.settings), str(hook.settings)):
            assert_no_secret(shown)
        assert_no_secret(repr(hook.transport))
        assert_no_secret(repr(hook.get_conn()))

    def test_async_client(self) -> None:
        settings = settings_from_connection(
            host="https://example.signalwire.com",
            login=PROJECT_ID,
            password=TOKEN,
            port=None,
            extra={},
            conn_id="x",
        )
        client = AsyncSignalWireClient(
            settings, max_attempts=1, initial_backoff=0, max_backoff=0, logger=logging.getLogger()
        )
        assert_no_secret(f"{client!r} {client} {settings!r}")

    @pytest.mark.parametrize(
        "operator",
        [
            lambda b: StartConferenceStreamOperator(
                task_id="t", conference_sid="CF1", url="wss://ws.example.com/a",
                authorization_bearer_token=b, parameters={"k": "v"},
            ),
            lambda b: StopConferenceStreamOperator(task_id="t", conference_sid="CF1", stream_sid="ST1"),
            lambda b: StopConferenceStreamsOperator(task_id="t", streams=[]),
            lambda b: EndConferenceOperator(task_id="t", conference_sid="CF1"),
            lambda b: UpdateConferenceParticipantOperator(task_id="t", conference_sid="CF1", call_sid="CA1", muted=True),
            lambda b: RemoveConferenceParticipantOperator(task_id="t", conference_sid="CF1", call_sid="CA1"),
        ],
        ids=["start", "stop", "stop-many", "end", "update-participant", "remove-participant"],
    )  # fmt: skip
    def test_operators(self, signalwire_default: SignalWireEmulator, operator: Any) -> None:
        bearer = unique_secret("bearer")
        op = operator(bearer)
        op.hook.settings  # noqa: B018 - the token is now held by the operator's hook

        assert_no_secret(f"{op!r} {op} {op.hook!r}", (*SECRETS, bearer))

    def test_trigger_repr_and_serialize(self, signalwire_default: SignalWireEmulator) -> None:
        trigger = ConferenceStatusTrigger(conference_sid="CF1", poll_interval=0.1)
        events = asyncio.run(_first_event(trigger))  # the trigger has held the token
        classpath, kwargs = trigger.serialize()

        assert events
        assert_no_secret(f"{trigger!r} {trigger} {classpath} {json.dumps(kwargs)}")
        assert "password" not in json.dumps(kwargs).lower()


async def _first_event(trigger: ConferenceStatusTrigger) -> list[Any]:
    async for event in trigger.run():
        return [event.payload]
    return []


class TestMasker:
    def test_hook_masks_token_and_basic_value(
        self, make_hook: MakeHook, emulator: SignalWireEmulator
    ) -> None:
        token = unique_secret("token")
        hook = make_hook(emulator.url, token=token)
        hook.settings  # noqa: B018
        basic = __import__("base64").b64encode(f"{PROJECT_ID}:{token}".encode()).decode()

        for secret in (token, basic, f"Basic {basic}"):
            assert secret not in str(redact(f"header {secret} end"))

    def test_rendered_bearer_token_is_registered_with_the_masker(self) -> None:
        bearer = unique_secret("bearer")
        op = StartConferenceStreamOperator(
            task_id="start_stream",
            conference_sid="{{ params.conference }}",
            url="wss://media.example.com/{{ params.room }}",
            authorization_bearer_token="{{ params.ws_token }}",
            parameters={"room": "{{ params.room }}"},
        )
        assert redact(bearer) == bearer  # nobody registered it yet

        op.render_template_fields(
            {"params": {"ws_token": bearer, "conference": "CF1", "room": "r1"}}  # type: ignore[arg-type]
        )

        assert op.authorization_bearer_token == bearer
        assert op.url == "wss://media.example.com/r1"
        assert redact(bearer) == "***"
        rendered = {name: getattr(op, name) for name in op.template_fields}
        assert bearer not in str(redact(rendered))
        assert bearer not in str(redact(f"Authorization: Bearer {bearer}"))

    def test_bearer_token_given_to_the_hook_is_masked(
        self, make_hook: MakeHook, emulator: SignalWireEmulator
    ) -> None:
        bearer = unique_secret("bearer")
        hook = make_hook(emulator.url)
        hook.start_conference_stream(
            emulator.demo_conference_sid,
            url="wss://media.example.com/a",
            authorization_bearer_token=bearer,
        )

        assert redact(bearer) == "***"
        [request] = emulator.requests
        assert request.form["AuthorizationBearerToken"] == ["***"]  # the emulator records none


class TestUrllib3DebugLogging:
    def test_no_credentials_in_urllib3_debug_lines(
        self,
        make_hook: MakeHook,
        emulator: SignalWireEmulator,
        urllib3_log: ListHandler,
        sleeps: FakeSleep,
    ) -> None:
        bearer = unique_secret("bearer")
        hook = make_hook(emulator.url)
        emulator.add_fault(Fault(status=503), times=1)
        emulator.add_fault(Fault(action="reset"), times=1)
        hook.stop_conference_stream(emulator.demo_conference_sid, emulator.demo_stream_sid)
        hook.start_conference_stream(
            emulator.demo_conference_sid,
            url="wss://m.example.com/a",
            authorization_bearer_token=bearer,
        )
        emulator.add_fault(Fault(status=401), times=1)
        with pytest.raises(SignalWireError) as caught:
            hook.get_conference(emulator.demo_conference_sid)

        lines = "\n".join(urllib3_log.lines())
        assert "Starting new HTTP connection" in lines  # the capture works
        assert '"POST /api/laml/' in lines
        assert_no_secret(lines, (*SECRETS, bearer))
        assert "authorization" not in lines.lower()
        assert_no_secret(leak_surface(caught.value))


class TestPlainHttp:
    @pytest.mark.parametrize(
        "space",
        [
            "http://example.signalwire.com",
            "http://example.signalwire.com:80",
            "http://10.0.0.1:8765",
            "http://192.168.1.20",
            "http://[::2]:8765",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
            "http://0x7f.1",
            "HTTP://EXAMPLE.signalwire.com",
        ],
    )
    def test_plain_http_to_a_non_loopback_host_is_refused(
        self, make_hook: MakeHook, space: str
    ) -> None:
        with pytest.raises(SignalWireValidationError, match="loopback") as caught:
            make_hook(space)
        assert_no_secret(leak_surface(caught.value))

    @pytest.mark.parametrize("space", ["http://127.0.0.1", "http://localhost", "http://[::1]"])
    def test_plain_http_to_loopback_is_allowed(self, space: str) -> None:
        settings = settings_from_connection(
            host=space, login=PROJECT_ID, password=TOKEN, port=8765, extra={}, conn_id="x"
        )
        assert settings.base_url.startswith("http://")
        assert settings.base_url.endswith(":8765")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Any]:
    with tls_conference_server(*certificate) as server:
        yield server


def async_get_conference(url: str, extra: dict[str, Any], conference_sid: str) -> Any:
    """Fetch a conference with the async client, one attempt, from a connection to ``url``."""

    async def go() -> Any:
        async with async_client(url, **extra) as client:
            return await client.request(
                "GET", account_path(PROJECT_ID) + conference_relative_path(conference_sid)
            )

    return asyncio.run(go())


class TestTls:
    def test_verification_is_on_by_default(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        hook = make_hook(emulator.url)
        assert hook.get_conn().verify is True
        assert hook.settings.verify is True
        assert "verification is OFF" not in capfd.readouterr().out

    @pytest.mark.parametrize("value", [True, "true", "yes", "1", "", None])
    def test_true_like_values_keep_verification_on(self, make_hook: MakeHook, value: Any) -> None:
        hook = make_hook("https://example.signalwire.com", extra={"verify": value})
        assert hook.get_conn().verify is True

    @pytest.mark.parametrize("value", [False, "false", "False", "no", "0", "off"])
    def test_verify_false_is_explicit_and_warns(
        self, make_hook: MakeHook, value: Any, capfd: pytest.CaptureFixture[str]
    ) -> None:
        hook = make_hook("https://example.signalwire.com", extra={"verify": value})
        assert hook.get_conn().verify is False
        out = capfd.readouterr().out
        assert "TLS certificate verification is OFF for https://example.signalwire.com" in out
        assert "warning" in out

    def test_ca_bundle_path_is_used(
        self, make_hook: MakeHook, tls_server: Any, certificate: tuple[Path, Path]
    ) -> None:
        ca, _ = certificate
        hook = make_hook(
            f"https://127.0.0.1:{tls_server.server_address[1]}", extra={"verify": str(ca)}
        )

        assert hook.get_conn().verify == str(ca)
        assert hook.get_conference("CF1") == {"sid": "CF1", "status": "init"}
        assert len(tls_server.paths) == 1

    def test_ca_bundle_path_is_used_by_the_async_client(
        self, tls_server: Any, certificate: tuple[Path, Path]
    ) -> None:
        ca, _ = certificate
        url = f"https://127.0.0.1:{tls_server.server_address[1]}"

        assert async_get_conference(url, {"verify": str(ca)}, "CF1")["sid"] == "CF1"

    def test_the_whole_answer_deadline_holds_over_tls(
        self, make_hook: MakeHook, tls_server: Any, certificate: tuple[Path, Path]
    ) -> None:
        """Each byte comes within the read timeout, the whole answer does not: both clients cut."""
        ca, _ = certificate
        url = f"https://127.0.0.1:{tls_server.server_address[1]}"
        extra = {"verify": str(ca), "timeout": 0.5}
        hook = make_hook(url, extra=extra)

        for call in (
            lambda: hook.get_conference(DRIPPED_CONFERENCE),
            lambda: async_get_conference(url, extra, DRIPPED_CONFERENCE),
        ):
            with pytest.raises(SignalWireConnectionError) as caught:
                call()
            assert "no complete answer within the 0.5s read timeout" in str(caught.value)

    @pytest.mark.parametrize("value", ["/nonexistent/ca.pem", "ca.pem", "maybe", 2, ["x"]])
    def test_bad_verify_value_is_a_validation_error(
        self, make_hook: MakeHook, emulator: SignalWireEmulator, value: Any
    ) -> None:
        with pytest.raises(SignalWireValidationError, match="Invalid verify"):
            make_hook(emulator.url, extra={"verify": value})
        assert emulator.requests == []

    def test_untrusted_certificate_is_refused(
        self, make_hook: MakeHook, tls_server: Any, sleeps: FakeSleep
    ) -> None:
        hook = make_hook(f"https://127.0.0.1:{tls_server.server_address[1]}", max_attempts=3)

        with pytest.raises(SignalWireConnectionError) as caught:
            hook.get_conference("CF1")

        assert "SSL" in str(caught.value) or "TLS" in str(caught.value)
        assert tls_server.paths == []  # no HTTP request ever got through
        assert_no_secret(leak_surface(caught.value))

    def test_untrusted_certificate_fails_at_once_without_retries(
        self, make_hook: MakeHook, tls_server: Any, sleeps: FakeSleep
    ) -> None:
        """
        A certificate that fails verification is not retried like a network blip.

        Waiting cannot make an untrusted certificate trusted, and the request provably never left
        (the TLS handshake failed): one attempt, ``SignalWireTLSError``, ``maybe_delivered`` false.
        """
        hook = make_hook(f"https://127.0.0.1:{tls_server.server_address[1]}", max_attempts=3)

        with pytest.raises(SignalWireConnectionError) as caught:
            hook.get_conference("CF1")

        assert sleeps.waits == []
        assert caught.value.attempts == 1
        assert caught.value.maybe_delivered is False
        assert not is_transient(caught.value)


class TestShortSecrets:
    """
    Airflow's masker leaves secrets shorter than 5 characters alone; so does scrubbing.

    A token that short cannot be a real SignalWire token, and replacing every ``T`` of every
    message would garble all of them (``GE*** ... ***he requested resource``).
    """

    @pytest.mark.parametrize(
        ("token", "scrubbed"), [("T", False), ("Tok", False), ("Tokn", False), ("Token", True)]
    )
    def test_both_clients_scrub_only_secrets_of_5_characters_or_more(
        self, make_client: Callable[..., Any], token: str, scrubbed: bool
    ) -> None:
        from airflow_provider_signalwire.testing import SignalWireEmulator

        unknown = "CF" + "0" * 32
        with SignalWireEmulator(project_id=PROJECT_ID, token=token) as emulator:
            emulator.add_fault(
                Fault(
                    status=404, body={"code": 20404, "message": f"Token {token} has no {unknown}"}
                )
            )
            client = make_client(emulator.url, token=token)
            with pytest.raises(SignalWireError) as caught:
                client.get_conference(unknown)
        message = str(caught.value)
        assert message.startswith(
            f"SignalWire answered 404 Not Found to GET /api/laml/2010-04-01/Accounts/{PROJECT_ID}/Conferences/{unknown}"
        )
        if scrubbed:
            assert "*** *** has no" in message and token not in message
        else:
            assert f"Token {token} has no {unknown}" in message and "***" not in message
