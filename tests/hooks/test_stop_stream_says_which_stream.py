"""
What a stop of one stream says, word for word.

A refusal of the stop's answer names the request as it went out (``POST`` and the path); a stop
taken as done, because the retry after a lost answer found no such stream, says so in one
WARNING that names the stream and its conference. A loopback server gives the answers and
records the requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from reliability.hostile_server import Answer, Seen, json_answer, serving_signalwire_default
from signalwire_test_support import PROJECT_ID, console, logged

from airflow_provider_signalwire.exceptions import SignalWireResponseError
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from reliability.hostile_server import HostileServer

API = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}"
CONF = "CF-one"
STREAM = "ST-one"


def serve(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[Seen], Answer]
) -> Iterator[HostileServer]:
    with serving_signalwire_default(monkeypatch, handler) as running:
        yield running


@pytest.fixture
def another_stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    yield from serve(monkeypatch, lambda seen: json_answer({"sid": "ST-two", "status": "stopped"}))


@pytest.fixture
def lost_answer_then_gone(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    """The first stop is closed unanswered (it may have landed); the retry finds no stream."""
    answers = iter([Answer(close=True), json_answer({"code": 20404}, status=404)])
    yield from serve(monkeypatch, lambda seen: next(answers))


def hook(max_attempts: int) -> SignalWireHook:
    return SignalWireHook(max_attempts=max_attempts, initial_backoff=0.0, max_backoff=0.0)


def test_a_stop_answered_with_another_stream_is_refused_naming_the_post(
    another_stream: HostileServer,
) -> None:
    with pytest.raises(SignalWireResponseError) as refused:
        hook(1).stop_conference_stream(CONF, STREAM)

    assert str(refused.value) == (
        f"SignalWire answered POST {API}/Conferences/{CONF}/Streams/{STREAM} "
        f"with another stream (sid 'ST-two', name None, asked '{STREAM}')"
    )
    assert refused.value.method == "POST"


def test_a_stop_found_gone_after_a_lost_answer_warns_naming_the_stream_and_conference(
    lost_answer_then_gone: HostileServer, capfd: pytest.CaptureFixture[str]
) -> None:
    stopper = hook(2)
    console(capfd)

    stream = stopper.stop_conference_stream(CONF, STREAM)

    assert stream["status"] == "stopped"
    assert len(lost_answer_then_gone.requests) == 2
    assert [line for line in logged(console(capfd)) if "retrying in" not in line[1]] == [
        (
            "warning",
            f"Stream {STREAM} of conference {CONF}: an earlier attempt's answer was lost and the "
            "retry found no such stream; taking it as already stopped",
        )
    ]
