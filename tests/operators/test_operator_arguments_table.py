"""
What each conference operator sends for each argument and value, what it pushes and logs.

Tables over the emulator on loopback: every argument of every operator with ``None``, ``False``,
``""`` and a real value; the XCom each one pushes; the lines it logs; the stream a retried start
stops first; the arguments refused when the DAG file is parsed, both sides of each limit.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from types import SimpleNamespace
from typing import Any

import jinja2.sandbox
import pytest
from signalwire_test_support import PROJECT_ID, console, logged

from airflow_provider_signalwire.exceptions import (
    SignalWireError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.operators.conference import (
    STREAM_STATE_KEY,
    EndConferenceOperator,
    RemoveConferenceParticipantOperator,
    StartConferenceStreamOperator,
    StopConferenceStreamOperator,
    StopConferenceStreamsOperator,
    UpdateConferenceParticipantOperator,
    default_stream_name,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

WSS = "wss://ws.example.com/audio"
HOLD_URL = "https://media.example.com/hold.xml"
ANNOUNCE_URL = "https://media.example.com/announce.xml"


def as_context(ti: object) -> Any:
    """A task context holding only ``ti``."""
    return {"ti": ti}


class RecordingTaskInstance:
    """Records every XCom push in order, and carries the identity of a task instance."""

    def __init__(self, **identity: Any) -> None:
        self.pushes: list[tuple[str, Any]] = []
        for name, value in identity.items():
            setattr(self, name, value)

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushes.append((key, value))


class RecordingStore:
    """A task state store that records each write, with how many requests had gone out then."""

    def __init__(self, emu: SignalWireEmulator, remembered: Any = None) -> None:
        self.emu = emu
        self.values: dict[str, Any] = {} if remembered is None else {STREAM_STATE_KEY: remembered}
        self.writes: list[tuple[str, Any, int]] = []

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def set(self, key: str, value: Any) -> None:
        self.writes.append((key, value, len(self.emu.requests)))
        self.values[key] = value


def stream_posts(emu: SignalWireEmulator) -> list[tuple[str, dict[str, list[str]]]]:
    """Each POST under ``/Streams``: what follows ``/Conferences/``, and its form."""
    return [
        (r.path.partition("/Conferences/")[2], r.form)
        for r in emu.requests
        if r.method == "POST" and "/Streams" in r.path
    ]


# -- UpdateConferenceParticipantOperator: every combination of its arguments --------------------

MUTED = [None, True, False]
HOLD = [None, True, False]
HOLD_URLS = [None, "", HOLD_URL]
ANNOUNCE_URLS = [None, "", ANNOUNCE_URL]
UPDATE_TABLE = list(itertools.product(MUTED, HOLD, HOLD_URLS, ANNOUNCE_URLS))


def expected_update(
    muted: bool | None, hold: bool | None, hold_url: str | None, announce_url: str | None
) -> tuple[dict[str, list[str]], list[str]]:
    """The form SignalWire gets, and the ``name=value`` pairs the log line lists, in order."""
    form: dict[str, list[str]] = {}
    changes: list[str] = []
    if muted is not None:
        form["Muted"] = [str(muted).lower()]
        changes.append(f"muted={muted}")
    if hold is not None:
        form["Hold"] = [str(hold).lower()]
        changes.append(f"hold={hold}")
    if hold_url:
        form["HoldUrl"] = [hold_url]
        changes.append(f"hold_url={hold_url}")
    if announce_url:
        form["AnnounceUrl"] = [announce_url]
        changes.append(f"announce_url={announce_url}")
    return form, changes


class TestUpdateParticipantArguments:
    @pytest.mark.parametrize(("muted", "hold", "hold_url", "announce_url"), UPDATE_TABLE)
    def test_each_given_value_is_sent_and_only_none_or_empty_is_left_out(
        self,
        emu: SignalWireEmulator,
        capfd: pytest.CaptureFixture[str],
        muted: bool | None,
        hold: bool | None,
        hold_url: str | None,
        announce_url: str | None,
    ) -> None:
        """``False`` is a change (unmute, resume); ``None`` and ``""`` mean "leave as it is"."""
        conference = emu.demo_conference_sid
        call_sid = emu.add_participant(conference, muted=True, hold=True)["call_sid"]
        ti = RecordingTaskInstance()
        operator = UpdateConferenceParticipantOperator(
            task_id="t", conference_sid=conference, call_sid=call_sid, muted=muted, hold=hold,
            hold_url=hold_url, announce_url=announce_url,
        )  # fmt: skip
        form, changes = expected_update(muted, hold, hold_url, announce_url)
        if not form:
            with pytest.raises(SignalWireValidationError) as refused:
                operator.execute(as_context(ti))
            assert str(refused.value) == (
                "UpdateConferenceParticipantOperator needs at least one change, e.g. muted=True."
            )
            assert emu.requests == []
            return
        participant = operator.execute(as_context(ti))
        [request] = emu.requests
        assert request.method == "POST"
        assert request.path == f"{emu.base_path}/Conferences/{conference}/Participants/{call_sid}"
        assert request.form == form
        assert participant["call_sid"] == call_sid
        assert participant["muted"] is (True if muted is None else muted)
        assert participant["hold"] is (True if hold is None else hold)
        assert ti.pushes == []
        assert ("info", f"SignalWire participant {call_sid} of conference {conference} updated: "
                + ", ".join(changes)) in logged(console(capfd))  # fmt: skip

    @pytest.mark.parametrize("field", ["beep_on_exit", "end_conference_on_exit"])
    @pytest.mark.parametrize("value", [True, False])
    def test_fields_signalwire_does_not_define_are_refused_even_alone(
        self, emu: SignalWireEmulator, field: str, value: bool
    ) -> None:
        """Alone, ``False`` too: the operator passes it on and the hook refuses it by name."""
        operator = UpdateConferenceParticipantOperator(
            task_id="t", conference_sid="CF1", call_sid="CA1", **{field: value}
        )
        with pytest.raises(SignalWireValidationError) as refused:
            operator.execute(as_context(RecordingTaskInstance()))
        assert str(refused.value).startswith(f"Unknown update_participant field(s): ['{field}'];")
        assert emu.requests == []


# -- StartConferenceStreamOperator: each argument and what reaches SignalWire ------------------

START_TABLE = [
    pytest.param({}, {}, id="only-url"),
    pytest.param({"name": "rec-1"}, {"Name": ["rec-1"]}, id="name"),
    pytest.param({"name": ""}, {}, id="name-empty"),
    pytest.param({"track": "outbound_track"}, {"Track": ["outbound_track"]}, id="track"),
    pytest.param(
        {"status_callback": "https://cb.example.com/s"},
        {"StatusCallback": ["https://cb.example.com/s"]},
        id="status-callback",
    ),
    pytest.param({"status_callback": ""}, {}, id="status-callback-empty"),
    pytest.param(
        {"status_callback_method": "POST"}, {"StatusCallbackMethod": ["POST"]}, id="method"
    ),
    pytest.param({"stream_codec": "L16@16000h"}, {"StreamCodec": ["L16@16000h"]}, id="codec"),
    pytest.param({"stream_real_time": True}, {"StreamRealTime": ["true"]}, id="real-time"),
    pytest.param({"stream_real_time": False}, {"StreamRealTime": ["false"]}, id="not-real-time"),
    pytest.param(
        {"authorization_bearer_token": "bearer-abc-123"},
        {"AuthorizationBearerToken": ["***"]},  # the emulator records secrets masked
        id="bearer",
    ),
    pytest.param({"authorization_bearer_token": ""}, {}, id="bearer-empty"),
    pytest.param({"parameters": {}}, {}, id="parameters-empty"),
    pytest.param({"parameters": ""}, {}, id="parameters-empty-text"),
    pytest.param(
        {"parameters": {"lang": "en"}},
        {"Parameter1.Name": ["lang"], "Parameter1.Value": ["en"]},
        id="parameters",
    ),
    pytest.param(
        {"parameters": '{"lang": "fr", "n": 2}'},
        {
            "Parameter1.Name": ["lang"],
            "Parameter1.Value": ["fr"],
            "Parameter2.Name": ["n"],
            "Parameter2.Value": ["2"],
        },
        id="parameters-json-from-a-template",
    ),
]


class TestStartStreamArguments:
    @pytest.mark.parametrize(("arguments", "sent"), START_TABLE)
    def test_each_argument_is_sent_as_its_field(
        self,
        emu: SignalWireEmulator,
        arguments: dict[str, Any],
        sent: dict[str, list[str]],
    ) -> None:
        conference = emu.demo_conference_sid
        ti = RecordingTaskInstance()  # no task identity: no derived name
        stream = StartConferenceStreamOperator(
            task_id="t", conference_sid=conference, url=WSS, **arguments
        ).execute(as_context(ti))
        assert stream_posts(emu) == [(f"{conference}/Streams", {"Url": [WSS], **sent})]
        assert ti.pushes == [("stream_sid", stream["sid"]), ("stream_status", "in-progress")]

    @pytest.mark.parametrize(
        ("parameters", "message"),
        [
            ("[1, 2]", "Invalid parameters [1, 2]: expected a dict."),
            ("{oops", "Invalid parameters '{oops': expected a dict or its JSON."),
            ([["a", 1]], "Invalid parameters [['a', 1]]: expected a dict."),
        ],
    )
    def test_parameters_that_are_no_dict_are_refused_by_name(
        self, emu: SignalWireEmulator, parameters: Any, message: str
    ) -> None:
        operator = StartConferenceStreamOperator(
            task_id="t", conference_sid="CF1", url=WSS, parameters=parameters
        )
        with pytest.raises(SignalWireValidationError) as refused:
            operator.execute(as_context(RecordingTaskInstance()))
        assert str(refused.value) == message
        assert emu.requests == []

    def test_a_task_instance_gives_the_stream_its_derived_name(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference = emu.demo_conference_sid
        ti = RecordingTaskInstance(dag_id="calls", task_id="start", run_id="r1", try_number=1)
        stream = StartConferenceStreamOperator(
            task_id="start", conference_sid=conference, url=WSS
        ).execute(as_context(ti))
        name = default_stream_name(as_context(ti))
        assert name is not None
        assert stream_posts(emu) == [(f"{conference}/Streams", {"Url": [WSS], "Name": [name]})]
        assert logged(console(capfd)) == [
            ("info", f"Starting stream {name} on conference {conference}"),
            ("info", f"SignalWire stream {stream['sid']} started on conference {conference}: "
             "in-progress"),
        ]  # fmt: skip

    def test_template_fields_render_with_the_environment_given(self) -> None:
        """A DAG's own Jinja environment (its filters) renders every templated field."""
        env = jinja2.sandbox.SandboxedEnvironment()
        env.filters["shout"] = lambda text: str(text).upper()
        operator = StartConferenceStreamOperator(
            task_id="t", conference_sid="{{ params.c | shout }}", url="{{ params.u }}",
            name="{{ params.n | shout }}", status_callback="{{ params.cb }}",
            authorization_bearer_token="{{ params.tok }}", parameters={"k": "{{ params.v }}"},
            account_sid="{{ params.a | shout }}", signalwire_conn_id="{{ params.conn }}",
        )  # fmt: skip
        params = {
            "c": "cf1", "u": WSS, "n": "rec", "cb": "https://cb.example.com/x",
            "tok": "tok-rendered-777", "v": "value", "a": "ac1", "conn": "sw_other",
        }  # fmt: skip
        operator.render_template_fields({"params": params}, env)
        assert (operator.conference_sid, operator.url, operator.name) == ("CF1", WSS, "REC")
        assert operator.status_callback == "https://cb.example.com/x"
        assert operator.authorization_bearer_token == "tok-rendered-777"
        assert operator.parameters == {"k": "value"}
        assert (operator.account_sid, operator.signalwire_conn_id) == ("AC1", "sw_other")

    def test_template_fields_are_declared(self) -> None:
        assert StartConferenceStreamOperator.template_fields == (
            "conference_sid", "url", "name", "status_callback", "authorization_bearer_token",
            "parameters", "signalwire_conn_id", "account_sid",
        )  # fmt: skip
        assert StartConferenceStreamOperator.template_fields_renderers == {"parameters": "json"}
        assert StopConferenceStreamsOperator.template_fields == (
            "streams", "signalwire_conn_id", "account_sid"
        )  # fmt: skip
        assert StopConferenceStreamsOperator.template_fields_renderers == {"streams": "json"}
        assert UpdateConferenceParticipantOperator.template_fields == (
            "conference_sid", "call_sid", "hold_url", "announce_url", "signalwire_conn_id",
            "account_sid",
        )  # fmt: skip
        assert RemoveConferenceParticipantOperator.template_fields == (
            "conference_sid", "call_sid", "signalwire_conn_id", "account_sid"
        )  # fmt: skip
        assert EndConferenceOperator.template_fields == (
            "conference_sid", "signalwire_conn_id", "account_sid"
        )  # fmt: skip
        assert StopConferenceStreamOperator.template_fields == (
            "conference_sid", "stream_sid", "signalwire_conn_id", "account_sid"
        )  # fmt: skip

    @pytest.mark.parametrize(
        ("operator_class", "arguments", "rendered"),
        [
            (
                StopConferenceStreamOperator,
                {"conference_sid": "{{ params.a }}", "stream_sid": "{{ params.b }}"},
                {"conference_sid": "A", "stream_sid": "B"},
            ),
            (EndConferenceOperator, {"conference_sid": "{{ params.a }}"}, {"conference_sid": "A"}),
            (
                RemoveConferenceParticipantOperator,
                {"conference_sid": "{{ params.a }}", "call_sid": "{{ params.b }}"},
                {"conference_sid": "A", "call_sid": "B"},
            ),
            (
                UpdateConferenceParticipantOperator,
                {"conference_sid": "{{ params.a }}", "call_sid": "{{ params.b }}",
                 "hold_url": "https://x/{{ params.a }}", "announce_url": "https://y/{{ params.b }}"},
                {"conference_sid": "A", "call_sid": "B", "hold_url": "https://x/A",
                 "announce_url": "https://y/B"},
            ),
            (
                StopConferenceStreamsOperator,
                {"streams": "[{\"conference_sid\": \"{{ params.a }}\"}]"},
                {"streams": '[{"conference_sid": "A"}]'},
            ),
        ],
    )  # fmt: skip
    def test_each_templated_field_is_rendered(
        self, operator_class: type[Any], arguments: dict[str, Any], rendered: dict[str, Any]
    ) -> None:
        operator = operator_class(
            task_id="t", account_sid="{{ params.b }}", signalwire_conn_id="c_{{ params.a }}",
            **arguments,
        )  # fmt: skip
        operator.render_template_fields({"params": {"a": "A", "b": "B"}})
        for name, value in {**rendered, "account_sid": "B", "signalwire_conn_id": "c_A"}.items():
            assert getattr(operator, name) == value


# -- a retried start stops what an earlier try started ------------------------------------------


def start_context(emu: SignalWireEmulator, *, try_number: Any = 1, store: Any = None) -> Any:
    ti = RecordingTaskInstance(dag_id="calls", task_id="start", run_id="r1", try_number=try_number)
    context: dict[str, Any] = {"ti": ti}
    if store is not None:
        context["task_state_store"] = store
    return context


class TestStartStopsTheEarlierTrysStream:
    @pytest.mark.parametrize(
        ("try_number", "stops_first"),
        [(1, False), (2, True), (3, True), ("2", False), (None, False)],
    )
    def test_without_a_store_a_later_try_stops_the_named_stream(
        self,
        emu: SignalWireEmulator,
        capfd: pytest.CaptureFixture[str],
        try_number: Any,
        stops_first: bool,
    ) -> None:
        """Only a try after the first (a whole number above 1) stops by the name first."""
        conference = emu.demo_conference_sid
        StartConferenceStreamOperator(
            task_id="start", conference_sid=conference, url=WSS, name="rec-7"
        ).execute(start_context(emu, try_number=try_number))
        stop = (f"{conference}/Streams/rec-7", {"Status": ["stopped"]})
        start = (f"{conference}/Streams", {"Url": [WSS], "Name": ["rec-7"]})
        assert stream_posts(emu) == ([stop, start] if stops_first else [start])
        lines = logged(console(capfd))
        no_stream = ("info", f"No stream rec-7 from an earlier try on conference {conference}: "
                     "starting one")  # fmt: skip
        assert (no_stream in lines) is stops_first

    def test_a_later_try_stops_a_live_stream_of_the_derived_name(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference = emu.demo_conference_sid
        context = start_context(emu, try_number=2)
        name = default_stream_name(context)
        assert name is not None
        earlier = emu.add_stream(conference, name=name)
        stream = StartConferenceStreamOperator(
            task_id="start", conference_sid=conference, url=WSS
        ).execute(context)
        assert stream_posts(emu) == [
            (f"{conference}/Streams/{name}", {"Status": ["stopped"]}),
            (f"{conference}/Streams", {"Url": [WSS], "Name": [name]}),
        ]
        assert emu.get_stream(conference, earlier["sid"])["status"] == "stopped"  # type: ignore[index]
        assert stream["sid"] != earlier["sid"]
        assert ("warning", f"Stopped stream {earlier['sid']} ({name}) that an earlier try started "
                f"on conference {conference}, so this try's stream is the only one"
                ) in logged(console(capfd))  # fmt: skip

    def test_a_later_try_without_any_name_stops_nothing(self, emu: SignalWireEmulator) -> None:
        conference = emu.demo_conference_sid
        ti = RecordingTaskInstance(try_number=2)  # no identity: no name to stop by
        StartConferenceStreamOperator(task_id="t", conference_sid=conference, url=WSS).execute(
            as_context(ti)
        )
        assert stream_posts(emu) == [(f"{conference}/Streams", {"Url": [WSS]})]

    @pytest.mark.parametrize(
        ("remembered", "stopped_as"),
        [
            pytest.param({"sid": "SID", "name": "old"}, "SID", id="by-sid-first"),
            pytest.param({"sid": "", "name": "old"}, "old", id="empty-sid-by-name"),
            pytest.param({"sid": None, "name": "old"}, "old", id="no-sid-by-name"),
            pytest.param({"name": "old"}, "old", id="only-name"),
            pytest.param({"sid": None, "name": ""}, None, id="nothing-to-stop-by"),
            pytest.param({"sid": 7, "name": None}, None, id="sid-not-text"),
        ],
    )
    @pytest.mark.parametrize("try_number", [1, 2])
    def test_a_remembered_stream_is_stopped_by_sid_else_by_name(
        self,
        emu: SignalWireEmulator,
        remembered: dict[str, Any],
        stopped_as: str | None,
        try_number: int,
    ) -> None:
        """The store's record wins over the try number: a first try stops it, a later one too."""
        conference = emu.demo_conference_sid
        live = emu.add_stream(conference, name="old")
        record = {"conference_sid": conference, **remembered}
        if record.get("sid") == "SID":
            record["sid"] = live["sid"]
        store = RecordingStore(emu, record)
        StartConferenceStreamOperator(
            task_id="start", conference_sid=conference, url=WSS, name="new"
        ).execute(start_context(emu, try_number=try_number, store=store))
        posts = [path for path, _ in stream_posts(emu)]
        if stopped_as is None:  # then only the try number decides: a later try stops "new"
            later = [f"{conference}/Streams/new"] if try_number > 1 else []
            assert posts == [*later, f"{conference}/Streams"]
            return
        ident = live["sid"] if stopped_as == "SID" else stopped_as
        assert posts == [f"{conference}/Streams/{ident}", f"{conference}/Streams"]
        assert emu.get_stream(conference, live["sid"])["status"] == "stopped"  # type: ignore[index]

    def test_the_remembered_conference_is_where_the_earlier_stream_is_stopped(
        self, emu: SignalWireEmulator
    ) -> None:
        """A conference rendered differently this try: the stop goes to the remembered one."""
        earlier_conference = emu.add_conference(friendly_name="earlier")["sid"]
        live = emu.add_stream(earlier_conference, name="old")
        store = RecordingStore(emu, {"conference_sid": earlier_conference, "sid": live["sid"]})
        conference = emu.demo_conference_sid
        StartConferenceStreamOperator(
            task_id="start", conference_sid=conference, url=WSS, name="new"
        ).execute(start_context(emu, store=store))
        assert [path for path, _ in stream_posts(emu)] == [
            f"{earlier_conference}/Streams/{live['sid']}",
            f"{conference}/Streams",
        ]

    @pytest.mark.parametrize(
        "remembered",
        [
            pytest.param("junk", id="not-a-dict"),
            pytest.param({"conference_sid": 5, "sid": "x"}, id="conference-not-text"),
            pytest.param({"sid": "x"}, id="no-conference"),
        ],
    )
    def test_an_unusable_record_is_ignored_on_a_first_try(
        self, emu: SignalWireEmulator, remembered: Any
    ) -> None:
        conference = emu.demo_conference_sid
        store = RecordingStore(emu, remembered)
        StartConferenceStreamOperator(
            task_id="start", conference_sid=conference, url=WSS, name="new"
        ).execute(start_context(emu, store=store))
        assert [path for path, _ in stream_posts(emu)] == [f"{conference}/Streams"]

    def test_the_store_learns_the_name_before_the_request_and_the_sid_after(
        self, emu: SignalWireEmulator
    ) -> None:
        conference = emu.demo_conference_sid
        store = RecordingStore(emu)
        stream = StartConferenceStreamOperator(
            task_id="start", conference_sid=conference, url=WSS, name="rec"
        ).execute(start_context(emu, store=store))
        assert store.writes == [
            (STREAM_STATE_KEY, {"conference_sid": conference, "name": "rec"}, 0),
            (STREAM_STATE_KEY, {"conference_sid": conference, "name": "rec", "sid": stream["sid"]},
             1),
        ]  # fmt: skip

    def test_a_failed_start_leaves_only_the_name_in_the_store(
        self, emu: SignalWireEmulator
    ) -> None:
        conference = emu.demo_conference_sid
        emu.add_fault(Fault(status=400, method="POST", path_contains="/Streams"), times=1)
        store = RecordingStore(emu)
        with pytest.raises(SignalWireError):
            StartConferenceStreamOperator(
                task_id="start", conference_sid=conference, url=WSS, name="rec"
            ).execute(start_context(emu, store=store))
        assert store.writes == [
            (STREAM_STATE_KEY, {"conference_sid": conference, "name": "rec"}, 0)
        ]

    def test_without_a_name_the_store_is_not_written(self, emu: SignalWireEmulator) -> None:
        store = RecordingStore(emu)
        context = {"ti": RecordingTaskInstance(), "task_state_store": store}
        StartConferenceStreamOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, url=WSS
        ).execute(context)  # type: ignore[arg-type]
        assert store.writes == []


# -- the name derived from the task instance -----------------------------------------------------


def documented_name(dag_id: str, task_id: str, run_id: str, map_index: int) -> str:
    """``airflow-{dag}.{task}-{hash}`` as the docstring of ``default_stream_name`` defines it."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{dag_id}.{task_id}")[:80]
    key = json.dumps([dag_id, task_id, run_id, map_index])
    return f"airflow-{readable}-{hashlib.sha256(key.encode()).hexdigest()[:20]}"


class TestDerivedName:
    @pytest.mark.parametrize(
        ("identity", "expected"),
        [
            ({"map_index": -1}, ("calls", "start", "r1", -1)),
            ({"map_index": 0}, ("calls", "start", "r1", 0)),
            ({"map_index": 7}, ("calls", "start", "r1", 7)),
            ({}, ("calls", "start", "r1", -1)),
            ({"map_index": "3"}, ("calls", "start", "r1", -1)),
            ({"map_index": None}, ("calls", "start", "r1", -1)),
            ({"dag_id": "d" * 79, "task_id": "t"}, ("d" * 79, "t", "r1", -1)),
            ({"dag_id": "d" * 100, "task_id": "t/é x"}, ("d" * 100, "t/é x", "r1", -1)),
            ({"dag_id": "a b", "task_id": "c//d"}, ("a b", "c//d", "r1", -1)),
        ],
    )
    def test_the_name_is_the_documented_hash_of_the_identity(
        self, identity: dict[str, Any], expected: tuple[str, str, str, int]
    ) -> None:
        ti = SimpleNamespace(**{"dag_id": "calls", "task_id": "start", "run_id": "r1", **identity})
        assert default_stream_name({"ti": ti}) == documented_name(*expected)  # type: ignore[typeddict-item]

    def test_the_readable_part_is_cut_at_80_characters(self) -> None:
        for length, kept in ((78, 80), (79, 80), (100, 80), (10, 12)):
            ti = SimpleNamespace(dag_id="d" * length, task_id="t", run_id="r")
            name = default_stream_name(as_context(ti))
            assert name is not None
            assert len(name) == len("airflow-") + kept + 1 + 20

    @pytest.mark.parametrize(
        "identity",
        [
            {"dag_id": ""},
            {"task_id": ""},
            {"run_id": ""},
            {"dag_id": 5},
            {"run_id": None},
        ],
    )
    def test_an_empty_or_odd_identity_gives_no_name(self, identity: dict[str, Any]) -> None:
        ti = SimpleNamespace(**{"dag_id": "calls", "task_id": "start", "run_id": "r1", **identity})
        assert default_stream_name({"ti": ti}) is None  # type: ignore[typeddict-item]


# -- XCom and log lines of each operator --------------------------------------------------------


class TestWhatEachOperatorPushesAndLogs:
    def test_stop_pushes_the_status_and_says_so(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference, sid = emu.demo_conference_sid, emu.demo_stream_sid
        ti = RecordingTaskInstance()
        stream = StopConferenceStreamOperator(
            task_id="t", conference_sid=conference, stream_sid=sid
        ).execute(as_context(ti))
        assert (stream["sid"], stream["conference_sid"], stream["status"]) == (
            sid,
            conference,
            "stopped",
        )
        assert ti.pushes == [("stream_status", "stopped")]
        assert stream_posts(emu) == [(f"{conference}/Streams/{sid}", {"Status": ["stopped"]})]
        assert logged(console(capfd)) == [
            ("info", f"SignalWire stream {sid} of conference {conference} is now stopped")
        ]

    def test_end_pushes_the_conference_status_and_says_so(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference = emu.add_conference(friendly_name="to-end", status="in-progress")["sid"]
        ti = RecordingTaskInstance()
        result = EndConferenceOperator(task_id="t", conference_sid=conference).execute(
            as_context(ti)
        )
        assert (result["sid"], result["status"]) == (conference, "completed")
        assert ti.pushes == [("conference_status", "completed")]
        [request] = emu.requests
        assert request.path == f"{emu.base_path}/Conferences/{conference}"
        assert logged(console(capfd)) == [
            ("info", f"SignalWire conference {conference} is now completed")
        ]

    def test_remove_returns_its_summary_pushes_nothing_and_says_so(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference = emu.demo_conference_sid
        call_sid = emu.add_participant(conference)["call_sid"]
        ti = RecordingTaskInstance()
        result = RemoveConferenceParticipantOperator(
            task_id="t", conference_sid=conference, call_sid=call_sid
        ).execute(as_context(ti))
        assert result == {"conference_sid": conference, "call_sid": call_sid, "status": "removed"}
        assert ti.pushes == []
        [request] = emu.requests
        assert (request.method, request.path) == (
            "DELETE",
            f"{emu.base_path}/Conferences/{conference}/Participants/{call_sid}",
        )
        assert logged(console(capfd)) == [
            ("info", f"SignalWire participant {call_sid} left conference {conference}")
        ]

    def test_bulk_stop_pushes_every_outcome_and_names_each_failure(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference = emu.demo_conference_sid
        good = [emu.add_stream(conference)["sid"] for _ in range(2)]
        streams: list[Any] = [
            {"conference_sid": conference, "stream_sid": good[0]},
            {"conference_sid": conference, "stream_sid": "gone-1"},
            {"conference_sid": conference, "stream_sid": good[1]},
            {"conference_sid": conference, "stream_sid": "gone-2"},
        ]
        ti = RecordingTaskInstance()
        with pytest.raises(SignalWireError) as failed:
            StopConferenceStreamsOperator(task_id="t", streams=streams).execute(as_context(ti))
        assert str(failed.value) == "2 of 4 streams could not be stopped."
        [(key, outcomes)] = ti.pushes
        assert key == "stream_outcomes"
        assert [(o["stream_sid"], o.get("status"), o.get("error_type")) for o in outcomes] == [
            (good[0], "stopped", None),
            ("gone-1", None, "SignalWireNotFoundError"),
            (good[1], "stopped", None),
            ("gone-2", None, "SignalWireNotFoundError"),
        ]
        assert logged(console(capfd)) == [
            ("info", "Stopped 2 of 4 SignalWire streams (2 failed)"),
            ("error", f"Stream gone-1 of conference {conference}: {outcomes[1]['error']}"),
            ("error", f"Stream gone-2 of conference {conference}: {outcomes[3]['error']}"),
        ]

    def test_bulk_stop_that_stops_all_returns_and_pushes_the_same_outcomes(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference = emu.demo_conference_sid
        sids = [emu.add_stream(conference)["sid"] for _ in range(3)]
        ti = RecordingTaskInstance()
        outcomes = StopConferenceStreamsOperator(
            task_id="t", streams=[{"conference_sid": conference, "stream_sid": s} for s in sids]
        ).execute(as_context(ti))
        assert ti.pushes == [("stream_outcomes", outcomes)]
        assert [(o["stream_sid"], o["status"]) for o in outcomes] == [(s, "stopped") for s in sids]
        assert logged(console(capfd)) == [("info", "Stopped 3 of 3 SignalWire streams (0 failed)")]

    @pytest.mark.parametrize(
        "build",
        [
            lambda emu: StopConferenceStreamOperator(
                task_id="t", conference_sid=emu.demo_conference_sid, stream_sid="s1",
                account_sid="AC-other-1"),
            lambda emu: EndConferenceOperator(
                task_id="t", conference_sid=emu.demo_conference_sid, account_sid="AC-other-1"),
            lambda emu: RemoveConferenceParticipantOperator(
                task_id="t", conference_sid=emu.demo_conference_sid, call_sid="CA1",
                account_sid="AC-other-1"),
            lambda emu: UpdateConferenceParticipantOperator(
                task_id="t", conference_sid=emu.demo_conference_sid, call_sid="CA1", muted=True,
                account_sid="AC-other-1"),
            lambda emu: StartConferenceStreamOperator(
                task_id="t", conference_sid=emu.demo_conference_sid, url=WSS, name="n",
                account_sid="AC-other-1"),
            lambda emu: StopConferenceStreamsOperator(
                task_id="t", account_sid="AC-other-1",
                streams=[{"conference_sid": emu.demo_conference_sid, "stream_sid": "s1"}]),
        ],
        ids=["stop", "end", "remove", "update", "start", "bulk-stop"],
    )  # fmt: skip
    def test_a_given_account_sid_is_the_account_of_every_request(
        self, emu: SignalWireEmulator, build: Any
    ) -> None:
        operator = build(emu)
        context = start_context(emu, try_number=2)  # the start stops by name first
        with pytest.raises(SignalWireError):
            operator.execute(context)
        assert emu.requests
        assert all("/Accounts/AC-other-1/" in r.path for r in emu.requests)

    def test_without_an_account_sid_the_connections_project_is_the_account(
        self, emu: SignalWireEmulator
    ) -> None:
        StartConferenceStreamOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, url=WSS, name="n"
        ).execute(start_context(emu, try_number=2))
        assert len(emu.requests) == 2
        assert all(f"/Accounts/{PROJECT_ID}/" in r.path for r in emu.requests)


# -- arguments refused when the DAG file is parsed ----------------------------------------------


class TestArgumentsCheckedAtParseTime:
    def test_defaults(self) -> None:
        operator = StopConferenceStreamOperator(task_id="t", conference_sid="CF", stream_sid="S")
        assert operator.signalwire_conn_id == "signalwire_default"
        assert operator.account_sid is None
        knobs = vars(operator)
        assert (knobs["max_attempts"], knobs["initial_backoff"], knobs["max_backoff"]) == (
            5,
            1.0,
            30.0,
        )
        assert StopConferenceStreamsOperator(task_id="t", streams=[]).max_concurrency == 4

    def test_the_hook_gets_the_operators_connection_and_retry_knobs(self) -> None:
        operator = EndConferenceOperator(
            task_id="t", conference_sid="CF", signalwire_conn_id="sw_other", max_attempts=3,
            initial_backoff=0.25, max_backoff=7.5,
        )  # fmt: skip
        hook = operator.hook
        assert hook.signalwire_conn_id == "sw_other"
        assert (hook.max_attempts, hook.initial_backoff, hook.max_backoff) == (3, 0.25, 7.5)

    @pytest.mark.parametrize("max_concurrency", [1, 2, 63, 64])
    def test_bulk_stop_keeps_as_many_connections_as_requests_in_flight(
        self, max_concurrency: int
    ) -> None:
        operator = StopConferenceStreamsOperator(
            task_id="t", streams=[], max_concurrency=max_concurrency
        )
        assert operator.max_concurrency == max_concurrency
        assert operator.hook.pool_size == max_concurrency

    @pytest.mark.parametrize("value", [0, 65, -1, True, 4.0, "4", None])
    def test_max_concurrency_outside_1_to_64_is_refused_by_name(self, value: Any) -> None:
        with pytest.raises(SignalWireValidationError) as refused:
            StopConferenceStreamsOperator(task_id="t", streams=[], max_concurrency=value)
        assert str(refused.value) == (
            f"Invalid max_concurrency {value!r}: expected an integer from 1 to 64."
        )

    @pytest.mark.parametrize(
        ("knob", "accepted", "refused"),
        [
            ("max_attempts", [1, 100], [0, 101]),
            ("initial_backoff", [0, 0.0, 3600, 3600.0], [-0.001, 3600.001]),
            ("max_backoff", [0, 3600], [-1, 3601]),
        ],
    )
    def test_retry_knobs_both_sides_of_each_limit(
        self, knob: str, accepted: list[Any], refused: list[Any]
    ) -> None:
        for value in accepted:
            operator = EndConferenceOperator(task_id="t", conference_sid="CF", **{knob: value})
            assert getattr(operator, knob) == value
        for value in refused:
            with pytest.raises(SignalWireValidationError, match=f"^Invalid {knob} {value!r}: "):
                EndConferenceOperator(task_id="t", conference_sid="CF", **{knob: value})
