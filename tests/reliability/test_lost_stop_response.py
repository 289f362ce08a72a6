"""
A stop that reached SignalWire but whose answer was lost, then retried: the task must succeed.

The emulator's ``apply_then_drop`` fault stops the stream and closes the connection unanswered;
``truncate`` stops it and cuts the answer off. The retry then finds the stream stopped, answered
200 (the default) or, switched with ``repeat_stop_status = 404``, as unknown. Only a 404 that
follows such a lost answer means "already stopped"; any other 404 still fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from reliability_support import assert_no_secret, leak_surface

from airflow_provider_signalwire.exceptions import SignalWireNotFoundError
from airflow_provider_signalwire.operators.conference import StopConferenceStreamOperator
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator

if TYPE_CHECKING:
    from signalwire_test_support import FakeSleep


class FakeTaskInstance:
    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


def stop_operator(emu: SignalWireEmulator, sleeps: FakeSleep, stream_sid: str | None = None):
    operator = StopConferenceStreamOperator(
        task_id="stop_stream",
        conference_sid=emu.demo_conference_sid,
        stream_sid=stream_sid or emu.demo_stream_sid,
        max_attempts=3,
    )
    operator.hook.transport.sleep = sleeps
    return operator


LOST_ANSWERS = ["apply_then_drop", "truncate"]


class TestStopOperatorAfterLostAnswer:
    @pytest.mark.parametrize("lost", LOST_ANSWERS)
    @pytest.mark.parametrize("repeat_status", [200, 404])
    def test_ends_stopped_and_pushes_stream_status(
        self,
        signalwire_default: SignalWireEmulator,
        sleeps: FakeSleep,
        capfd: pytest.CaptureFixture[str],
        repeat_status: int,
        lost: str,
    ) -> None:
        emu = signalwire_default
        emu.repeat_stop_status = repeat_status
        emu.add_fault(Fault(action=lost), times=1)  # type: ignore[arg-type]
        ti = FakeTaskInstance()

        stream = stop_operator(emu, sleeps).execute({"ti": ti})  # type: ignore[arg-type]

        assert stream["status"] == "stopped"
        assert stream["conference_sid"] == emu.demo_conference_sid
        assert ti.xcom == {"stream_status": "stopped"}
        assert [r.method for r in emu.requests] == ["POST", "POST"]
        assert emu.stop_counts[emu.demo_stream_sid] == 1
        assert len(sleeps.waits) == 1
        out = capfd.readouterr().out
        assert ("taking it as already stopped" in out) is (repeat_status == 404)
        assert "is now stopped" in out

    def test_by_name_after_lost_answer_and_404(
        self,
        signalwire_default: SignalWireEmulator,
        sleeps: FakeSleep,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        emu = signalwire_default
        emu.repeat_stop_status = 404
        named = emu.add_stream(emu.demo_conference_sid, name="recorder/left")
        emu.add_fault(Fault(action="apply_then_drop"), times=1)
        ti = FakeTaskInstance()

        stream = stop_operator(emu, sleeps, "recorder/left").execute({"ti": ti})  # type: ignore[arg-type]

        assert stream["status"] == "stopped"
        assert ti.xcom == {"stream_status": "stopped"}
        assert emu.stop_counts[named["sid"]] == 1
        assert "taking it as already stopped" in capfd.readouterr().out

    def test_slow_first_attempt_still_stops_exactly_once(
        self, emulator: SignalWireEmulator, make_hook: Any
    ) -> None:
        """The first stop times out client-side but lands later; the retry must not double it."""
        emu = emulator
        emu.repeat_stop_status = 404
        hook = make_hook(emu.url, timeout=0.3)
        emu.add_fault(Fault(delay=0.8), times=1)  # handled normally, after the client gave up

        stream = hook.stop_conference_stream(emu.demo_conference_sid, emu.demo_stream_sid)

        assert stream["status"] == "stopped"
        assert len(emu.requests) == 2
        assert emu.stop_counts[emu.demo_stream_sid] == 1


class TestStop404WithoutLostAnswerStillFails:
    @pytest.mark.parametrize("stream_sid", ["no-such-stream", None])
    def test_operator_fails_with_not_found_and_pushes_nothing(
        self, signalwire_default: SignalWireEmulator, sleeps: FakeSleep, stream_sid: str | None
    ) -> None:
        emu = signalwire_default
        emu.repeat_stop_status = 404
        if stream_sid is None:  # the seeded stream, already stopped before the task runs
            emu.add_stream(emu.demo_conference_sid)
            stop_operator(emu, sleeps).hook.stop_conference_stream(
                emu.demo_conference_sid, emu.demo_stream_sid
            )
            emu.clear_requests()
        ti = FakeTaskInstance()

        with pytest.raises(SignalWireNotFoundError) as caught:
            stop_operator(emu, sleeps, stream_sid).execute({"ti": ti})  # type: ignore[arg-type]

        assert caught.value.after_lost_response is False
        assert caught.value.status_code == 404
        assert ti.xcom == {}
        assert len(emu.requests) == 1
        assert sleeps.waits == []
        assert_no_secret(leak_surface(caught.value))

    @pytest.mark.parametrize("status", [500, 503, 429])
    def test_404_after_a_refused_attempt_is_not_taken_as_stopped(
        self, signalwire_default: SignalWireEmulator, sleeps: FakeSleep, status: int
    ) -> None:
        """A 5xx/429 answer was received, so nothing was lost: a following 404 is a real 404."""
        emu = signalwire_default
        emu.add_fault(Fault(status=status), times=1)
        emu.add_fault(Fault(status=404), times=1)
        ti = FakeTaskInstance()

        with pytest.raises(SignalWireNotFoundError) as caught:
            stop_operator(emu, sleeps).execute({"ti": ti})  # type: ignore[arg-type]

        assert caught.value.after_lost_response is False
        assert len(emu.requests) == 2
        assert emu.stop_counts[emu.demo_stream_sid] == 0
        assert ti.xcom == {}
