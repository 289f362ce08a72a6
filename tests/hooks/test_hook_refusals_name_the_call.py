"""
What a refused call of the sync hook says, word for word: the argument, or the request sent.

A refusal before any request names the hook method and the argument; a refusal of an answer
names the request as it went out (``GET``/``POST`` and the path). A loopback server gives the
answers and records the requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from reliability.hostile_server import Answer, json_answer, serving_signalwire_default
from signalwire_test_support import PROJECT_ID

from airflow_provider_signalwire.exceptions import (
    SignalWireError,
    SignalWireResponseError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._api import checked_stopped_stream
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Iterator

    from reliability.hostile_server import HostileServer

API = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}"
CONF = "CF-one"


def serve(monkeypatch: pytest.MonkeyPatch, answer: Answer) -> Iterator[HostileServer]:
    with serving_signalwire_default(monkeypatch, lambda seen: answer) as running:
        yield running


@pytest.fixture
def another_conference(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    yield from serve(monkeypatch, json_answer({"sid": "OTHER", "status": "completed"}))


@pytest.fixture
def no_status(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    yield from serve(monkeypatch, json_answer({"sid": "ST-new"}))


@pytest.fixture
def unauthorized(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    yield from serve(
        monkeypatch,
        json_answer({"message": "Authentication failed"}, status=401, reason="Unauthorized"),
    )


def hook() -> SignalWireHook:
    return SignalWireHook(max_attempts=1)


def test_the_connection_test_names_the_get_it_sent(unauthorized: HostileServer) -> None:
    ok, message = hook().test_connection()

    assert ok is False
    assert message == (
        f"SignalWire answered 401 Unauthorized to GET {API}/Conferences: Authentication failed"
    )


def test_find_conference_by_sid_refuses_another_naming_the_get(
    another_conference: HostileServer,
) -> None:
    with pytest.raises(SignalWireResponseError) as refused:
        hook().find_conference(conference_sid=CONF)

    assert str(refused.value) == (
        f"SignalWire answered GET {API}/Conferences/{CONF} "
        f"with another object (sid 'OTHER', asked '{CONF}')"
    )
    assert refused.value.method == "GET"


def test_start_conference_stream_refuses_an_answer_without_status_naming_the_post(
    no_status: HostileServer,
) -> None:
    with pytest.raises(SignalWireResponseError) as refused:
        hook().start_conference_stream(CONF, url="wss://media.example.com/s")

    assert str(refused.value) == (
        f"SignalWire answered POST {API}/Conferences/{CONF}/Streams "
        "with an object whose status is None, not a string"
    )
    assert refused.value.method == "POST"


def test_a_refused_message_names_the_post(unauthorized: HostileServer) -> None:
    with pytest.raises(SignalWireError) as refused:
        hook().send_message("+15551230000", body="hi", from_number="+15551239999")

    assert str(refused.value) == (
        f"SignalWire answered 401 Unauthorized to POST {API}/Messages: Authentication failed"
    )
    assert refused.value.method == "POST"


def test_an_unknown_recording_filter_is_named_with_the_call() -> None:
    with pytest.raises(SignalWireValidationError) as refused:
        hook().list_recordings(CONF, status="completed")

    assert str(refused.value) == (
        "Unknown list_recordings filter(s): ['status']; SignalWire's API defines only "
        "date_created (DateCreated), date_created_after (DateCreated>), "
        "date_created_before (DateCreated<), page_size (PageSize)."
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("..", "'.' and '..' are not stream names"),
        ("", "expected a non-empty string"),
        ("a\x00b", "control characters and lone surrogates are not allowed"),
    ],
    ids=["dot-dot", "empty", "a control character"],
)
def test_a_bad_stream_name_is_refused_as_the_name_before_any_request(
    another_conference: HostileServer, name: str, reason: str
) -> None:
    with pytest.raises(SignalWireValidationError) as refused:
        hook().start_conference_stream(CONF, url="wss://media.example.com/s", name=name)

    assert str(refused.value) == f"Invalid name {name!r}: {reason}."
    assert another_conference.requests == []


@pytest.mark.parametrize("field", ["sid", "name"])
def test_another_streams_long_sid_or_name_is_cut_at_80_characters(field: str) -> None:
    other = {"sid": "ST2", "name": "n", "status": "stopped", field: "x" * 200}

    with pytest.raises(SignalWireResponseError) as refused:
        checked_stopped_stream(other, "ST1", method="POST", path="/s")

    shown = {"sid": "'ST2'", "name": "'n'", field: f"'{'x' * 76}..."}
    assert str(refused.value) == (
        f"SignalWire answered POST /s with another stream "
        f"(sid {shown['sid']}, name {shown['name']}, asked 'ST1')"
    )
