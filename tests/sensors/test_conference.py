"""SignalWireConferenceSensor: validation, poke against the emulator, deferral, resumption."""

from __future__ import annotations

import ast
import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from airflow.sdk import PokeReturnValue

try:
    from airflow.sdk.exceptions import (
        AirflowRescheduleException,
        AirflowSensorTimeout,
        TaskDeferred,
    )
except ImportError:  # Airflow 3.1
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined]
        AirflowRescheduleException,
        AirflowSensorTimeout,
        TaskDeferred,
    )

from signalwire_test_support import PROJECT_ID, TOKEN, connection_json

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.sensors import conference as sensor_module
from airflow_provider_signalwire.sensors.conference import SignalWireConferenceSensor
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

CONTEXT: Any = {}


def make_sensor(**kwargs: Any) -> SignalWireConferenceSensor:
    defaults: dict[str, Any] = {
        "task_id": "wait",
        "poke_interval": 0.1,
        "timeout": 5,
        "initial_backoff": 0.0,
        "max_backoff": 0.0,
    }
    return SignalWireConferenceSensor(**{**defaults, **kwargs})


def xcom(result: PokeReturnValue) -> dict[str, Any]:
    assert isinstance(result.xcom_value, dict)
    return result.xcom_value


class TestConstructor:
    @pytest.mark.parametrize(
        "kwargs",
        [{}, {"conference_sid": "CF1", "friendly_name": "standup"}],
        ids=["neither", "both"],
    )
    def test_needs_exactly_one_of_sid_and_name(self, kwargs: dict[str, Any]) -> None:
        with pytest.raises(
            SignalWireValidationError, match="exactly one of conference_sid and friendly_name"
        ):
            SignalWireConferenceSensor(task_id="wait", **kwargs)

    @pytest.mark.parametrize("target_status", ["done", "", [], ["completed", "ended"], 1, None])
    def test_refuses_bad_target_status(self, target_status: Any) -> None:
        with pytest.raises(SignalWireValidationError, match="Invalid target_status"):
            SignalWireConferenceSensor(
                task_id="wait", conference_sid="CF1", target_status=target_status
            )

    @pytest.mark.parametrize(
        ("target_status", "expected"),
        [
            ("completed", ("completed",)),
            ("init", ("init",)),
            (["in-progress", "completed"], ("in-progress", "completed")),
        ],
    )
    def test_accepts_status_or_list(self, target_status: Any, expected: tuple[str, ...]) -> None:
        sensor = SignalWireConferenceSensor(
            task_id="wait", conference_sid="CF1", target_status=target_status
        )
        assert sensor.target_statuses == expected

    @pytest.mark.parametrize(
        "kwargs",
        [{"max_attempts": 0}, {"initial_backoff": -1}, {"max_backoff": "x"}],
    )
    def test_refuses_bad_retry_knobs(self, kwargs: dict[str, Any]) -> None:
        with pytest.raises(SignalWireValidationError):
            SignalWireConferenceSensor(task_id="wait", conference_sid="CF1", **kwargs)

    def test_defaults_and_template_fields(self) -> None:
        sensor = SignalWireConferenceSensor(task_id="wait", friendly_name="{{ params.name }}")
        assert isinstance(SignalWireConferenceSensor.template_fields, tuple)
        assert {"conference_sid", "friendly_name", "signalwire_conn_id", "account_sid"} <= set(
            SignalWireConferenceSensor.template_fields
        )
        assert sensor.target_statuses == ("completed",)
        assert sensor.signalwire_conn_id == "signalwire_default"
        assert sensor.deferrable is False
        assert (sensor.max_attempts, sensor.initial_backoff, sensor.max_backoff) == (5, 1.0, 30.0)

    def test_constructor_is_keyword_only_and_does_no_io(self) -> None:
        with pytest.raises(TypeError):
            SignalWireConferenceSensor("CF1", task_id="wait")  # type: ignore[call-arg]
        sensor = SignalWireConferenceSensor(
            task_id="wait", conference_sid="CF1", signalwire_conn_id="undefined"
        )
        assert "hook" not in sensor.__dict__

    def test_module_imports_no_http_stack(self) -> None:
        tree = ast.parse(Path(sensor_module.__file__).read_text())
        top_level = {
            name.split(".")[0]
            for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        }
        assert not top_level & {"httpx", "requests", "tenacity"}


class TestPoke:
    def test_not_done_then_done(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="in-progress")
        sensor = make_sensor(conference_sid=conference["sid"])

        first = sensor.poke(CONTEXT)
        emu.set_conference_status(conference["sid"], "completed")
        second = sensor.poke(CONTEXT)

        assert isinstance(first, PokeReturnValue)
        assert first.is_done is False
        assert first.xcom_value is None
        assert second.is_done is True
        assert xcom(second)["sid"] == conference["sid"]
        assert xcom(second)["status"] == "completed"

    def test_list_of_target_statuses(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="in-progress")
        sensor = make_sensor(
            conference_sid=conference["sid"], target_status=["in-progress", "completed"]
        )

        assert sensor.poke(CONTEXT).is_done is True

    def test_friendly_name_not_found_keeps_waiting(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        sensor = make_sensor(friendly_name="not-yet")

        assert sensor.poke(CONTEXT).is_done is False
        conference = emu.add_conference(friendly_name="not-yet", status="completed")
        result = sensor.poke(CONTEXT)

        assert result.is_done is True
        assert xcom(result)["sid"] == conference["sid"]
        lookups = [r for r in emu.requests if r.path == f"{emu.base_path}/Conferences"]
        assert [r.query.get("FriendlyName") for r in lookups] == [["not-yet"], ["not-yet"]]

    def test_friendly_name_watches_the_newest_conference(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        emu.add_conference(friendly_name="retro", status="completed")
        newest = emu.add_conference(friendly_name="retro", status="in-progress")
        sensor = make_sensor(friendly_name="retro")

        assert sensor.poke(CONTEXT).is_done is False
        emu.set_conference_status(newest["sid"], "completed")
        assert xcom(sensor.poke(CONTEXT))["sid"] == newest["sid"]

    def test_unknown_sid_fails_clearly(self, signalwire_default: SignalWireEmulator) -> None:
        unknown = str(uuid.uuid4())
        sensor = make_sensor(conference_sid=unknown)

        with pytest.raises(
            SignalWireNotFoundError,
            match=f"conference {unknown} does not exist in account {PROJECT_ID}",
        ):
            sensor.poke(CONTEXT)

    def test_wrong_token_fails_without_leaking_it(
        self, emulator: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        wrong = "wrong-token-LEAKCHECK-1111"
        monkeypatch.setenv(
            "AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emulator.url, token=wrong)
        )
        sensor = make_sensor(conference_sid=emulator.demo_conference_sid)

        with pytest.raises(SignalWireAuthError) as raised:
            sensor.poke(CONTEXT)
        assert wrong not in str(raised.value)

    def test_retries_503_then_succeeds(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="flaky", status="completed")
        emu.add_fault(Fault(status=503), times=1)
        sensor = make_sensor(conference_sid=conference["sid"])

        assert sensor.poke(CONTEXT).is_done is True
        assert len(emu.requests) == 2

    def test_invalid_rendered_sid_is_refused_before_any_request(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        sensor = make_sensor(conference_sid="../Streams")

        with pytest.raises(SignalWireValidationError, match="conference_sid"):
            sensor.poke(CONTEXT)
        assert signalwire_default.requests == []


class TestExecutePokeMode:
    def test_returns_conference_when_reached(self, signalwire_default: SignalWireEmulator) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="in-progress")
        emu.schedule_conference_status(conference["sid"], "completed", after=0.3)

        result = make_sensor(conference_sid=conference["sid"]).execute(CONTEXT)

        assert result["sid"] == conference["sid"]
        assert result["status"] == "completed"

    def test_times_out(self, signalwire_default: SignalWireEmulator) -> None:
        conference = signalwire_default.add_conference(
            friendly_name="forever", status="in-progress"
        )

        with pytest.raises(AirflowSensorTimeout):
            make_sensor(conference_sid=conference["sid"], timeout=0.3).execute(CONTEXT)


class TestExecuteRescheduleMode:
    def test_not_done_reschedules_done_returns(
        self, signalwire_default: SignalWireEmulator
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="in-progress")
        ti = mock.Mock()
        ti.get_first_reschedule_date.return_value = None
        context: Any = {"ti": ti}

        with pytest.raises(AirflowRescheduleException):
            make_sensor(conference_sid=conference["sid"], mode="reschedule").execute(context)
        emu.set_conference_status(conference["sid"], "completed")
        result = make_sensor(conference_sid=conference["sid"], mode="reschedule").execute(context)

        assert result["status"] == "completed"


class TestDeferrable:
    def test_defers_with_the_trigger(self) -> None:
        sensor = make_sensor(
            friendly_name="standup",
            target_status=["in-progress", "completed"],
            signalwire_conn_id="sw",
            account_sid="AC123",
            deferrable=True,
            poke_interval=30,
            timeout=600,
            max_attempts=3,
        )

        with pytest.raises(TaskDeferred) as deferred:
            sensor.execute(CONTEXT)

        assert deferred.value.method_name == "execute_complete"
        assert deferred.value.timeout == timedelta(seconds=600)
        trigger = deferred.value.trigger
        assert isinstance(trigger, ConferenceStatusTrigger)
        assert trigger.serialize() == (
            "airflow_provider_signalwire.triggers.conference.ConferenceStatusTrigger",
            {
                "conference_sid": None,
                "friendly_name": "standup",
                "target_statuses": ["in-progress", "completed"],
                "signalwire_conn_id": "sw",
                "account_sid": "AC123",
                "poll_interval": 30.0,
                "max_attempts": 3,
                "initial_backoff": 0.0,
                "max_backoff": 0.0,
            },
        )

    def test_invalid_sid_fails_before_deferring(self) -> None:
        sensor = make_sensor(conference_sid="bad sid", deferrable=True)

        with pytest.raises(SignalWireValidationError, match="conference_sid"):
            sensor.execute(CONTEXT)

    def test_trigger_event_resumes_the_sensor(self, signalwire_default: SignalWireEmulator) -> None:
        """The triggerer's round trip, in process: defer, run the trigger, resume with its event."""
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="in-progress")
        emu.schedule_conference_status(conference["sid"], "completed", after=0.3)
        sensor = make_sensor(conference_sid=conference["sid"], deferrable=True)

        with pytest.raises(TaskDeferred) as deferred:
            sensor.execute(CONTEXT)

        async def first_event() -> dict[str, Any]:
            async for event in deferred.value.trigger.run():
                return dict(event.payload)
            raise AssertionError("no event")

        payload = asyncio.run(asyncio.wait_for(first_event(), 5))
        result = sensor.resume_execution(deferred.value.method_name, {"event": payload}, CONTEXT)

        assert result["sid"] == conference["sid"]
        assert result["status"] == "completed"


class TestExecuteComplete:
    def test_success_returns_the_conference(self) -> None:
        conference = {"sid": "CF1", "status": "completed"}
        sensor = make_sensor(conference_sid="CF1", deferrable=True)

        assert (
            sensor.execute_complete(CONTEXT, {"status": "success", "conference": conference})
            == conference
        )

    @pytest.mark.parametrize(
        ("error_type", "expected"),
        [
            ("SignalWireAuthError", SignalWireAuthError),
            ("SignalWireNotFoundError", SignalWireNotFoundError),
            ("KeyError", SignalWireError),
            (None, SignalWireError),
        ],
    )
    def test_error_keeps_the_error_class(
        self, error_type: str | None, expected: type[SignalWireError]
    ) -> None:
        sensor = make_sensor(conference_sid="CF1", deferrable=True)
        event = {"status": "error", "message": "it failed", "error_type": error_type}

        with pytest.raises(SignalWireError, match="it failed") as raised:
            sensor.execute_complete(CONTEXT, event)
        assert type(raised.value) is expected

    @pytest.mark.parametrize(
        ("event", "match"),
        [
            ({"status": "error", "message": "SignalWire answered 401"}, "SignalWire answered 401"),
            (None, "No usable event"),
            ({"status": "success"}, "has no conference"),
        ],
    )
    def test_error_raises_with_the_message(self, event: dict[str, Any] | None, match: str) -> None:
        sensor = make_sensor(conference_sid="CF1", deferrable=True)

        with pytest.raises(SignalWireError, match=match):
            sensor.execute_complete(CONTEXT, event)


class TestSecrets:
    def test_token_never_in_output(
        self, signalwire_default: SignalWireEmulator, capsys: pytest.CaptureFixture[str]
    ) -> None:
        emu = signalwire_default
        conference = emu.add_conference(friendly_name="standup", status="completed")
        emu.add_fault(Fault(status=503), times=1)

        make_sensor(conference_sid=conference["sid"]).execute(CONTEXT)
        sensor = make_sensor(conference_sid=conference["sid"], deferrable=True)
        with pytest.raises(TaskDeferred) as deferred:
            sensor.execute(CONTEXT)

        async def drain() -> None:
            async for _ in deferred.value.trigger.run():
                pass

        asyncio.run(drain())
        out = capsys.readouterr()
        assert TOKEN not in out.out + out.err
