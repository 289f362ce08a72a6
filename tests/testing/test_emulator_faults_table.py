"""
Injected faults and the request path that applies them, as tables.

A fault set for N requests fires exactly N times, only on the requests it matches, oldest first;
each action leaves the state and the connection as documented; the request log names it; the
pause before answering is the fault's delay plus the latency, and nothing when both are zero.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from typing import TYPE_CHECKING, Any

import pytest
import requests
from emulator_tables_support import emulator, shared_emulator

from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing import core as core_module
from airflow_provider_signalwire.testing.core import (
    EmulatorCore,
    IncomingRequest,
    Outcome,
    check_basic_auth,
)
from airflow_provider_signalwire.testing.faults import FaultQueue
from airflow_provider_signalwire.testing.responses import MORE_INFO, Response

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["emulator", "shared_emulator"]

JSON = "application/json; charset=utf-8"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def conference_path(emu: SignalWireEmulator, sid: str | None = None) -> str:
    return f"{emu.base_path}/Conferences/{sid or emu.demo_conference_sid}"


def stream_path(emu: SignalWireEmulator) -> str:
    return f"{conference_path(emu)}/Streams/{emu.demo_stream_sid}"


def incoming(
    emu: SignalWireEmulator,
    method: str,
    target: str,
    body: bytes = b"",
    *,
    auth: bool = True,
    content_type: str | None = "application/x-www-form-urlencoded",
) -> IncomingRequest:
    headers = [("Host", "127.0.0.1")]
    if auth:
        headers.append(("Authorization", basic(emu.project_id, emu.token)))
    if content_type and body:
        headers.append(("Content-Type", content_type))
    return IncomingRequest(method, target, headers, body)


def handle(emu: SignalWireEmulator, request: IncomingRequest) -> Outcome:
    """Answer ``request`` as the emulator's transport would have it answered."""
    return EmulatorCore(emu._control, verbose=False).handle(request)


def body_of(outcome: Outcome) -> Any:
    assert outcome.response is not None
    return json.loads(outcome.response.body)


class TestFaultSettings:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {},
            {"status": 100},
            {"status": 599},
            {"delay": 0.0},
            {"action": "reset", "after_bytes": 0},
            {"action": "truncate", "after_bytes": 0},
            {"action": "truncate", "content_length": 0},
            {"action": "drop"},
            {"action": "apply_then_drop"},
        ],
    )
    def test_accepted(self, kwargs: dict[str, Any]) -> None:
        assert Fault(**kwargs)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            (
                {"action": "explode"},
                "action must be one of respond, drop, reset, apply_then_drop, truncate: 'explode'",
            ),
            ({"status": 99}, "status must be an HTTP status code, got 99"),
            ({"status": 600}, "status must be an HTTP status code, got 600"),
            ({"delay": -0.001}, "delay must not be negative, got -0.001"),
            (
                {"action": "reset", "after_bytes": -1},
                "after_bytes needs action reset or truncate and must not be negative",
            ),
            *(
                (
                    {"action": action, "after_bytes": 0},
                    "after_bytes needs action reset or truncate and must not be negative",
                )
                for action in ("respond", "drop", "apply_then_drop")
            ),
            (
                {"action": "truncate", "content_length": -1},
                "content_length needs action truncate and must not be negative",
            ),
            *(
                (
                    {"action": action, "content_length": 0},
                    "content_length needs action truncate and must not be negative",
                )
                for action in ("respond", "drop", "reset", "apply_then_drop")
            ),
        ],
    )
    def test_refused_with_a_message_naming_the_setting(
        self, kwargs: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(ValueError) as refused:
            Fault(**kwargs)

        assert str(refused.value) == message

    @pytest.mark.parametrize(
        ("fault", "method", "path", "matches"),
        [
            (Fault(), "GET", "/any", True),
            (Fault(method="GET"), "GET", "/any", True),
            (Fault(method="get"), "GET", "/any", True),
            (Fault(method="GET"), "get", "/any", True),
            (Fault(method="POST"), "GET", "/any", False),
            (Fault(path_contains="/Streams/"), "POST", "/a/Streams/b", True),
            (Fault(path_contains="/Streams/"), "POST", "/a/Streams", False),
            (Fault(method="POST", path_contains="/x"), "POST", "/y", False),
            (Fault(method="POST", path_contains="/x"), "GET", "/x", False),
            (Fault(method="POST", path_contains="/x"), "POST", "/x", True),
        ],
    )
    def test_matching(self, fault: Fault, method: str, path: str, matches: bool) -> None:
        assert fault.matches(method, path) is matches

    @pytest.mark.parametrize(
        ("fault", "described"),
        [
            (Fault(), "respond"),
            (Fault(status=503), "respond:503"),
            (Fault(action="drop"), "drop"),
            (Fault(action="truncate", status=200), "truncate:200"),
        ],
    )
    def test_described_for_the_log(self, fault: Fault, described: str) -> None:
        assert fault.describe() == described

    @pytest.mark.parametrize(
        ("fault", "headers"),
        [
            (Fault(), ()),
            (Fault(retry_after="5"), (("Retry-After", "5"),)),
            (Fault(retry_after=""), (("Retry-After", ""),)),
            (Fault(headers={"X-A": "1", "X-B": "2"}), (("X-A", "1"), ("X-B", "2"))),
            (
                Fault(headers={"X-A": "1"}, retry_after="9"),
                (("X-A", "1"), ("Retry-After", "9")),
            ),
        ],
    )
    def test_extra_headers(self, fault: Fault, headers: tuple[tuple[str, str], ...]) -> None:
        assert fault.extra_headers() == headers

    @pytest.mark.parametrize(
        ("fault", "answer"),
        [
            (Fault(), Response(200, b"{}", JSON)),
            (Fault(status=399), Response(399, b"{}", JSON)),
            (Fault(status=204), Response(204, b"", None)),
            (
                Fault(status=204, retry_after="1"),
                Response(204, b"", None, (("Retry-After", "1"),)),
            ),
            (Fault(status=204, body="x"), Response(204, b"x", JSON)),
            (
                Fault(status=400),
                Response(
                    400,
                    json.dumps(
                        {
                            "code": 20400,
                            "message": "Bad Request",
                            "more_info": MORE_INFO,
                            "status": 400,
                        }
                    ).encode(),
                    JSON,
                ),
            ),
            (
                Fault(status=599),
                Response(
                    599,
                    json.dumps(
                        {"code": 20599, "message": "Error", "more_info": MORE_INFO, "status": 599}
                    ).encode(),
                    JSON,
                ),
            ),
            (Fault(status=500, body={"a": [1]}), Response(500, b'{"a": [1]}', JSON)),
            (Fault(status=500, body=[1, "é"]), Response(500, b'[1, "\\u00e9"]', JSON)),
            (
                Fault(status=502, body="é", content_type="text/plain"),
                Response(502, "é".encode(), "text/plain"),
            ),
            (Fault(status=502, body=b"\xff\x00"), Response(502, b"\xff\x00", JSON)),
            (
                Fault(status=429, body=b"", headers={"X-A": "1"}, retry_after="2"),
                Response(429, b"", JSON, (("X-A", "1"), ("Retry-After", "2"))),
            ),
        ],
    )
    def test_the_canned_answer(self, fault: Fault, answer: Response) -> None:
        assert fault.response() == answer


class TestFaultQueue:
    def test_times_must_be_at_least_one(self) -> None:
        queue = FaultQueue()

        with pytest.raises(ValueError) as refused:
            queue.add(Fault(), 0)

        assert str(refused.value) == "times must be at least 1, got 0"
        assert queue.pending() == []

    @pytest.mark.parametrize("times", [1, 2, 3])
    def test_a_fault_is_taken_exactly_times(self, times: int) -> None:
        queue, fault = FaultQueue(), Fault(status=500)
        queue.add(fault, times)

        taken = [queue.take("GET", "/x") for _ in range(times + 2)]

        assert taken == [fault] * times + [None, None]
        assert queue.pending() == []

    def test_pending_counts_down(self) -> None:
        queue, first, second = FaultQueue(), Fault(status=500), Fault(status=503)
        queue.add(first, 2)
        queue.add(second)
        assert queue.pending() == [(first, 2), (second, 1)]

        queue.take("GET", "/x")

        assert queue.pending() == [(first, 1), (second, 1)]

    def test_the_oldest_matching_fault_goes_first_and_others_wait(self) -> None:
        queue = FaultQueue()
        posts, gets, any_ = Fault(method="POST"), Fault(method="GET", status=500), Fault(status=503)
        queue.add(posts)
        queue.add(gets)
        queue.add(any_)

        assert queue.take("GET", "/x") is gets
        assert queue.take("GET", "/x") is any_
        assert queue.take("GET", "/x") is None
        assert queue.pending() == [(posts, 1)]
        assert queue.take("POST", "/x") is posts

    def test_clear(self) -> None:
        queue = FaultQueue()
        queue.add(Fault(), 5)

        queue.clear()

        assert (queue.pending(), queue.take("GET", "/")) == ([], None)


class TestFaultsOverHttp:
    @pytest.mark.parametrize("times", [1, 3])
    def test_fires_exactly_times_on_matching_requests_only(
        self, emulator: SignalWireEmulator, times: int
    ) -> None:
        emulator.add_fault(Fault(status=503, method="GET", path_contains="/Conferences/"), times)
        auth = (emulator.project_id, emulator.token)
        listing = f"{emulator.url}{emulator.base_path}/Conferences.json"
        one = f"{emulator.url}{conference_path(emulator)}.json"

        listed = requests.get(listing, auth=auth, timeout=10).status_code
        posted = requests.post(one, auth=auth, timeout=10).status_code
        fetched = [requests.get(one, auth=auth, timeout=10).status_code for _ in range(times + 1)]

        assert (listed, posted) == (200, 200)
        assert fetched == [503] * times + [200]
        assert [r.fault for r in emulator.requests] == [None, None] + ["respond:503"] * times + [
            None
        ]

    def test_drop_closes_without_an_answer(self, emulator: SignalWireEmulator) -> None:
        emulator.add_fault(Fault(action="drop"))
        connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
        try:
            connection.request("GET", f"{conference_path(emulator)}.json")
            with pytest.raises(http.client.RemoteDisconnected):
                connection.getresponse()
        finally:
            connection.close()

    def test_the_admin_api_is_never_faulted_and_takes_no_fault(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.add_fault(Fault(status=500))

        assert requests.get(f"{emulator.url}/_emulator/state", timeout=10).status_code == 200
        assert len(emulator._control.faults.pending()) == 1


class TestOutcomes:
    """What the request path tells the transport to do, for each action."""

    def test_no_fault_sends_the_real_answer(self, emulator: SignalWireEmulator) -> None:
        outcome = handle(emulator, incoming(emulator, "GET", conference_path(emulator)))

        assert (outcome.disposition, outcome.after_bytes, outcome.content_length) == (
            "send",
            None,
            None,
        )
        assert body_of(outcome)["sid"] == emulator.demo_conference_sid

    @pytest.mark.parametrize(("action", "disposition"), [("drop", "drop"), ("reset", "reset")])
    def test_drop_and_reset_break_off_without_applying(
        self, emulator: SignalWireEmulator, action: Any, disposition: str
    ) -> None:
        emulator.add_fault(Fault(action=action, status=200))
        stop = incoming(emulator, "POST", stream_path(emulator), b"Status=stopped")

        outcome = handle(emulator, stop)

        assert outcome == Outcome(None, disposition)  # type: ignore[arg-type]
        assert emulator.stop_counts[emulator.demo_stream_sid] == 0
        assert emulator.requests[-1].fault == f"{action}:200"

    def test_reset_after_bytes_sends_the_real_answer_first(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.add_fault(Fault(action="reset", after_bytes=7))
        stop = incoming(emulator, "POST", stream_path(emulator), b"Status=stopped")

        outcome = handle(emulator, stop)

        assert (outcome.disposition, outcome.after_bytes, outcome.content_length) == (
            "reset",
            7,
            None,
        )
        assert body_of(outcome)["status"] == "stopped"
        assert emulator.stop_counts[emulator.demo_stream_sid] == 1

    @pytest.mark.parametrize("status", [None, 500])
    def test_apply_then_drop_applies_whatever_the_status(
        self, emulator: SignalWireEmulator, status: int | None
    ) -> None:
        emulator.add_fault(Fault(action="apply_then_drop", status=status))
        stop = incoming(emulator, "POST", stream_path(emulator), b"Status=stopped")

        outcome = handle(emulator, stop)

        assert outcome == Outcome(None, "drop")
        assert emulator.stop_counts[emulator.demo_stream_sid] == 1

    def test_truncate_without_status_applies_and_cuts_the_real_answer(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.add_fault(Fault(action="truncate", after_bytes=3, content_length=99))
        stop = incoming(emulator, "POST", stream_path(emulator), b"Status=stopped")

        outcome = handle(emulator, stop)

        assert (outcome.disposition, outcome.after_bytes, outcome.content_length) == (
            "truncate",
            3,
            99,
        )
        assert body_of(outcome)["status"] == "stopped"
        assert emulator.stop_counts[emulator.demo_stream_sid] == 1

    def test_truncate_with_status_cuts_the_canned_answer_without_applying(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.add_fault(Fault(action="truncate", status=502, body="gateway"))
        stop = incoming(emulator, "POST", stream_path(emulator), b"Status=stopped")

        outcome = handle(emulator, stop)

        assert outcome.disposition == "truncate"
        assert outcome.response is not None
        assert (outcome.response.status, outcome.response.body) == (502, b"gateway")
        assert emulator.stop_counts[emulator.demo_stream_sid] == 0

    def test_respond_without_status_sends_the_real_answer_with_the_fault_headers(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.add_fault(Fault(retry_after="4", headers={"X-Fault": "yes"}))

        outcome = handle(emulator, incoming(emulator, "GET", conference_path(emulator)))

        assert outcome.disposition == "send"
        assert outcome.response is not None
        assert outcome.response.status == 200
        assert outcome.response.headers[-2:] == (("X-Fault", "yes"), ("Retry-After", "4"))
        assert emulator.requests[-1].fault == "respond"

    def test_respond_with_status_answers_instead_without_applying(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.add_fault(Fault(status=503, retry_after="1"))
        stop = incoming(emulator, "POST", stream_path(emulator), b"Status=stopped")

        outcome = handle(emulator, stop)

        assert outcome.disposition == "send"
        assert outcome.response == Fault(status=503, retry_after="1").response()
        assert emulator.stop_counts[emulator.demo_stream_sid] == 0

    def test_a_fault_answers_even_unauthenticated_requests(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.add_fault(Fault(status=503))
        request = incoming(emulator, "GET", conference_path(emulator), auth=False)

        outcome = handle(emulator, request)

        assert outcome.response is not None and outcome.response.status == 503
        assert emulator.requests[-1].auth_ok is False


class TestPause:
    """The pause before an answer: the fault's delay plus the latency, none when both are 0."""

    @pytest.fixture
    def pauses(self, monkeypatch: pytest.MonkeyPatch) -> list[float]:
        slept: list[float] = []
        monkeypatch.setattr(core_module.time, "sleep", slept.append)
        return slept

    @pytest.mark.parametrize(
        ("delay", "latency", "expected"),
        [
            (None, 0.0, []),
            (0.0, 0.0, []),
            (None, 0.25, [0.25]),
            (0.5, 0.0, [0.5]),
            (0.5, 0.25, [0.75]),
            (2.0, 0.0, [2.0]),
        ],
    )
    def test_pause(
        self,
        emulator: SignalWireEmulator,
        pauses: list[float],
        delay: float | None,
        latency: float,
        expected: list[float],
    ) -> None:
        emulator.latency = latency
        if delay is not None:
            emulator.add_fault(Fault(delay=delay))

        outcome = handle(emulator, incoming(emulator, "GET", conference_path(emulator)))

        assert pauses == expected
        assert outcome.response is not None and outcome.response.status == 200

    def test_a_dropped_request_is_paused_first(
        self, emulator: SignalWireEmulator, pauses: list[float]
    ) -> None:
        emulator.add_fault(Fault(action="drop", delay=1.5))

        handle(emulator, incoming(emulator, "GET", conference_path(emulator)))

        assert pauses == [1.5]

    def test_admin_requests_are_never_paused(
        self, emulator: SignalWireEmulator, pauses: list[float]
    ) -> None:
        emulator.latency = 3.0

        handle(emulator, incoming(emulator, "GET", "/_emulator/state"))

        assert pauses == []


class TestInFlight:
    @pytest.fixture
    def gate(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Barrier]:
        """Hold every paused API request until two of them are in flight together."""
        barrier = threading.Barrier(2, timeout=10)
        monkeypatch.setattr(core_module.time, "sleep", lambda _: barrier.wait())
        yield barrier
        barrier.abort()

    def test_the_peak_counts_requests_handled_together(
        self, emulator: SignalWireEmulator, gate: threading.Barrier
    ) -> None:
        emulator.latency = 1.0
        url = f"{emulator.url}{conference_path(emulator)}.json"
        auth = (emulator.project_id, emulator.token)
        statuses: list[int] = []

        def call() -> None:
            statuses.append(requests.get(url, auth=auth, timeout=10).status_code)

        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert statuses == [200, 200]
        assert emulator.max_in_flight == 2
        emulator.reset_max_in_flight()
        assert emulator.max_in_flight == 0

    def test_a_restart_starts_from_the_requests_still_in_flight(
        self, emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        entered, release = threading.Event(), threading.Event()

        def hold(_: float) -> None:
            entered.set()
            release.wait(10)

        monkeypatch.setattr(core_module.time, "sleep", hold)
        emulator.latency = 1.0
        url = f"{emulator.url}{conference_path(emulator)}.json"
        auth = (emulator.project_id, emulator.token)
        thread = threading.Thread(target=requests.get, args=(url,), kwargs={"auth": auth})
        thread.start()
        try:
            assert entered.wait(10)
            assert requests.delete(f"{emulator.url}/_emulator/stats", timeout=10).ok
            during = emulator.max_in_flight
        finally:
            release.set()
            thread.join()
        emulator.reset_max_in_flight()

        assert (during, emulator.max_in_flight) == (1, 0)


class TestAuthAndRecording:
    @pytest.mark.parametrize(
        ("header", "result"),
        [
            (None, (None, False)),
            ("", (None, False)),
            (basic("p", "t"), ("p", True)),
            ("basic " + basic("p", "t")[6:], ("p", True)),
            ("BASIC  " + basic("p", "t")[6:] + " ", ("p", True)),
            ("Bearer " + basic("p", "t")[6:], (None, False)),
            (basic("p", "wrong"), ("p", False)),
            (basic("q", "t"), ("q", False)),
            (basic("p", "t:x"), ("p", False)),
            ("Basic " + base64.b64encode(b"p").decode(), ("p", False)),
            ("Basic !!!", (None, False)),
            ("Basic " + base64.b64encode(b"\xff:t").decode(), (None, False)),
        ],
    )
    def test_basic_credentials(self, header: str | None, result: tuple[str | None, bool]) -> None:
        assert check_basic_auth(header, "p", "t") == result

    def test_a_password_with_a_colon(self) -> None:
        assert check_basic_auth(basic("p", "t:x"), "p", "t:x") == ("p", True)

    def test_headers_are_found_case_insensitively_first_one_first(self) -> None:
        request = IncomingRequest("GET", "/", [("X-A", "1"), ("x-a", "2"), ("B", "3")], b"")

        assert (request.header("x-A"), request.header("b"), request.header("c")) == (
            "1",
            "3",
            None,
        )

    def test_a_request_is_recorded_with_everything_but_secrets(
        self, emulator: SignalWireEmulator
    ) -> None:
        target = f"{conference_path(emulator)}.json?FriendlyName=&x={emulator.token}"
        request = IncomingRequest(
            "POST",
            target,
            [
                ("Authorization", basic(emulator.project_id, emulator.token)),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("X-Trace", f"t-{emulator.token}"),
            ],
            b"AnnounceUrl=https%3A%2F%2Fa.test%2Fx",
        )

        handle(emulator, request)

        [recorded] = emulator.requests
        assert recorded.method == "POST"
        assert recorded.path == f"{conference_path(emulator)}.json"
        assert recorded.query == {"FriendlyName": [""], "x": ["***"]}
        assert recorded.form == {"AnnounceUrl": ["https://a.test/x"]}
        assert (recorded.auth_user, recorded.auth_ok) == (emulator.project_id, True)
        assert recorded.headers == {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Trace": "t-***",
        }
        assert recorded.raw_path == target.replace(emulator.token, "***")
        assert recorded.fault is None
        assert recorded.time > 0

    @pytest.mark.parametrize(
        ("authorization", "user"),
        [(None, None), ("Basic bad", None), ("wrong-user", None)],
    )
    def test_no_usable_credentials_record_no_user(
        self, emulator: SignalWireEmulator, authorization: str | None, user: str | None
    ) -> None:
        headers = [] if authorization is None else [("Authorization", authorization)]

        outcome = handle(
            emulator, IncomingRequest("GET", f"{conference_path(emulator)}.json", headers, b"")
        )

        assert outcome.response is not None and outcome.response.status == 401
        assert (emulator.requests[-1].auth_user, emulator.requests[-1].auth_ok) == (user, False)

    def test_a_wrong_password_records_the_user_it_gave(self, emulator: SignalWireEmulator) -> None:
        headers = [("Authorization", basic("someone", "nope"))]

        handle(emulator, IncomingRequest("GET", conference_path(emulator), headers, b""))

        assert emulator.requests[-1].auth_user == "someone"

    def test_credentials_come_before_the_body(self, emulator: SignalWireEmulator) -> None:
        bad_body = incoming(
            emulator, "POST", conference_path(emulator), b"<x/>", content_type="text/xml"
        )
        anonymous = IncomingRequest(
            "POST", bad_body.target, [*bad_body.headers[:1], ("Content-Type", "text/xml")], b"<x/>"
        )

        with_auth = handle(emulator, bad_body)
        without = handle(emulator, anonymous)

        assert with_auth.response is not None and with_auth.response.status == 415
        assert without.response is not None and without.response.status == 401

    def test_media_needs_no_credentials(self, emulator: SignalWireEmulator) -> None:
        sid = emulator.add_recording(emulator.demo_conference_sid, "completed", size=3)["sid"]
        path = f"{emulator.base_path}/Recordings/{sid}.wav"

        got = handle(emulator, IncomingRequest("GET", path, [], b""))
        posted = handle(emulator, IncomingRequest("POST", path, [], b""))

        assert got.response is not None and got.response.status == 200
        assert posted.response is not None and posted.response.status == 401

    def test_an_admin_body_error_is_answered_before_the_remote_control(
        self, emulator: SignalWireEmulator
    ) -> None:
        request = incoming(
            emulator, "POST", "/_emulator/conferences", b"<x/>", content_type="text/xml"
        )

        outcome = handle(emulator, request)

        assert outcome.response is not None and outcome.response.status == 415
        assert len(emulator.state()["conferences"]) == 3
        assert emulator.requests == []

    def test_a_percent_encoded_admin_segment_reaches_the_remote_control(
        self, emulator: SignalWireEmulator
    ) -> None:
        outcome = handle(emulator, IncomingRequest("GET", "/%5Femulator/stats", [], b""))

        assert body_of(outcome) == {"max_in_flight": 0}
        assert emulator.requests == []
