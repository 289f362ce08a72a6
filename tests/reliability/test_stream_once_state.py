"""
A stream is started once per task instance, whatever the retries (issue 23, point 7).

A Hypothesis state machine runs tries of one ``StartConferenceStreamOperator`` task instance
against the emulator over loopback: each try succeeds, loses its answer after SignalWire acted,
is dropped before SignalWire acted, or meets a server error; someone may stop the stream between
tries. With a ``task_state_store`` (Airflow 3.3) or without one (3.1), and with a derived, a
given, or (with a store) a per-try name, the conference must hold exactly as many live streams of
the task instance as the reference model says: at most one, and the one XCom names after a
success.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from signalwire_test_support import connection_json

from airflow_provider_signalwire.exceptions import SignalWireError
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.operators.conference import (
    STREAM_STATE_KEY,
    StartConferenceStreamOperator,
    default_stream_name,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Iterator

LIVE = ("queued", "in-progress")
#: What happens to a try's start request, and whether SignalWire started a stream for it.
OUTCOMES = {"ok": True, "lost_answer": True, "dropped": False, "server_error": False}


class FakeTaskInstance:
    """The parts of a task instance the operator reads: identity, try number, XCom."""

    def __init__(self, try_number: int) -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index = "stateful", "start", "r1", -1
        self.try_number = try_number
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


class FakeStateStore:
    """Airflow 3.3's ``task_state_store``, as a dict that survives the tries."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        assert value is not None
        self.values[key] = value


@pytest.fixture(scope="module")
def emu() -> Iterator[SignalWireEmulator]:
    from signalwire_test_support import PROJECT_ID, TOKEN

    with SignalWireEmulator(project_id=PROJECT_ID, token=TOKEN) as emulator:
        yield emulator


def test_one_live_stream_per_task_instance_whatever_the_tries(
    emu: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emu.url))

    class StartTries(RuleBasedStateMachine):
        """Tries of one task instance; the model is the number of its live streams."""

        @initialize(
            with_store=st.booleans(),
            naming=st.sampled_from(["derived", "given", "per-try"]),
            repeat_stop_status=st.sampled_from([200, 404]),
        )
        def new_task_instance(self, with_store: bool, naming: str, repeat_stop_status: int) -> None:
            emu.clear_faults()
            emu.repeat_stop_status = repeat_stop_status
            self.conference = emu.add_conference(friendly_name="tries", status="in-progress")["sid"]
            # Stops (".../Streams/{id}") pass untouched; faults below then only hit starts.
            emu.add_fault(Fault(path_contains=f"{self.conference}/Streams/"), times=10**6)
            self.store = FakeStateStore() if with_store else None
            # A name rendered differently per try can only be found through the store.
            self.naming = naming if with_store or naming != "per-try" else "given"
            self.try_number = 0
            self.live_expected = 0
            self.last_success: FakeTaskInstance | None = None

        def name(self) -> str:
            return {"derived": "", "given": "recorder", "per-try": f"rec-{self.try_number}"}[
                self.naming
            ]

        @rule(outcome=st.sampled_from(sorted(OUTCOMES)))
        def a_try(self, outcome: str) -> None:
            self.try_number += 1
            fault = {
                "lost_answer": Fault(action="apply_then_drop", method="POST"),
                "dropped": Fault(action="drop", method="POST"),
                "server_error": Fault(status=503, method="POST"),
            }.get(outcome)
            if fault is not None:
                emu.add_fault(
                    dataclasses.replace(fault, path_contains=f"{self.conference}/Streams"), times=1
                )
            ti = FakeTaskInstance(self.try_number)
            context: dict[str, Any] = {"ti": ti}
            if self.store is not None:
                context["task_state_store"] = self.store
            operator = StartConferenceStreamOperator(
                task_id="start",
                conference_sid=self.conference,
                url="wss://media.example.com/a",
                name=self.name(),
                max_attempts=1,
            )
            if outcome == "ok":
                stream = operator.execute(context)  # type: ignore[arg-type]
                assert ti.xcom["stream_sid"] == stream["sid"]
                self.last_success = ti
            else:
                with pytest.raises(SignalWireError):
                    operator.execute(context)  # type: ignore[arg-type]
                self.last_success = None
            self.live_expected = 1 if OUTCOMES[outcome] else 0

        @rule()
        def someone_stops_it(self) -> None:
            hook = SignalWireHook()
            try:
                for stream in self.live_streams():
                    hook.stop_conference_stream(self.conference, stream["sid"])
            finally:
                hook.close()
            self.live_expected = 0

        def live_streams(self) -> list[dict[str, Any]]:
            [conference] = [c for c in emu.state()["conferences"] if c["sid"] == self.conference]
            return [s for s in conference["streams"] if s["status"] in LIVE]

        @invariant()
        def live_streams_match_the_model(self) -> None:
            if not hasattr(self, "conference"):
                return
            live = self.live_streams()
            assert len(live) == self.live_expected <= 1, live
            if self.last_success is not None and self.live_expected:
                assert live[0]["sid"] == self.last_success.xcom["stream_sid"]
                if self.store is not None:
                    assert self.store.values[STREAM_STATE_KEY]["sid"] == live[0]["sid"]
            if live and self.naming == "derived":
                assert live[0]["name"] == default_stream_name({"ti": FakeTaskInstance(1)})

        def teardown(self) -> None:
            emu.clear_faults()

    run_state_machine_as_test(
        StartTries,
        settings=settings(
            max_examples=40,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        ),
    )
