"""
Each operator closes its hook's connections once, whatever happened, and ``on_kill`` cuts it off.

Counted at the hook (``close`` and ``abort`` calls) and at the emulator (requests that arrived).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_signalwire.exceptions import (
    SignalWireCancelledError,
    SignalWireError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.operators.conference import (
    EndConferenceOperator,
    RemoveConferenceParticipantOperator,
    SignalWireBaseOperator,
    StartConferenceStreamOperator,
    StopConferenceStreamOperator,
    StopConferenceStreamsOperator,
    UpdateConferenceParticipantOperator,
)
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

if TYPE_CHECKING:
    from collections.abc import Callable

WSS = "wss://ws.example.com/audio"


class TaskInstance:
    def __init__(self) -> None:
        self.pushes: list[tuple[str, Any]] = []

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushes.append((key, value))


def as_context(ti: object) -> Any:
    """A task context holding only ``ti``."""
    return {"ti": ti}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[SignalWireHook]]:
    """Every ``close`` and ``abort`` of any hook, in order (the real methods still run)."""
    seen: dict[str, list[SignalWireHook]] = {"close": [], "abort": []}
    real_close, real_abort = SignalWireHook.close, SignalWireHook.abort

    def close(hook: SignalWireHook) -> None:
        seen["close"].append(hook)
        real_close(hook)

    def abort(hook: SignalWireHook) -> None:
        seen["abort"].append(hook)
        real_abort(hook)

    monkeypatch.setattr(SignalWireHook, "close", close)
    monkeypatch.setattr(SignalWireHook, "abort", abort)
    return seen


def participant(emu: SignalWireEmulator) -> str:
    call_sid: str = emu.add_participant(emu.demo_conference_sid)["call_sid"]
    return call_sid


#: Each operator, built to succeed against a freshly seeded emulator.
OPERATORS: dict[str, Callable[[SignalWireEmulator], SignalWireBaseOperator]] = {
    "stop": lambda emu: StopConferenceStreamOperator(
        task_id="t", conference_sid=emu.demo_conference_sid, stream_sid=emu.demo_stream_sid
    ),
    "start": lambda emu: StartConferenceStreamOperator(
        task_id="t", conference_sid=emu.demo_conference_sid, url=WSS, name="n1"
    ),
    "bulk-stop": lambda emu: StopConferenceStreamsOperator(
        task_id="t",
        streams=[{"conference_sid": emu.demo_conference_sid, "stream_sid": emu.demo_stream_sid}],
    ),
    "end": lambda emu: EndConferenceOperator(task_id="t", conference_sid=emu.demo_conference_sid),
    "update": lambda emu: UpdateConferenceParticipantOperator(
        task_id="t", conference_sid=emu.demo_conference_sid, call_sid=participant(emu), muted=False
    ),
    "remove": lambda emu: RemoveConferenceParticipantOperator(
        task_id="t", conference_sid=emu.demo_conference_sid, call_sid=participant(emu)
    ),
}


@pytest.mark.parametrize("kind", list(OPERATORS))
class TestEachOperator:
    def test_closes_its_hook_once_after_a_success(
        self, emu: SignalWireEmulator, calls: dict[str, list[SignalWireHook]], kind: str
    ) -> None:
        operator = OPERATORS[kind](emu)
        operator.execute(as_context(TaskInstance()))
        assert calls["close"] == [operator.hook]
        assert "transport" not in vars(operator.hook)  # its pooled connections are gone
        assert calls["abort"] == []

    def test_closes_its_hook_once_after_signalwire_refused(
        self, emu: SignalWireEmulator, calls: dict[str, list[SignalWireHook]], kind: str
    ) -> None:
        emu.add_fault(Fault(status=400), times=10)
        operator = OPERATORS[kind](emu)
        with pytest.raises(SignalWireError):
            operator.execute(as_context(TaskInstance()))
        assert calls["close"] == [operator.hook]
        assert "transport" not in vars(operator.hook)
        assert len(emu.requests) == 1

    def test_on_kill_before_any_call_builds_no_hook(
        self, emu: SignalWireEmulator, calls: dict[str, list[SignalWireHook]], kind: str
    ) -> None:
        operator = OPERATORS[kind](emu)
        operator.on_kill()
        assert "hook" not in vars(operator)
        assert calls == {"close": [], "abort": []}

    def test_on_kill_aborts_the_hook_so_nothing_more_is_sent(
        self, emu: SignalWireEmulator, calls: dict[str, list[SignalWireHook]], kind: str
    ) -> None:
        operator = OPERATORS[kind](emu)
        hook = operator.hook  # built, as during ``execute``
        emu.clear_requests()
        operator.on_kill()
        assert calls["abort"] == [hook]
        ti = TaskInstance()
        with pytest.raises(SignalWireError) as raised:
            operator.execute(as_context(ti))
        if kind == "bulk-stop":  # the batch reports each stream's outcome, then fails
            [(_, [outcome])] = ti.pushes
            assert outcome["error_type"] == "SignalWireCancelledError"
        else:
            assert isinstance(raised.value, SignalWireCancelledError)
        assert emu.requests == []
        assert calls["close"] == [hook]


@pytest.mark.parametrize(
    "build",
    [
        lambda: UpdateConferenceParticipantOperator(task_id="t", conference_sid="CF", call_sid="C"),
        lambda: StartConferenceStreamOperator(
            task_id="t", conference_sid="CF", url=WSS, parameters="{not json"
        ),
    ],
    ids=["update-without-change", "start-with-bad-parameters"],
)
def test_arguments_refused_before_any_call_leave_no_hook_to_close(
    emu: SignalWireEmulator,
    calls: dict[str, list[SignalWireHook]],
    build: Callable[[], SignalWireBaseOperator],
) -> None:
    operator = build()
    with pytest.raises(SignalWireValidationError):
        operator.execute(as_context(TaskInstance()))
    assert "hook" not in vars(operator)
    assert calls == {"close": [], "abort": []}
    assert emu.requests == []


def test_each_execute_of_one_operator_closes_what_it_opened(
    emu: SignalWireEmulator, calls: dict[str, list[SignalWireHook]]
) -> None:
    """An operator run twice (a retry in the same worker) closes its hook after each run."""
    operator = EndConferenceOperator(task_id="t", conference_sid=emu.demo_conference_sid)
    for runs in (1, 2):
        operator.execute(as_context(TaskInstance()))
        assert calls["close"] == [operator.hook] * runs
        assert "transport" not in vars(operator.hook)
    assert len(emu.requests) == 2


def test_the_base_operator_makes_no_call_of_its_own(emu: SignalWireEmulator) -> None:
    operator = SignalWireBaseOperator(task_id="t")
    with pytest.raises(NotImplementedError):
        operator.execute(as_context(TaskInstance()))
    assert "hook" not in vars(operator)
