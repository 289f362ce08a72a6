"""
SignalWireConferenceSensor as tables: what a look returns and logs, what a deferral hands over.

Also: the limits of its durations on both sides, the trigger's events it resumes with, the hook it
closes after a wait and aborts on a kill, and one hook kept across looks that idle longer than the
in-flight watchdog lives (a poke-mode sensor keeps one hook for hours).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from signalwire_test_support import connection_json, console, logged

try:
    from airflow.sdk.exceptions import AirflowRescheduleException, TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined]
        AirflowRescheduleException,
        TaskDeferred,
    )

from airflow_provider_signalwire.exceptions import (
    SignalWireAuthError,
    SignalWireCancelledError,
    SignalWireConnectionError,
    SignalWireError,
    SignalWireNotFoundError,
    SignalWireRateLimitError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks.signalwire import SignalWireHook
from airflow_provider_signalwire.sensors.conference import SignalWireConferenceSensor
from airflow_provider_signalwire.testing import Fault, SignalWireEmulator
from airflow_provider_signalwire.triggers.conference import ConferenceStatusTrigger

CONTEXT: Any = {}


def sensor(**kwargs: Any) -> SignalWireConferenceSensor:
    defaults: dict[str, Any] = {
        "task_id": "wait",
        "poke_interval": 0.5,
        "timeout": 5,
        "max_attempts": 1,
        "initial_backoff": 0,
        "max_backoff": 0,
    }
    return SignalWireConferenceSensor(**{**defaults, **kwargs})


# -- what one look returns ------------------------------------------------------------------------

STATUSES = ["init", "in-progress", "completed"]
TARGETS: list[Any] = ["init", "in-progress", "completed", ["init", "completed"], ("in-progress",)]


class TestPokeResults:
    @pytest.mark.parametrize("status", STATUSES)
    @pytest.mark.parametrize("target", TARGETS)
    def test_done_exactly_when_the_status_is_a_target(
        self, emu: SignalWireEmulator, status: str, target: Any
    ) -> None:
        conference = emu.add_conference(friendly_name="daily", status=status)
        by_sid = sensor(conference_sid=conference["sid"], target_status=target).poke(CONTEXT)
        by_name = sensor(friendly_name="daily", target_status=target).poke(CONTEXT)
        done = status in ([target] if isinstance(target, str) else list(target))
        for result in (by_sid, by_name):
            assert result.is_done is done
            if done:
                assert isinstance(result.xcom_value, dict)
                assert (result.xcom_value["sid"], result.xcom_value["status"]) == (
                    conference["sid"],
                    status,
                )
            else:
                assert result.xcom_value is None

    def test_a_name_not_seen_yet_is_not_done(self, emu: SignalWireEmulator) -> None:
        result = sensor(friendly_name="later", target_status=STATUSES).poke(CONTEXT)
        assert (result.is_done, result.xcom_value) == (False, None)

    def test_each_look_asks_for_the_named_sid_or_name_in_the_given_account(
        self, emu: SignalWireEmulator
    ) -> None:
        conference = emu.demo_conference_sid
        sensor(conference_sid=conference).poke(CONTEXT)
        sensor(friendly_name="daily").poke(CONTEXT)
        sensor(conference_sid=conference, account_sid="").poke(CONTEXT)  # "" is the default
        with pytest.raises(SignalWireError):
            sensor(conference_sid=conference, account_sid="AC-other-2").poke(CONTEXT)
        looks = [(r.path, r.query.get("FriendlyName")) for r in emu.requests]
        assert looks == [
            (f"{emu.base_path}/Conferences/{conference}", None),
            (f"{emu.base_path}/Conferences", ["daily"]),
            (f"{emu.base_path}/Conferences/{conference}", None),
            (f"/api/laml/2010-04-01/Accounts/AC-other-2/Conferences/{conference}", None),
        ]

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (
                {"conference_sid": "bad sid"},
                "Invalid conference_sid 'bad sid': expected 1-64 ASCII letters, digits or hyphens.",
            ),
            (
                {"conference_sid": "CF1", "account_sid": "bad/acct"},
                "Invalid account_sid 'bad/acct': expected 1-64 ASCII letters, digits or hyphens.",
            ),
            (
                {"friendly_name": ""},
                "Invalid friendly_name '': expected a string of 1 to 64 characters.",
            ),
            (
                {"friendly_name": "n" * 65},
                f"Invalid friendly_name '{'n' * 65}': expected a string of 1 to 64 characters.",
            ),
        ],
    )
    def test_a_bad_rendered_target_is_refused_by_name_before_any_request(
        self, emu: SignalWireEmulator, arguments: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(SignalWireValidationError) as refused:
            sensor(**arguments).poke(CONTEXT)
        assert str(refused.value) == message
        assert emu.requests == []

    def test_a_64_character_name_is_looked_up(self, emu: SignalWireEmulator) -> None:
        name = "n" * 64
        conference = emu.add_conference(friendly_name=name, status="completed")
        result = sensor(friendly_name=name).poke(CONTEXT)
        assert result.is_done is True
        assert isinstance(result.xcom_value, dict)
        assert result.xcom_value["sid"] == conference["sid"]


class TestWhatLooksLog:
    def test_only_a_new_conference_or_status_is_logged_at_info(
        self, emu: SignalWireEmulator, capfd: pytest.CaptureFixture[str]
    ) -> None:
        waiting = sensor(friendly_name="standup")
        waiting.poke(CONTEXT)
        waiting.poke(CONTEXT)
        conference = emu.add_conference(friendly_name="standup", status="in-progress")
        waiting.poke(CONTEXT)
        waiting.poke(CONTEXT)
        emu.set_conference_status(conference["sid"], "completed")
        waiting.poke(CONTEXT)
        sid = conference["sid"]
        assert logged(console(capfd)) == [
            ("info", "No SignalWire conference named 'standup' yet"),
            ("info", f"SignalWire conference {sid} is in-progress"),
            ("info", f"SignalWire conference {sid} is completed"),
        ]

    @pytest.mark.parametrize(
        ("arguments", "line"),
        [
            (
                {"conference_sid": "CF-1"},
                "Waiting for SignalWire conference CF-1 to reach completed "
                "(every 0.5s, timeout 5s, poke mode)",
            ),
            (
                {"friendly_name": "daily", "target_status": ["in-progress", "completed"],
                 "poke_interval": 30, "timeout": 3600.5},
                "Waiting for SignalWire conference named 'daily' to reach in-progress or "
                "completed (every 30s, timeout 3600.5s, poke mode)",
            ),
            (
                {"conference_sid": "CF-1", "mode": "reschedule"},
                "Waiting for SignalWire conference CF-1 to reach completed "
                "(every 0.5s, timeout 5s, reschedule mode)",
            ),
            (
                {"conference_sid": "CF-1", "deferrable": True},
                "Waiting for SignalWire conference CF-1 to reach completed "
                "(every 0.5s, timeout 5s, deferred)",
            ),
        ],
    )  # fmt: skip
    def test_execute_says_what_it_waits_for_and_how(
        self,
        emu: SignalWireEmulator,
        capfd: pytest.CaptureFixture[str],
        arguments: dict[str, Any],
        line: str,
    ) -> None:
        emu.add_fault(Fault(status=401), times=10)  # the first look, if any, fails at once
        context: Any = {"ti": SimpleNamespace(get_first_reschedule_date=lambda context: None)}
        with pytest.raises((SignalWireAuthError, TaskDeferred, AirflowRescheduleException)):
            sensor(**arguments).execute(context)
        assert logged(console(capfd))[0] == ("info", line)


# -- deferral -------------------------------------------------------------------------------------


class TestDeferral:
    @pytest.mark.parametrize(
        ("arguments", "handed_over"),
        [
            (
                {"conference_sid": "CF-9", "account_sid": ""},
                {"conference_sid": "CF-9", "friendly_name": None, "account_sid": None,
                 "target_statuses": ["completed"], "signalwire_conn_id": "signalwire_default"},
            ),
            (
                {"friendly_name": "daily", "account_sid": "AC-7", "signalwire_conn_id": "sw2",
                 "target_status": ("init", "in-progress")},
                {"conference_sid": None, "friendly_name": "daily", "account_sid": "AC-7",
                 "target_statuses": ["init", "in-progress"], "signalwire_conn_id": "sw2"},
            ),
        ],
    )  # fmt: skip
    def test_the_trigger_gets_the_target_account_connection_and_knobs(
        self, arguments: dict[str, Any], handed_over: dict[str, Any]
    ) -> None:
        waiting = sensor(
            deferrable=True, poke_interval=45, timeout=7200, max_attempts=4, initial_backoff=0.5,
            max_backoff=9, **arguments,
        )  # fmt: skip
        with pytest.raises(TaskDeferred) as deferred:
            waiting.execute(CONTEXT)
        assert deferred.value.method_name == "execute_complete"
        assert deferred.value.timeout == timedelta(seconds=7200)
        trigger = deferred.value.trigger
        assert isinstance(trigger, ConferenceStatusTrigger)
        classpath, kwargs = trigger.serialize()
        assert (
            classpath == "airflow_provider_signalwire.triggers.conference.ConferenceStatusTrigger"
        )
        assert kwargs == {
            **handed_over,
            "poll_interval": 45.0,
            "max_attempts": 4,
            "initial_backoff": 0.5,
            "max_backoff": 9,
        }
        assert "hook" not in vars(waiting)

    def test_the_defaults_of_the_sensor(self) -> None:
        waiting = SignalWireConferenceSensor(task_id="w", conference_sid="CF1")
        assert waiting.target_status == "completed"
        assert waiting.target_statuses == ("completed",)
        assert waiting.signalwire_conn_id == "signalwire_default"
        assert waiting.account_sid is None
        assert waiting.deferrable is False
        assert (waiting.max_attempts, waiting.initial_backoff, waiting.max_backoff) == (
            5,
            1.0,
            30.0,
        )
        assert waiting.hook.signalwire_conn_id == "signalwire_default"
        assert waiting.hook.pool_size == 1

    def test_the_hook_gets_the_sensors_connection_and_retry_knobs(self) -> None:
        waiting = sensor(
            conference_sid="CF1", signalwire_conn_id="sw3", max_attempts=2, initial_backoff=0.1,
            max_backoff=4,
        )  # fmt: skip
        hook = waiting.hook
        assert (hook.signalwire_conn_id, hook.max_attempts) == ("sw3", 2)
        assert (hook.initial_backoff, hook.max_backoff) == (0.1, 4)


# -- the trigger's event --------------------------------------------------------------------------


class TestResumingWithTheTriggersEvent:
    def test_success_returns_the_conference_and_says_so(
        self, capfd: pytest.CaptureFixture[str]
    ) -> None:
        conference = {"sid": "CF-3", "status": "in-progress", "friendly_name": "x"}
        result = sensor(conference_sid="CF-3").execute_complete(
            CONTEXT, {"status": "success", "conference": conference}
        )
        assert result == conference
        assert logged(console(capfd)) == [
            ("info", "SignalWire conference CF-3 reached in-progress")
        ]

    @pytest.mark.parametrize(
        ("event", "error_class", "message"),
        [
            (None, SignalWireError, "No usable event from the trigger: None"),
            ({}, SignalWireError, "No usable event from the trigger: {}"),
            ({"status": "error"}, SignalWireError,
             "No usable event from the trigger: {'status': 'error'}"),
            ({"status": "SUCCESS", "conference": {}}, SignalWireError,
             "No usable event from the trigger: {'status': 'SUCCESS', 'conference': {}}"),
            ({"status": "error", "message": "m1", "error_type": "SignalWireAuthError"},
             SignalWireAuthError, "m1"),
            ({"status": "error", "message": "m2", "error_type": "SignalWireRateLimitError"},
             SignalWireRateLimitError, "m2"),
            ({"status": "error", "message": "m3", "error_type": "SignalWireError"},
             SignalWireError, "m3"),
            ({"status": "error", "message": "m4", "error_type": "ValueError"},
             SignalWireError, "m4"),
            ({"status": "error", "message": "m5", "error_type": "annotations"},
             SignalWireError, "m5"),
            ({"status": "error", "message": "m6", "error_type": "AirflowException"},
             SignalWireError, "m6"),
            ({"status": "error", "message": "m7", "error_type": 404}, SignalWireError, "m7"),
            ({"status": "error", "message": 500}, SignalWireError, "500"),
            ({"status": "success"}, SignalWireError,
             "The trigger's success event has no conference: {'status': 'success'}"),
            ({"status": "success", "conference": ["CF"]}, SignalWireError,
             "The trigger's success event has no conference: "
             "{'status': 'success', 'conference': ['CF']}"),
        ],
    )  # fmt: skip
    def test_anything_but_success_fails_with_the_triggers_error(
        self, event: dict[str, Any] | None, error_class: type[SignalWireError], message: str
    ) -> None:
        with pytest.raises(SignalWireError) as raised:
            sensor(conference_sid="CF1").execute_complete(CONTEXT, event)
        assert type(raised.value) is error_class
        assert str(raised.value) == message


# -- durations checked when the DAG file is parsed -------------------------------------------------

DURATION_LIMITS = [
    ("poke_interval", [0.001, 1, 86400, 86400.0, timedelta(days=1)],
     [0, -1, 86400.001, timedelta(days=1, microseconds=1), float("nan"), True, "60"]),
    ("timeout", [0.001, 366 * 86400, timedelta(days=366)],
     [0, -5, 366 * 86400 + 1, timedelta(days=366, seconds=1), float("inf")]),
    ("max_wait", [1, 366 * 86400, timedelta(days=366)],
     [0, 366 * 86400 + 0.5, timedelta(days=367)]),
]  # fmt: skip


class TestDurations:
    @pytest.mark.parametrize(("name", "accepted", "refused"), DURATION_LIMITS)
    def test_both_sides_of_each_limit(
        self, name: str, accepted: list[Any], refused: list[Any]
    ) -> None:
        for value in accepted:
            SignalWireConferenceSensor(task_id="w", conference_sid="CF1", **{name: value})
        for value in refused:
            with pytest.raises(SignalWireValidationError) as bad:
                SignalWireConferenceSensor(task_id="w", conference_sid="CF1", **{name: value})
            assert str(bad.value).startswith(f"Invalid {name} {value!r}: expected seconds, 0 < s")

    def test_durations_left_out_or_none_are_airflows_defaults(self) -> None:
        # timeout=None itself is Airflow's to take or refuse (3.1 refuses it): left out here.
        waiting = SignalWireConferenceSensor(task_id="w", conference_sid="CF1", max_wait=None)
        assert waiting.poke_interval == 60

    @pytest.mark.parametrize(
        ("conference_sid", "friendly_name"), [(None, None), ("CF1", "daily"), ("", "")]
    )
    def test_exactly_one_of_sid_and_name(
        self, conference_sid: str | None, friendly_name: str | None
    ) -> None:
        with pytest.raises(SignalWireValidationError) as refused:
            SignalWireConferenceSensor(
                task_id="w", conference_sid=conference_sid, friendly_name=friendly_name
            )
        assert str(refused.value) == (
            "SignalWireConferenceSensor needs exactly one of conference_sid and friendly_name; "
            f"got conference_sid={conference_sid!r}, friendly_name={friendly_name!r}."
        )

    def test_a_bad_target_status_is_named(self) -> None:
        with pytest.raises(SignalWireValidationError) as refused:
            SignalWireConferenceSensor(task_id="w", conference_sid="CF1", target_status="ended")
        assert str(refused.value).startswith("Invalid target_status 'ended': expected one of ")


# -- the hook: closed after the wait, aborted by a kill, and kept for hours -----------------------


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> list[SignalWireHook]:
    """Every ``close`` of any hook (the real one still runs)."""
    seen: list[SignalWireHook] = []
    real_close = SignalWireHook.close

    def close(hook: SignalWireHook) -> None:
        seen.append(hook)
        real_close(hook)

    monkeypatch.setattr(SignalWireHook, "close", close)
    return seen


class TestTheHook:
    def test_a_wait_that_ends_closes_the_hook_once(
        self, emu: SignalWireEmulator, closed: list[SignalWireHook]
    ) -> None:
        conference = emu.add_conference(friendly_name="x", status="completed")
        waiting = sensor(conference_sid=conference["sid"])
        assert waiting.execute(CONTEXT)["sid"] == conference["sid"]
        assert closed == [waiting.hook]
        assert "transport" not in vars(waiting.hook)

    def test_a_wait_that_fails_closes_the_hook_once(
        self, emu: SignalWireEmulator, closed: list[SignalWireHook]
    ) -> None:
        waiting = sensor(conference_sid="CF-unknown")
        with pytest.raises(SignalWireNotFoundError):
            waiting.execute(CONTEXT)
        assert closed == [waiting.hook]
        assert "transport" not in vars(waiting.hook)

    def test_a_deferred_wait_opens_no_hook(
        self, emu: SignalWireEmulator, closed: list[SignalWireHook]
    ) -> None:
        waiting = sensor(conference_sid="CF1", deferrable=True)
        with pytest.raises(TaskDeferred):
            waiting.execute(CONTEXT)
        assert "hook" not in vars(waiting)
        assert closed == []
        assert emu.requests == []

    def test_on_kill_before_any_look_builds_no_hook(self) -> None:
        waiting = sensor(conference_sid="CF1")
        waiting.on_kill()
        assert "hook" not in vars(waiting)

    def test_on_kill_after_a_look_stops_every_later_look(self, emu: SignalWireEmulator) -> None:
        waiting = sensor(conference_sid=emu.demo_conference_sid, target_status="init")
        assert waiting.poke(CONTEXT).is_done is False
        waiting.on_kill()
        with pytest.raises(SignalWireCancelledError):
            waiting.poke(CONTEXT)
        assert len(emu.requests) == 1

    def test_a_hook_idle_past_the_watchdog_still_cuts_a_slow_look(
        self, emu: SignalWireEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        Looks far apart: the watchdog of the deadlines ends after each look and must come back.

        After each look the test waits for the watchdog thread to end (a poke-mode sensor idles
        longer between two looks), then the next look meets a server that does not answer in
        time: the same hook must still cut it at the connection's timeout.
        """
        monkeypatch.setenv("AIRFLOW_CONN_SIGNALWIRE_DEFAULT", connection_json(emu.url, timeout=1.0))
        conference = emu.add_conference(friendly_name="long", status="in-progress")
        waiting = sensor(conference_sid=conference["sid"])
        for _ in range(2):
            before = set(threading.enumerate())
            assert waiting.poke(CONTEXT).is_done is False
            watchdogs = [
                t
                for t in threading.enumerate()
                if t.name == "signalwire-deadlines" and t not in before
            ]
            assert len(watchdogs) <= 1  # it may have ended already
            for watchdog in watchdogs:
                watchdog.join(10)
                assert not watchdog.is_alive()
        emu.add_fault(Fault(delay=4.0, method="GET"), times=1)
        with pytest.raises(SignalWireConnectionError, match=r"within the 1s read timeout"):
            waiting.poke(CONTEXT)
        emu.set_conference_status(conference["sid"], "completed")
        assert waiting.poke(CONTEXT).is_done is True  # and the same hook still works
        assert len(emu.requests) == 4
