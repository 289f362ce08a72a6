"""SignalWireNotifier against the emulator over loopback: rendering, recipients, failures, async."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from signalwire_test_support import TOKEN, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireNotificationError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.notifications.signalwire import (
    SignalWireNotifier,
    send_signalwire_notification,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

# Fictional numbers (555-01xx is reserved for fiction in the North American plan).
ALICE, BOB, CAROL = "+15550100001", "+15550100002", "+15550100003"
SENDER = "+15550100999"
SERVICE_SID = "4d2c8f9e-0b1a-4c3d-9e8f-7a6b5c4d3e2f"


@pytest.fixture
def emu(emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch) -> SignalWireEmulator:
    """The emulator behind ``signalwire_default``, a connection with no Default From number."""
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url))
    return emulator


@pytest.fixture
def emu_with_default(
    emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> SignalWireEmulator:
    """The emulator behind ``signalwire_default``, whose Default From number is ``SENDER``."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, from_number=SENDER)
    )
    return emulator


def failure_context(**extra: Any) -> dict[str, Any]:
    """What a task's failure callback gets, reduced to what the templates here read."""
    from airflow.sdk import DAG

    return {
        "dag": DAG("nightly"),
        "ti": SimpleNamespace(task_id="export"),
        "run_id": "manual__2026-11-25",
        **extra,
    }


def sent(emu: SignalWireEmulator) -> list[tuple[str, str, str | None]]:
    return [(m["to"], m["from"], m["body"]) for m in emu.messages]


def message_requests(emu: SignalWireEmulator) -> list[Any]:
    return [r for r in emu.requests if r.path.endswith("/Messages")]


class TestNotify:
    def test_sends_the_rendered_body_to_each_recipient(self, emu: SignalWireEmulator) -> None:
        notifier = SignalWireNotifier(
            to=[ALICE, BOB], from_number=SENDER, body="{{ dag.dag_id }}/{{ ti.task_id }} failed"
        )

        notifier(failure_context())

        assert sent(emu) == [
            (ALICE, SENDER, "nightly/export failed"),
            (BOB, SENDER, "nightly/export failed"),
        ]
        assert all(m["status"] == "queued" for m in emu.messages)

    def test_to_and_from_number_are_templated(self, emu: SignalWireEmulator) -> None:
        notifier = SignalWireNotifier(
            to="{{ params.on_call }}", from_number="{{ params.sender }}", body="{{ run_id }}"
        )

        notifier(failure_context(params={"on_call": f"{ALICE}, {BOB}", "sender": SENDER}))

        assert sent(emu) == [
            (ALICE, SENDER, "manual__2026-11-25"),
            (BOB, SENDER, "manual__2026-11-25"),
        ]

    def test_a_number_listed_twice_gets_one_message(self, emu: SignalWireEmulator) -> None:
        SignalWireNotifier(to=[ALICE, f"{BOB},{ALICE}"], from_number=SENDER, body="x")({})

        assert [to for to, _, _ in sent(emu)] == [ALICE, BOB]

    def test_the_connections_default_from_number_is_used(
        self, emu_with_default: SignalWireEmulator
    ) -> None:
        SignalWireNotifier(to=ALICE, body="down")({})

        assert sent(emu_with_default) == [(ALICE, SENDER, "down")]

    def test_an_explicit_from_number_wins_over_the_default(
        self, emu_with_default: SignalWireEmulator
    ) -> None:
        SignalWireNotifier(to=ALICE, body="down", from_number=CAROL)({})

        assert sent(emu_with_default) == [(ALICE, CAROL, "down")]

    def test_a_messaging_service_sends_instead_of_a_number(
        self, emu_with_default: SignalWireEmulator
    ) -> None:
        SignalWireNotifier(to=ALICE, body="down", messaging_service_sid=SERVICE_SID)({})

        [request] = message_requests(emu_with_default)
        assert request.form["MessagingServiceSid"] == [SERVICE_SID]
        assert "From" not in request.form
        assert emu_with_default.messages[0]["messaging_service_sid"] == SERVICE_SID

    def test_media_urls_are_sent_as_repeated_fields(self, emu: SignalWireEmulator) -> None:
        media = ["https://cdn.example.com/graph.png", "https://cdn.example.com/log.txt"]
        SignalWireNotifier(to=ALICE, body="see", from_number=SENDER, media_url=media)({})

        [request] = message_requests(emu)
        assert request.form["MediaUrl"] == media
        assert emu.messages[0]["num_media"] == 2

    def test_one_recipient_failing_does_not_stop_the_others(
        self, emu: SignalWireEmulator, caplog: pytest.LogCaptureFixture
    ) -> None:
        emu.add_fault(Fault(status=400, method="POST", path_contains="/Messages"), times=1)
        notifier = SignalWireNotifier(to=[ALICE, BOB, CAROL], from_number=SENDER, body="down")

        with caplog.at_level(logging.DEBUG), pytest.raises(SignalWireNotificationError) as info:
            notifier({})

        assert [to for to, _, _ in sent(emu)] == [BOB, CAROL]
        assert list(info.value.failures) == [ALICE]
        message = str(info.value)
        assert "1 of 3" in message and ALICE in message
        assert BOB not in message and CAROL not in message
        assert "400" in message
        assert TOKEN not in message
        assert TOKEN not in caplog.text

    @pytest.mark.parametrize(
        ("faults", "raised"),
        [(0, None), (1, SignalWireNotificationError), (3, SignalWireNotificationError)],
        ids=["all-reached", "one-failed", "all-failed"],
    )
    def test_the_hooks_connections_are_closed_once_whatever_happened(
        self,
        emu: SignalWireEmulator,
        monkeypatch: pytest.MonkeyPatch,
        faults: int,
        raised: type[Exception] | None,
    ) -> None:
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        closed: list[SignalWireHook] = []
        real_close = SignalWireHook.close

        def close(hook: SignalWireHook) -> None:
            closed.append(hook)
            real_close(hook)

        monkeypatch.setattr(SignalWireHook, "close", close)
        if faults:
            emu.add_fault(Fault(status=400, path_contains="/Messages"), times=faults)
        notifier = SignalWireNotifier(to=[ALICE, BOB, CAROL], from_number=SENDER, body="down")
        if raised is None:
            notifier({})
        else:
            with pytest.raises(raised):
                notifier({})
        assert len(closed) == 1
        assert "transport" not in vars(closed[0])  # its session is gone, not merely idle
        assert len(message_requests(emu)) == 3

    def test_the_hook_is_closed_when_the_connection_is_invalid_too(
        self, emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

        closed: list[SignalWireHook] = []
        monkeypatch.setattr(SignalWireHook, "close", lambda hook: closed.append(hook))
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, timeout="soon")
        )
        with pytest.raises(SignalWireValidationError):
            SignalWireNotifier(to=[ALICE], from_number=SENDER, body="down")({})
        assert len(closed) == 1
        assert emulator.requests == []

    def test_a_server_error_is_not_retried_and_every_recipient_is_named(
        self, emu: SignalWireEmulator
    ) -> None:
        # Sending creates a message: after a 503 it may exist, so it is never sent twice.
        emu.add_fault(Fault(status=503, path_contains="/Messages"), times=2)

        with pytest.raises(SignalWireNotificationError) as info:
            SignalWireNotifier(to=[ALICE, BOB], from_number=SENDER, body="down")({})

        assert list(info.value.failures) == [ALICE, BOB]
        assert len(message_requests(emu)) == 2
        assert emu.messages == []

    def test_rendered_text_is_never_rendered_again(self, emu: SignalWireEmulator) -> None:
        # A failed task's text can hold template syntax; it must reach the phone as it is.
        notifier = SignalWireNotifier(to=ALICE, from_number=SENDER, body="{{ ti.task_id }}")

        notifier(failure_context(ti=SimpleNamespace(task_id="{{ 7 * 7 }}")))

        assert sent(emu) == [(ALICE, SENDER, "{{ 7 * 7 }}")]

    def test_notify_called_directly_renders_once(self, emu: SignalWireEmulator) -> None:
        notifier = SignalWireNotifier(to=ALICE, from_number=SENDER, body="{{ ti.task_id }} failed")

        notifier.notify(failure_context())

        assert sent(emu) == [(ALICE, SENDER, "export failed")]

    def test_send_signalwire_notification_is_the_notifier(self) -> None:
        assert send_signalwire_notification is SignalWireNotifier


# Each bad input, and where it is named in the error.
BAD_INPUTS = [
    pytest.param({"to": "5550100001"}, "5550100001", id="to-without-plus"),
    pytest.param({"to": "+1"}, "'+1'", id="to-one-digit"),
    pytest.param({"to": "+1234567890123456"}, "1234567890123456", id="to-16-digits"),
    pytest.param({"to": "+1555 0100001"}, "+1555 0100001", id="to-with-space"),
    pytest.param({"to": "+1555-010-0001"}, "+1555-010-0001", id="to-with-dashes"),
    pytest.param({"to": ""}, "to", id="to-empty"),
    pytest.param({"to": []}, "to", id="to-empty-list"),
    pytest.param({"to": [ALICE, 15550100002]}, "15550100002", id="to-not-a-string"),
    pytest.param({"body": ""}, "body", id="body-empty-without-media"),
    pytest.param({"body": 42}, "42", id="body-not-a-string"),
    pytest.param({"media_url": "http://cdn.example.com/a.png"}, "http://", id="media-http"),
    pytest.param(
        {"media_url": ["https://cdn.example.com/a.png", "ftp://x/b"]}, "ftp://x/b", id="media-ftp"
    ),
    pytest.param({"from_number": "15550100999"}, "15550100999", id="from-without-plus"),
    pytest.param(
        {"messaging_service_sid": SERVICE_SID}, "not both", id="from-and-messaging-service"
    ),
    pytest.param(
        {"from_number": None, "messaging_service_sid": "no such/sid"}, "no such/sid", id="bad-sid"
    ),
    pytest.param({"from_number": None}, "Default From number", id="no-sender-at-all"),
]


def bad_notifier(**change: Any) -> SignalWireNotifier:
    arguments: dict[str, Any] = {"to": [ALICE, BOB], "body": "down", "from_number": SENDER}
    arguments.update(change)
    return SignalWireNotifier(**arguments)


class TestBadInput:
    @pytest.mark.parametrize(("change", "named"), BAD_INPUTS)
    def test_fails_before_any_request(
        self, emu: SignalWireEmulator, change: dict[str, Any], named: str
    ) -> None:
        with pytest.raises(SignalWireValidationError) as info:
            bad_notifier(**change)({})

        assert named in str(info.value)
        assert emu.requests == []

    @pytest.mark.parametrize(("change", "named"), BAD_INPUTS)
    def test_fails_before_any_request_async(
        self, emu: SignalWireEmulator, change: dict[str, Any], named: str
    ) -> None:
        with pytest.raises(SignalWireValidationError) as info:
            asyncio.run(bad_notifier(**change).async_notify({}))

        assert named in str(info.value)
        assert emu.requests == []

    def test_an_invalid_default_from_number_is_named(
        self, emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, from_number="0800")
        )

        with pytest.raises(SignalWireValidationError, match="'0800'"):
            SignalWireNotifier(to=ALICE, body="down")({})
        assert emulator.requests == []


class TestAsyncNotify:
    def test_awaiting_the_notifier_renders_and_sends_to_each_recipient(
        self, emu: SignalWireEmulator
    ) -> None:
        # How the triggerer runs a notifier: built with the context, then awaited.
        async def run() -> None:
            await SignalWireNotifier(
                to=[ALICE, BOB],
                from_number=SENDER,
                body="{{ dag.dag_id }}/{{ ti.task_id }} failed",
                context=failure_context(),
            )

        asyncio.run(run())

        assert sent(emu) == [
            (ALICE, SENDER, "nightly/export failed"),
            (BOB, SENDER, "nightly/export failed"),
        ]

    def test_async_notify_called_directly_renders_the_templates(
        self, emu: SignalWireEmulator
    ) -> None:
        notifier = SignalWireNotifier(
            to=[ALICE, BOB], from_number=SENDER, body="{{ dag.dag_id }}/{{ ti.task_id }} failed"
        )

        asyncio.run(notifier.async_notify(failure_context()))

        assert sent(emu) == [
            (ALICE, SENDER, "nightly/export failed"),
            (BOB, SENDER, "nightly/export failed"),
        ]

    @pytest.mark.parametrize("fault", [None, Fault(status=401, path_contains="/Messages")])
    def test_airflows_callback_trigger_runs_it_in_the_triggerer(
        self, emu: SignalWireEmulator, fault: Fault | None
    ) -> None:
        # What the triggerer runs for an async callback such as a deadline alert.
        try:
            from airflow.triggers.callback import CallbackTrigger
        except ImportError:  # Airflow 3.1
            from airflow.triggers.deadline import (  # type: ignore[no-redef]
                DeadlineCallbackTrigger as CallbackTrigger,
            )

        if fault is not None:
            emu.add_fault(fault, times=1)
        trigger = CallbackTrigger(
            callback_path=f"{SignalWireNotifier.__module__}.SignalWireNotifier",
            callback_kwargs={
                "to": [ALICE, BOB],
                "from_number": SENDER,
                "body": "{{ dag_run.dag_id }} missed its deadline",
                "context": {"dag_run": {"dag_id": "nightly"}},
            },
        )

        async def run() -> list[dict[str, Any]]:
            return [event.payload async for event in trigger.run()]

        *_, last = asyncio.run(run())

        assert last["state"] == ("success" if fault is None else "failed")
        expected = [BOB] if fault is not None else [ALICE, BOB]
        assert [to for to, _, _ in sent(emu)] == expected
        assert {body for _, _, body in sent(emu)} == {"nightly missed its deadline"}
        assert TOKEN not in str(last)

    def test_async_notify_uses_the_connections_default_from_number(
        self, emu_with_default: SignalWireEmulator
    ) -> None:
        asyncio.run(SignalWireNotifier(to=ALICE, body="down").async_notify({}))

        assert sent(emu_with_default) == [(ALICE, SENDER, "down")]

    def test_async_one_recipient_failing_does_not_stop_the_others(
        self, emu: SignalWireEmulator
    ) -> None:
        emu.add_fault(Fault(status=401, path_contains="/Messages"), times=1)
        notifier = SignalWireNotifier(to=[ALICE, BOB], from_number=SENDER, body="down")

        with pytest.raises(SignalWireNotificationError) as info:
            asyncio.run(notifier.async_notify({}))

        assert list(info.value.failures) == [ALICE]
        assert [to for to, _, _ in sent(emu)] == [BOB]
        assert TOKEN not in str(info.value)

    def test_async_429_is_retried_as_asked(self, emu: SignalWireEmulator) -> None:
        emu.add_fault(Fault(status=429, retry_after="0.05", path_contains="/Messages"), times=1)

        asyncio.run(SignalWireNotifier(to=ALICE, from_number=SENDER, body="x").async_notify({}))

        assert len(message_requests(emu)) == 2
        assert sent(emu) == [(ALICE, SENDER, "x")]
