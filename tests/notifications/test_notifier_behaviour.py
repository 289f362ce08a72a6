"""
SignalWireNotifier as tables: what it logs and raises, the text it sends, the values it refuses.

The log lines a person reads after a page (sync and async), the error naming each recipient that
got nothing, the fallback text for every shape of context, the body at both sides of 1,600
characters and of the surrogate range, recipients at both sides of 2 and 15 digits, and how a bad
value is shown (both sides of 120 characters and of a huge number).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import jinja2.sandbox
import pytest
from signalwire_test_support import connection_json, console, logged

from airflow_provider_signalwire.exceptions import (
    SignalWireNotificationError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks.async_signalwire import SignalWireAsyncHook
from airflow_provider_signalwire.notifications.signalwire import (
    SignalWireNotifier,
    fallback_body,
    outgoing_body,
    parse_recipients,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

ALICE, BOB, CAROL = "+15550100001", "+15550100002", "+15550100003"
SENDER = "+15550100999"
FALLBACK_END = "needs attention (the notification text could not be rendered; see the log)."


@pytest.fixture
def emu(module_emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch) -> SignalWireEmulator:
    """The module's emulator, freshly seeded, behind ``signalwire_default`` (From: ``SENDER``)."""
    module_emulator.reset()
    monkeypatch.setenv(
        "AIRFLOW_CONN_SIGNALWIRE_DEFAULT",
        connection_json(module_emulator.url, from_number=SENDER),
    )
    return module_emulator


def sent(emu: SignalWireEmulator) -> list[tuple[str, str]]:
    return [(m["to"], m["body"]) for m in emu.messages]


def send(notifier: SignalWireNotifier, how: str) -> None:
    """Send as a task callback (``notify``) or as the triggerer does (``async_notify``)."""
    context: Any = {}
    if how == "sync":
        notifier.notify(context)
    else:
        asyncio.run(notifier.async_notify(context))


# -- what a person reads afterwards --------------------------------------------------------------


@pytest.mark.parametrize("how", ["sync", "async"])
class TestLogAndError:
    def test_each_message_and_the_summary_are_logged(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str], how: str
    ) -> None:
        send(SignalWireNotifier(to=[ALICE, BOB], body="down"), how)
        [alice, bob] = emu.messages
        assert logged(console(capfd)) == [
            ("info", f"SMS {alice['sid']} to {ALICE}: queued"),
            ("info", f"SMS {bob['sid']} to {BOB}: queued"),
            ("info", f"SignalWire notification reached 2 of 2 recipient(s): {ALICE}, {BOB}"),
        ]

    def test_failures_are_logged_and_named_in_one_error(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str], how: str
    ) -> None:
        """Recipients that failed, in order: number, error class and the error's own text."""
        emu.add_fault(Fault(status=400, path_contains="/Messages"), times=1)
        emu.add_fault(Fault(status=404, path_contains="/Messages"), times=1)
        with pytest.raises(SignalWireNotificationError) as raised:
            send(SignalWireNotifier(to=[ALICE, BOB, CAROL], body="down"), how)
        failures = raised.value.failures
        assert list(failures) == [ALICE, BOB]
        alice, bob = failures[ALICE], failures[BOB]
        assert str(raised.value) == (
            "SignalWire notification: 2 of 3 recipient(s) got no message: "
            f"{ALICE} ({type(alice).__name__}: {alice}); {BOB} ({type(bob).__name__}: {bob})"
        )
        assert (type(alice).__name__, type(bob).__name__) == (
            "SignalWireRequestError",
            "SignalWireNotFoundError",
        )
        [carol] = emu.messages
        assert logged(console(capfd)) == [
            ("warning", f"SMS to {ALICE} failed: {alice}"),
            ("warning", f"SMS to {BOB} failed: {bob}"),
            ("info", f"SMS {carol['sid']} to {CAROL}: queued"),
            ("info", f"SignalWire notification reached 1 of 3 recipient(s): {CAROL}"),
        ]

    def test_nobody_reached_is_said_as_none(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str], how: str
    ) -> None:
        emu.add_fault(Fault(status=400, path_contains="/Messages"), times=2)
        with pytest.raises(SignalWireNotificationError, match=r"^SignalWire notification: 2 of 2 "):
            send(SignalWireNotifier(to=[ALICE, BOB], body="down"), how)
        assert logged(console(capfd))[-1] == (
            "info",
            "SignalWire notification reached 0 of 2 recipient(s): none",
        )

    def test_a_refused_connection_setting_stops_at_the_first_recipient(
        self, emu: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch, how: str
    ) -> None:
        """The same refusal would hit every recipient: it is raised as it is, at once."""
        monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emu.url))
        with pytest.raises(SignalWireValidationError, match="Default From number"):
            send(SignalWireNotifier(to=[ALICE, BOB], body="down"), how)
        assert emu.requests == []

    def test_the_notifiers_connection_is_used(
        self, emu: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch, how: str
    ) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SW_PAGER", connection_json(emu.url, from_number="+15550100777")
        )
        monkeypatch.delenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT")
        send(SignalWireNotifier(to=ALICE, body="up", signalwire_conn_id="sw_pager"), how)
        assert [(m["to"], m["from"]) for m in emu.messages] == [(ALICE, "+15550100777")]


def test_the_async_notifier_closes_its_client_once(
    emu: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[SignalWireAsyncHook] = []
    real_aclose = SignalWireAsyncHook.aclose

    async def aclose(hook: SignalWireAsyncHook) -> None:
        closed.append(hook)
        await real_aclose(hook)

    monkeypatch.setattr(SignalWireAsyncHook, "aclose", aclose)
    emu.add_fault(Fault(status=400, path_contains="/Messages"), times=1)
    with pytest.raises(SignalWireNotificationError):
        send(SignalWireNotifier(to=[ALICE, BOB], body="down"), "async")
    assert len(closed) == 1
    assert sent(emu) == [(BOB, "down")]


# -- the text that is sent ------------------------------------------------------------------------

X = "x"
BODIES = [
    pytest.param(X * 1599, X * 1599, id="1599"),
    pytest.param(X * 1600, X * 1600, id="1600-the-limit"),
    pytest.param(X * 1601, X * 1599 + "\u2026", id="1601-cut"),
    pytest.param(X * 5000, X * 1599 + "\u2026", id="5000-cut"),
    pytest.param(
        "\ud7ff|\ud800|\udbff|\udc00|\udfff|\ue000",
        "\ud7ff|\ufffd|\ufffd|\ufffd|\ufffd|\ue000",
        id="surrogates-only-become-U+FFFD",
    ),
    pytest.param("a\udcffb", "a\ufffdb", id="lone-surrogate"),
    pytest.param("", "", id="empty"),
]


class TestOutgoingBody:
    @pytest.mark.parametrize(("body", "expected"), BODIES)
    def test_the_body_as_it_leaves(self, body: str, expected: str) -> None:
        assert outgoing_body(body) == expected

    @pytest.mark.parametrize("body", [None, 42, ["x"]])
    def test_a_body_that_is_no_text_is_left_for_the_message_check(self, body: Any) -> None:
        assert outgoing_body(body) is body

    def test_a_cut_body_reaches_the_phone_cut(self, emu: SignalWireEmulator) -> None:
        SignalWireNotifier(to=ALICE, body="y" * 1601).notify({})
        assert sent(emu) == [(ALICE, "y" * 1599 + "\u2026")]


def task(**fields: Any) -> SimpleNamespace:
    return SimpleNamespace(**fields)


FALLBACKS = [
    pytest.param(
        {"dag": task(dag_id="nightly"), "ti": task(task_id="export", dag_id="other", run_id="ti-run"),
         "run_id": "ctx-run"},
        "DAG nightly, task export, run ctx-run", id="everything"),
    pytest.param(
        {"ti": task(task_id="export", dag_id="from-ti", run_id="ti-run")},
        "DAG from-ti, task export, run ti-run", id="only-a-task-instance"),
    pytest.param(
        {"dag": task(dag_id=""), "ti": task(dag_id="from-ti", task_id="t")},
        "DAG from-ti, task t, run ?", id="dag-without-id"),
    pytest.param({"dag": task(dag_id="d"), "run_id": "r"}, "DAG d, task -, run r", id="dag-callback"),
    pytest.param({"run_id": ""}, "DAG ?, task -, run ?", id="nothing-known"),
    pytest.param({}, "DAG ?, task -, run ?", id="empty"),
    pytest.param({"ti": task(task_id="", run_id="")}, "DAG ?, task -, run ?", id="empty-task"),
]  # fmt: skip


class TestFallbackText:
    @pytest.mark.parametrize(("context", "names"), FALLBACKS)
    def test_names_what_the_context_knows(self, context: dict[str, Any], names: str) -> None:
        assert fallback_body(context) == f"Airflow: {names} {FALLBACK_END}"  # type: ignore[arg-type]

    def test_a_body_that_fails_is_replaced_and_the_reason_logged(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        notifier = SignalWireNotifier(to=ALICE, body="{{ 1 // 0 }}")
        from airflow.sdk import DAG

        notifier({"dag": DAG("nightly"), "ti": task(task_id="export"), "run_id": "r9"})
        assert sent(emu) == [(ALICE, f"Airflow: DAG nightly, task export, run r9 {FALLBACK_END}")]
        assert (
            "error",
            "The notification body could not be rendered (ZeroDivisionError: integer division or "
            "modulo by zero); sending a fallback text",
        ) in logged(console(capfd))


# -- rendering -----------------------------------------------------------------------------------


class TestRendering:
    def test_the_environment_given_renders_every_field(self) -> None:
        env = jinja2.sandbox.SandboxedEnvironment()
        env.filters["digits"] = lambda text: "".join(ch for ch in str(text) if ch.isdigit())
        env.filters["shout"] = lambda text: f"{str(text).upper()}!"
        notifier = SignalWireNotifier(
            to="+{{ params.to | digits }}", from_number="+{{ params.sender | digits }}",
            body="{{ params.text | shout }}",
        )  # fmt: skip
        params = {"to": "1 555 0100 001", "sender": "1-555-0100-999", "text": "down"}
        notifier.render_template_fields({"params": params}, env)
        assert (notifier.to, notifier.from_number, notifier.body) == (ALICE, SENDER, "DOWN!")

    def test_the_dags_environment_renders_its_macros(self) -> None:
        from airflow.sdk import DAG

        dag = DAG("with_macros", user_defined_macros={"team": "ops"})
        notifier = SignalWireNotifier(to="{{ params.to }}", body="{{ team }}: {{ dag.dag_id }}")
        notifier.render_template_fields({"dag": dag, "params": {"to": ALICE}})
        assert (notifier.to, notifier.body) == (ALICE, "ops: with_macros")

    def test_a_dag_without_an_environment_renders_in_the_plain_sandbox(self) -> None:
        """What ``airflow dags test`` hands DAG callbacks: a serialized DAG (apache/airflow#64649)."""
        notifier = SignalWireNotifier(to=ALICE, body="{{ dag.dag_id }} failed")
        serialized = task(dag_id="serialized", render_template_as_native_obj=False)
        notifier.render_template_fields({"dag": serialized})  # type: ignore[typeddict-item]
        assert notifier.body == "serialized failed"

    def test_without_a_context_the_text_is_sent_as_it_is(self, emu: SignalWireEmulator) -> None:
        SignalWireNotifier(to=ALICE, body="{{ 7 * 7 }}").notify({})
        assert sent(emu) == [(ALICE, "{{ 7 * 7 }}")]

    def test_defaults_and_repr(self) -> None:
        notifier = SignalWireNotifier(to=[ALICE], body="b")
        assert notifier.signalwire_conn_id == "signalwire_default"
        assert (notifier.from_number, notifier.messaging_service_sid, notifier.media_url) == (
            None,
            None,
            None,
        )
        assert repr(notifier) == f"SignalWireNotifier(to=['{ALICE}'], conn_id='signalwire_default')"
        assert SignalWireNotifier.template_fields == ("to", "body", "from_number")


# -- recipients -----------------------------------------------------------------------------------

SHOWN_117 = "+" + "1" * 117  # its repr is 120 characters: shown whole
SHOWN_118 = "+" + "1" * 118  # 121: cut to 117 and "..."
RECIPIENTS = [
    pytest.param("+12", ["+12"], id="2-digits"),
    pytest.param("+" + "9" * 15, ["+" + "9" * 15], id="15-digits"),
    pytest.param([f"{ALICE},", "", f";{BOB}"], [ALICE, BOB], id="empty-items-skipped"),
    pytest.param(f",,{ALICE}", [ALICE], id="leading-separators"),
]
REFUSED = [
    pytest.param("+1", "Invalid to '+1': expected an E.164 number: + and 2-15 digits.",
                 id="1-digit"),
    pytest.param("+" + "9" * 16, f"Invalid to '+{'9' * 16}': expected an E.164 number: + and "
                 "2-15 digits.", id="16-digits"),
    pytest.param([ALICE, 5], f"Invalid to 5 (in to=['{ALICE}', 5]): expected an E.164 number: "
                 "+ and 2-15 digits.", id="a-number-not-text"),
    pytest.param((ALICE, "x"), f"Invalid to 'x' (in to=('{ALICE}', 'x')): expected an E.164 "
                 "number: + and 2-15 digits.", id="tuple"),
    pytest.param({"to": ALICE}, f"Invalid to {{'to': '{ALICE}'}}: expected E.164 numbers as a "
                 "list or a separated string.", id="a-dict"),
    pytest.param(None, "Invalid to None: expected E.164 numbers as a list or a separated string.",
                 id="none"),
    pytest.param("", "Invalid to '': no recipient: expected at least one E.164 number.",
                 id="empty"),
    pytest.param(" ;\n", "Invalid to ' ;\\n': no recipient: expected at least one E.164 number.",
                 id="only-separators"),
    pytest.param([], "Invalid to []: no recipient: expected at least one E.164 number.",
                 id="empty-list"),
    pytest.param(SHOWN_117, f"Invalid to '{SHOWN_117}': expected an E.164 number: + and 2-15 "
                 "digits.", id="shown-at-120"),
    pytest.param(SHOWN_118, f"Invalid to '{SHOWN_118[:116]}...: expected an E.164 number: + and "
                 "2-15 digits.", id="cut-at-121"),
    pytest.param([10**100 - 1], f"Invalid to {10**100 - 1} (in to=[{10**100 - 1}]): expected an "
                 "E.164 number: + and 2-15 digits.", id="100-digit-int"),
    pytest.param([10**100], f"Invalid to <huge int> (in to=[{10**100}]): expected an E.164 "
                 "number: + and 2-15 digits.", id="101-digit-int"),
    pytest.param([-(10**100)], f"Invalid to <huge int> (in to=[{-(10**100)}]): expected an "
                 "E.164 number: + and 2-15 digits.", id="negative-101-digit-int"),
    pytest.param([10**5000], "Invalid to <huge int> (in to=<list too large to show>): expected "
                 "an E.164 number: + and 2-15 digits.", id="int-past-the-conversion-limit"),
]  # fmt: skip


class TestRecipients:
    @pytest.mark.parametrize(("to", "expected"), RECIPIENTS)
    def test_accepted(self, to: Any, expected: list[str]) -> None:
        assert parse_recipients(to) == expected

    @pytest.mark.parametrize(("to", "message"), REFUSED)
    def test_refused_naming_the_bad_item(self, to: Any, message: str) -> None:
        with pytest.raises(SignalWireValidationError) as refused:
            parse_recipients(to)
        assert str(refused.value) == message

    @pytest.mark.parametrize("how", ["sync", "async"])
    def test_a_bad_recipient_stops_the_notifier_before_any_message(
        self, emu: SignalWireEmulator, how: str
    ) -> None:
        with pytest.raises(SignalWireValidationError, match=r"^Invalid to 5 "):
            send(SignalWireNotifier(to=[ALICE, 5], body="down"), how)  # type: ignore[list-item]
        assert emu.requests == []

    def test_every_recipient_is_checked_before_the_first_message(
        self, emu: SignalWireEmulator
    ) -> None:
        with pytest.raises(SignalWireValidationError, match="media_url"):
            SignalWireNotifier(to=[ALICE, BOB], body="x", media_url="ftp://a/b").notify({})
        assert emu.requests == []
