"""
SignalWireNotifier at the edges (issue 23, point 1): it always pages and never leaks.

Recipients as people write them in Variables, bodies too long for one SMS, secrets in exception
texts, templates that fail to render: each still ends in a page, over loopback to the emulator.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from signalwire_test_support import connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireNotificationError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.notifications.signalwire import (
    MAX_SMS_BODY,
    SignalWireNotifier,
    parse_recipients,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

ALICE, BOB, CAROL = "+15550100001", "+15550100002", "+15550100003"
SENDER = "+15550100999"
#: A database password a failing task's exception could carry; registered with the masker.
DB_PASSWORD = "pg-pa55word-7c1d9e"


@pytest.fixture
def emu(emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch) -> SignalWireEmulator:
    monkeypatch.setenv(
        "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, from_number=SENDER)
    )
    return emulator


@pytest.fixture
def masked_password() -> str:
    """Register ``DB_PASSWORD`` with this process's secrets masker, as a connection fetch does."""
    from airflow.sdk._shared.secrets_masker import _secrets_masker

    _secrets_masker().add_mask(DB_PASSWORD)
    return DB_PASSWORD


def context(**extra: Any) -> dict[str, Any]:
    from airflow.sdk import DAG

    return {
        "dag": DAG("nightly"),
        "ti": SimpleNamespace(task_id="export", dag_id="nightly", run_id="manual__1"),
        "run_id": "manual__1",
        **extra,
    }


def logged(capsys: pytest.CaptureFixture[str]) -> str:
    """What the notifier logged (Airflow's structlog writes task-side logs to the console)."""
    captured = capsys.readouterr()
    return captured.out + captured.err


def recipients(emu: SignalWireEmulator) -> list[str]:
    return [m["to"] for m in emu.messages]


def bodies(emu: SignalWireEmulator) -> list[str]:
    return [m["body"] for m in emu.messages]


# How people write recipient lists, and who must get a message.
RECIPIENT_LISTS = [
    pytest.param(f"{ALICE}, {BOB},", [ALICE, BOB], id="trailing-comma"),
    pytest.param(f",{ALICE},,{BOB}", [ALICE, BOB], id="empty-items"),
    pytest.param(f"{ALICE}\n{BOB}\n", [ALICE, BOB], id="newline-separated"),
    pytest.param(f"{ALICE}\r\n{BOB}\r\n", [ALICE, BOB], id="crlf-separated"),
    pytest.param(f"{ALICE}; {BOB};{CAROL}", [ALICE, BOB, CAROL], id="semicolons"),
    pytest.param(f"  {ALICE}\t{BOB}  ", [ALICE, BOB], id="whitespace"),
    pytest.param(f"{ALICE},{BOB};{ALICE}\n{BOB}", [ALICE, BOB], id="duplicates-dropped"),
    pytest.param([ALICE, "", f"{BOB}, "], [ALICE, BOB], id="list-with-empty-and-separated"),
    pytest.param((BOB, ALICE), [BOB, ALICE], id="tuple-keeps-order"),
]


class TestRecipients:
    @pytest.mark.parametrize(("to", "expected"), RECIPIENT_LISTS)
    def test_each_listed_number_gets_one_message(
        self, emu: SignalWireEmulator, to: Any, expected: list[str]
    ) -> None:
        SignalWireNotifier(to=to, body="down")({})

        assert recipients(emu) == expected

    @pytest.mark.parametrize(("to", "expected"), RECIPIENT_LISTS)
    def test_parse_recipients(self, to: Any, expected: list[str]) -> None:
        assert parse_recipients(to) == expected

    @pytest.mark.parametrize(
        ("to", "named"),
        [
            pytest.param(f"{ALICE}, 5550100002", "'5550100002'", id="missing-plus"),
            pytest.param(f"{ALICE}|{BOB}", "'+15550100001|+15550100002'", id="pipe-separated"),
            pytest.param([ALICE, 15550100002], "15550100002", id="not-a-string"),
            pytest.param([ALICE, None], "None", id="none-item"),
            pytest.param(f"{ALICE}, +1-555", "'+1-555'", id="dashes"),
            pytest.param(" , ;\n", "no recipient", id="only-separators"),
            pytest.param([], "no recipient", id="empty-list"),
            pytest.param({"to": ALICE}, "expected E.164 numbers", id="a-dict"),
            pytest.param("+" + "1" * 5000, "...", id="5000-digits"),
        ],
    )
    def test_an_invalid_recipient_is_refused_by_name_before_any_request(
        self, emu: SignalWireEmulator, to: Any, named: str
    ) -> None:
        with pytest.raises(SignalWireValidationError) as info:
            SignalWireNotifier(to=to, body="down")({})

        assert named in str(info.value)
        assert len(str(info.value)) < 400
        assert emu.requests == []

    def test_the_bad_item_and_the_whole_value_are_named(self) -> None:
        with pytest.raises(SignalWireValidationError) as info:
            parse_recipients(f"{ALICE}, 0800")

        assert str(info.value) == (
            f"Invalid to '0800' (in to='{ALICE}, 0800'): expected an E.164 number: "
            "+ and 2-15 digits."
        )

    def test_a_rendered_variable_with_a_trailing_newline_pages_everyone(
        self, emu: SignalWireEmulator
    ) -> None:
        notifier = SignalWireNotifier(to="{{ params.on_call }}", body="{{ run_id }}")

        notifier(context(params={"on_call": f"{ALICE},\n{BOB},\n"}))

        assert recipients(emu) == [ALICE, BOB]
        assert bodies(emu) == ["manual__1", "manual__1"]


class TestBody:
    def test_a_body_at_the_limit_is_sent_as_it_is(self, emu: SignalWireEmulator) -> None:
        text = "x" * MAX_SMS_BODY
        SignalWireNotifier(to=ALICE, body=text)({})

        assert bodies(emu) == [text]

    def test_a_long_body_is_cut_to_fit_keeping_its_start(self, emu: SignalWireEmulator) -> None:
        text = "Task export failed: " + "Traceback line\n" * 500

        SignalWireNotifier(to=ALICE, body=text)({})

        [sent] = bodies(emu)
        assert len(sent) == MAX_SMS_BODY
        assert sent.endswith("\u2026")
        assert sent[:-1] == text[: MAX_SMS_BODY - 1]

    def test_a_long_rendered_exception_is_cut_to_fit(self, emu: SignalWireEmulator) -> None:
        error = RuntimeError("boom " * 1000)

        SignalWireNotifier(to=[ALICE, BOB], body="{{ exception }}")(context(exception=error))

        assert [len(body) for body in bodies(emu)] == [MAX_SMS_BODY, MAX_SMS_BODY]
        assert all(body.startswith("boom boom") for body in bodies(emu))

    def test_a_secret_known_to_the_masker_never_leaves(
        self, emu: SignalWireEmulator, masked_password: str
    ) -> None:
        error = RuntimeError(f"could not connect to postgresql://etl:{masked_password}@db:5432/dw")

        SignalWireNotifier(to=ALICE, body="failed: {{ exception }}")(context(exception=error))

        [sent] = bodies(emu)
        assert masked_password not in sent
        assert sent == "failed: could not connect to postgresql://etl:***@db:5432/dw"
        assert all(masked_password not in str(r.form) for r in emu.requests)

    def test_a_secret_past_the_cut_is_masked_before_the_cut(
        self, emu: SignalWireEmulator, masked_password: str
    ) -> None:
        # Masking first: cutting first would send the secret's first characters in clear.
        body = "x" * (MAX_SMS_BODY - 5) + masked_password
        SignalWireNotifier(to=ALICE, body=body)({})

        assert bodies(emu) == ["x" * (MAX_SMS_BODY - 5) + "***"]

    def test_a_lone_surrogate_is_replaced_not_refused(self, emu: SignalWireEmulator) -> None:
        SignalWireNotifier(to=ALICE, body="bad byte: \udcff!")({})

        assert bodies(emu) == ["bad byte: \ufffd!"]

    @pytest.mark.parametrize(
        "template",
        [
            pytest.param("{{ 1 / 0 }}", id="raises-in-template"),
            pytest.param("{{ ti.no_such_method() }}", id="undefined-call"),
            pytest.param("{% if %}", id="syntax-error"),
        ],
    )
    def test_a_body_that_fails_to_render_becomes_a_fallback_naming_dag_task_and_run(
        self, emu: SignalWireEmulator, template: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        SignalWireNotifier(to=[ALICE, BOB], body=template)(context())

        assert recipients(emu) == [ALICE, BOB]
        for body in bodies(emu):
            assert "nightly" in body and "export" in body and "manual__1" in body
        assert "could not be rendered" in logged(capsys)

    def test_a_fallback_without_a_task_still_names_the_dag_and_run(
        self, emu: SignalWireEmulator
    ) -> None:
        from airflow.sdk import DAG

        SignalWireNotifier(to=ALICE, body="{{ 1 / 0 }}")({"dag": DAG("nightly"), "run_id": "r1"})

        [body] = bodies(emu)
        assert "DAG nightly" in body and "run r1" in body

    def test_the_async_path_masks_and_cuts_too(
        self, emu: SignalWireEmulator, masked_password: str
    ) -> None:
        body = f"secret {masked_password} " + "y" * 2000
        notifier = SignalWireNotifier(to=ALICE, body=body)

        asyncio.run(notifier.async_notify({}))

        [sent] = bodies(emu)
        assert sent.startswith("secret *** yyy")
        assert len(sent) == MAX_SMS_BODY and sent.endswith("\u2026")


class TestDelivery:
    def test_the_log_names_who_was_reached(
        self, emu: SignalWireEmulator, capsys: pytest.CaptureFixture[str]
    ) -> None:
        emu.add_fault(Fault(status=400, method="POST", path_contains="/Messages"), times=1)

        with pytest.raises(SignalWireNotificationError) as info:
            SignalWireNotifier(to=f"{ALICE},{BOB},{CAROL}", body="down")({})

        assert list(info.value.failures) == [ALICE]
        assert f"reached 2 of 3 recipient(s): {BOB}, {CAROL}" in logged(capsys)

    def test_the_hooks_send_message_stays_strict(self, emu: SignalWireEmulator) -> None:
        hook = SignalWireHook()
        try:
            with pytest.raises(SignalWireValidationError, match="1601 characters"):
                hook.send_message(ALICE, body="x" * 1601)
            with pytest.raises(SignalWireValidationError, match="Invalid to"):
                hook.send_message(f"{ALICE},", body="x")
        finally:
            hook.close()
        assert emu.requests == []
