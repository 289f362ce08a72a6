"""
The public API against a deliberately unfriendly server: every call ends in bounded time.

Each class of issue 12 has its own test class here, with several variants each, all driven through
the public API only (``SignalWireHook``, the operators, ``SignalWireConferenceSensor`` and
``ConferenceStatusTrigger``) against :class:`~hostile_server.HostileServer` on loopback. Where
timing is the point (slow answers, killed tasks) the waits are real and bounded.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import json
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from hostile_server import (
    Answer,
    HostileServer,
    Seen,
    gzip_members,
    hostile_server,
    json_answer,
    raw_deflate,
)
from reliability_support import (
    BASIC,
    SECRETS,
    assert_no_secret,
    async_client,
    full_backlog_listener,
    leak_surface,
)
from signalwire_test_support import PROJECT_ID, TOKEN, connection_json, console, logged
from sync_and_async_clients import AsyncClient, SyncClient

from airflow_provider_signalwire.exceptions import (
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireRequestError,
    SignalWireResponseError,
    SignalWireServerError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._errors import MAX_BODY_BYTES
from airflow_provider_signalwire.hooks._wire import OFF_LOOP_BYTES
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.operators.conference import (
    EndConferenceOperator,
    RemoveConferenceParticipantOperator,
    StartConferenceStreamOperator,
    StopConferenceStreamOperator,
    StopConferenceStreamsOperator,
    UpdateConferenceParticipantOperator,
)
from airflow_provider_signalwire.sensors.conference import SignalWireConferenceSensor
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.transfers.recordings import ConferenceRecordingsToStorageOperator
from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

if TYPE_CHECKING:
    from collections.abc import Callable

CONF = "CF0a1b2c3d4e5f60718293a4b5c6d7e8f9"
OTHER_CONF = "CF99999999999999999999999999999999"
CALL = "CA0a1b2c3d4e5f60718293a4b5c6d7e8f9"
ROOT = f"/api/laml/2010-04-01/Accounts/{PROJECT_ID}"
CONFERENCES = f"{ROOT}/Conferences"
BEARER = "bearer-LEAKCHECK-7e6d5c4b3a29"
#: Where the archive operator would store files; a hanging listing never writes there.
ARCHIVE = Path(tempfile.gettempdir()) / "signalwire-hostile-archive"


# -- building blocks -------------------------------------------------------------------------


def conference(sid: str = CONF, status: str = "completed", name: str = "standup") -> dict[str, Any]:
    return {
        "sid": sid,
        "account_sid": PROJECT_ID,
        "friendly_name": name,
        "status": status,
        "date_created": "Wed, 25 Nov 2026 20:00:00 +0000",
        "uri": f"{CONFERENCES}/{sid}.json",
    }


def stream(sid: str, name: str | None = None, status: str = "stopped") -> dict[str, Any]:
    return {
        "account_sid": PROJECT_ID,
        "conference_sid": CONF,
        "sid": sid,
        "name": name,
        "status": status,
        "date_updated": "Wed, 25 Nov 2026 20:00:00 +0000",
        "uri": f"{CONFERENCES}/{CONF}/Streams/{sid}.json",
    }


def participant(call_sid: str = CALL) -> dict[str, Any]:
    return {"account_sid": PROJECT_ID, "conference_sid": CONF, "call_sid": call_sid, "muted": True}


class FakeTaskInstance:
    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


@pytest.fixture
def ti() -> FakeTaskInstance:
    return FakeTaskInstance()


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point ``signalwire_default`` at a server (or any Space URL), with extras."""

    def point(url: str, *, token: str = TOKEN, **extra: Any) -> None:
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(url, token=token, **extra)
        )

    return point


def quick_hook(**kwargs: Any) -> SignalWireHook:
    """A hook that retries without waiting, unless told otherwise."""
    return SignalWireHook(
        **{"max_attempts": 1, "initial_backoff": 0.0, "max_backoff": 0.0, **kwargs}
    )


def record_sleeps(hook: SignalWireHook, then: Callable[[], None] | None = None) -> list[float]:
    """Make the hook's retries record their waits instead of sleeping (the one place that knows)."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if then is not None:
            then()

    hook.transport.sleep = sleep
    return waits


def quick_trigger(**kwargs: Any) -> ConferenceStatusTrigger:
    defaults: dict[str, Any] = {
        "conference_sid": CONF,
        "poll_interval": 0.05,
        "max_attempts": 1,
        "initial_backoff": 0.0,
        "max_backoff": 0.0,
    }
    if "friendly_name" in kwargs:
        defaults.pop("conference_sid")
    return ConferenceStatusTrigger(**{**defaults, **kwargs})


def run_trigger(trigger: ConferenceStatusTrigger, within: float = 5.0) -> dict[str, Any]:
    """Run the trigger to its one event; return the payload."""

    async def first_event() -> dict[str, Any]:
        events = [event.payload async for event in trigger.run()]
        assert len(events) == 1, events
        return events[0]

    return asyncio.run(asyncio.wait_for(first_event(), within))


def assert_error_event(event: dict[str, Any], error_type: str) -> None:
    assert event["status"] == "error", event
    assert event.get("error_type") == error_type, event


EMPTY_PAGE = {"conferences": [], "next_page_uri": None}


def is_listing(seen: Seen) -> bool:
    return seen.path.removesuffix(".json").endswith("/Conferences")


def by_sid(answer: Answer) -> Callable[[Seen], Answer]:
    """
    Answer the look-up of one conference with ``answer``, and listings with an empty page.

    The trigger first lists the conferences updated lately (shared by every waiting trigger) and
    looks a conference the listing does not show up by its SID: the hostile answer reaches that.
    """
    return lambda seen: json_answer(EMPTY_PAGE) if is_listing(seen) else answer


def well(seen: Seen, status: str = "completed") -> Answer:
    """The conference, as a listing's page or on its own, as the request asks."""
    if is_listing(seen):
        return json_answer({"conferences": [conference(status=status)], "next_page_uri": None})
    return json_answer(conference(status=status))


def sensor(**kwargs: Any) -> SignalWireConferenceSensor:
    return SignalWireConferenceSensor(
        task_id="wait", max_attempts=1, initial_backoff=0.0, max_backoff=0.0, **kwargs
    )


# -- 1. paging that never ends -----------------------------------------------------------------

LISTS = {
    "conferences": (CONFERENCES, "conferences", conference()),
    "participants": (f"{CONFERENCES}/{CONF}/Participants", "participants", participant()),
    "recordings": (
        f"{CONFERENCES}/{CONF}/Recordings",
        "recordings",
        {"sid": "RE1", "conference_sid": CONF, "account_sid": PROJECT_ID, "status": "completed"},
    ),
}


def page_uri(path: str, page: int | None, *, reorder: bool = False, suffix: str = "") -> str:
    if page is None:
        return f"{path}{suffix}"
    query = f"PageSize=50&Page={page}" if reorder else f"Page={page}&PageSize=50"
    return f"{path}{suffix}?{query}"


#: For each loop shape: the next page's URI, given the path and the page just served (None first).
SHAPES: dict[str, Callable[[str, int | None], str]] = {
    "first-page-again": lambda path, page: page_uri(path, None, suffix=".json"),
    "same-page": lambda path, page: page_uri(path, 1 if page is None else page),
    "two-cycle": lambda path, page: page_uri(path, 2 if page == 1 else 1),
    "three-cycle": lambda path, page: page_uri(path, {None: 1, 1: 2, 2: 3, 3: 1}[page]),
    "same-page-with-json": lambda path, page: page_uri(
        path, 1, suffix=".json" if page == 1 else ""
    ),
    "same-query-reordered": lambda path, page: page_uri(path, 1, reorder=page == 1),
}
#: After this many requests the server gives up and serves a last page, so main's loop ends.
VALVE = 60


def paging_server(shape: Callable[[str, int | None], str], key: str, item: dict[str, Any]):
    def handler(seen: Seen) -> Answer:
        page = int(seen.param("Page")) if seen.param("Page") else None
        path = seen.path.removesuffix(".json")
        next_uri = None if len(server.requests) >= VALVE else shape(path, page)
        return json_answer({key: [item], "next_page_uri": next_uri, "page": page or 0})

    server = HostileServer(handler)
    return server


class TestEndlessPaging:
    @pytest.mark.parametrize("shape", SHAPES)
    @pytest.mark.parametrize("listing", LISTS)
    def test_list_iterator_ends_on_a_repeated_page(
        self, connect: Callable[..., None], listing: str, shape: str
    ) -> None:
        path, key, item = LISTS[listing]
        with paging_server(SHAPES[shape], key, item) as server:
            connect(server.url)
            hook = quick_hook()
            iterate = getattr(hook, f"list_{listing}")
            with pytest.raises(SignalWireResponseError, match="next_page_uri") as caught:
                list(iterate() if listing == "conferences" else iterate(CONF))
            assert len(server.requests) <= 5
            assert path in str(caught.value)

    def test_page_cap_ends_distinct_endless_pages(self, connect: Callable[..., None]) -> None:
        endless = lambda path, page: page_uri(path, (page or 0) + 1)  # noqa: E731
        with paging_server(endless, "conferences", conference()) as server:
            connect(server.url)
            hook = quick_hook(max_pages=5)
            with pytest.raises(SignalWireResponseError, match="5 pages"):
                list(hook.list_conferences())
            assert len(server.requests) == 5

    def test_default_page_cap_is_documented(self) -> None:
        assert SignalWireHook.__doc__ is not None
        assert "max_pages" in SignalWireHook.__doc__

    @pytest.mark.parametrize("shape", ["same-page", "three-cycle"])
    def test_sensor_by_name_ends(self, connect: Callable[..., None], shape: str) -> None:
        with paging_server(SHAPES[shape], "conferences", conference(status="init")) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError, match="next_page_uri"):
                sensor(friendly_name="standup").poke({})  # type: ignore[arg-type]

    @pytest.mark.parametrize("shape", ["first-page-again", "two-cycle", "same-query-reordered"])
    def test_trigger_by_name_ends(self, connect: Callable[..., None], shape: str) -> None:
        with paging_server(SHAPES[shape], "conferences", conference(status="init")) as server:
            connect(server.url)
            event = run_trigger(quick_trigger(friendly_name="standup"))
        assert_error_event(event, "SignalWireResponseError")
        assert "next_page_uri" in event["message"]


# -- 2. bodies that break parsers --------------------------------------------------------------

GOOD = json.dumps(conference()).encode()
HEAD = GOOD[:-1]  # the conference object, still open


def poison(extra: bytes) -> bytes:
    return HEAD + b', "x": ' + extra + b"}"


DEPTH = 200_000
#: Bodies no answer may be taken from, by name.
BODIES: dict[str, Answer] = {
    "deep-arrays": Answer(body=poison(b"[" * DEPTH + b"]" * DEPTH)),
    "deep-objects": Answer(body=poison(b'{"a":' * DEPTH + b"1" + b"}" * DEPTH)),
    "huge-integer": Answer(body=poison(b"9" * 5000)),
    "huge-float": Answer(body=poison(b"1e999")),
    "nan": Answer(body=poison(b"NaN")),
    "negative-infinity": Answer(body=poison(b"-Infinity")),
    "invalid-utf8": Answer(body=poison(b'"\xff\xfe\xfd"')),
    "lone-surrogate-escape": Answer(body=poison(b'"\\ud800"')),
    "utf8-bom": Answer(body=b"\xef\xbb\xbf" + GOOD),
    "utf16": Answer(body=GOOD.decode().encode("utf-16")),
    "duplicate-keys": Answer(body=HEAD + b', "status": "init"}'),
    "trailing-garbage": Answer(body=GOOD + b"}{"),
    "html-content-type": Answer(body=GOOD, headers=[("Content-Type", "text/html")]),
    "plain-content-type": Answer(body=GOOD, headers=[("Content-Type", "text/plain")]),
    "no-content-type": Answer(body=GOOD, headers=[]),
}


class TestBodiesThatBreakParsers:
    @pytest.mark.parametrize("name", BODIES)
    def test_hook(self, connect: Callable[..., None], name: str) -> None:
        answer = BODIES[name]
        with hostile_server(lambda seen: answer) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError):
                quick_hook().get_conference(CONF)

    @pytest.mark.parametrize("name", BODIES)
    def test_trigger(self, connect: Callable[..., None], name: str) -> None:
        with hostile_server(by_sid(BODIES[name])) as server:
            connect(server.url)
            event = run_trigger(quick_trigger())
        assert_error_event(event, "SignalWireResponseError")

    @pytest.mark.parametrize(
        ("status", "error"),
        [
            (400, SignalWireRequestError),
            (404, SignalWireNotFoundError),
            (503, SignalWireServerError),
        ],
    )
    def test_error_status_with_deep_body_keeps_its_class(
        self, connect: Callable[..., None], status: int, error: type[SignalWireError]
    ) -> None:
        body = b'{"message": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"
        with hostile_server(lambda seen: Answer(status=status, body=body)) as server:
            connect(server.url)
            with pytest.raises(error):
                quick_hook(max_attempts=2).get_conference(CONF)

    def test_sensor_with_deep_body(self, connect: Callable[..., None]) -> None:
        answer = BODIES["deep-arrays"]
        with hostile_server(lambda seen: answer) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError):
                sensor(conference_sid=CONF).poke({})  # type: ignore[arg-type]


#: Content-Encoding -> how the body is encoded; both clients must agree on every one.
ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "identity": lambda data: data,
    "gzip": gzip.compress,
    "gzip-two-members": gzip_members,
    "deflate-zlib": zlib.compress,
    "deflate-raw": raw_deflate,
    "x-gzip": gzip_members,
    "GZIP": gzip.compress,
    "br": gzip.compress,
    "compress": zlib.compress,
    "x-unknown": lambda data: data,
    "gzip, gzip": lambda data: gzip.compress(gzip.compress(data)),
}
ACCEPTED = {"identity", "gzip", "gzip-two-members", "deflate-zlib", "deflate-raw", "x-gzip", "GZIP"}


class TestContentEncodings:
    @pytest.mark.parametrize("name", ENCODINGS)
    def test_sync_and_async_agree(self, connect: Callable[..., None], name: str) -> None:
        header = name.split("-")[0] if name.startswith(("gzip-", "deflate-")) else name
        body = ENCODINGS[name](GOOD)
        answer = Answer(
            body=body, headers=[("Content-Type", "application/json"), ("Content-Encoding", header)]
        )
        with hostile_server(by_sid(answer)) as server:
            connect(server.url)
            try:
                sync: Any = quick_hook().get_conference(CONF)
            except SignalWireResponseError:
                sync = "SignalWireResponseError"
            event = run_trigger(quick_trigger())
        if name in ACCEPTED:
            assert sync == conference()
            assert event == {"status": "success", "conference": conference()}
        else:
            assert sync == "SignalWireResponseError"
            assert_error_event(event, "SignalWireResponseError")


class TestInterimAnswers:
    """A proxy or CDN may send ``1xx`` answers before the final one: both clients skip them."""

    @pytest.mark.parametrize("interim", [(103,), (102, 103), (100, 103, 103)])
    def test_sync_and_async_see_the_final_answer(
        self, connect: Callable[..., None], interim: tuple[int, ...]
    ) -> None:
        answer = json_answer(conference(), interim=interim)
        with hostile_server(by_sid(answer)) as server:
            connect(server.url)
            assert quick_hook().get_conference(CONF) == conference()
            event = run_trigger(quick_trigger())
        assert event == {"status": "success", "conference": conference()}

    def test_an_interim_answer_alone_is_no_answer(self, connect: Callable[..., None]) -> None:
        """The connection closes after a ``103``: no complete answer, in both clients alike."""
        answer = Answer(status=103, body=b"", headers=[], framing="close")
        with hostile_server(by_sid(answer)) as server:
            connect(server.url)
            with pytest.raises(SignalWireConnectionError) as caught:
                quick_hook().get_conference(CONF)
            event = run_trigger(quick_trigger())
        assert caught.value.maybe_delivered is True
        assert_error_event(event, "SignalWireConnectionError")


def body_of_exactly(size: int) -> bytes:
    """The conference as JSON, padded to exactly ``size`` bytes."""
    empty = json.dumps({**conference(), "pad": ""}).encode()
    return json.dumps({**conference(), "pad": "a" * (size - len(empty))}).encode()


ESCAPED_TOKEN = "".join(f"\\u{ord(char):04x}" for char in TOKEN)

#: Answers to ``GET`` one conference, each a way to break a client: name -> the answer.
PARITY: dict[str, Answer] = {
    "ok": json_answer(conference()),
    "503 without a reason phrase": Answer(status=503, body=b"busy", headers=[], reason=""),
    "400 with its own reason phrase": Answer(status=400, body=b"", headers=[], reason="Nope Nope"),
    "ok-gzip": Answer(
        body=gzip.compress(GOOD),
        headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
    ),
    "declared-too-large": Answer(
        body=GOOD,
        headers=[("Content-Type", "application/json"), ("Content-Length", "99999999")],
        framing="close",
    ),
    "chunked-too-large": Answer(body=b" " * (9 * 1024 * 1024), framing="chunked"),
    "br": Answer(
        body=GOOD, headers=[("Content-Type", "application/json"), ("Content-Encoding", "br")]
    ),
    "bad-gzip": Answer(
        body=b"not gzip",
        headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
    ),
    "cut-gzip": Answer(
        body=gzip.compress(GOOD)[:-9],
        headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
    ),
    "bad-deflate": Answer(
        body=b"\x00" * 20,
        headers=[("Content-Type", "application/json"), ("Content-Encoding", "deflate")],
    ),
    "html-200": Answer(body=b"<html>hi</html>", headers=[("Content-Type", "text/html")]),
    "json-as-text": Answer(body=GOOD, headers=[("Content-Type", "text/plain")]),
    "array": json_answer([conference()]),
    "deep": Answer(body=b"[" * 100_000 + b"]" * 100_000),
    "nan": Answer(body=b'{"sid": NaN}'),
    "bom": Answer(body=b"\xef\xbb\xbf" + GOOD),
    "invalid-utf8": Answer(body=b'{"sid": "\xff"}'),
    "duplicate-keys": Answer(body=b'{"sid": "a", "sid": "b"}'),
    "other-conference": json_answer(conference(sid=OTHER_CONF)),
    "no-status": json_answer({"sid": CONF}),
    "empty-204": Answer(status=204, body=b""),
    "400-json": json_answer({"code": 21000, "message": "bad", "more_info": "https://x/y"}, 400),
    "401": json_answer({"code": 20003, "message": "Authentication Failed"}, 401),
    "404-errors-list": json_answer({"errors": [{"code": 20404, "message": "nope"}]}, 404),
    "409-html": Answer(status=409, body=b"<html>conflict</html>", headers=[]),
    "422-text": Answer(status=422, body=b"unprocessable", headers=[("Content-Type", "text/plain")]),
    "429-too-long": Answer(status=429, body=b"", headers=[("Retry-After", "600")]),
    "501": Answer(status=501, body=b"<html>no</html>", headers=[]),
    "503-always": Answer(status=503, body=b"", headers=[("Retry-After", "0")]),
    "302": Answer(status=302, body=b"", headers=[("Location", "http://127.0.0.2/x")]),
    "304": Answer(status=304, body=b"", headers=[]),
    "999": Answer(status=999, body=b"{}"),
    "error-too-large": Answer(status=500, body=b"x" * (9 * 1024 * 1024), headers=[]),
    "exactly-the-cap": Answer(body=body_of_exactly(MAX_BODY_BYTES)),
    "one-byte-over-the-cap": Answer(body=body_of_exactly(MAX_BODY_BYTES + 1)),
    "closed-without-answer": Answer(close=True),
    "cut-off-body": Answer(
        body=GOOD,
        headers=[("Content-Type", "application/json"), ("Content-Length", str(len(GOOD) + 10))],
        framing="close",
    ),
    "content-length-superscript": Answer(
        body=GOOD,
        headers=[("Content-Type", "application/json"), ("Content-Length", "\u00b2")],
        framing="close",
    ),
    "content-length-5000-digits": Answer(
        body=GOOD,
        headers=[("Content-Type", "application/json"), ("Content-Length", "9" * 5000)],
        framing="close",
    ),
    "content-length-negative": Answer(
        body=GOOD,
        headers=[("Content-Type", "application/json"), ("Content-Length", "-1")],
        framing="close",
    ),
    "content-length-letters": Answer(
        body=GOOD,
        headers=[("Content-Type", "application/json"), ("Content-Length", "ten")],
        framing="close",
    ),
    "conflicting-content-lengths": Answer(
        body=GOOD,
        headers=[
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(GOOD))),
            ("Content-Length", str(len(GOOD) + 1)),
        ],
        framing="close",
    ),
    "escaped-token-echoed": Answer(
        body=GOOD[:-1] + f', "echo": "{ESCAPED_TOKEN}"}}'.encode(),
    ),
}


def error_report(call: Callable[[], Any]) -> Any:
    """
    What a caller can see of a call's outcome: its result, or everything its error carries.

    A transport failure names the client library's own exception (``ProtocolError`` under
    requests, ``RemoteProtocolError`` under httpx); that one word is left out of the comparison.
    """
    try:
        return ("result", call())
    except SignalWireError as err:
        message = re.sub(r"failed: \w+ \(", "failed: <transport error> (", str(err))
        return (type(err).__name__, message, err.details(), getattr(err, "maybe_delivered", None))


class TestSyncAndAsyncAgree:
    """Both clients turn the same answer into the same result, or the very same error."""

    @pytest.mark.parametrize("name", PARITY)
    def test_same_outcome(self, connect: Callable[..., None], name: str) -> None:
        with hostile_server(lambda seen: PARITY[name]) as server:
            connect(server.url)
            knobs = {"max_attempts": 2, "initial_backoff": 0.0, "max_backoff": 0.0}
            sync = error_report(lambda: SyncClient(**knobs).get_conference(CONF))
            asynchronous = error_report(lambda: AsyncClient(**knobs).get_conference(CONF))
        assert sync == asynchronous
        assert TOKEN not in repr(sync)
        if name.startswith("ok"):
            assert sync == ("result", conference())
        if name == "exactly-the-cap":
            assert sync[0] == "result"
        if name.startswith("content-length-"):  # never a bare ValueError, never retried
            assert sync[0] == "SignalWireResponseError"
        if name == "conflicting-content-lengths":  # a broken answer in transport, retried
            assert sync[0] == "SignalWireConnectionError"
            assert sync[2]["attempts"] == 2
        if name == "closed-without-answer":  # the transport error names the call
            assert sync[0] == "SignalWireConnectionError"
            assert (sync[2]["method"], sync[2]["path"]) == ("GET", f"{CONFERENCES}/{CONF}")
            assert "failed: <transport error> (no complete answer)" in sync[1]

    @pytest.mark.parametrize("drip", ["headers", "body"])
    def test_same_error_for_an_answer_past_its_deadline(
        self, connect: Callable[..., None], drip: str
    ) -> None:
        slow = {"headers": {"head_drip": 0.05}, "body": {"drip": 0.05}}[drip]
        with hostile_server(lambda seen: json_answer(conference(), **slow)) as server:
            connect(server.url, timeout=0.3)
            knobs = {"max_attempts": 1}
            sync = error_report(lambda: SyncClient(**knobs).get_conference(CONF))
            asynchronous = error_report(lambda: AsyncClient(**knobs).get_conference(CONF))
        assert sync == asynchronous
        assert sync[0] == "SignalWireConnectionError"
        assert "within the 0.3s read timeout" in sync[1], sync
        assert (sync[2]["method"], sync[2]["path"]) == ("GET", f"{CONFERENCES}/{CONF}")


# -- 3. one stream's failure never aborts a bulk stop -----------------------------------------

STREAMS = [{"conference_sid": CONF, "stream_sid": f"ST{n}"} for n in range(1, 5)]


def bulk_server(poisoned: Answer) -> HostileServer:
    def handler(seen: Seen) -> Answer:
        sid = seen.path.rsplit("/", 1)[-1]
        return poisoned if sid == "ST2" else json_answer(stream(sid))

    return HostileServer(handler)


class TestBulkStopSurvivesAnyFailure:
    def check(self, operator: StopConferenceStreamsOperator, ti: FakeTaskInstance) -> None:
        with pytest.raises(SignalWireError, match="1 of 4"):
            operator.execute({"ti": ti})  # type: ignore[arg-type]
        outcomes = ti.xcom["stream_outcomes"]
        assert [o["stream_sid"] for o in outcomes] == ["ST1", "ST2", "ST3", "ST4"]
        assert [o.get("status") for o in outcomes] == ["stopped", None, "stopped", "stopped"]
        assert outcomes[1]["error_type"]
        assert_no_secret(json.dumps(outcomes))

    @pytest.mark.parametrize(
        "poisoned",
        [
            pytest.param(BODIES["deep-arrays"], id="deep-nesting"),
            pytest.param(json_answer(stream("ST9")), id="answer-for-another-stream"),
            pytest.param(
                json_answer(stream("ST2", status="in-progress")),
                id="not-stopped",
            ),
            pytest.param(Answer(body=poison(b"NaN")), id="nan"),
            pytest.param(json_answer({}, status=404), id="not-found"),
            pytest.param(Answer(body=b"<html>", headers=[]), id="html"),
        ],
    )
    def test_every_stream_attempted_and_outcomes_pushed(
        self, connect: Callable[..., None], ti: FakeTaskInstance, poisoned: Answer
    ) -> None:
        with bulk_server(poisoned) as server:
            connect(server.url)
            operator = StopConferenceStreamsOperator(
                task_id="bulk", streams=STREAMS, max_concurrency=2, max_attempts=1
            )
            self.check(operator, ti)
            assert sorted(s.path.rsplit("/", 1)[-1] for s in server.requests) == [
                "ST1", "ST2", "ST3", "ST4"
            ]  # fmt: skip

    @pytest.mark.parametrize(
        "exception", [RuntimeError("boom"), KeyError("sid"), RecursionError(), TypeError("x")]
    )
    def test_any_exception_of_one_stream(
        self,
        connect: Callable[..., None],
        ti: FakeTaskInstance,
        monkeypatch: pytest.MonkeyPatch,
        exception: Exception,
    ) -> None:
        with bulk_server(json_answer(stream("ST2"))) as server:
            connect(server.url)
            operator = StopConferenceStreamsOperator(
                task_id="bulk", streams=STREAMS, max_concurrency=2, max_attempts=1
            )
            real = operator.hook.stop_conference_stream

            def stop(conference_sid: str, stream_sid: str, **kwargs: Any) -> dict[str, Any]:
                if stream_sid == "ST2":
                    raise exception
                return real(conference_sid, stream_sid, **kwargs)

            monkeypatch.setattr(operator.hook, "stop_conference_stream", stop)
            self.check(operator, ti)
            assert len(server.requests) == 3


# -- 4. slow answers ---------------------------------------------------------------------------

DRIP = 0.03  # seconds per byte: the conference (~240 bytes) takes ~7 s, its headers ~3 s
SLOW = {
    "body-drip-by-length": Answer(body=GOOD, drip=DRIP),
    "body-drip-chunked": Answer(body=GOOD, drip=DRIP, framing="chunked"),
    "body-drip-until-close": Answer(body=GOOD, drip=DRIP, framing="close"),
    "headers-drip": Answer(body=GOOD, head_drip=2 * DRIP),
    "late-then-drip": Answer(body=GOOD, hang=0.6, drip=DRIP),
}
READ_TIMEOUT = 1.0
#: What a per-attempt deadline allows beyond the read timeout: connect, scheduling, a slow CI.
SLACK = 1.5


def new_watchdogs(before: set[threading.Thread]) -> list[threading.Thread]:
    """The deadline watchdogs started since ``before`` (other tests' hooks may still have theirs)."""
    return [
        t for t in threading.enumerate() if t.name == "signalwire-deadlines" and t not in before
    ]


class TestSlowAnswers:
    @pytest.mark.parametrize("name", SLOW)
    def test_hook_deadline_per_attempt(self, connect: Callable[..., None], name: str) -> None:
        with hostile_server(lambda seen: SLOW[name]) as server:
            connect(server.url, timeout=READ_TIMEOUT)
            started = time.monotonic()
            with pytest.raises(SignalWireConnectionError) as caught:
                quick_hook().get_conference(CONF)
            assert time.monotonic() - started < READ_TIMEOUT + SLACK
        assert str(caught.value) == (
            f"SignalWire request GET {CONFERENCES}/{CONF} to 127.0.0.1:{server.port} failed: "
            "ReadTimeout (no complete answer within the 1s read timeout)"
        )
        assert caught.value.maybe_delivered is True

    @pytest.mark.parametrize("name", SLOW)
    def test_trigger_deadline_per_attempt(self, connect: Callable[..., None], name: str) -> None:
        with hostile_server(lambda seen: SLOW[name]) as server:
            connect(server.url, timeout=READ_TIMEOUT)
            started = time.monotonic()
            event = run_trigger(quick_trigger(), within=30)
            assert time.monotonic() - started < READ_TIMEOUT + SLACK
        assert_error_event(event, "SignalWireConnectionError")

    def test_a_long_lived_hook_keeps_its_deadline_after_idling(
        self, connect: Callable[..., None]
    ) -> None:
        """
        A poke-mode sensor keeps one hook for hours: the watchdog that ends with the last
        deadline must come back for the next call, however long the hook sat idle.
        """
        answers = iter([Answer(body=GOOD), SLOW["body-drip-by-length"], Answer(body=GOOD)])
        with hostile_server(lambda seen: next(answers)) as server:
            connect(server.url, timeout=0.3)
            hook = quick_hook()
            before = set(threading.enumerate())
            assert hook.get_conference(CONF) == conference()
            watchdog = new_watchdogs(before)
            assert len(watchdog) == 1
            watchdog[0].join(5)  # idle past the last deadline: the watchdog is gone
            assert not watchdog[0].is_alive()
            started = time.monotonic()
            with pytest.raises(SignalWireConnectionError, match=r"within the 0\.3s read timeout"):
                hook.get_conference(CONF)
            assert time.monotonic() - started < 0.3 + SLACK
            assert hook.get_conference(CONF) == conference()  # and the hook still works
            assert len(server.requests) == 3

    def test_one_watchdog_serves_every_call_of_a_hook(self, connect: Callable[..., None]) -> None:
        """Back-to-back calls share the running watchdog instead of starting one each."""
        with hostile_server(lambda seen: Answer(body=GOOD)) as server:
            connect(server.url, timeout=5)
            hook = quick_hook()
            before = set(threading.enumerate())
            for _ in range(20):
                hook.get_conference(CONF)
            watchdogs = new_watchdogs(before)
            assert len(watchdogs) == 1
            assert len(server.requests) == 20
            hook.abort()  # a kill ends the watchdog at once, whatever deadline it waits for
            watchdogs[0].join(5)
            assert not watchdogs[0].is_alive()

    def test_each_retry_has_its_own_deadline(self, connect: Callable[..., None]) -> None:
        with hostile_server(lambda seen: SLOW["body-drip-by-length"]) as server:
            connect(server.url, timeout=READ_TIMEOUT)
            started = time.monotonic()
            with pytest.raises(SignalWireConnectionError, match="2 attempts"):
                quick_hook(max_attempts=2).get_conference(CONF)
            assert time.monotonic() - started < 2 * READ_TIMEOUT + SLACK
            assert len(server.requests) == 2

    def test_a_finished_attempt_leaves_no_deadline_on_its_connection(
        self, connect: Callable[..., None], emulator: SignalWireEmulator
    ) -> None:
        """
        The next call reuses the kept-alive connection: the last one's clock must not cut it.

        The first call ends at once; its deadline (had it stayed armed) falls in the middle of
        the second call, which starts half a timeout later and takes 0.6 of one.
        """
        connect(emulator.url, timeout=READ_TIMEOUT)
        hook = quick_hook()
        conference_sid = emulator.demo_conference_sid
        hook.get_conference(conference_sid)
        time.sleep(READ_TIMEOUT / 2)
        emulator.add_fault(Fault(delay=0.6 * READ_TIMEOUT), times=1)

        assert hook.get_conference(conference_sid)["sid"] == conference_sid
        assert len(emulator.requests) == 2

    def test_a_slow_answer_within_the_deadline_succeeds(self, connect: Callable[..., None]) -> None:
        answer = Answer(body=GOOD, drip=0.002)
        with hostile_server(by_sid(answer)) as server:
            connect(server.url, timeout=5)
            assert quick_hook().get_conference(CONF) == conference()
            assert run_trigger(quick_trigger())["conference"] == conference()


# -- 5. killed tasks ---------------------------------------------------------------------------

HANG = Answer(body=GOOD, hang=20)


def operators() -> dict[str, Callable[[], Any]]:
    common: dict[str, Any] = {"max_attempts": 3, "initial_backoff": 0.0, "max_backoff": 0.0}
    return {
        "stop": lambda: StopConferenceStreamOperator(
            task_id="t", conference_sid=CONF, stream_sid="ST1", **common
        ),
        "start": lambda: StartConferenceStreamOperator(
            task_id="t", conference_sid=CONF, url="wss://media.example.com/a", **common
        ),
        "bulk": lambda: StopConferenceStreamsOperator(
            task_id="t", streams=STREAMS, max_concurrency=2, **common
        ),
        "end": lambda: EndConferenceOperator(task_id="t", conference_sid=CONF, **common),
        "update": lambda: UpdateConferenceParticipantOperator(
            task_id="t", conference_sid=CONF, call_sid=CALL, muted=True, **common
        ),
        "remove": lambda: RemoveConferenceParticipantOperator(
            task_id="t", conference_sid=CONF, call_sid=CALL, **common
        ),
        "sensor": lambda: sensor(conference_sid=CONF, poke_interval=0.05, timeout=60),
        "archive": lambda: ConferenceRecordingsToStorageOperator(
            task_id="t", conference_sid=CONF, destination=f"file://{ARCHIVE}", **common
        ),
    }


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``work`` in a daemon thread; the list receives its result or exception."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as err:  # the test inspects whatever ended it
            outcome.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def killed_get_conference(
    before_kill: Callable[[], None], within: float
) -> SignalWireCancelledError:
    """Look a conference up on a thread, kill the hook after ``before_kill``; return the error."""
    hook = quick_hook(max_attempts=3)
    thread, outcome = in_thread(lambda: hook.get_conference(CONF))
    before_kill()
    hook.abort()
    thread.join(within)
    [err] = outcome
    assert isinstance(err, SignalWireCancelledError), err
    assert err.attempts == 1
    return err


class TestKilledTasks:
    @pytest.mark.parametrize("name", list(operators()))
    def test_on_kill_ends_execute_within_2s(
        self, connect: Callable[..., None], ti: FakeTaskInstance, name: str
    ) -> None:
        with hostile_server(lambda seen: HANG) as server:
            connect(server.url, timeout=3)
            task = operators()[name]()
            work = (
                (lambda: task.poke({})) if name == "sensor" else (lambda: task.execute({"ti": ti}))
            )
            thread, outcome = in_thread(work)
            server.wait_for_request()
            asked = len(server.requests)
            started = time.monotonic()
            task.on_kill()
            thread.join(5)
            assert time.monotonic() - started < 2.0
            assert not thread.is_alive()
            time.sleep(0.3)
            killed = outcome[0]
            if name == "bulk":  # the batch fails after pushing its outcomes, each one killed
                assert str(killed) == "4 of 4 streams could not be stopped."
                outcomes = ti.xcom["stream_outcomes"]
                killed_types = {o["error_type"] for o in outcomes}
                assert killed_types == {"SignalWireCancelledError"}
                # Several threads send at once: the server may see a request that left just
                # before the kill only after the kill. Every request it saw was cut off in
                # flight; every other one was never sent.
                in_flight = [
                    o for o in outcomes if o["error"].endswith(" cut off: the task was killed")
                ]
                assert len(server.requests) == len(in_flight) >= asked
                assert len(outcomes) - len(in_flight) == sum(
                    o["error"].endswith(" not sent: the task was killed") for o in outcomes
                )
            else:
                assert len(server.requests) == asked  # no new request after the kill
                assert isinstance(killed, SignalWireCancelledError), killed
                assert killed.maybe_delivered is True
                assert killed.method in {"GET", "POST", "DELETE"}
                assert killed.path is not None and killed.path.startswith(ROOT)
                assert str(killed).endswith(" cut off: the task was killed"), killed
                assert killed.attempts == 1  # never retried
            assert_no_secret(leak_surface(killed))

    def test_archive_on_kill_ends_a_stalled_download(
        self, connect: Callable[..., None], ti: FakeTaskInstance, tmp_path: Path
    ) -> None:
        """A media file that stops arriving mid-body: on_kill ends it, its temporary file goes."""
        recording = "RE" + "0a1b2c3d" * 4
        media = b"RIFF" + b"\x00" * 96

        def handler(seen: Seen) -> Answer:
            if seen.path.endswith("/Recordings"):
                item = {"sid": recording, "conference_sid": CONF, "status": "completed"}
                return json_answer({"recordings": [item], "next_page_uri": None})
            return Answer(body=media, headers=[("Content-Type", "audio/wav")], drip=0.2)

        with hostile_server(handler) as server:
            connect(server.url, timeout=3)
            task = ConferenceRecordingsToStorageOperator(
                task_id="t", conference_sid=CONF, destination=f"file://{tmp_path}"
            )
            thread, outcome = in_thread(lambda: task.execute({"ti": ti}))
            server.wait_for_request(2)
            time.sleep(0.5)  # a few bytes are in the temporary file
            started = time.monotonic()
            task.on_kill()
            thread.join(5)
            assert time.monotonic() - started < 2.0
            time.sleep(0.3)
            assert len(server.requests) == 2  # the listing and the one download, not retried
        assert str(outcome[0]) == f"1 of 1 recordings of conference {CONF} could not be archived."
        [archived] = ti.xcom["archived"]
        assert archived["error_type"] == "DownloadCancelledError"
        assert archived["error"].endswith("the task is stopping; download dropped")
        assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

    @pytest.mark.parametrize("safety_net", ["abort", "cancel"])
    def test_each_archive_kill_safety_net_ends_a_download_on_its_own(
        self,
        connect: Callable[..., None],
        ti: FakeTaskInstance,
        tmp_path: Path,
        safety_net: str,
    ) -> None:
        """
        on_kill has two nets: the hook's abort (cuts the socket) and the archive's cancel event
        (the next write refuses). Each, alone, ends the download (which would otherwise complete
        in about 2 s) and drops its temporary file; the outcome says the task is stopping.
        """
        recording = "RE" + "0a1b2c3d" * 4

        def handler(seen: Seen) -> Answer:
            if seen.path.endswith("/Recordings"):
                item = {"sid": recording, "conference_sid": CONF, "status": "completed"}
                return json_answer({"recordings": [item], "next_page_uri": None})
            return Answer(
                body=b"RIFF" + b"\x00" * 96, headers=[("Content-Type", "audio/wav")], drip=0.02
            )

        with hostile_server(handler) as server:
            connect(server.url, timeout=30)
            task = ConferenceRecordingsToStorageOperator(
                task_id="t", conference_sid=CONF, destination=f"file://{tmp_path}"
            )
            thread, outcome = in_thread(lambda: task.execute({"ti": ti}))
            server.wait_for_request(2)  # the download is in flight
            if safety_net == "abort":
                task.hook.abort()
            else:
                assert task._cancel is not None
                task._cancel.set()
            thread.join(10)
            assert not thread.is_alive()
            assert len(server.requests) == 2  # never retried
        [archived] = ti.xcom["archived"]
        assert archived["error_type"] == "DownloadCancelledError", archived
        assert archived["error"].endswith("the task is stopping; download dropped")
        assert str(outcome[0]) == f"1 of 1 recordings of conference {CONF} could not be archived."
        assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

    def test_bulk_on_kill_pushes_the_outcomes_it_has(
        self, connect: Callable[..., None], ti: FakeTaskInstance
    ) -> None:
        def handler(seen: Seen) -> Answer:
            sid = seen.path.rsplit("/", 1)[-1]
            return HANG if sid != "ST1" else json_answer(stream("ST1"))

        streams = [{"conference_sid": CONF, "stream_sid": f"ST{n}"} for n in range(1, 9)]
        with hostile_server(handler) as server:
            connect(server.url, timeout=3)
            task = StopConferenceStreamsOperator(
                task_id="t", streams=streams, max_concurrency=1, max_attempts=1
            )
            thread, outcome = in_thread(lambda: task.execute({"ti": ti}))
            server.wait_for_request(2)
            task.on_kill()
            thread.join(3)
            assert not thread.is_alive()
            assert len(server.requests) == 2
            assert isinstance(outcome[0], SignalWireError)
            outcomes = ti.xcom["stream_outcomes"]
            assert [o["stream_sid"] for o in outcomes] == [s["stream_sid"] for s in streams]
            assert outcomes[0]["status"] == "stopped"
            assert outcomes[1]["error"].endswith(" cut off: the task was killed")
            assert all(o["error"].endswith(" not sent: the task was killed") for o in outcomes[2:])

    def test_sigterm_in_the_main_thread(
        self, connect: Callable[..., None], ti: FakeTaskInstance
    ) -> None:
        """What Airflow's task runner does: SIGTERM calls ``on_kill`` in the main thread."""
        with hostile_server(lambda seen: HANG) as server:
            connect(server.url, timeout=3)
            task = operators()["stop"]()
            previous = signal.signal(signal.SIGTERM, lambda signum, frame: task.on_kill())
            timer = threading.Thread(
                target=lambda: (server.wait_for_request(), os.kill(os.getpid(), signal.SIGTERM)),
                daemon=True,
            )
            try:
                timer.start()
                started = time.monotonic()
                with pytest.raises(SignalWireCancelledError, match="cut off: the task was killed"):
                    task.execute({"ti": ti})  # type: ignore[arg-type]
                assert time.monotonic() - started < 2.0
                assert len(server.requests) == 1
            finally:
                timer.join(5)
                signal.signal(signal.SIGTERM, previous)

    @pytest.mark.parametrize("name", ["bulk", "stop"])
    def test_execution_timeout_ends_the_task_within_the_attempt(
        self, connect: Callable[..., None], ti: FakeTaskInstance, name: str
    ) -> None:
        """What Airflow does for ``execution_timeout``: SIGALRM in the main thread, then on_kill."""
        from airflow.sdk.execution_time.timeout import timeout

        try:
            from airflow.sdk.exceptions import AirflowTaskTimeout
        except ImportError:  # Airflow 3.1: the timeout raises the core exception
            from airflow.exceptions import AirflowTaskTimeout  # type: ignore[no-redef]

        slow = Answer(body=json.dumps(stream("ST1")).encode(), hang=4)
        with hostile_server(lambda seen: slow) as server:
            connect(server.url, timeout=3)
            task = operators()[name]()
            started = time.monotonic()

            def run_with_timeout() -> None:
                try:
                    with timeout(1):
                        task.execute({"ti": ti})
                finally:
                    task.on_kill()

            with pytest.raises(AirflowTaskTimeout):
                run_with_timeout()
            assert time.monotonic() - started < 2.0
            assert len(server.requests) <= 2

    def test_trigger_cancelled_at_any_point_closes_its_client(
        self, connect: Callable[..., None], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        clients: list[httpx.AsyncClient] = []
        real_init = httpx.AsyncClient.__init__

        def init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
            real_init(self, *args, **kwargs)
            clients.append(self)

        monkeypatch.setattr(httpx.AsyncClient, "__init__", init)
        with hostile_server(lambda seen: well(seen, status="init")) as server:
            connect(server.url)
            for delay in (0.0, 0.001, 0.003, 0.006, 0.01, 0.02, 0.04, 0.08, 0.3):

                async def cancel_after(delay: float = delay) -> None:
                    task = asyncio.ensure_future(anext(quick_trigger(poll_interval=5).run()))
                    await asyncio.sleep(delay)
                    task.cancel()
                    with pytest.raises(asyncio.CancelledError):
                        await task
                    await asyncio.sleep(0.2)  # whatever a worker thread still builds

                asyncio.run(cancel_after())
                assert [c for c in clients if not c.is_closed] == [], f"cancelled at {delay}s"
            assert server.wait_until_idle()

    def test_a_killed_hook_sends_nothing_more(self, connect: Callable[..., None]) -> None:
        with hostile_server(lambda seen: json_answer(conference())) as server:
            connect(server.url)
            hook = quick_hook(max_attempts=3)
            hook.abort()
            with pytest.raises(SignalWireCancelledError) as caught:
                hook.get_conference(CONF)
            assert server.requests == []
        assert str(caught.value) == (
            f"SignalWire request GET {CONFERENCES}/{CONF} to 127.0.0.1:{server.port} not sent: "
            "the task was killed"
        )
        assert (caught.value.method, caught.value.path) == ("GET", f"{CONFERENCES}/{CONF}")
        assert caught.value.maybe_delivered is False
        assert caught.value.attempts == 1

    def test_a_kill_while_connecting_says_nothing_was_sent(
        self, connect: Callable[..., None]
    ) -> None:
        """The connect cannot be cut (a known limit): it ends at its timeout, as not sent."""
        with full_backlog_listener() as port:
            connect(f"http://127.0.0.1:{port}", connect_timeout=0.5)
            err = killed_get_conference(lambda: time.sleep(0.1), within=3.0)
        assert str(err) == (
            f"SignalWire request GET {CONFERENCES}/{CONF} to 127.0.0.1:{port} not sent: "
            "the task was killed"
        )
        assert err.maybe_delivered is False

    def test_a_kill_ending_a_body_read_until_close_is_no_answer(
        self, connect: Callable[..., None]
    ) -> None:
        """Shutting the socket ends a close-framed body early: that is a kill, not an answer."""
        answer = json_answer(conference(), framing="close", drip=0.02)
        with hostile_server(lambda seen: answer) as server:
            connect(server.url, timeout=5)

            def mid_body() -> None:
                server.wait_for_request()
                time.sleep(0.2)

            err = killed_get_conference(mid_body, within=2.0)
            assert len(server.requests) == 1
        assert str(err) == (
            f"SignalWire request GET {CONFERENCES}/{CONF} to 127.0.0.1:{server.port} cut off: "
            "the task was killed"
        )
        assert err.maybe_delivered is True

    def test_trigger_cancelled_mid_request_closes_the_connection(
        self, connect: Callable[..., None]
    ) -> None:
        with hostile_server(lambda seen: HANG) as server:
            connect(server.url)

            async def cancel_mid_request() -> None:
                task = asyncio.ensure_future(anext(quick_trigger().run()))
                while not server.requests:
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

            asyncio.run(cancel_mid_request())
            assert server.wait_until_idle(2.0)


# -- 6. answers that don't match the request ---------------------------------------------------


class TestAnswersThatDontMatch:
    @pytest.mark.parametrize(
        ("asked", "answer"),
        [
            pytest.param("ST1", stream("ST9", name="other"), id="another-stream"),
            pytest.param("recorder", stream("ST9", name="other"), id="another-name"),
            pytest.param("ST1", stream("ST1", status="in-progress"), id="in-progress"),
            pytest.param("ST1", stream("ST1", status="queued"), id="queued"),
            pytest.param("ST1", {**stream("ST1"), "status": None}, id="status-null"),
            pytest.param("ST1", {"sid": "ST1"}, id="status-missing"),
            pytest.param("ST1", {**stream("ST1"), "sid": 1}, id="sid-not-a-string"),
            pytest.param("ST1", {"status": "stopped"}, id="no-sid-no-name"),
        ],
    )
    def test_stop(
        self, connect: Callable[..., None], ti: FakeTaskInstance, asked: str, answer: Any
    ) -> None:
        with hostile_server(lambda seen: json_answer(answer)) as server:
            connect(server.url)
            task = StopConferenceStreamOperator(
                task_id="t", conference_sid=CONF, stream_sid=asked, max_attempts=1
            )
            with pytest.raises(SignalWireResponseError):
                task.execute({"ti": ti})  # type: ignore[arg-type]
        assert ti.xcom == {}

    @pytest.mark.parametrize(
        ("asked", "answer"),
        [
            pytest.param("ST1", stream("ST1", name="x"), id="by-sid"),
            pytest.param("recorder", stream("ST7", name="recorder"), id="by-name"),
        ],
    )
    def test_stop_answer_matching_by_sid_or_name(
        self, connect: Callable[..., None], ti: FakeTaskInstance, asked: str, answer: Any
    ) -> None:
        with hostile_server(lambda seen: json_answer(answer)) as server:
            connect(server.url)
            task = StopConferenceStreamOperator(
                task_id="t", conference_sid=CONF, stream_sid=asked, max_attempts=1
            )
            assert task.execute({"ti": ti}) == answer  # type: ignore[arg-type]
        assert ti.xcom == {"stream_status": "stopped"}

    @pytest.mark.parametrize(
        "answer",
        [
            pytest.param({k: v for k, v in stream("x").items() if k != "sid"}, id="no-sid"),
            pytest.param({**stream("x", status="in-progress"), "sid": None}, id="sid-null"),
            pytest.param({**stream("x", status="in-progress"), "sid": ""}, id="sid-empty"),
            pytest.param({**stream("x", status="in-progress"), "sid": 42}, id="sid-number"),
            pytest.param({"sid": "ST1"}, id="no-status"),
        ],
    )
    def test_start(self, connect: Callable[..., None], ti: FakeTaskInstance, answer: Any) -> None:
        with hostile_server(lambda seen: json_answer(answer, status=201)) as server:
            connect(server.url)
            task = StartConferenceStreamOperator(
                task_id="t", conference_sid=CONF, url="wss://media.example.com/a", max_attempts=1
            )
            with pytest.raises(SignalWireResponseError):
                task.execute({"ti": ti})  # type: ignore[arg-type]
        assert ti.xcom == {}

    CONFERENCE_ANSWERS = [
        pytest.param(conference(sid=OTHER_CONF), id="another-conference"),
        pytest.param({**conference(), "status": None}, id="status-null"),
        pytest.param({**conference(), "status": 3}, id="status-number"),
        pytest.param({k: v for k, v in conference().items() if k != "sid"}, id="no-sid"),
    ]

    @pytest.mark.parametrize("answer", CONFERENCE_ANSWERS)
    def test_get_conference(self, connect: Callable[..., None], answer: Any) -> None:
        with hostile_server(lambda seen: json_answer(answer)) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError):
                quick_hook().get_conference(CONF)

    @pytest.mark.parametrize("answer", CONFERENCE_ANSWERS[:1])
    def test_sensor(self, connect: Callable[..., None], answer: Any) -> None:
        with hostile_server(lambda seen: json_answer(answer)) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError):
                sensor(conference_sid=CONF).poke({})  # type: ignore[arg-type]

    @pytest.mark.parametrize("answer", CONFERENCE_ANSWERS)
    def test_trigger(self, connect: Callable[..., None], answer: Any) -> None:
        with hostile_server(by_sid(json_answer(answer))) as server:
            connect(server.url)
            event = run_trigger(quick_trigger())
        assert_error_event(event, "SignalWireResponseError")

    def test_end_conference(self, connect: Callable[..., None], ti: FakeTaskInstance) -> None:
        with hostile_server(lambda seen: json_answer(conference(sid=OTHER_CONF))) as server:
            connect(server.url)
            task = EndConferenceOperator(task_id="t", conference_sid=CONF, max_attempts=1)
            with pytest.raises(SignalWireResponseError):
                task.execute({"ti": ti})  # type: ignore[arg-type]
        assert ti.xcom == {}

    def test_no_content_where_an_object_is_due(self, connect: Callable[..., None]) -> None:
        with hostile_server(lambda seen: Answer(status=204, headers=[])) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError) as caught:
                quick_hook().get_conference(CONF)
        assert str(caught.value) == f"SignalWire answered GET {CONFERENCES}/{CONF} without a body"
        assert (caught.value.method, caught.value.path) == ("GET", f"{CONFERENCES}/{CONF}")

    def test_update_participant(self, connect: Callable[..., None]) -> None:
        other = participant("CA99999999999999999999999999999999")
        with hostile_server(lambda seen: json_answer(other)) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError):
                quick_hook().update_participant(CONF, CALL, muted=True)

    @pytest.mark.parametrize(
        "item",
        [
            pytest.param({"status": "init"}, id="no-sid"),
            pytest.param("CF1", id="not-an-object"),
            pytest.param({"sid": ["CF1"], "status": "init"}, id="sid-a-list"),
        ],
    )
    def test_listed_items(self, connect: Callable[..., None], item: Any) -> None:
        page = {"conferences": [conference(), item], "next_page_uri": None}
        with hostile_server(lambda seen: json_answer(page)) as server:
            connect(server.url)
            with pytest.raises(SignalWireResponseError):
                list(quick_hook().list_conferences())


# -- 7. Retry-After ----------------------------------------------------------------------------


def http_date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


def rate_limited_once(value: str, status: int = 429) -> Callable[[Seen], Answer]:
    seen_before: list[Seen] = []

    def handler(seen: Seen) -> Answer:
        seen_before.append(seen)
        if len(seen_before) == 1:
            headers = [("Content-Type", "application/json"), ("Retry-After", value)]
            return json_answer({"code": 20429, "message": "slow down"}, status, headers=headers)
        return well(seen)

    return handler


INITIAL = 0.5
IGNORED = [
    "-5", "-0.5", "0", "0.0", "-0", "nan", "NaN", "inf", "-inf", "1e999", "past-date", "soon", "5 seconds", "0x10", "",
]  # fmt: skip


class TestRetryAfter:
    @pytest.mark.parametrize(
        "value",
        IGNORED,
    )
    @pytest.mark.parametrize("status", [429, 503])
    def test_bad_values_are_ignored(
        self, connect: Callable[..., None], value: str, status: int
    ) -> None:
        header = http_date(-3600) if value == "past-date" else value
        with hostile_server(rate_limited_once(header, status)) as server:
            connect(server.url)
            hook = quick_hook(max_attempts=2, initial_backoff=INITIAL, max_backoff=30)
            waits = record_sleeps(hook)
            assert hook.get_conference(CONF) == conference()
        [wait] = waits
        assert INITIAL <= wait <= 2 * INITIAL  # the exponential backoff, with its jitter

    @pytest.mark.parametrize(
        ("value", "asked"),
        [("0.01", 0.01), ("1", 1.0), ("119.5", 119.5), ("120", 120.0), ("120.0", 120.0)],
    )
    def test_up_to_120s_is_honoured(
        self, connect: Callable[..., None], value: str, asked: float
    ) -> None:
        with hostile_server(rate_limited_once(value)) as server:
            connect(server.url)
            hook = quick_hook(max_attempts=2, initial_backoff=INITIAL)
            waits = record_sleeps(hook)
            assert hook.get_conference(CONF) == conference()
        [wait] = waits
        assert asked <= wait <= asked * 1.05 + 1e-9

    def test_a_date_is_honoured(self, connect: Callable[..., None]) -> None:
        with hostile_server(rate_limited_once(http_date(60))) as server:
            connect(server.url)
            hook = quick_hook(max_attempts=2, initial_backoff=INITIAL)
            waits = record_sleeps(hook)
            hook.get_conference(CONF)
        [wait] = waits
        assert 57 <= wait <= 61 * 1.05

    @pytest.mark.parametrize("value", ["120.01", "121", "1e3", "99999999999", "far-date"])
    def test_above_120s_fails_at_once(self, connect: Callable[..., None], value: str) -> None:
        header = http_date(86400) if value == "far-date" else value
        with hostile_server(rate_limited_once(header)) as server:
            connect(server.url)
            hook = quick_hook(max_attempts=3)
            waits = record_sleeps(hook)
            with pytest.raises(SignalWireRateLimitError):
                hook.get_conference(CONF)
            assert len(server.requests) == 1
        assert waits == []

    @pytest.mark.parametrize("value", ["-5", "0", "nan", "past-date"])
    def test_trigger_ignores_bad_values(self, connect: Callable[..., None], value: str) -> None:
        """A real, short backoff: the retry must come no sooner than ``initial_backoff``."""
        header = http_date(-3600) if value == "past-date" else value
        with hostile_server(rate_limited_once(header)) as server:
            connect(server.url)
            event = run_trigger(quick_trigger(max_attempts=2, initial_backoff=0.2, max_backoff=5))
            first, second = server.requests
        assert event["status"] == "success"
        assert second.at - first.at >= 0.2


# -- 8. derived secrets --------------------------------------------------------------------------


def json_escaped(text: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in text)


#: How a server or proxy echoes what it received: name -> (status, body from the request).
ECHOES: dict[str, Callable[[Seen], tuple[int, bytes]]] = {
    "authorization-in-message": lambda seen: (
        401,
        json.dumps({"code": 20003, "message": f"bad {seen.headers['authorization']}"}).encode(),
    ),
    "token-in-more-info": lambda seen: (
        400,
        json.dumps({"message": "no", "more_info": f"https://x/?t={TOKEN}"}).encode(),
    ),
    "token-as-code": lambda seen: (422, json.dumps({"code": TOKEN, "message": "x"}).encode()),
    "basic-in-errors-list": lambda seen: (
        400,
        json.dumps({"errors": [{"message": BASIC, "code": 1}, TOKEN]}).encode(),
    ),
    "json-escaped-token": lambda seen: (
        403,
        ('{"message": "' + json_escaped(f"Basic {BASIC}") + '"}').encode(),
    ),
    "html-echo": lambda seen: (
        404,
        f"<html>Authorization: {seen.headers['authorization']}</html>".encode(),
    ),
}


class TestDerivedSecrets:
    @pytest.mark.parametrize(
        "pad",
        [0, OFF_LOOP_BYTES],
        ids=["a small answer", "an answer large enough to be decoded off the event loop"],
    )
    def test_the_async_client_scrubs_the_secrets_of_its_call(self, pad: int) -> None:
        """Values sent in one call (a bearer token) are scrubbed like the connection's own."""
        echo = json_answer({**conference(), "echo": f"Bearer {BEARER}", "pad": "a" * pad})
        with hostile_server(lambda seen: echo) as server:

            async def get() -> dict[str, Any] | None:
                async with async_client(server.url, timeout=5.0) as client:
                    path = f"{CONFERENCES}/{CONF}"
                    return await client.request("GET", path, secrets=(BEARER,))

            result = asyncio.run(get())
        assert result is not None
        assert result["echo"] == "Bearer ***"

    @pytest.mark.parametrize("echo", ECHOES)
    def test_operator_error_and_logs(
        self,
        connect: Callable[..., None],
        ti: FakeTaskInstance,
        caplog: pytest.LogCaptureFixture,
        echo: str,
    ) -> None:
        def handler(seen: Seen) -> Answer:
            status, body = ECHOES[echo](seen)
            return Answer(status=status, body=body)

        with hostile_server(handler) as server, caplog.at_level(logging.DEBUG):
            connect(server.url)
            task = StopConferenceStreamOperator(
                task_id="t", conference_sid=CONF, stream_sid="ST1", max_attempts=1
            )
            with pytest.raises(SignalWireError) as caught:
                task.execute({"ti": ti})  # type: ignore[arg-type]
        assert_no_secret(leak_surface(caught.value))
        assert_no_secret(caplog.text)

    @pytest.mark.parametrize("echo", list(ECHOES)[:3])
    def test_bulk_outcomes(
        self, connect: Callable[..., None], ti: FakeTaskInstance, echo: str
    ) -> None:
        def handler(seen: Seen) -> Answer:
            status, body = ECHOES[echo](seen)
            return Answer(status=status, body=body)

        with hostile_server(handler) as server:
            connect(server.url)
            task = StopConferenceStreamsOperator(task_id="t", streams=STREAMS[:2], max_attempts=1)
            with pytest.raises(SignalWireError) as caught:
                task.execute({"ti": ti})  # type: ignore[arg-type]
        assert_no_secret(json.dumps(ti.xcom))
        assert_no_secret(leak_surface(caught.value))

    @pytest.mark.parametrize(
        "echo",
        [pytest.param(echo) for echo in ECHOES],
    )
    def test_trigger_event(self, connect: Callable[..., None], echo: str) -> None:
        def handler(seen: Seen) -> Answer:
            status, body = ECHOES[echo](seen)
            return Answer(status=status, body=body)

        with hostile_server(handler) as server:
            connect(server.url)
            event = run_trigger(quick_trigger())
        assert event["status"] == "error"
        assert_no_secret(json.dumps(event))

    @pytest.mark.parametrize("where", ["error-raw", "error-percent-encoded", "success-object"])
    def test_bearer_token_echoed(
        self, connect: Callable[..., None], ti: FakeTaskInstance, where: str
    ) -> None:
        def handler(seen: Seen) -> Answer:
            received = seen.field("AuthorizationBearerToken")
            if where == "error-raw":
                return json_answer({"message": f"bad token {received}"}, status=400)
            if where == "error-percent-encoded":
                return Answer(
                    status=400, body=b"echo: AuthorizationBearerToken=" + received.encode()
                )
            return json_answer({**stream("ST5", status="in-progress"), "token": received}, 201)

        with hostile_server(handler) as server:
            connect(server.url)
            task = StartConferenceStreamOperator(
                task_id="t",
                conference_sid=CONF,
                url="wss://media.example.com/a",
                authorization_bearer_token=BEARER + "+/=",
                max_attempts=1,
            )
            secrets = (*SECRETS, BEARER)
            try:
                result = task.execute({"ti": ti})  # type: ignore[arg-type]
            except SignalWireError as err:
                assert where != "success-object"
                assert_no_secret(leak_surface(err), secrets)
            else:
                assert_no_secret(json.dumps(result), secrets)
        assert_no_secret(json.dumps(ti.xcom), secrets)

    @pytest.mark.parametrize(
        "token", ["tök€n-LEAKCHECK-1", "токен-LEAKCHECK-2", "tok\u2028en-LEAKCHECK"]
    )
    def test_token_outside_latin1(
        self, connect: Callable[..., None], ti: FakeTaskInstance, token: str
    ) -> None:
        with hostile_server(lambda seen: json_answer(conference())) as server:
            connect(server.url, token=token)
            with pytest.raises(SignalWireValidationError) as caught:
                quick_hook().get_conference(CONF)
            assert_no_secret(leak_surface(caught.value), (token,))
            event = run_trigger(quick_trigger())
            assert_error_event(event, "SignalWireValidationError")
            assert_no_secret(json.dumps(event), (token,))
            assert server.requests == []


# -- 9. gateways ---------------------------------------------------------------------------------


def gateway_then_404(first: int | None) -> Callable[[Seen], Answer]:
    seen_before: list[Seen] = []

    def handler(seen: Seen) -> Answer:
        seen_before.append(seen)
        if len(seen_before) == 1 and first is not None:
            return Answer(status=first, body=b"<html>Bad Gateway</html>", headers=[])
        return json_answer({"code": 20404, "message": "not found"}, status=404)

    return handler


class TestGateways:
    @pytest.mark.parametrize("first", [502, 504])
    def test_stop_after_gateway_error_then_404_is_stopped(
        self, connect: Callable[..., None], ti: FakeTaskInstance, first: int
    ) -> None:
        with hostile_server(gateway_then_404(first)) as server:
            connect(server.url)
            task = StopConferenceStreamOperator(
                task_id="t", conference_sid=CONF, stream_sid="ST1", max_attempts=2,
                initial_backoff=0.0, max_backoff=0.0,
            )  # fmt: skip
            result = task.execute({"ti": ti})  # type: ignore[arg-type]
            assert len(server.requests) == 2
        assert result["status"] == "stopped"
        assert ti.xcom["stream_status"] == "stopped"

    @pytest.mark.parametrize(
        ("first", "delete"), [(502, "remove_participant"), (504, "delete_recording")]
    )
    def test_delete_after_gateway_error_then_404_is_done(
        self,
        connect: Callable[..., None],
        first: int,
        delete: str,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        sid, kind = ("RE1", "Recording") if "recording" in delete else (CALL, "Participant")
        with hostile_server(gateway_then_404(first)) as server:
            connect(server.url)
            hook = quick_hook(max_attempts=2)
            console(capfd)
            assert getattr(hook, delete)(CONF, sid) is None
            assert len(server.requests) == 2
        # Said once, naming what was taken as deleted, not hidden as a plain success.
        assert [line for line in logged(console(capfd)) if "lost answer" in line[1]] == [
            (
                "warning",
                f"{kind} {sid} of conference {CONF} was gone after a lost answer to an earlier"
                " attempt: taken as done",
            )
        ]

    @pytest.mark.parametrize("call", ["stop", "remove_participant", "delete_recording"])
    def test_refused_attempt_then_404_is_not_found(
        self, connect: Callable[..., None], call: str
    ) -> None:
        server = HostileServer(gateway_then_404(None))  # bound, not listening: refused
        try:
            connect(server.url)
            hook = quick_hook(max_attempts=2)
            record_sleeps(hook, then=server.start)
            if call == "stop":
                action = lambda: hook.stop_conference_stream(CONF, "ST1")  # noqa: E731
            else:
                action = lambda: getattr(hook, call)(CONF, "RE1" if "recording" in call else CALL)  # noqa: E731
            with pytest.raises(SignalWireNotFoundError):
                action()
            assert len(server.requests) == 1
        finally:
            server.stop()

    @pytest.mark.parametrize("first", [500, 503])
    def test_other_5xx_then_404_is_not_found(
        self, connect: Callable[..., None], first: int
    ) -> None:
        with hostile_server(gateway_then_404(first)) as server:
            connect(server.url)
            with pytest.raises(SignalWireNotFoundError):
                quick_hook(max_attempts=2).stop_conference_stream(CONF, "ST1")


#: First answers that miss the read timeout after the request arrived (and was applied).
LATE = {
    "no-answer": Answer(body=json.dumps(stream("ST1")).encode(), hang=10),
    "body-framed-by-close": Answer(
        body=json.dumps(stream("ST1")).encode().ljust(200), framing="close", drip=0.1
    ),
}


def deadline_then_404(seen: list[Seen], late: str) -> Callable[[Seen], Answer]:
    """Let the first answer miss the read timeout (the stop was applied), then answer 404."""

    def handler(request: Seen) -> Answer:
        seen.append(request)
        if len(seen) == 1:
            return LATE[late]
        return json_answer({"code": 20404, "message": "not found"}, status=404)

    return handler


@pytest.mark.parametrize("late", LATE)
class TestDeadlineThenNotFound:
    """An attempt cut by the read timeout had been sent: a retry's 404 means it did the job."""

    def test_the_hook_takes_the_stop_as_done(self, connect: Callable[..., None], late: str) -> None:
        seen: list[Seen] = []
        with hostile_server(deadline_then_404(seen, late)) as server:
            connect(server.url, timeout=READ_TIMEOUT)
            stopped = quick_hook(max_attempts=2).stop_conference_stream(CONF, "ST1")
        assert stopped["status"] == "stopped"
        assert len(seen) == 2

    def test_the_async_client_reports_the_404_after_a_lost_answer(self, late: str) -> None:
        seen: list[Seen] = []
        with hostile_server(deadline_then_404(seen, late)) as server:

            async def stop() -> None:
                async with async_client(server.url, timeout=READ_TIMEOUT, max_attempts=2) as client:
                    await client.request("POST", f"{CONFERENCES}/{CONF}/Streams/ST1")

            with pytest.raises(SignalWireNotFoundError) as caught:
                asyncio.run(stop())
        assert caught.value.after_lost_response is True
        assert len(seen) == 2


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.cancelling() is new in Python 3.11")
class TestAsyncDeadlineAndTheTask:
    """
    The async deadline cancels its own task: it must take back exactly that cancellation.

    Python counts a task's pending cancellations (``Task.cancelling()``); ``asyncio.timeout`` and
    task groups rely on the count. A deadline that left its cancellation counted, took back a
    cancellation it did not make, or kept a clock running after its attempt would break the
    coroutine that made the call.
    """

    def test_a_deadline_takes_its_cancellation_back(self) -> None:
        with hostile_server(lambda seen: Answer(body=GOOD, hang=10)) as server:

            async def call() -> int:
                async with async_client(server.url, timeout=0.3) as client:
                    with pytest.raises(SignalWireConnectionError, match="read timeout"):
                        await client.request("GET", f"{CONFERENCES}/{CONF}")
                task = asyncio.current_task()
                assert task is not None
                return task.cancelling()

            assert asyncio.run(call()) == 0

    def test_a_cancellation_from_outside_stays_one(self) -> None:
        with hostile_server(lambda seen: Answer(body=GOOD, hang=10)) as server:
            counted: list[int] = []

            async def call() -> None:
                async with async_client(server.url, timeout=10.0) as client:
                    try:
                        await client.request("GET", f"{CONFERENCES}/{CONF}")
                    except asyncio.CancelledError:
                        task = asyncio.current_task()
                        assert task is not None
                        counted.append(task.cancelling())
                        raise

            async def cancel_while_waiting() -> None:
                task = asyncio.ensure_future(call())
                await asyncio.to_thread(server.wait_for_request)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

            asyncio.run(cancel_while_waiting())
        assert counted == [1]

    def test_a_finished_attempt_leaves_no_clock_running(self) -> None:
        with hostile_server(by_sid(Answer(body=GOOD))) as server:

            async def call_then_wait() -> dict[str, Any] | None:
                async with async_client(server.url, timeout=0.3) as client:
                    answer = await client.request("GET", f"{CONFERENCES}/{CONF}")
                    await asyncio.sleep(0.8)  # a clock left running would cancel this sleep
                    return answer

            assert asyncio.run(call_then_wait()) == conference()


# -- 10. Space URL -------------------------------------------------------------------------------

BAD_SPACES = [
    "https://example.signalwire.com:0",
    "127.0.0.1:0",
    "http://127.0.0.1:0",
    "example.signalwire.com:65536",
    "example.signalwire.com:99999",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    "127.1",
    "999.999.999.999",
    "0x7f.0.0.1",
    "01.2.3.4",
]


class TestSpaceUrl:
    @pytest.mark.parametrize(
        "space",
        BAD_SPACES,
    )
    def test_refused_with_the_value_named(self, connect: Callable[..., None], space: str) -> None:
        connect(space)
        with pytest.raises(SignalWireValidationError) as caught:
            quick_hook().get_conference(CONF)
        assert space in str(caught.value)
        assert_no_secret(leak_surface(caught.value))

    @pytest.mark.parametrize("space", ["256.1.1.1", "example.signalwire.com:0"])
    def test_trigger_refuses_too(self, connect: Callable[..., None], space: str) -> None:
        connect(space)
        event = run_trigger(quick_trigger())
        assert_error_event(event, "SignalWireValidationError")
        assert space in event["message"]

    @pytest.mark.parametrize("space", ["1.2.3.4", "example.signalwire.com:443", "127.0.0.1:1"])
    def test_valid_ones_pass(self, space: str) -> None:
        from airflow.sdk import Connection

        hook = quick_hook()
        hook.get_connection = lambda conn_id: Connection(  # type: ignore[method-assign]
            conn_id=conn_id, conn_type="signalwire", host=space, login=PROJECT_ID, password=TOKEN
        )
        assert hook.settings.base_url.startswith(("https://", "http://"))


def test_the_async_client_is_used_inside_async_with_only() -> None:
    client = async_client("http://127.0.0.1:9")

    with pytest.raises(RuntimeError) as caught:
        asyncio.run(client.request("GET", f"{CONFERENCES}/{CONF}"))
    assert str(caught.value) == "AsyncSignalWireClient is used outside 'async with'"
