"""The operators against the emulator: validation, hook use, XCom contract, bulk outcomes."""

from __future__ import annotations

from typing import Any

import pytest
from signalwire_test_support import PROJECT_ID

from airflow_provider_signalwire.exceptions import (
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.operators.conference import (
    EndConferenceOperator,
    RemoveConferenceParticipantOperator,
    StartConferenceStreamOperator,
    StopConferenceStreamOperator,
    StopConferenceStreamsOperator,
    UpdateConferenceParticipantOperator,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator


class FakeTaskInstance:
    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


@pytest.fixture
def context() -> dict[str, Any]:
    return {"ti": FakeTaskInstance()}


class TestStopConferenceStreamOperator:
    def test_template_fields(self) -> None:
        assert isinstance(StopConferenceStreamOperator.template_fields, tuple)
        assert {"conference_sid", "stream_sid", "account_sid", "signalwire_conn_id"} <= set(
            StopConferenceStreamOperator.template_fields
        )

    def test_constructor_needs_keywords_and_does_no_io(self, emulator: SignalWireEmulator) -> None:
        with pytest.raises(TypeError):
            StopConferenceStreamOperator("t", "CF", "ST")  # type: ignore[misc]
        operator = StopConferenceStreamOperator(task_id="t", conference_sid="CF", stream_sid="ST")
        assert "hook" not in operator.__dict__
        assert emulator.requests == []

    def test_bad_retry_knob_fails_at_parse_time(self) -> None:
        with pytest.raises(SignalWireValidationError, match="max_attempts 0"):
            StopConferenceStreamOperator(
                task_id="t", conference_sid="CF", stream_sid="ST", max_attempts=0
            )

    def test_stops_and_pushes_status(
        self,
        signalwire_default: SignalWireEmulator,
        context: dict[str, Any],
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        emu = signalwire_default
        operator = StopConferenceStreamOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, stream_sid=emu.demo_stream_sid
        )
        result = operator.execute(context)  # type: ignore[arg-type]
        assert result["status"] == "stopped"
        assert result["sid"] == emu.demo_stream_sid
        assert context["ti"].xcom == {"stream_status": "stopped"}
        out = capfd.readouterr().out
        assert (
            f"stream {emu.demo_stream_sid} of conference {emu.demo_conference_sid} is now stopped"
            in out
        )

    def test_invalid_rendered_sid_fails_before_any_request(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        operator = StopConferenceStreamOperator(
            task_id="t", conference_sid="CF/../x", stream_sid="ST"
        )
        with pytest.raises(SignalWireValidationError, match="conference_sid 'CF/../x'"):
            operator.execute(context)  # type: ignore[arg-type]
        assert signalwire_default.requests == []

    def test_not_found_fails_without_retry(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        operator = StopConferenceStreamOperator(
            task_id="t", conference_sid=signalwire_default.demo_conference_sid, stream_sid="nope"
        )
        with pytest.raises(SignalWireNotFoundError):
            operator.execute(context)  # type: ignore[arg-type]
        assert len(signalwire_default.requests) == 1
        assert context["ti"].xcom == {}

    def test_retry_knobs_reach_the_hook(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        emu.add_fault(Fault(status=503), times=5)
        operator = StopConferenceStreamOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, stream_sid=emu.demo_stream_sid,
            max_attempts=2, initial_backoff=0.0, max_backoff=0.0,
        )  # fmt: skip
        with pytest.raises(SignalWireError, match="gave up after 2 attempts"):
            operator.execute(context)  # type: ignore[arg-type]
        assert len(emu.requests) == 2


class TestStartConferenceStreamOperator:
    def test_starts_and_pushes_sid_and_status(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        operator = StartConferenceStreamOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, url="wss://ws.example.com/x",
            name="recorder", track="inbound_track", stream_codec="PCMU", stream_real_time=True,
            status_callback="https://cb.example.com/s", status_callback_method="GET",
            authorization_bearer_token="bearer-SECRET-1234", parameters={"a": "1", "b": 2},
        )  # fmt: skip
        stream = operator.execute(context)  # type: ignore[arg-type]
        assert context["ti"].xcom == {"stream_sid": stream["sid"], "stream_status": "in-progress"}
        form = emu.requests[-1].form
        assert form["Url"] == ["wss://ws.example.com/x"]
        assert form["Name"] == ["recorder"]
        assert form["Track"] == ["inbound_track"]
        assert form["StreamCodec"] == ["PCMU"]
        assert form["StreamRealTime"] == ["true"]
        assert form["StatusCallbackMethod"] == ["GET"]
        assert form["Parameter1.Name"] == ["a"] and form["Parameter2.Value"] == ["2"]
        assert "bearer-SECRET-1234" not in str(stream)

    @pytest.mark.parametrize(
        ("kwargs", "named"),
        [
            ({"url": "ws://ws.example.com/x"}, "url 'ws://ws.example.com/x'"),
            ({"url": "https://ws.example.com/x"}, "url"),
            ({"track": "left"}, "track 'left'"),
            ({"stream_codec": "mp3"}, "stream_codec 'mp3'"),
            ({"parameters": {f"p{i}": i for i in range(100)}}, "at most 99"),
            ({"parameters": "not json"}, "parameters"),
        ],
    )
    def test_invalid_input_fails_before_any_request(
        self,
        signalwire_default: SignalWireEmulator,
        context: dict[str, Any],
        kwargs: dict[str, Any],
        named: str,
    ) -> None:
        arguments = {"url": "wss://ws.example.com/x", **kwargs}
        operator = StartConferenceStreamOperator(
            task_id="t", conference_sid=signalwire_default.demo_conference_sid, **arguments
        )
        with pytest.raises(SignalWireValidationError, match=named):
            operator.execute(context)  # type: ignore[arg-type]
        assert signalwire_default.requests == []

    def test_bearer_token_is_masked_once_rendered(self) -> None:
        from airflow.sdk.log import redact

        operator = StartConferenceStreamOperator(
            task_id="t", conference_sid="CF", url="wss://a.example.com",
            authorization_bearer_token="{{ params.token }}",
        )  # fmt: skip
        operator.render_template_fields({"params": {"token": "rendered-bearer-XYZ-42"}})  # type: ignore[arg-type]
        assert operator.authorization_bearer_token == "rendered-bearer-XYZ-42"
        assert "rendered-bearer-XYZ-42" not in str(redact("header rendered-bearer-XYZ-42"))


class TestStopConferenceStreamsOperator:
    def test_stops_all_and_returns_outcomes(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        sids = [emu.add_stream(emu.demo_conference_sid)["sid"] for _ in range(12)]
        streams = [{"conference_sid": emu.demo_conference_sid, "stream_sid": sid} for sid in sids]
        operator = StopConferenceStreamsOperator(task_id="t", streams=streams, max_concurrency=3)
        outcomes = operator.execute(context)  # type: ignore[arg-type]
        assert [o["stream_sid"] for o in outcomes] == sids
        assert all(o["status"] == "stopped" for o in outcomes)
        assert context["ti"].xcom["stream_outcomes"] == outcomes
        assert all(emu.stop_counts[sid] == 1 for sid in sids)
        assert emu.max_in_flight <= 3

    def test_runs_the_whole_batch_then_fails(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        good = emu.add_stream(emu.demo_conference_sid)["sid"]
        streams = [
            {"conference_sid": emu.demo_conference_sid, "stream_sid": "missing"},
            {"conference_sid": emu.demo_conference_sid, "stream_sid": good},
        ]
        operator = StopConferenceStreamsOperator(task_id="t", streams=streams)
        with pytest.raises(SignalWireError, match="1 of 2 streams could not be stopped"):
            operator.execute(context)  # type: ignore[arg-type]
        outcomes = context["ti"].xcom["stream_outcomes"]
        assert outcomes[0]["error_type"] == "SignalWireNotFoundError"
        assert outcomes[1]["status"] == "stopped"

    @pytest.mark.parametrize(
        ("streams", "named"),
        [
            ([{"conference_sid": "CF1"}], r"streams\[0\]"),
            (
                [
                    {"conference_sid": "CF1", "stream_sid": "ok"},
                    {"conference_sid": "bad/", "stream_sid": "x"},
                ],
                r"streams\[1\]",
            ),
            ("{not json", "streams"),
        ],
    )
    def test_any_invalid_entry_fails_before_any_request(
        self,
        signalwire_default: SignalWireEmulator,
        context: dict[str, Any],
        streams: Any,
        named: str,
    ) -> None:
        operator = StopConferenceStreamsOperator(task_id="t", streams=streams)
        with pytest.raises(SignalWireValidationError, match=named):
            operator.execute(context)  # type: ignore[arg-type]
        assert signalwire_default.requests == []

    def test_accepts_json_from_a_template(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        streams = (
            f'[{{"conference_sid": "{emu.demo_conference_sid}", "stream_sid": "demo-stream"}}]'
        )
        outcomes = StopConferenceStreamsOperator(task_id="t", streams=streams).execute(context)  # type: ignore[arg-type]
        assert outcomes[0]["status"] == "stopped"


class TestConferenceAndParticipantOperators:
    def test_end_conference(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        conference = EndConferenceOperator(
            task_id="t", conference_sid=emu.demo_conference_sid
        ).execute(context)  # type: ignore[arg-type]
        assert conference["status"] == "completed"
        assert context["ti"].xcom == {"conference_status": "completed"}
        assert emu.requests[-1].form == {"Status": ["completed"]}

    def test_mute_participant(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        call_sid = emu.add_participant(emu.demo_conference_sid)["call_sid"]
        participant = UpdateConferenceParticipantOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, call_sid=call_sid, muted=True
        ).execute(context)  # type: ignore[arg-type]
        assert participant["muted"] is True
        assert emu.requests[-1].form == {"Muted": ["true"]}

    @pytest.mark.parametrize(
        ("change", "form"),
        [
            ({"muted": False}, {"Muted": ["false"]}),
            ({"hold": False}, {"Hold": ["false"]}),
            ({"muted": False, "hold": False}, {"Muted": ["false"], "Hold": ["false"]}),
            ({"muted": True, "hold": False}, {"Muted": ["true"], "Hold": ["false"]}),
        ],
    )
    def test_false_is_a_change_not_a_missing_one(
        self,
        signalwire_default: SignalWireEmulator,
        context: dict[str, Any],
        change: dict[str, bool],
        form: dict[str, list[str]],
    ) -> None:
        """Only ``None`` means "leave as it is": unmute and unhold are sent like any change."""
        emu = signalwire_default
        call_sid = emu.add_participant(emu.demo_conference_sid, muted=True, hold=True)["call_sid"]
        participant = UpdateConferenceParticipantOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, call_sid=call_sid, **change
        ).execute(context)  # type: ignore[arg-type]
        assert emu.requests[-1].form == form
        for name, value in change.items():
            assert participant[name] is value

    def test_update_without_changes_is_refused(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        operator = UpdateConferenceParticipantOperator(
            task_id="t", conference_sid="CF1", call_sid="CA1"
        )
        with pytest.raises(SignalWireValidationError, match="at least one change"):
            operator.execute(context)  # type: ignore[arg-type]
        assert signalwire_default.requests == []

    @pytest.mark.parametrize("field", ["beep_on_exit", "end_conference_on_exit"])
    def test_fields_signalwire_does_not_define_are_refused(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any], field: str
    ) -> None:
        emu = signalwire_default
        call_sid = emu.add_participant(emu.demo_conference_sid)["call_sid"]
        operator = UpdateConferenceParticipantOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, call_sid=call_sid,
            muted=True, **{field: True},
        )  # fmt: skip
        with pytest.raises(SignalWireValidationError, match=f"{field}.*Muted"):
            operator.execute(context)  # type: ignore[arg-type]
        assert emu.requests == []

    def test_remove_participant(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        emu = signalwire_default
        call_sid = emu.add_participant(emu.demo_conference_sid)["call_sid"]
        result = RemoveConferenceParticipantOperator(
            task_id="t", conference_sid=emu.demo_conference_sid, call_sid=call_sid
        ).execute(context)  # type: ignore[arg-type]
        assert result == {
            "conference_sid": emu.demo_conference_sid,
            "call_sid": call_sid,
            "status": "removed",
        }
        assert emu.requests[-1].method == "DELETE"

    def test_account_sid_defaults_to_project(
        self, signalwire_default: SignalWireEmulator, context: dict[str, Any]
    ) -> None:
        EndConferenceOperator(
            task_id="t", conference_sid=signalwire_default.demo_conference_sid
        ).execute(context)  # type: ignore[arg-type]
        assert f"/Accounts/{PROJECT_ID}/" in signalwire_default.requests[-1].path
