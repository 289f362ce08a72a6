"""
The emulator's ``/_emulator`` remote control, endpoint by endpoint, as tables.

Each row names a request and the exact answer a user's test sees: status, body, error message,
and the state it leaves (or does not leave) behind. Limits are tested on both sides.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests
from emulator_tables_support import emulator, shared_emulator

from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.testing.admin import admin_refusal, allowed_hosts, is_admin_target
from airflow_provider_signalwire.testing.responses import MORE_INFO

RECORDING_STATUSES = "in-progress, paused, stopped, completed"
CONFERENCE_STATUSES = "init, in-progress, completed"
FAULT_ACTIONS = "respond, drop, reset, apply_then_drop, truncate"

__all__ = ["emulator", "shared_emulator"]


def admin(emu: SignalWireEmulator, method: str, path: str, **form: Any) -> requests.Response:
    """Call the remote control from loopback, with a form body when given."""
    return requests.request(method, f"{emu.url}/_emulator/{path}", data=form or None, timeout=10)


def errors(answer: requests.Response) -> list[str]:
    """The messages of a 422 answer (the remote control's ``{"errors": [...]}`` shape)."""
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert set(body) == {"errors"}
    return list(body["errors"])


def conference_count(emu: SignalWireEmulator) -> int:
    return len(emu.state()["conferences"])


def api_get(emu: SignalWireEmulator, relative: str) -> requests.Response:
    return requests.get(
        f"{emu.url}{emu.base_path}/{relative}", auth=(emu.project_id, emu.token), timeout=10
    )


class TestRouting:
    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("POST", "state", "GET"),
            ("DELETE", "state", "GET"),
            ("GET", "reset", "POST"),
            ("POST", "requests", "GET, DELETE"),
            ("POST", "stats", "GET, DELETE"),
            ("GET", "conferences", "POST"),
            ("GET", "conferences/x", "POST"),
            ("DELETE", "conferences/x/streams", "POST"),
            ("GET", "conferences/x/recordings", "POST"),
            ("GET", "conferences/x/participants", "POST"),
            ("GET", "conferences/x/hide", "POST"),
            ("GET", "conferences/x/stale", "POST"),
            ("GET", "faults", "POST, DELETE"),
            ("DELETE", "config", "GET, POST"),
            ("DELETE", "clock", "GET, POST"),
        ],
    )
    def test_a_wrong_method_is_405_naming_the_allowed_ones(
        self, emulator: SignalWireEmulator, method: str, path: str, allow: str
    ) -> None:
        answer = admin(emulator, method, path)

        assert answer.status_code == 405
        assert answer.headers["Allow"] == allow
        assert answer.json() == {
            "code": 20004,
            "message": "Method not allowed",
            "more_info": MORE_INFO,
            "status": 405,
        }

    @pytest.mark.parametrize(
        "path",
        [
            "nothing",
            "",
            "conferences/x/streams/y",
            "conferences/x/other",
            "state/more",
            "faults/1",
        ],
    )
    def test_an_unknown_endpoint_is_404_naming_the_path(
        self, emulator: SignalWireEmulator, path: str
    ) -> None:
        answer = admin(emulator, "GET", path)

        assert answer.status_code == 404
        assert answer.json() == {
            "code": 20404,
            "message": f"The requested resource /_emulator/{path} was not found",
            "more_info": MORE_INFO,
            "status": 404,
        }

    def test_a_body_neither_form_nor_json_is_refused_before_anything_changes(
        self, emulator: SignalWireEmulator
    ) -> None:
        answer = requests.post(
            f"{emulator.url}/_emulator/conferences",
            data=b"<x/>",
            headers={"Content-Type": "application/xml"},
            timeout=10,
        )

        assert answer.status_code == 415
        assert conference_count(emulator) == 3

    def test_admin_requests_are_neither_recorded_nor_counted(
        self, emulator: SignalWireEmulator
    ) -> None:
        admin(emulator, "GET", "state")
        admin(emulator, "POST", "conferences")

        assert emulator.requests == []
        assert emulator.max_in_flight == 0


class TestStateAndReset:
    def test_state_holds_everything_with_the_settings(self, emulator: SignalWireEmulator) -> None:
        emulator.latency = 0.0
        emulator.clock_offset = 5

        state = admin(emulator, "GET", "state").json()

        assert set(state) == {
            "conferences",
            "stop_counts",
            "messages",
            "project_id",
            "repeat_stop_status",
            "latency",
            "clock_offset",
        }
        assert (state["project_id"], state["repeat_stop_status"]) == (emulator.project_id, 200)
        assert (state["latency"], state["clock_offset"]) == (0.0, 5.0)
        assert [c["sid"] for c in state["conferences"]] == emulator.conference_sids
        demo, waiting, standup = state["conferences"]
        assert [s["sid"] for s in demo["streams"]] == emulator.stream_sids[:2]
        assert [len(c["participants"]) for c in (demo, waiting, standup)] == [2, 0, 0]
        assert [len(c["recordings"]) for c in (demo, waiting, standup)] == [1, 0, 0]
        assert state["stop_counts"] == dict.fromkeys(emulator.stream_sids, 0)
        assert state["messages"] == []
        assert state == emulator.state()

    def test_reset_answers_204_and_forgets_requests_faults_stats_and_state(
        self, emulator: SignalWireEmulator
    ) -> None:
        emulator.repeat_stop_status = 404
        emulator.latency = 0.0
        emulator.clock_offset = -7
        extra = emulator.add_conference("extra")["sid"]
        api_get(emulator, "Conferences.json")
        emulator.add_fault(Fault(status=503), times=3)

        answer = admin(emulator, "POST", "reset")

        assert (answer.status_code, answer.content) == (204, b"")
        assert "Content-Type" not in answer.headers
        assert emulator.requests == []
        assert emulator.max_in_flight == 0
        assert extra not in [c["sid"] for c in emulator.state()["conferences"]]
        assert api_get(emulator, "Conferences.json").status_code == 200  # no fault left
        assert (emulator.repeat_stop_status, emulator.clock_offset) == (404, -7.0)

    def test_reset_cancels_a_scheduled_change(self, emulator: SignalWireEmulator) -> None:
        sid = emulator.conference_sids[1]
        admin(emulator, "POST", f"conferences/{sid}", Status="completed", After="30")
        timers = list(emulator._control._timers)
        assert [t.is_alive() for t in timers] == [True]

        emulator.reset()

        timers[0].join(timeout=10)
        assert not timers[0].is_alive()
        assert timers[0].finished.is_set()
        assert emulator._control._timers == []
        assert emulator.state()["conferences"][1]["status"] == "init"


class TestRequestsAndStats:
    def test_requests_lists_each_api_request_as_recorded(
        self, emulator: SignalWireEmulator
    ) -> None:
        api_get(emulator, "Conferences.json?PageSize=2")

        answer = admin(emulator, "GET", "requests")
        listed = answer.json()

        [recorded] = emulator.requests
        assert answer.status_code == 200
        assert listed == [dataclasses.asdict(recorded)]
        assert listed[0]["query"] == {"PageSize": ["2"]}
        assert listed[0]["fault"] is None

    def test_delete_requests_answers_204_and_empties_the_log(
        self, emulator: SignalWireEmulator
    ) -> None:
        api_get(emulator, "Conferences.json")

        answer = admin(emulator, "DELETE", "requests")

        assert (answer.status_code, answer.content) == (204, b"")
        assert admin(emulator, "GET", "requests").json() == []

    def test_stats_counts_the_peak_and_delete_restarts_it(
        self, emulator: SignalWireEmulator
    ) -> None:
        assert admin(emulator, "GET", "stats").json() == {"max_in_flight": 0}
        api_get(emulator, "Conferences.json")
        api_get(emulator, "Conferences.json")
        assert admin(emulator, "GET", "stats").json() == {"max_in_flight": 1}

        answer = admin(emulator, "DELETE", "stats")

        assert (answer.status_code, answer.content) == (204, b"")
        assert admin(emulator, "GET", "stats").json() == {"max_in_flight": 0}


class TestCreateConferences:
    def test_defaults_name_and_status(self, emulator: SignalWireEmulator) -> None:
        answer = admin(emulator, "POST", "conferences")

        assert answer.status_code == 201
        body = answer.json()
        assert (body["friendly_name"], body["status"]) == ("emulated-conference", "init")
        assert api_get(emulator, f"Conferences/{body['sid']}.json").json() == body

    @pytest.mark.parametrize("status", ["init", "in-progress", "completed"])
    def test_each_status_is_accepted(self, emulator: SignalWireEmulator, status: str) -> None:
        answer = admin(emulator, "POST", "conferences", FriendlyName="named", Status=status)

        assert answer.status_code == 201
        assert (answer.json()["friendly_name"], answer.json()["status"]) == ("named", status)

    @pytest.mark.parametrize(("count", "made"), [("1", 1), ("2", 2), ("3.9", 3)])
    def test_count_makes_that_many_and_answers_their_sids(
        self, emulator: SignalWireEmulator, count: str, made: int
    ) -> None:
        answer = admin(emulator, "POST", "conferences", Count=count, Status="in-progress")

        assert answer.status_code == 201
        sids = answer.json()["sids"]
        assert set(answer.json()) == {"sids"}
        assert len(set(sids)) == made
        state = emulator.state()["conferences"]
        assert [c["sid"] for c in state[3:]] == sids
        assert {(c["friendly_name"], c["status"]) for c in state[3:]} == {
            ("emulated-conference", "in-progress")
        }

    def test_count_goes_up_to_100000(self, emulator: SignalWireEmulator) -> None:
        answer = admin(emulator, "POST", "conferences", Count="100000")

        assert answer.status_code == 201
        assert len(set(answer.json()["sids"])) == 100_000

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({"Count": "0"}, "Count must be from 1 to 100000, got 0"),
            ({"Count": "-1"}, "Count must be from 1 to 100000, got -1"),
            ({"Count": "100001"}, "Count must be from 1 to 100000, got 100001"),
            ({"Count": "many"}, "Count must be a finite number, got 'many'"),
            ({"Count": "inf"}, "Count must be a finite number, got 'inf'"),
            (
                {"Status": "bogus"},
                f"Status must be one of {CONFERENCE_STATUSES}, got 'bogus'",
            ),
            (
                {"Status": "bogus", "Count": "2"},
                f"Status must be one of {CONFERENCE_STATUSES}, got 'bogus'",
            ),
        ],
    )
    def test_bad_input_is_422_and_creates_nothing(
        self, emulator: SignalWireEmulator, form: dict[str, str], message: str
    ) -> None:
        assert errors(admin(emulator, "POST", "conferences", **form)) == [message]
        assert conference_count(emulator) == 3


class TestSetConferenceStatus:
    def test_now(self, emulator: SignalWireEmulator) -> None:
        sid = emulator.conference_sids[1]

        answer = admin(emulator, "POST", f"conferences/{sid}", Status="in-progress")

        assert answer.status_code == 200
        assert answer.json()["status"] == "in-progress"
        assert api_get(emulator, f"Conferences/{sid}.json").json() == answer.json()

    @pytest.mark.parametrize("after", ["0", "-5", ""])
    def test_no_positive_delay_changes_it_now(
        self, emulator: SignalWireEmulator, after: str
    ) -> None:
        sid = emulator.conference_sids[1]

        answer = admin(emulator, "POST", f"conferences/{sid}", Status="completed", After=after)

        assert (answer.status_code, answer.json()["status"]) == (200, "completed")
        assert emulator._control._timers == []

    def test_a_positive_delay_answers_the_conference_as_it_is_and_changes_it_later(
        self, emulator: SignalWireEmulator
    ) -> None:
        sid = emulator.conference_sids[1]
        done = threading.Event()
        original = emulator._control.store.conferences.set_status

        def set_status(*args: Any) -> Any:
            try:
                return original(*args)
            finally:
                done.set()

        emulator._control.store.conferences.set_status = set_status  # type: ignore[method-assign]

        answer = admin(emulator, "POST", f"conferences/{sid}", Status="completed", After="0.01")

        assert (answer.status_code, answer.json()["status"]) == (200, "init")
        assert done.wait(10)
        assert api_get(emulator, f"Conferences/{sid}.json").json()["status"] == "completed"

    def test_at_writes_that_date_and_zero_after_is_not_a_conflict(
        self, emulator: SignalWireEmulator
    ) -> None:
        sid = emulator.conference_sids[1]

        answer = admin(
            emulator,
            "POST",
            f"conferences/{sid}",
            Status="in-progress",
            At="2030-02-03T04:05:06+01:00",
            After="0",
        )

        assert answer.status_code == 200
        assert answer.json()["date_updated"] == "Sun, 03 Feb 2030 03:05:06 GMT"
        assert answer.json()["status"] == "in-progress"

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({}, f"Status must be one of {CONFERENCE_STATUSES}, got ''"),
            ({"Status": "done"}, f"Status must be one of {CONFERENCE_STATUSES}, got 'done'"),
            ({"Status": "completed", "After": "soon"}, "After must be a finite number, got 'soon'"),
            ({"Status": "completed", "After": "nan"}, "After must be a finite number, got 'nan'"),
            (
                {"Status": "completed", "At": "2030-01-01T00:00:00+00:00", "After": "0.5"},
                "give At or After, not both",
            ),
            (
                {"Status": "completed", "At": "tomorrow"},
                "At must be an ISO 8601 date and time, got 'tomorrow'",
            ),
            (
                {"Status": "completed", "At": "2030-01-01T00:00:00"},
                "At must carry a UTC offset, got '2030-01-01T00:00:00'",
            ),
        ],
    )
    def test_bad_input_is_422_and_changes_nothing(
        self, emulator: SignalWireEmulator, form: dict[str, str], message: str
    ) -> None:
        sid = emulator.conference_sids[1]

        assert errors(admin(emulator, "POST", f"conferences/{sid}", **form)) == [message]
        assert emulator.state()["conferences"][1]["status"] == "init"
        assert emulator._control._timers == []

    @pytest.mark.parametrize("after", ["0", "5"])
    def test_an_unknown_conference_is_404(self, emulator: SignalWireEmulator, after: str) -> None:
        answer = admin(emulator, "POST", "conferences/nope", Status="completed", After=after)

        assert answer.status_code == 404
        assert answer.json()["message"] == (
            "The requested resource /_emulator/conferences/nope was not found"
        )
        assert emulator._control._timers == []


class TestHideAndStale:
    @pytest.mark.parametrize("action", ["hide", "stale"])
    def test_answers_the_conference(self, emulator: SignalWireEmulator, action: str) -> None:
        sid = emulator.demo_conference_sid

        answer = admin(emulator, "POST", f"conferences/{sid}/{action}", Seconds="0.5")

        assert answer.status_code == 200
        assert answer.json() == api_get(emulator, f"Conferences/{sid}.json").json()

    @pytest.mark.parametrize("action", ["hide", "stale"])
    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({}, "seconds must be a positive finite number, got 0.0"),
            ({"Seconds": "0"}, "seconds must be a positive finite number, got 0.0"),
            ({"Seconds": "-2"}, "seconds must be a positive finite number, got -2.0"),
            ({"Seconds": "x"}, "Seconds must be a finite number, got 'x'"),
        ],
    )
    def test_refuses_a_duration_that_is_not_positive(
        self, emulator: SignalWireEmulator, action: str, form: dict[str, str], message: str
    ) -> None:
        sid = emulator.demo_conference_sid

        assert errors(admin(emulator, "POST", f"conferences/{sid}/{action}", **form)) == [message]
        listed = api_get(emulator, "Conferences.json").json()["conferences"]
        assert [c["sid"] for c in listed].count(sid) == 1

    def test_stale_lists_the_copy_after_the_fresh_one(self, emulator: SignalWireEmulator) -> None:
        sid = emulator.conference_sids[1]
        admin(emulator, "POST", f"conferences/{sid}/stale", Seconds="60")
        admin(emulator, "POST", f"conferences/{sid}", Status="in-progress")

        listed = api_get(emulator, "Conferences.json").json()["conferences"]

        assert [c["status"] for c in listed if c["sid"] == sid] == ["in-progress", "init"]


class TestAddStreams:
    def url(self, emu: SignalWireEmulator) -> str:
        return f"conferences/{emu.conference_sids[1]}/streams"

    def streams(self, emu: SignalWireEmulator) -> list[dict[str, Any]]:
        return list(emu.state()["conferences"][1]["streams"])

    @pytest.mark.parametrize(
        ("form", "names"),
        [
            ({}, [None]),
            ({"Count": "1"}, [None]),
            ({"Count": "2"}, [None, None]),
            ({"Name": "solo"}, ["solo"]),
            ({"Name": "solo", "Count": "1"}, ["solo"]),
            ({"Name": "n", "Count": "3"}, ["n-1", "n-2", "n-3"]),
            ({"Name": ["a", "b"]}, ["a", "b"]),
            ({"Name": ["a", "b"], "Count": "2"}, ["a", "b"]),
            ({"Name": ["a", "", "b"]}, ["a", "b"]),
            ({"Name": ["", "only"]}, ["only"]),
        ],
    )
    def test_names_and_counts(
        self, emulator: SignalWireEmulator, form: dict[str, Any], names: list[str | None]
    ) -> None:
        answer = admin(emulator, "POST", self.url(emulator), **form)

        assert answer.status_code == 201
        made = answer.json()["streams"]
        assert [s["name"] for s in made] == names
        assert {s["status"] for s in made} == {"in-progress"}
        assert [s["sid"] for s in self.streams(emulator)] == [s["sid"] for s in made]

    def test_the_largest_count_is_accepted(self, emulator: SignalWireEmulator) -> None:
        answer = admin(emulator, "POST", self.url(emulator), Count="1000")

        assert len(answer.json()["streams"]) == 1000

    def test_at_most_1000_names(self, emulator: SignalWireEmulator) -> None:
        names = [f"s{i}" for i in range(1001)]

        assert errors(admin(emulator, "POST", self.url(emulator), Name=names)) == [
            "at most 1000 streams per request, got 1001"
        ]
        assert self.streams(emulator) == []
        assert (
            len(admin(emulator, "POST", self.url(emulator), Name=names[:1000]).json()["streams"])
            == 1000
        )

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({"Count": "0"}, "Count must be from 1 to 1000, got 0"),
            ({"Count": "1001"}, "Count must be from 1 to 1000, got 1001"),
            ({"Count": "two"}, "Count must be a finite number, got 'two'"),
            (
                {"Name": ["a", "b"], "Count": "3"},
                "Count must be left out, or match the number of Name fields",
            ),
            (
                {"Name": ["a", "b"], "Count": "1"},
                "Count must be left out, or match the number of Name fields",
            ),
        ],
    )
    def test_bad_input_is_422_and_adds_nothing(
        self, emulator: SignalWireEmulator, form: dict[str, Any], message: str
    ) -> None:
        assert errors(admin(emulator, "POST", self.url(emulator), **form)) == [message]
        assert self.streams(emulator) == []

    def test_an_unknown_conference_is_404(self, emulator: SignalWireEmulator) -> None:
        assert admin(emulator, "POST", "conferences/nope/streams").status_code == 404


class TestAddRecordings:
    def url(self, emu: SignalWireEmulator) -> str:
        return f"conferences/{emu.conference_sids[1]}/recordings"

    def recordings(self, emu: SignalWireEmulator) -> list[dict[str, Any]]:
        return list(emu.state()["conferences"][1]["recordings"])

    def media_length(self, emu: SignalWireEmulator, sid: str) -> int:
        url = f"{emu.url}{emu.base_path}/Recordings/{sid}.wav"
        return len(requests.get(url, timeout=10).content)

    def test_defaults_one_completed_recording_of_4096_bytes(
        self, emulator: SignalWireEmulator
    ) -> None:
        answer = admin(emulator, "POST", self.url(emulator))

        assert answer.status_code == 201
        [made] = answer.json()["recordings"]
        assert made["status"] == "completed"
        assert self.recordings(emulator) == [made]
        assert self.media_length(emulator, made["sid"]) == 4096

    @pytest.mark.parametrize("status", ["in-progress", "paused", "stopped", "completed"])
    def test_each_status_is_accepted(self, emulator: SignalWireEmulator, status: str) -> None:
        answer = admin(emulator, "POST", self.url(emulator), Status=status, Count="2")

        assert [r["status"] for r in answer.json()["recordings"]] == [status, status]

    @pytest.mark.parametrize("size", ["0", "1", "5000"])
    def test_size_sets_the_media_length(self, emulator: SignalWireEmulator, size: str) -> None:
        [made] = admin(emulator, "POST", self.url(emulator), Size=size).json()["recordings"]

        assert self.media_length(emulator, made["sid"]) == int(size)

    def test_the_largest_count_is_accepted(self, emulator: SignalWireEmulator) -> None:
        answer = admin(emulator, "POST", self.url(emulator), Count="1000", Size="1")

        assert len(answer.json()["recordings"]) == 1000

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({"Count": "0"}, "Count must be from 1 to 1000, got 0"),
            ({"Count": "1001"}, "Count must be from 1 to 1000, got 1001"),
            ({"Status": "done"}, f"Status must be one of {RECORDING_STATUSES}, got 'done'"),
            ({"Size": "-1"}, "size must be an integer of at least 0, got -1"),
            ({"Size": "big"}, "Size must be a finite number, got 'big'"),
        ],
    )
    def test_bad_input_is_422_and_adds_nothing(
        self, emulator: SignalWireEmulator, form: dict[str, str], message: str
    ) -> None:
        assert errors(admin(emulator, "POST", self.url(emulator), **form)) == [message]
        assert self.recordings(emulator) == []

    def test_an_unknown_conference_is_404(self, emulator: SignalWireEmulator) -> None:
        assert admin(emulator, "POST", "conferences/nope/recordings").status_code == 404


class TestAddParticipants:
    def url(self, emu: SignalWireEmulator) -> str:
        return f"conferences/{emu.conference_sids[1]}/participants"

    @pytest.mark.parametrize(("count", "made"), [(None, 1), ("1", 1), ("100", 100)])
    def test_count_at_its_limits(
        self, emulator: SignalWireEmulator, count: str | None, made: int
    ) -> None:
        form = {} if count is None else {"Count": count}

        answer = admin(emulator, "POST", self.url(emulator), **form)

        assert answer.status_code == 201
        added = answer.json()["participants"]
        assert len({p["call_sid"] for p in added}) == made
        assert {(p["muted"], p["hold"], p["end_conference_on_exit"]) for p in added} == {
            (False, False, False)
        }
        assert emulator.state()["conferences"][1]["participants"] == added

    @pytest.mark.parametrize(
        ("count", "message"),
        [
            ("0", "Count must be from 1 to 100, got 0"),
            ("101", "Count must be from 1 to 100, got 101"),
            ("nan", "Count must be a finite number, got 'nan'"),
        ],
    )
    def test_a_bad_count_is_422(
        self, emulator: SignalWireEmulator, count: str, message: str
    ) -> None:
        assert errors(admin(emulator, "POST", self.url(emulator), Count=count)) == [message]
        assert emulator.state()["conferences"][1]["participants"] == []


class TestFaultEndpoint:
    DEFAULT = {
        "status": None,
        "action": "respond",
        "delay": 0.0,
        "retry_after": None,
        "method": None,
        "path_contains": None,
        "after_bytes": None,
        "content_length": None,
        "times": 1,
    }

    @pytest.mark.parametrize(
        ("form", "described"),
        [
            ({}, {}),
            ({"Status": "503"}, {"status": 503}),
            ({"Status": "100"}, {"status": 100}),
            ({"Status": "599"}, {"status": 599}),
            ({"Action": "drop", "Times": "3"}, {"action": "drop", "times": 3}),
            ({"Delay": "0.25", "RetryAfter": "7"}, {"delay": 0.25, "retry_after": "7"}),
            (
                {"Method": "GET", "PathContains": "/Streams"},
                {"method": "GET", "path_contains": "/Streams"},
            ),
            ({"Action": "reset", "AfterBytes": "0"}, {"action": "reset", "after_bytes": 0}),
            (
                {"Action": "truncate", "ContentLength": "0"},
                {"action": "truncate", "content_length": 0},
            ),
            ({"Action": "apply_then_drop"}, {"action": "apply_then_drop"}),
        ],
    )
    def test_answers_201_describing_the_queued_fault(
        self, emulator: SignalWireEmulator, form: dict[str, str], described: dict[str, Any]
    ) -> None:
        answer = admin(emulator, "POST", "faults", **form)

        assert answer.status_code == 201
        assert answer.json() == {"fault": {**self.DEFAULT, **described}}
        [(fault, times)] = emulator._control.faults.pending()
        assert times == {**self.DEFAULT, **described}["times"]
        assert fault.action == {**self.DEFAULT, **described}["action"]

    def test_the_queued_fault_answers_with_its_body_and_type(
        self, emulator: SignalWireEmulator
    ) -> None:
        admin(
            emulator,
            "POST",
            "faults",
            Status="502",
            Body="<html>gateway</html>",
            ContentType="text/html",
            RetryAfter="3",
        )

        answer = api_get(emulator, "Conferences.json")

        assert (answer.status_code, answer.text) == (502, "<html>gateway</html>")
        assert answer.headers["Content-Type"] == "text/html"
        assert answer.headers["Retry-After"] == "3"

    def test_without_a_content_type_the_body_is_sent_as_json(
        self, emulator: SignalWireEmulator
    ) -> None:
        admin(emulator, "POST", "faults", Status="500", Body='{"a": 1}')

        answer = api_get(emulator, "Conferences.json")

        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
        assert answer.json() == {"a": 1}

    @pytest.mark.parametrize("times", ["1", "2", "4"])
    def test_fires_exactly_times(self, emulator: SignalWireEmulator, times: str) -> None:
        admin(emulator, "POST", "faults", Status="503", Times=times)

        statuses = [api_get(emulator, "Conferences.json").status_code for _ in range(5)]

        assert statuses == [503] * int(times) + [200] * (5 - int(times))

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({"Action": "explode"}, f"Action must be one of {FAULT_ACTIONS}, got 'explode'"),
            ({"Status": "99"}, "status must be an HTTP status code, got 99"),
            ({"Status": "600"}, "status must be an HTTP status code, got 600"),
            ({"Status": "oops"}, "Status must be a finite number, got 'oops'"),
            ({"Times": "0"}, "times must be at least 1, got 0"),
            ({"Delay": "-0.5"}, "delay must not be negative, got -0.5"),
            ({"Delay": "inf"}, "Delay must be a finite number, got 'inf'"),
            (
                {"AfterBytes": "5"},
                "after_bytes needs action reset or truncate and must not be negative",
            ),
            (
                {"Action": "reset", "AfterBytes": "-1"},
                "after_bytes needs action reset or truncate and must not be negative",
            ),
            (
                {"Action": "reset", "ContentLength": "5"},
                "content_length needs action truncate and must not be negative",
            ),
            (
                {"Action": "truncate", "ContentLength": "-1"},
                "content_length needs action truncate and must not be negative",
            ),
        ],
    )
    def test_bad_input_is_422_and_queues_nothing(
        self, emulator: SignalWireEmulator, form: dict[str, str], message: str
    ) -> None:
        assert errors(admin(emulator, "POST", "faults", **form)) == [message]
        assert emulator._control.faults.pending() == []

    def test_delete_drops_every_queued_fault(self, emulator: SignalWireEmulator) -> None:
        admin(emulator, "POST", "faults", Status="500", Times="4")
        admin(emulator, "POST", "faults", Action="drop")

        answer = admin(emulator, "DELETE", "faults")

        assert (answer.status_code, answer.content) == (204, b"")
        assert emulator._control.faults.pending() == []


class TestConfigAndClock:
    def test_config_reads_the_settings(self, emulator: SignalWireEmulator) -> None:
        emulator.repeat_stop_status = 404
        emulator.latency = 0.0

        assert admin(emulator, "GET", "config").json() == {
            "repeat_stop_status": 404,
            "latency": 0.0,
        }

    @pytest.mark.parametrize(
        ("form", "settings"),
        [
            ({}, {"repeat_stop_status": 200, "latency": 0.0}),
            ({"RepeatStopStatus": "404"}, {"repeat_stop_status": 404, "latency": 0.0}),
            ({"RepeatStopStatus": "200"}, {"repeat_stop_status": 200, "latency": 0.0}),
            ({"Latency": "0.001"}, {"repeat_stop_status": 200, "latency": 0.001}),
            ({"Latency": "0"}, {"repeat_stop_status": 200, "latency": 0.0}),
        ],
    )
    def test_post_changes_only_what_is_given(
        self, emulator: SignalWireEmulator, form: dict[str, str], settings: dict[str, Any]
    ) -> None:
        answer = admin(emulator, "POST", "config", **form)

        assert (answer.status_code, answer.json()) == (200, settings)
        assert (emulator.repeat_stop_status, emulator.latency) == (
            settings["repeat_stop_status"],
            settings["latency"],
        )

    @pytest.mark.parametrize(
        ("form", "message"),
        [
            ({"RepeatStopStatus": "500"}, "repeat_stop_status must be 200 or 404, got 500"),
            ({"RepeatStopStatus": "x"}, "RepeatStopStatus must be a finite number, got 'x'"),
            ({"Latency": "-0.1"}, "latency must not be negative, got -0.1"),
            ({"Latency": "nan"}, "Latency must be a finite number, got 'nan'"),
        ],
    )
    def test_bad_settings_are_422_and_kept(
        self, emulator: SignalWireEmulator, form: dict[str, str], message: str
    ) -> None:
        assert errors(admin(emulator, "POST", "config", **form)) == [message]
        assert (emulator.repeat_stop_status, emulator.latency) == (200, 0.0)

    def test_clock_reads_offset_and_now(self, emulator: SignalWireEmulator) -> None:
        emulator.clock_offset = 3600
        before = datetime.now(timezone.utc)

        answer = admin(emulator, "GET", "clock").json()

        assert set(answer) == {"offset", "now"}
        assert answer["offset"] == 3600.0
        now = datetime.fromisoformat(answer["now"])
        assert 3599 <= (now - before).total_seconds() < 3700

    @pytest.mark.parametrize(
        ("form", "offset"), [({}, 12.0), ({"Offset": ""}, 12.0), ({"Offset": "-1.5"}, -1.5)]
    )
    def test_clock_post_sets_the_offset_only_when_given(
        self, emulator: SignalWireEmulator, form: dict[str, str], offset: float
    ) -> None:
        emulator.clock_offset = 12

        answer = admin(emulator, "POST", "clock", **form)

        assert answer.status_code == 200
        assert answer.json()["offset"] == offset
        assert emulator.clock_offset == offset

    def test_the_server_date_follows_the_clock(self, emulator: SignalWireEmulator) -> None:
        admin(emulator, "POST", "clock", Offset="-86400")

        made = admin(emulator, "POST", "conferences").json()

        created = parsedate_to_datetime(made["date_created"])
        behind = (datetime.now(timezone.utc) - created).total_seconds()
        assert 86_390 < behind < 86_500


class TestGuardRules:
    """Who may call the remote control: the exact refusal a web page's request gets."""

    ADDRESS = ("127.0.0.1", 8765)
    HOST = "127.0.0.1:8765"

    @pytest.mark.parametrize(
        ("target", "admin"),
        [
            ("", False),
            ("_emulator", False),
            ("/", False),
            ("/_emulator/", True),
            ("?/_emulator", False),
        ],
    )
    def test_which_targets_are_admin(self, target: str, admin: bool) -> None:
        assert is_admin_target(target) is admin

    def test_the_hosts_of_port_80_need_no_port(self) -> None:
        assert allowed_hosts(("127.0.0.1", 80)) == {
            "127.0.0.1:80",
            "localhost:80",
            "127.0.0.1",
            "localhost",
        }
        assert allowed_hosts(("127.0.0.1", 81)) == {"127.0.0.1:81", "localhost:81"}

    @pytest.mark.parametrize(
        ("hosts", "origins", "fetch_site"),
        [
            ([HOST], [], None),
            ([" LOCALHOST:8765 "], [], None),
            ([HOST], ["http://127.0.0.1:8765"], None),
            ([HOST], [" HTTP://LOCALHOST:8765 "], "same-origin"),
            ([HOST], [], "same-site"),
            ([HOST], [], ""),
        ],
    )
    def test_served(self, hosts: list[str], origins: list[str], fetch_site: str | None) -> None:
        assert admin_refusal(hosts, origins, fetch_site, self.ADDRESS) is None

    @pytest.mark.parametrize(
        ("hosts", "origins", "fetch_site", "reason"),
        [
            ([], [], None, "Host none is not this emulator's loopback address"),
            (["evil:8765"], [], None, "Host 'evil:8765' is not this emulator's loopback address"),
            (
                [HOST, HOST],
                [],
                None,
                "Host '127.0.0.1:8765', '127.0.0.1:8765' is not this emulator's loopback address",
            ),
            (
                ["h" * 150],
                [],
                None,
                f"Host {'h' * 100!r} is not this emulator's loopback address",
            ),
            ([HOST], ["http://evil"], None, "cross-site Origin 'http://evil'"),
            (
                [HOST],
                ["http://127.0.0.1:8765", "http://127.0.0.1:8765"],
                None,
                "cross-site Origin 'http://127.0.0.1:8765', 'http://127.0.0.1:8765'",
            ),
            ([HOST], ["o" * 150], None, f"cross-site Origin {'o' * 100!r}"),
            ([HOST], [], " Cross-Site ", "a cross-site request (Sec-Fetch-Site)"),
        ],
    )
    def test_refused_with_the_reason(
        self, hosts: list[str], origins: list[str], fetch_site: str | None, reason: str
    ) -> None:
        refusal = admin_refusal(hosts, origins, fetch_site, self.ADDRESS)

        assert refusal is not None
        assert refusal.status == 403
        message = (
            f"The emulator's admin API refuses {reason}; call it from loopback, not a web page."
        )
        assert json.loads(refusal.body) == {
            "code": 20403,
            "message": message,
            "more_info": MORE_INFO,
            "status": 403,
        }


class TestBodiesOnlyWhereTheyCount:
    def test_a_get_of_the_clock_sets_nothing(self, emulator: SignalWireEmulator) -> None:
        answer = requests.get(f"{emulator.url}/_emulator/clock", data={"Offset": "50"}, timeout=10)

        assert answer.json()["offset"] == 0.0
        assert emulator.clock_offset == 0.0

    def test_a_get_of_the_config_sets_nothing(self, emulator: SignalWireEmulator) -> None:
        answer = requests.get(
            f"{emulator.url}/_emulator/config",
            data={"RepeatStopStatus": "404", "Latency": "1"},
            timeout=10,
        )

        assert answer.json() == {"repeat_stop_status": 200, "latency": 0.0}
        assert emulator.repeat_stop_status == 200

    def test_an_empty_count_makes_one_conference(self, emulator: SignalWireEmulator) -> None:
        answer = admin(emulator, "POST", "conferences", Count="", FriendlyName="one")

        assert answer.status_code == 201
        assert answer.json()["friendly_name"] == "one"
        assert conference_count(emulator) == 4

    def test_an_empty_count_beside_names_is_no_mismatch(self, emulator: SignalWireEmulator) -> None:
        sid = emulator.conference_sids[1]

        answer = admin(emulator, "POST", f"conferences/{sid}/streams", Name=["a", "b"], Count="")

        assert [s["name"] for s in answer.json()["streams"]] == ["a", "b"]

    def test_an_empty_fault_body_is_sent_empty(self, emulator: SignalWireEmulator) -> None:
        admin(emulator, "POST", "faults", Status="500", Body="", ContentType="", PathContains="")

        answer = api_get(emulator, "Conferences.json")

        assert (answer.status_code, answer.content) == (500, b"")
        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"

    def test_empty_filters_match_every_request(self, emulator: SignalWireEmulator) -> None:
        admin(emulator, "POST", "faults", Status="500", Method="", PathContains="", RetryAfter="")

        answer = requests.post(
            f"{emulator.url}{emulator.base_path}/Messages.json",
            auth=(emulator.project_id, emulator.token),
            timeout=10,
        )

        assert answer.status_code == 500
        assert "Retry-After" not in answer.headers
